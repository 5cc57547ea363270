"""How long `pos export` takes, and how much memory it needs, on a million sale lines.

    .venv/bin/python benchmarks/export_bench.py            # 1,000,000 lines
    .venv/bin/python benchmarks/export_bench.py --lines 200000 --keep /tmp/bench

Fills a temporary coop database quickly (bulk INSERTs in one transaction, bypassing the app:
the journal's triggers forbid UPDATE and DELETE, not INSERT), then runs `pos export` once per
dialect in a fresh Python process and prints the wall time and that process's peak RSS
(VmHWM in /proc/self/status), next to the peak RSS of the same process doing nothing but importing.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pos import db as database
from pos.db import coop
from pos.db.catalogue import insert_category, insert_product

PRODUCTS = [
    ("Kokedama", 1250, 2000, 400),
    ("Cookie", 250, 550, 60),
    ("Pot", 900, 1000, 300),
    ("Café", 150, 1000, None),
    ("Sablé", 300, 550, 80),
    ("Bouquet", 1500, 1000, 500),
]
LINES_PER_SALE = 3
DAYS = 7

CHILD = """
import sys, time
from pos.cli import main
start = time.perf_counter()
if sys.argv[1:]:
    main(sys.argv[1:], standalone_mode=False)
else:  # the baseline: the same modules, nothing exported
    import pos.bookkeeping, pos.db.coop
elapsed = time.perf_counter() - start
# VmHWM is this process's own peak RSS (ru_maxrss would carry the parent's over fork + exec).
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(f"{elapsed:.2f} {peak}")
"""


def fill(path: Path, lines: int, seed: int = 7) -> None:
    """A coop with a week of sales: `lines` sale lines, a payment per sale, a Z per day."""
    rng = random.Random(seed)
    db = database.connect(path, create=True)
    database.migrate(db)
    coop.save_settings(db, {"brand": "Bench", "legal_name": "CAE Bench", "siret": "90000000000001"})
    category = insert_category(db, "Tout")
    ids = [
        insert_product(
            db,
            {
                "name": n,
                "price": p,
                "vat_rate": r,
                "unit_cost": c,
                "category_id": category,
                "track_stock": 0,
            },
        )
        for n, p, r, c in PRODUCTS
    ]
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(DAYS)
    sales = -(-lines // LINES_PER_SALE)
    per_day = -(-sales // DAYS)
    day_totals = [0] * DAYS
    with database.transaction(db):
        for day in range(DAYS):
            opened = (start + timedelta(days=day)).isoformat(timespec="microseconds")
            db.execute(
                "INSERT INTO till_days(id, opened_at, float_total, closed_at) "
                "VALUES (?, ?, 6000, ?)",
                [day + 1, opened, opened],
            )
        sale_rows, line_rows, pay_rows = [], [], []
        written = 0
        for number in range(1, sales + 1):
            day = (number - 1) // per_day
            at = start + timedelta(days=day, seconds=((number - 1) % per_day) * 36000 / per_day)
            total = 0
            for position in range(1, min(LINES_PER_SALE, lines - written) + 1):
                index = rng.randrange(len(PRODUCTS))
                name, price, rate, cost = PRODUCTS[index]
                quantity = rng.randint(1, 3)
                line_total = price * quantity
                total += line_total
                line_rows.append(
                    (
                        number,
                        position,
                        ids[index],
                        name,
                        name,
                        quantity,
                        price,
                        rate,
                        cost,
                        line_total,
                    )
                )
                written += 1
            sale_rows.append(
                (number, number, at.isoformat(timespec="microseconds"), total, day + 1)
            )
            pay_rows.append((number, rng.choice(["cash", "card", "cheque"]), total))
            day_totals[day] += total
            if len(sale_rows) >= 20_000:
                _flush(db, sale_rows, line_rows, pay_rows)
        _flush(db, sale_rows, line_rows, pay_rows)
        for day in range(DAYS):
            closed = (start + timedelta(days=day, hours=11)).isoformat(timespec="microseconds")
            totals = {"net_total": day_totals[day], "sales_count": per_day, "by_rate": []}
            db.execute(
                "INSERT INTO closures(number, kind, period, day_id, created_at, totals, "
                "grand_total, prev_hash, hash) VALUES (?, 'day', ?, ?, ?, ?, 0, '', '')",
                [day + 1, closed[:10], day + 1, closed, json.dumps(totals)],
            )
    db.close()


def _flush(db, sale_rows: list, line_rows: list, pay_rows: list) -> None:
    db.conn.executemany(
        "INSERT INTO sales(id, number, kind, created_at, seller, total, prev_hash, hash, day_id)"
        " VALUES (?, ?, 'sale', ?, 'Bench', ?, '', '', ?)",
        [(s[0], s[1], s[2], s[3], s[4]) for s in sale_rows],
    )
    db.conn.executemany(
        "INSERT INTO sale_lines(sale_id, position, product_id, name, short_name, quantity, "
        "unit_price, vat_rate, unit_cost, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        line_rows,
    )
    db.conn.executemany("INSERT INTO payments(sale_id, method, amount) VALUES (?, ?, ?)", pay_rows)
    sale_rows.clear()
    line_rows.clear()
    pay_rows.clear()


def run_child(*args: str) -> tuple[float, int]:
    """(seconds, peak RSS in KiB) of a fresh Python process running `pos <args>`."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True
    )
    seconds, rss = done.stdout.split()[-2:]
    return float(seconds), int(rss)


def main() -> None:
    """Fill, export in both dialects, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Keep the database and exports in this folder.")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="etal-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    fill(path, options.lines)
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} · "
        f"{platform.system()} {platform.release()} · Python {platform.python_version()}"
    )
    print(
        f"filled {options.lines:,} sale lines in {time.perf_counter() - started:.1f} s "
        f"({path.stat().st_size / 2**20:.0f} MiB)"
    )
    _, baseline = run_child()
    print(f"baseline (imports only): peak RSS {baseline / 1024:.0f} MiB")
    for dialect in ("fr", "plain"):
        out = folder / f"out-{dialect}"
        seconds, rss = run_child(
            "export", "--db", str(path), "--out", str(out), "--dialect", dialect
        )
        size = sum(f.stat().st_size for f in out.iterdir()) / 2**20
        print(
            f"pos export --dialect {dialect}: {seconds:.1f} s, peak RSS {rss / 1024:.0f} MiB, "
            f"{size:.0f} MiB written"
        )
    if not options.keep:
        import shutil

        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
