"""Where an API sale's time goes, part by part, inside the process (no server, no client).

    .venv/bin/python benchmarks/sale_cost.py [--sales 2000]

On a fresh `pos demo` coop with a token and stock (sales_bench.make_etal_db), the same sale as
wrk_bench.py (`POST /api/v1/sales`, two products, paid by card) is sent straight to the WSGI
app, and each part of its path is also timed alone in a request context: the token check, the
key and request hash, the retry look-ups, pricing, the write (its Python and SQL, then with the
COMMIT), the answer. Each figure is the process's CPU time (a wait for the disk does not
count; the system calls of writing do), the best of 5 repeats (the least disturbed by whatever
else the machine runs), in microseconds per sale. "Flask and hooks" is
what the whole request costs beyond its parts. The floor's whole request is timed the same way.
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
    from pos.db import sales as journal
    from pos.web import api
    from pos.web.app import create_app
    from pos.web.db import get_db

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
    call = wsgi_caller(app, "/api/v1/sales", body, headers, 200 + 5 * sales)
    for _ in range(200):
        call()
    parts = {"whole request (WSGI)": best_us(call, sales)}
    with app.test_request_context(
        "/api/v1/sales", method="POST", data=body, headers={**headers, "Idempotency-Key": "k"}
    ):
        db = get_db()
        parts["token check (SQL)"] = best_us(api.check_token, sales)
        parts["key and request hash"] = best_us(lambda: api.key_and_digest(request), sales)
        parts["retry look-ups (SQL)"] = best_us(lambda: api._replay(db, "new", "d"), sales)
        parts["pricing (products, cart)"] = best_us(lambda: api._sale_request(db, request), sales)
        sale = api._sale_request(db, request)

        keys = [uuid.uuid4().hex for _ in range(10 * sales)]

        def write() -> None:
            api._record_sale(db, sale, keys.pop(), "d")

        parts["write (Python, SQL, COMMIT)"] = best_us(write, max(100, sales // 4))
        db.conn.execute("PRAGMA synchronous = OFF")  # this connection only, to see the rest
        parts["write, synchronous=OFF"] = best_us(write, max(100, sales // 4))
        number = db.execute("SELECT max(number) FROM sales").fetchone()[0]
        entry = journal.get_sale(db, number)
        parts["answer (JSON)"] = best_us(lambda: api._answer(entry), sales)
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
    whole = parts["whole request (WSGI)"]
    counted = sum(
        v for k, v in parts.items() if k not in ("whole request (WSGI)", "write, synchronous=OFF")
    )
    print(f"Étal, one API sale, in process (µs, best of 5 x {args.sales}):")
    for name, value in parts.items():
        print(f"  {value:8.0f}  {name}")
    print(f"  {whole - counted:8.0f}  Flask, hooks and the rest (whole minus the parts)")
    print(f"Floor, one sale, in process: {floor:.0f} µs (Étal/floor: {whole / floor:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
