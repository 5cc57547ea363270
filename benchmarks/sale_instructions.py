"""Instructions per API sale, counted by valgrind: a figure a busy machine cannot disturb.

    .venv/bin/python benchmarks/sale_instructions.py [--sales 100] [--json FILE]
    .venv/bin/python benchmarks/sale_instructions.py --flow web [--sales 20]

Needs Debian's `valgrind`. The API sale of wrk_bench.py (`POST /api/v1/sales`, two products,
paid by card, a fresh Idempotency-Key each) is sent straight into the WSGI app, as in
sale_cost.py, in a child process run under `valgrind --tool=callgrind`; so is the floor's sale
(sales_bench.floor_app). Each child is run twice, with 50 warm-up sales and then with 50 +
`--sales`; the difference of the instructions the process executed, divided by `--sales`, is
one sale's, start-up and warm-up left out. What the kernel does (writing the WAL, fsync) is not
counted: the coop lives on tmpfs (/dev/shm) for the run, so the disk does not matter either.

Timings in process (sale_cost.py) move by 10-25 % with whatever else the machine runs; these
counts repeat within about 1 % (a fresh coop each run), so a change of 2 % is visible.
Instructions are not time (cache misses, system calls), but on the same machine they rank
changes to the same path reliably.

`--flow web` counts the sell screen's sale instead (tile, tile, pay, as webflow_bench.py's
`--in-process` sends them: one logged-in tablet, the session cookie, CSRF, the HTML answers),
on a `pos demo` coop of webflow_bench.make_coop; no floor.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import sale_cost  # noqa: E402
import sales_bench  # noqa: E402

WARM_UP = 50
WEB_WARM_UP = 20  # a sell-screen sale costs ten API ones: fewer make the caches as warm


def child(which: str, folder: Path, sales: int) -> None:
    """Build the app on the prepared folder, then send WARM_UP + `sales` sales into it (the
    requests of sale_cost.py, each checked for its 201; a tablet's, checked by webflow_bench)."""
    if which == "web":
        import webflow_bench

        from pos.web.app import create_app

        member, products = json.loads((folder / "tablet.json").read_text())
        tablet = webflow_bench.Tablet(create_app(folder / "etal.db"), member, tuple(products))
        timings: dict[str, list[float]] = {k: [] for k in webflow_bench.KINDS}
        for _ in range(WEB_WARM_UP + sales):
            tablet.sale(timings)
        return
    if which == "etal":
        from pos.web.app import create_app

        token = (folder / "token").read_text().strip()
        lines = json.loads((folder / "lines.json").read_text())
        total = sum(q * price for _p, q, price in lines)
        body = {
            "lines": [{"product_id": p, "quantity": q} for p, q, _price in lines],
            "payments": [{"method": "card", "amount": sales_bench.cents(total)}],
            "channel": "online",
        }
        app = create_app(folder / "etal.db")
        path, headers = "/api/v1/sales", {"Authorization": f"Bearer {token}"}
    else:
        app = sales_bench.floor_app(str(folder / "floor.db"))
        body = {"lines": [{"product_id": p, "quantity": q} for p, q in sales_bench.FLOOR_LINES]}
        path, headers = "/sales", {}
    call = sale_cost.wsgi_caller(
        app,
        path,
        json.dumps(body).encode(),
        {**headers, "Content-Type": "application/json"},
        WARM_UP + sales,
    )
    for _ in range(WARM_UP + sales):
        call()


def counted(which: str, folder: Path, sales: int) -> int:
    """Instructions the whole child process executed under callgrind."""
    work = Path(tempfile.mkdtemp(dir=folder))
    for name in folder.iterdir():  # a fresh copy of the coop for each run
        if name.is_file():
            shutil.copy(name, work / name.name)
    run = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            which,
            str(work),
            str(sales),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if not found:
        raise SystemExit(run.stderr[-2000:])
    return int(found.group(1))


def per_sale(which: str, folder: Path, sales: int) -> int:
    return (counted(which, folder, sales) - counted(which, folder, 0)) // sales


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sales", type=int, default=100, help="sales counted (after 50; 20 with --flow web)"
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--flow", choices=("api", "web"), default="api", help="which sale")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, folder, sales = args.child
        child(which, Path(folder), int(sales))
        return 0
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind est introuvable : apt install valgrind")
    shm = Path("/dev/shm")
    if args.flow == "web":
        return web_flow(args, shm if shm.is_dir() else None)
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        etal, floor = Path(tmp, "etal"), Path(tmp, "floor")
        etal.mkdir()
        floor.mkdir()
        token, lines = sales_bench.make_etal_db(etal / "etal.db")
        (etal / "token").write_text(token)
        (etal / "lines.json").write_text(json.dumps(lines))
        sales_bench.make_floor_db(floor / "floor.db")
        figures = {
            "etal": per_sale("etal", etal, args.sales),
            "floor": per_sale("floor", floor, args.sales),
        }
    figures["ratio"] = round(figures["etal"] / figures["floor"], 2)
    print(f"Instructions per API sale (callgrind, {args.sales} sales after {WARM_UP}):")
    print(f"  Étal   {figures['etal']:>12,}")
    print(f"  floor  {figures['floor']:>12,}")
    print(f"  Étal/floor: {figures['ratio']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


def web_flow(args, folder: Path | None) -> int:
    import webflow_bench

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        members, products = webflow_bench.make_coop(Path(tmp, "etal.db"), 1)
        Path(tmp, "tablet.json").write_text(json.dumps([members[0], list(products)]))
        figures = {"web": per_sale("web", Path(tmp), args.sales)}
    print(f"Instructions per sell-screen sale (tile, tile, pay; callgrind, {args.sales} sales")
    print(f"after {WEB_WARM_UP}): {figures['web']:,}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
