"""Étal under a market rush, against the stack's floor and the disk's limit, in one run.

    .venv/bin/python benchmarks/sales_bench.py --seconds 20

(a) Étal: `pos serve` as a member runs it (waitress, 8 threads) on a fresh `pos demo` coop with
    an API token and plenty of stock; 8 client threads (keep-alive sessions) record sales
    through POST /api/v1/sales with an Idempotency-Key.
(b) The floor: a minimal Flask app on the same waitress (8 threads) doing the same sale-shaped
    transaction (sale + 2 lines + payment + guarded stock update + movements) with the same
    pragmas and a process write lock, one connection per thread, under the same load.
(c) The disk's limit: the same transaction in a plain Python loop, no HTTP.

Then the sell screen's weight: first load (HTML + CSS + JS + htmx) and each tap's fragment.
Prints a table, the ratios and the issue's goals; --json writes the figures to a file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/serving.py, shared
from tests.serving import free_port, wait_until_listening  # noqa: E402
from tests.serving import serve_command as pos_serve  # noqa: E402

CLIENTS = 8
SERVER_THREADS = 8
WARM_UP = 1.0
GOALS = {
    "p99_ms": 30,
    "floor_ratio": 0.70,
    "locked": 0,
    "rss_mb": 60,
    "first_load_kb": 100,
    "tap_kb": 5,
}
PRAGMAS = (
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
)

# --- the floor's sale-shaped transaction (shared by (b) and (c)) ---------------------------

FLOOR_SCHEMA = """
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL,
    stock INTEGER NOT NULL, track_stock INTEGER NOT NULL DEFAULT 1);
CREATE TABLE sales (id INTEGER PRIMARY KEY, number INTEGER NOT NULL UNIQUE,
    created_at TEXT NOT NULL, total INTEGER NOT NULL, idempotency_key TEXT UNIQUE,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE sale_lines (id INTEGER PRIMARY KEY, sale_id INTEGER NOT NULL REFERENCES sales(id),
    product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL,
    unit_price INTEGER NOT NULL, total INTEGER NOT NULL);
CREATE INDEX sale_lines_sale ON sale_lines(sale_id);
CREATE TABLE payments (id INTEGER PRIMARY KEY, sale_id INTEGER NOT NULL REFERENCES sales(id),
    method TEXT NOT NULL, amount INTEGER NOT NULL);
CREATE INDEX payments_sale ON payments(sale_id);
CREATE TABLE stock_movements (id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL,
    sale_id INTEGER REFERENCES sales(id), created_at TEXT NOT NULL);
CREATE INDEX stock_movements_product ON stock_movements(product_id);
INSERT INTO products(id, name, price, stock) VALUES (1, 'Cookie', 250, 10000000),
    (2, 'Financier', 200, 10000000);
"""
FLOOR_LINES = [(1, 1), (2, 2)]
WRITE_LOCK = threading.Lock()


def floor_connect(path: str) -> sqlite3.Connection:
    """A connection with Étal's pragmas."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def floor_sale(conn: sqlite3.Connection, key: str, lines: list[tuple[int, int]]) -> dict:
    """Record one sale: idempotency look-up, next number, lines, payment, guarded stock."""
    with WRITE_LOCK:
        conn.execute("BEGIN IMMEDIATE")
        try:
            done = conn.execute(
                "SELECT number, total FROM sales WHERE idempotency_key = ?", [key]
            ).fetchone()
            if done:
                conn.execute("COMMIT")
                return {"number": done[0], "total": done[1]}
            prices = dict(conn.execute("SELECT id, price FROM products").fetchall())
            last = conn.execute(
                "SELECT number, hash FROM sales ORDER BY number DESC LIMIT 1"
            ).fetchone() or (0, "0" * 64)
            total = sum(prices[p] * q for p, q in lines)
            now = time.strftime("%Y-%m-%dT%H:%M:%S")
            digest = hashlib.sha256(f"{last[1]}|{last[0] + 1}|{total}|{now}".encode()).hexdigest()
            sale_id = conn.execute(
                "INSERT INTO sales(number, created_at, total, idempotency_key, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [last[0] + 1, now, total, key, last[1], digest],
            ).lastrowid
            for product_id, quantity in lines:
                conn.execute(
                    "INSERT INTO sale_lines(sale_id, product_id, quantity, unit_price,"
                    " total) VALUES (?, ?, ?, ?, ?)",
                    [
                        sale_id,
                        product_id,
                        quantity,
                        prices[product_id],
                        prices[product_id] * quantity,
                    ],
                )
            conn.execute(
                "INSERT INTO payments(sale_id, method, amount) VALUES (?, 'card', ?)",
                [sale_id, total],
            )
            for product_id, quantity in lines:
                moved = conn.execute(
                    "UPDATE products SET stock = stock - ? WHERE id = ?"
                    " AND track_stock = 1 AND stock >= ?",
                    [quantity, product_id, quantity],
                ).rowcount
                if moved != 1:
                    raise ValueError("out of stock")
                conn.execute(
                    "INSERT INTO stock_movements(product_id, quantity, sale_id,"
                    " created_at) VALUES (?, ?, ?, ?)",
                    [product_id, -quantity, sale_id, now],
                )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return {"number": last[0] + 1, "total": total}


def make_floor_db(path: Path) -> None:
    """The floor's small schema and two products with plenty of stock."""
    conn = floor_connect(str(path))
    conn.executescript(FLOOR_SCHEMA)
    conn.close()


def floor_app(path: str):
    """The minimal Flask app: one connection per waitress thread, opened once, never closed.

    The cheapest way to hold connections, hence a floor: closing the last connection to a
    WAL database checkpoints it, so a connection per request would be a slower baseline.
    """
    from flask import Flask, jsonify, request

    app = Flask("floor")
    local = threading.local()

    @app.post("/sales")
    def sale():
        body = request.get_json()
        key = request.headers["Idempotency-Key"]
        if not hasattr(local, "conn"):
            local.conn = floor_connect(path)
        lines = [(line["product_id"], line["quantity"]) for line in body["lines"]]
        return jsonify({"sale": floor_sale(local.conn, key, lines)}), 201

    return app


def serve_floor(path: str, port: int) -> None:
    """Run the floor app on waitress, as `pos serve` runs Étal."""
    import waitress

    waitress.serve(
        floor_app(path),
        host="127.0.0.1",
        port=port,
        threads=SERVER_THREADS,
        ident="floor",
        channel_timeout=30,
    )


# --- servers and load ---------------------------------------------------------------------


class Server:
    """A server subprocess on 127.0.0.1, its log in a file, its peak memory from /proc."""

    def __init__(self, command: list[str], port: int, log: Path):
        self.port, self.log = port, log
        self.url = f"http://127.0.0.1:{port}"
        self.out = log.open("wb")
        self.process = subprocess.Popen(
            command,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_until_listening(self.process, port, 30, log.read_text)

    def peak_rss_mb(self) -> float:
        """VmHWM: the resident set's high-water mark."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024

    def stop(self) -> str:
        """Terminate; return the log."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.out.close()
        return self.log.read_text(errors="replace")


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def combine(runs: list[dict]) -> dict:
    """Medians over rounds; counts summed; the worst max and peak RSS; each round's sales/s."""
    out = {
        key: statistics.median(r[key] for r in runs) for key in ("sales_per_s", "p50_ms", "p99_ms")
    }
    out.update({key: sum(r[key] for r in runs) for key in ("sales", "errors", "locked")})
    out.update({key: max(r[key] for r in runs) for key in ("max_ms", "rss_mb")})
    out["rounds_sales_per_s"] = [round(r["sales_per_s"], 1) for r in runs]
    return out


def summary(latencies: list[float], seconds: float, errors: int, locked: int) -> dict:
    """Throughput and latency figures of one run (milliseconds)."""
    ordered = sorted(latencies)
    return {
        "sales": len(ordered),
        "sales_per_s": len(ordered) / seconds,
        "p50_ms": percentile(ordered, 50) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
        "max_ms": (ordered[-1] if ordered else float("nan")) * 1000,
        "errors": errors,
        "locked": locked,
    }


def load(url: str, headers: dict, body: dict, seconds: float) -> dict:
    """8 keep-alive clients post sales for WARM_UP + seconds; only the measured window counts."""
    start = time.perf_counter() + 0.2
    measure_from, stop_at = start + WARM_UP, start + WARM_UP + seconds
    results: list[tuple[list[float], int, int]] = []

    def client() -> None:
        latencies, errors, locked = [], 0, 0
        with requests.Session() as session:
            while (now := time.perf_counter()) < start:
                time.sleep(start - now)
            while (began := time.perf_counter()) < stop_at:
                try:
                    response = session.post(
                        url,
                        json=body,
                        timeout=30,
                        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                    )
                    ok, text = response.status_code == 201, response.text
                except requests.RequestException as exc:
                    ok, text = False, str(exc)
                ended = time.perf_counter()
                if began >= measure_from and ended <= stop_at:
                    if ok:
                        latencies.append(ended - began)
                    else:
                        errors += 1
                        locked += "locked" in text
        results.append((latencies, errors, locked))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summary(
        [x for r in results for x in r[0]],
        seconds,
        sum(r[1] for r in results),
        sum(r[2] for r in results),
    )


# --- (a) Étal -------------------------------------------------------------------------------


def pos(*args: str) -> str:
    """Run a `pos` command as a member would; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "pos.cli", *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def make_etal_db(path: Path) -> tuple[str, list[tuple[int, int, int]]]:
    """`pos demo`, a token, the till opened, a lot of stock; return token and the sale's lines."""
    pos("demo", "--db", str(path))
    token = pos("token", "create", "bench", "--db", str(path)).strip().splitlines()[-1]
    from pos import db as database
    from pos.db.till import open_day

    conn = database.connect(path)
    open_day(conn, None, {2000: 2, 1000: 2})
    with database.transaction(conn):
        tracked = [
            row[0]
            for row in conn.execute("SELECT id FROM products WHERE track_stock = 1 ORDER BY id")
        ]
        for product_id in tracked:
            conn.execute(
                "INSERT INTO stock_movements(product_id, kind, quantity, reason,"
                " created_at) VALUES (?, 'production', 1000000, 'bench', ?)",
                [product_id, database.now_iso()],
            )
            conn.execute("UPDATE products SET stock = stock + 1000000 WHERE id = ?", [product_id])
    rows = conn.execute(
        "SELECT id, price FROM products WHERE track_stock = 1 ORDER BY id LIMIT 2"
    ).fetchall()
    conn.close()
    return token, [(rows[0][0], 1, rows[0][1]), (rows[1][0], 2, rows[1][1])]


def serve_command(db_path: Path, port: int, workers: int = 1) -> list[str]:
    """`pos serve` as a member runs it, on 127.0.0.1 with SERVER_THREADS threads (and
    `--workers N` when asked)."""
    extra = ["--workers", str(workers)] if workers > 1 else []
    return pos_serve(db_path, port, "--threads", str(SERVER_THREADS), *extra)


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process and the children it still has (the workers of
    `pos serve --workers`) have used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return own + sum(cpu_seconds(child) for child in children_of(pid))


def children_of(pid: int) -> list[int]:
    """The processes `pid` started that still run (Linux's /proc/PID/task/*/children)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def cents(amount: int) -> str:
    """Cents as the API's decimal string."""
    return f"{amount // 100}.{amount % 100:02d}"


def bench_etal(work: Path, seconds: float) -> tuple[dict, dict]:
    """(a): load on `pos serve`, then the sell screen's weight, then the server's peak RSS."""
    work.mkdir(exist_ok=True)
    db_path = work / "etal.db"
    token, lines = make_etal_db(db_path)
    body = {
        "lines": [{"product_id": p, "quantity": q} for p, q, _price in lines],
        "payments": [{"method": "card", "amount": cents(sum(q * pr for _p, q, pr in lines))}],
        "channel": "online",
    }
    port = free_port()
    server = Server(
        serve_command(db_path, port),
        port,
        work / "etal.log",
    )
    try:
        result = load(
            f"{server.url}/api/v1/sales", {"Authorization": f"Bearer {token}"}, body, seconds
        )
        weight = sell_screen_weight(server.url, db_path)
        result["rss_mb"] = server.peak_rss_mb()
    finally:
        log = server.stop()
    result["locked"] += log.count("database is locked")
    result["tracebacks"] = log.count("Traceback")
    return result, weight


def bench_floor(work: Path, seconds: float) -> dict:
    """(b): the minimal Flask app on waitress, same load."""
    work.mkdir(exist_ok=True)
    db_path = work / "floor.db"
    make_floor_db(db_path)
    port = free_port()
    server = Server(
        [sys.executable, __file__, "--serve-floor", str(db_path), "--port", str(port)],
        port,
        work / "floor.log",
    )
    body = {
        "lines": [{"product_id": p, "quantity": q} for p, q in FLOOR_LINES],
        "payments": [{"method": "card", "amount": "6.50"}],
    }
    try:
        result = load(f"{server.url}/sales", {}, body, seconds)
        result["rss_mb"] = server.peak_rss_mb()
    finally:
        log = server.stop()
    result["locked"] += log.count("database is locked")
    return result


def bench_disk(work: Path, seconds: float) -> dict:
    """(c): the same transaction in a loop, one connection, no HTTP."""
    work.mkdir(exist_ok=True)
    db_path = work / "disk.db"
    make_floor_db(db_path)
    conn = floor_connect(str(db_path))
    latencies = []
    stop_at = time.perf_counter() + seconds
    while (began := time.perf_counter()) < stop_at:
        floor_sale(conn, uuid.uuid4().hex, FLOOR_LINES)
        latencies.append(time.perf_counter() - began)
    conn.close()
    result = summary(latencies, seconds, 0, 0)
    result["rss_mb"] = float("nan")
    return result


# --- the sell screen's weight ---------------------------------------------------------------


def sell_screen_weight(url: str, db_path: Path, taps: int = 8) -> dict:
    """Log in through the form like a member, load /sell and its assets, tap tiles."""
    with requests.Session() as session:
        login = session.get(f"{url}/login").text
        member_path = re.search(r'href="(/login/\d+)"[^>]*>[^<]*Léo', login).group(1)
        form = session.get(url + member_path).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        session.post(url + member_path, data={"pin": "2345", "csrf_token": csrf})
        sell = session.get(f"{url}/sell")
        html = sell.text
        assert "/sell/cart/add/" in html, "not logged in on the sell screen"
        parts = {"html": len(sell.content)}
        assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(
            r'<script src="([^"]+)"', html
        )
        for asset in assets:
            name = asset.split("?")[0].rsplit("/", 1)[-1]
            parts[name] = len(session.get(url + asset).content)
        header_token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        tiles = list(dict.fromkeys(re.findall(r'hx-post="(/sell/cart/add/\d+)"', html)))
        sizes = []
        for n in range(taps):
            tap = session.post(
                url + tiles[n % len(tiles)],
                headers={"HX-Request": "true", "X-CSRFToken": header_token},
            )
            assert tap.status_code == 200, tap.text
            sizes.append(len(tap.content))
    return {"first_load": sum(parts.values()), "parts": parts, "taps": sizes}


# --- report ---------------------------------------------------------------------------------


def interleaved_rounds(prefix: str, rounds: int, bench_round, seconds: float) -> tuple[list, list]:
    """Run `bench_round(folder, seconds)` `rounds` times in a fresh temporary folder; return
    each round's figures and every problem found (wrk_bench, webflow_bench)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    figures, problems = [], []
    try:
        for n in range(rounds):
            print(f"round {n + 1}/{rounds} …", flush=True)
            found_figures, found = bench_round(work / f"r{n}", seconds)
            figures.append(found_figures)
            problems += found
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures, problems


def outcome(rounds: list, missed: list, problems: list, json_path: Path | None) -> int:
    """A load benchmark's end: its problems printed, its figures written if asked; exit code."""
    for problem in problems:
        print(f"  [FAILED] {problem}")
    if json_path:
        figures = {"machine": machine(), "rounds": rounds, "missed": missed, "problems": problems}
        json_path.write_text(json.dumps(figures, indent=2))
    return 1 if (problems or missed) else 0


def machine() -> dict:
    """nproc, CPU model, RAM, Python."""
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    ram = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1) if cpu else platform.processor(),
        "ram_gb": round(int(ram.group(1)) / 1024**2, 1) if ram else None,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def report(runs: dict, weight: dict, seconds: float) -> list[str]:
    """The table, the ratios, the goals; returns the goals missed."""
    m = machine()
    print(
        f"\nMachine: {m['nproc']} CPU ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']},"
        f" Linux {m['kernel']}"
    )
    print(
        f"Load: {CLIENTS} clients, {seconds:g} s measured after {WARM_UP:g} s warm-up,"
        f" waitress {SERVER_THREADS} threads\n"
    )
    print(
        f"{'':28}{'sales/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
        f"{'locked':>8}{'peak RSS':>10}"
    )
    for name, r in runs.items():
        print(
            f"{name:28}{r['sales_per_s']:9.1f}{r['p50_ms']:9.1f}{r['p99_ms']:9.1f}"
            f"{r['max_ms']:9.1f}{r['errors']:8d}{r['locked']:8d}{r['rss_mb']:8.1f} MB"
        )
    etal, floor, disk = runs.values()
    ratio_floor = etal["sales_per_s"] / floor["sales_per_s"]
    ratio_disk = etal["sales_per_s"] / disk["sales_per_s"]
    if len(etal["rounds_sales_per_s"]) > 1:
        print(
            "\nMedians over rounds; sales/s per round: "
            + "; ".join(
                f"{name.split(' (')[0]} {r['rounds_sales_per_s']}" for name, r in runs.items()
            )
        )
    print(f"\nÉtal/floor: {ratio_floor:.0%}   Étal/disk limit: {ratio_disk:.0%}")
    parts = ", ".join(f"{k} {v / 1024:.1f}" for k, v in weight["parts"].items())
    print(f"Sell screen first load: {weight['first_load'] / 1024:.1f} KB ({parts})")
    print(f"Tap fragments (bytes): {weight['taps']}")
    checks = {
        f"p99 ≤ {GOALS['p99_ms']} ms with {CLIENTS} clients": etal["p99_ms"] <= GOALS["p99_ms"],
        f"throughput ≥ {GOALS['floor_ratio']:.0%} of the floor": ratio_floor
        >= GOALS["floor_ratio"],
        "zero 'database is locked'": etal["locked"] == 0 and floor["locked"] == 0,
        "no error": etal["errors"] == 0,
        f"peak RSS ≤ {GOALS['rss_mb']} MB": etal["rss_mb"] <= GOALS["rss_mb"],
        f"first load ≤ {GOALS['first_load_kb']} KB": weight["first_load"]
        <= GOALS["first_load_kb"] * 1024,
        f"each tap fragment ≤ {GOALS['tap_kb']} KB": max(weight["taps"]) <= GOALS["tap_kb"] * 1024,
    }
    print("\nGoals:")
    for goal, met in checks.items():
        print(f"  [{'ok' if met else 'MISSED'}] {goal}")
    return [goal for goal, met in checks.items() if not met]


def main() -> int:
    """Run the three measurements and the sell screen's weight; print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per run")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="interleaved rounds of (a), (b), (c); the table shows medians",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases")
    parser.add_argument("--serve-floor", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor, args.port)
        return 0
    work = Path(tempfile.mkdtemp(prefix="etal-bench-"))
    print(f"Working in {work}")
    rounds: list[dict] = []
    weight: dict = {}
    for n in range(args.rounds):  # interleaved, so a noisy neighbour hurts all three alike
        print(f"round {n + 1}/{args.rounds}: (a) Étal: pos serve …", flush=True)
        etal, weight = bench_etal(work / f"r{n}", args.seconds)
        print(
            f"round {n + 1}/{args.rounds}: (b) the floor: minimal Flask app on waitress …",
            flush=True,
        )
        floor = bench_floor(work / f"r{n}", args.seconds)
        print(
            f"round {n + 1}/{args.rounds}: (c) the disk's limit: the transaction in a loop …",
            flush=True,
        )
        disk = bench_disk(work / f"r{n}", args.seconds)
        rounds.append(
            {
                "Étal (pos serve)": etal,
                "Floor (Flask + waitress)": floor,
                "Disk limit (loop, no HTTP)": disk,
            }
        )
    runs = {name: combine([r[name] for r in rounds]) for name in rounds[0]}
    missed = report(runs, weight, args.seconds)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "seconds": args.seconds,
                    "runs": runs,
                    "rounds": rounds,
                    "sell_screen": weight,
                    "missed": missed,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    if not args.keep:
        shutil.rmtree(work)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
