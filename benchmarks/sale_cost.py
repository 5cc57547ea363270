"""Where an API sale's time goes, part by part, inside the process (no server, no client).

    .venv/bin/python benchmarks/sale_cost.py [--sales 1000]

On a fresh `pos demo` coop with a token and stock (sales_bench.make_etal_db), the same sale as
wrk_bench.py (`POST /api/v1/sales`, two products, paid by card) is sent straight to the WSGI
app, whole; then again with one part of its path taken out (replaced by its result, computed
once): the token check, pricing, the write (Python, SQL and COMMIT), the
answer's JSON; and last with `sale_call` replaced by its answer (what is left: the WSGI layers,
pos.web.sale_lane in front of Flask, the token check and reading the body). A
part's cost is what the whole request loses without it, measured in context: timed alone in a
loop, a part runs with warm caches and looks two to five times cheaper than it is. Figures are
the process's CPU time (a wait for the disk does not count; the system calls of writing do),
best of 5 repeats (the least disturbed by whatever else the machine runs), in microseconds per
sale. The floor's whole request is timed the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import timeit
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import sales_bench  # noqa: E402


def best_us(work, number: int) -> float:
    """Microseconds of this process's CPU per call, best of 5 repeats (waits do not count)."""
    runs = timeit.repeat(work, number=number, repeat=5, timer=time.process_time)
    return min(runs) / number * 1e6


def wsgi_caller(app, path: str, body: bytes, headers: dict[str, str], count: int):
    """A function that sends one request to the app and checks its 201; the `count` requests
    (each with a fresh Idempotency-Key) are built beforehand, so only the app is timed."""
    from werkzeug.test import EnvironBuilder

    environs = [
        EnvironBuilder(
            path=path,
            method="POST",
            data=body,
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        ).get_environ()
        for _ in range(count)
    ]

    def call() -> None:
        status = []
        answer = app(environs.pop(), lambda s, h, e=None: status.append(s))
        b"".join(answer)
        getattr(answer, "close", lambda: None)()
        assert status[0].startswith("201"), status

    return call


def etal_parts(folder: Path, sales: int) -> dict[str, float]:
    """The whole request, then without each part in turn; a part's cost is the difference."""
    from pos.web import api
    from pos.web.app import create_app

    db_path = folder / "etal.db"
    token, lines = sales_bench.make_etal_db(db_path)
    total = sum(q * price for _p, q, price in lines)
    request = {
        "lines": [{"product_id": p, "quantity": q} for p, q, _price in lines],
        "payments": [{"method": "card", "amount": sales_bench.cents(total)}],
        "channel": "online",
    }
    body = json.dumps(request).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    app = create_app(db_path)

    def whole() -> float:
        call = wsgi_caller(app, "/api/v1/sales", body, headers, 100 + 5 * sales)
        for _ in range(100):
            call()
        return best_us(call, sales)

    real = {name: getattr(api, name) for name in ("_sale_request", "_record_sale", "_answer")}
    with app.test_request_context("/api/v1/sales", method="POST"):
        from pos.web.db import get_db

        db = get_db()
        priced = real["_sale_request"](db, request)
        digest = api.RequestHash("/api/v1/sales", request, "d")
        _number, entry, _replayed = real["_record_sale"](db, priced, uuid.uuid4().hex, digest)
    answer = real["_answer"](entry)
    written = (entry["number"], entry, False)
    without = {
        "token check": ("token_scopes", lambda db, authorization: ("sell",)),
        "pricing (products, cart)": ("_sale_request", lambda db, body: priced),
        "write (Python, SQL, COMMIT)": ("_record_sale", lambda db, sale, key, digest: written),
        "answer (JSON)": ("_answer", lambda e: answer),
    }
    full = whole()
    parts = {"whole request": full}
    for label, (name, stand_in) in without.items():
        kept = getattr(api, name)
        setattr(api, name, stand_in)
        try:
            parts[label] = full - whole()
        finally:
            setattr(api, name, kept)
    call = api.sale_call  # what pos.web.sale_lane calls, once the token is checked
    api.sale_call = lambda extensions, db, key, body: (answer, 201, api.JSON)
    try:
        parts["the lane, the WSGI layers, the token, the body (sale_call replaced)"] = whole()
    finally:
        api.sale_call = call
    return parts


def floor_whole(folder: Path, sales: int) -> float:
    db_path = folder / "floor.db"
    sales_bench.make_floor_db(db_path)
    app = sales_bench.floor_app(str(db_path))
    body = json.dumps(
        {"lines": [{"product_id": p, "quantity": q} for p, q in sales_bench.FLOOR_LINES]}
    ).encode()
    call = wsgi_caller(app, "/sales", body, {"Content-Type": "application/json"}, 200 + 5 * sales)
    for _ in range(200):
        call()
    return best_us(call, sales)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=2000, help="sales per repeat")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        parts = etal_parts(Path(tmp), args.sales)
        floor = floor_whole(Path(tmp), args.sales)
    whole = parts.pop("whole request")
    print(f"Étal, one API sale, in process (µs of CPU, best of 5 x {args.sales}):")
    print(f"  {whole:8.0f}  the whole request")
    for name, value in parts.items():
        print(f"  {value:8.0f}  {name}")
    print(
        "  (each part is what the request saves without it, caches included: the parts overlap"
        " and add up to more than the whole)"
    )
    print(f"Floor, one sale, in process: {floor:.0f} µs (Étal/floor: {whole / floor:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
