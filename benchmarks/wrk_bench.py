"""The server measured, not the client: Étal's API sales and the floor under `wrk`.

    .venv/bin/python benchmarks/wrk_bench.py --seconds 10 --rounds 3 [--profile DIR]

The load generator is Debian's `wrk` (C, one thread, epoll) driven by `benchmarks/sale.lua`, which
posts one sale per request with a fresh Idempotency-Key. It costs a fraction of what a Python client
costs, so on a 2-core machine the server gets the other core and most of this one.

For each round, interleaved so that a noisy neighbour hurts both alike, and for 1, 2, 4 and 8
connections:
  (a) Étal: `pos serve` (waitress, 8 threads) on a fresh `pos demo` coop, POST /api/v1/sales;
  (b) the floor: the minimal Flask + waitress app of sales_bench.py doing the same sale-shaped
      transaction with the same pragmas.
Each run records wrk's figures (requests, 201s, p50/p99/max latency), the CPU the client used
(from wait4's rusage) and the CPU the server used (from /proc/PID/stat). Medians over rounds are
reported with their spread (min–max).

The run fails (exit 1) when the client, not the server, is the bottleneck: the floor's rate grows
by less than 5 % from 4 to 8 connections while wrk uses more than 80 % of a core. It also fails
when a sale answered 201 is missing from the database or a key was recorded twice.

--profile DIR attaches `py-spy record` to `pos serve` during one extra 8-connection run, writes a
flame graph (DIR/etal-profile.svg, kept out of the repository) and prints where the time goes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sales_bench  # same folder: its servers, its databases, its floor

HERE = Path(__file__).resolve().parent
LUA = HERE / "sale.lua"
CONNECTIONS = (1, 2, 4, 8)
SATURATED_CLIENT = 0.80  # of one core
FLAT_GROWTH = 1.05
GOALS = {"floor_ratio": 0.80, "p99_ms": 30}
# Where the time goes: a frame name (function or file) → the label reported.
PROFILE_BUCKETS = {
    "group_commit": "inside the write lock (group commit, SQLite writes, COMMIT)",
    "_record": "inside the write lock (group commit, SQLite writes, COMMIT)",
    "authenticate": "the token check",
    "token": "the token check",
    "get_json": "JSON in (parsing the request)",
    "json": "JSON (parsing and answering)",
    "render": "template rendering",
    "waitress": "waitress (HTTP parsing, sockets)",
}



def wrk(url: str, connections: int, seconds: float, body: Path, token: str = "") -> dict:
    """One wrk run; its JSON line plus the client's CPU use."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        str(body),
        token,
    ]
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate()
    wall = time.perf_counter() - began
    # communicate() has reaped it: its rusage is in RUSAGE_CHILDREN; take the delta instead.
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed: {err or out}")
    line = next(row for row in out.splitlines() if row.startswith("{"))
    result = json.loads(line)
    result["wall_s"] = wall
    return result


def run(
    server: sales_bench.Server,
    path: str,
    connections: int,
    seconds: float,
    body: Path,
    token: str = "",
) -> dict:
    """A measured run against a started server: rates, latencies, both sides' CPU."""
    import resource

    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = sales_bench.cpu_seconds(server.process.pid)
    result = wrk(server.url + path, connections, seconds, body, token)
    server_cpu = sales_bench.cpu_seconds(server.process.pid) - server_before
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (after_children.ru_utime - before_children.ru_utime) + (
        after_children.ru_stime - before_children.ru_stime
    )
    duration = result["duration_us"] / 1e6
    return {
        "connections": connections,
        "sales_per_s": result["created"] / duration,
        "created": result["created"],
        "errors": result["requests"] - result["created"] + result["errors_socket"],
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
        "client_cpu": client_cpu / duration,
        "server_cpu": server_cpu / duration,
    }


def start_etal(work: Path) -> tuple[sales_bench.Server, Path, str, Path]:
    """A fresh demo coop with stock and a token, served by `pos serve`."""
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "etal.db"
    token, lines = sales_bench.make_etal_db(db_path)
    body = work / "etal-sale.json"
    total = sum(q * price for _p, q, price in lines)
    body.write_text(
        json.dumps(
            {
                "lines": [{"product_id": p, "quantity": q} for p, q, _price in lines],
                "payments": [{"method": "card", "amount": sales_bench.cents(total)}],
                "channel": "online",
            }
        )
    )
    port = sales_bench.free_port()
    command = sales_bench.serve_command(db_path, port)
    return sales_bench.Server(command, port, work / "etal.log"), db_path, token, body


def start_floor(work: Path) -> tuple[sales_bench.Server, Path]:
    """The floor app on waitress."""
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "floor.db"
    sales_bench.make_floor_db(db_path)
    body = work / "floor-sale.json"
    body.write_text(
        json.dumps(
            {"lines": [{"product_id": p, "quantity": q} for p, q in sales_bench.FLOOR_LINES]}
        )
    )
    port = sales_bench.free_port()
    command = [
        sys.executable,
        str(HERE / "sales_bench.py"),
        "--serve-floor",
        str(db_path),
        "--port",
        str(port),
    ]
    return sales_bench.Server(command, port, work / "floor.log"), body


def journal_check(db_path: Path, answered: int) -> list[str]:
    """Every 201 is a sale on disk, exactly once (keys unique, numbers gapless)."""
    conn = sqlite3.connect(db_path)
    count, low, high = conn.execute(
        "SELECT count(*), min(number), max(number) FROM sales"
    ).fetchone()
    keys = conn.execute(
        "SELECT count(*) - count(DISTINCT idempotency_key) FROM sales"
        " WHERE idempotency_key IS NOT NULL"
    ).fetchone()[0]
    conn.close()
    problems = []
    if count < answered:
        problems.append(f"{answered} sales answered 201 but {count} on disk")
    if count and high - low + 1 != count:
        problems.append(f"numbers not gapless: {count} sales numbered {low}..{high}")
    if keys:
        problems.append(f"{keys} idempotency keys recorded twice")
    return problems


def bench_round(work: Path, seconds: float) -> tuple[dict, list[str]]:
    """Étal then the floor, each at every connection count, on fresh databases."""
    figures: dict = {"etal": {}, "floor": {}}
    server, db_path, token, body = start_etal(work / "etal")
    answered = 0
    try:
        for n in CONNECTIONS:
            figures["etal"][n] = run(server, "/api/v1/sales", n, seconds, body, token)
            answered += figures["etal"][n]["created"]
        figures["etal"]["rss_mb"] = server.peak_rss_mb()
    finally:
        log = server.stop()
    problems = journal_check(db_path, answered)
    if "Traceback" in log:
        problems.append("the Étal server logged a traceback")
    floor, floor_body = start_floor(work / "floor")
    try:
        for n in CONNECTIONS:
            figures["floor"][n] = run(floor, "/sales", n, seconds, floor_body)
    finally:
        floor.stop()
    return figures, problems


def median_spread(values: list[float]) -> tuple[float, float, float]:
    """Median, min and max."""
    return statistics.median(values), min(values), max(values)


def summarise(rounds: list[dict]) -> dict:
    """Per server and connection count: medians and spreads over rounds."""
    out: dict = {}
    for name in ("etal", "floor"):
        out[name] = {}
        for n in CONNECTIONS:
            runs = [r[name][n] for r in rounds]
            out[name][n] = {
                key: median_spread([run_[key] for run_ in runs])
                for key in ("sales_per_s", "p50_ms", "p99_ms", "max_ms", "client_cpu", "server_cpu")
            }
            out[name][n]["errors"] = sum(run_["errors"] for run_ in runs)
    out["etal_rss_mb"] = max(r["etal"]["rss_mb"] for r in rounds)
    return out


def client_bound(summary: dict) -> bool:
    """The floor stops growing from 4 to 8 connections while wrk uses most of a core."""
    floor = summary["floor"]
    flat = floor[8]["sales_per_s"][0] < FLAT_GROWTH * floor[4]["sales_per_s"][0]
    return flat and floor[8]["client_cpu"][0] > SATURATED_CLIENT


def report(summary: dict, seconds: float, rounds: int) -> list[str]:
    """Print the table and the goals; return the goals missed."""
    m = sales_bench.machine()
    print(f"\nMachine: {m['nproc']} CPU ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}")
    print(f"Load: wrk -t1, {seconds:g} s a run, {rounds} interleaved rounds; median [min–max]\n")
    print(
        f"{'':8}{'conns':>6}{'sales/s':>22}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'client CPU':>12}{'server CPU':>12}{'errors':>8}"
    )
    for name, label in (("etal", "Étal"), ("floor", "floor")):
        for n in CONNECTIONS:
            r = summary[name][n]
            rate, low, high = r["sales_per_s"]
            print(
                f"{label:8}{n:6d}{rate:9.0f} [{low:5.0f}–{high:5.0f}]{r['p50_ms'][0]:8.1f}"
                f"{r['p99_ms'][0]:8.1f}{r['max_ms'][0]:8.1f}{r['client_cpu'][0]:11.0%}"
                f"{r['server_cpu'][0]:11.0%}{r['errors']:8d}"
            )
    ratio = summary["etal"][8]["sales_per_s"][0] / summary["floor"][8]["sales_per_s"][0]
    print(
        f"\nÉtal/floor at 8 connections: {ratio:.0%}   Étal peak RSS: "
        f"{summary['etal_rss_mb']:.1f} MB"
    )
    checks = {
        "the client is not the bottleneck": not client_bound(summary),
        f"Étal ≥ {GOALS['floor_ratio']:.0%} of the floor at 8 connections": ratio
        >= GOALS["floor_ratio"],
        f"Étal p99 ≤ {GOALS['p99_ms']} ms at 8 connections": summary["etal"][8]["p99_ms"][0]
        <= GOALS["p99_ms"],
        "no error": all(
            summary[s][n]["errors"] == 0 for s in ("etal", "floor") for n in CONNECTIONS
        ),
    }
    print("\nGoals:")
    for goal, met in checks.items():
        print(f"  [{'ok' if met else 'MISSED'}] {goal}")
    return [goal for goal, met in checks.items() if not met]


def profile(work: Path, seconds: float, out_dir: Path) -> None:
    """py-spy on `pos serve` under 8 connections: a flame graph and the time by bucket."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    server, _db, token, body = start_etal(work / "profile")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        for fmt, name in (("flamegraph", "etal-profile.svg"), ("raw", "etal-profile.txt")):
            spy = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(server.process.pid),
                    "--duration",
                    str(int(seconds)),
                    "--rate",
                    "250",
                    "--format",
                    fmt,
                    "--output",
                    str(out_dir / name),
                    "--nonblocking",
                    "--gil",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
            run(server, "/api/v1/sales", 8, seconds, body, token)
            spy.wait(30)
    finally:
        server.stop()
    print(f"\nFlame graph: {out_dir / 'etal-profile.svg'}")
    print_buckets(out_dir / "etal-profile.txt")


def print_buckets(raw: Path) -> None:
    """Share of busy samples whose stack passes through each bucket (idle waits left out)."""
    busy = 0
    shares: dict[str, int] = {}
    idle_marks = (
        "wait (threading.py",
        "select (selectors",
        "poll (",
        "handler_thread",
        "get (queue.py",
    )
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        leaf = stack.rsplit(";", 1)[-1]
        if any(mark in leaf for mark in idle_marks):
            continue
        busy += count
        seen = set()
        for frame_name, label in PROFILE_BUCKETS.items():
            if frame_name in stack and label not in seen:
                seen.add(label)
                shares[label] = shares.get(label, 0) + count
    print(f"Where the busy time goes ({busy} samples; a stack may count in several buckets):")
    for label, count in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"  {count / busy:6.1%}  {label}")


def main() -> int:
    """Interleaved rounds of Étal and the floor under wrk; optional profile."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="also profile pos serve with py-spy; write the flame graph in DIR",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("Erreur : wrk est introuvable (apt-get install wrk)", file=sys.stderr)
        return 2
    rounds, problems = sales_bench.interleaved_rounds(
        "etal-wrk-", args.rounds, bench_round, args.seconds
    )
    summary = summarise(rounds)
    missed = report(summary, args.seconds, args.rounds)
    if args.profile:
        work = Path(tempfile.mkdtemp(prefix="etal-wrk-profile-"))
        try:
            profile(work, args.seconds, args.profile)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return sales_bench.outcome(rounds, missed, problems, args.json)


if __name__ == "__main__":
    sys.exit(main())
