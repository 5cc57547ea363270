"""What the sell screen's "what changed" polling costs the server.

    .venv/bin/python benchmarks/poll_bench.py --polls 2000

Each tablet's sell screen asks GET /sell/changes?v=<version> every second; while nothing
changed the answer is an empty 204. This serves a `pos demo` coop with `pos serve` (waitress),
logs in like a member, then sends --polls sequential polls on one keep-alive connection and
prints their latency (p50, p99) and the server's CPU time per poll (from /proc), hence what
8 tablets polling every second cost. (The sale path itself runs no trigger for it: stock
changes are read from the last stock movement; benchmarks/statements.py counts a payment.)
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).parent))
from sales_bench import Server, cpu_seconds, free_port, make_etal_db, percentile  # noqa: E402

TABLETS = 8



def logged_in(url: str) -> requests.Session:
    session = requests.Session()
    login = session.get(f"{url}/login").text
    member = re.search(r'href="(/login/\d+)"[^>]*>[^<]*Léo', login).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', session.get(url + member).text)
    session.post(url + member, data={"pin": "2345", "csrf_token": csrf.group(1)})
    return session


def bench_polls(work: Path, polls: int) -> dict:
    db_path = work / "coop.db"
    make_etal_db(db_path)
    port = free_port()
    command = [sys.executable, "-m", "pos.cli", "serve", "--db", str(db_path)]
    server = Server([*command, "--host", "127.0.0.1", "--port", str(port)], port, work / "log")
    url = f"http://127.0.0.1:{port}"
    try:
        session = logged_in(url)
        html = session.get(f"{url}/sell").text
        poll = url + re.search(r'hx-get="(/sell/changes\?v=[\w.]+)"', html).group(1)
        headers = {"HX-Request": "true"}
        for _ in range(50):  # warm up
            assert session.get(poll, headers=headers).status_code == 204
        before, latencies = cpu_seconds(server.process.pid), []
        for _ in range(polls):
            start = time.perf_counter()
            answer = session.get(poll, headers=headers)
            latencies.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 204 and not answer.content
        cpu = cpu_seconds(server.process.pid) - before
    finally:
        server.stop()
    latencies.sort()
    per_poll_ms = cpu / polls * 1000
    return {
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "cpu_ms_per_poll": per_poll_ms,
        "cpu_percent_8_tablets": per_poll_ms * TABLETS / 1000 * 100,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        polls = bench_polls(Path(tmp), args.polls)
    print(f"{args.polls} polls, nothing changed (204):")
    print(f"  latency p50 {polls['p50_ms']:.2f} ms, p99 {polls['p99_ms']:.2f} ms")
    print(f"  server CPU {polls['cpu_ms_per_poll']:.2f} ms a poll;", end=" ")
    print(f"{TABLETS} tablets each second: {polls['cpu_percent_8_tablets']:.1f} % of one core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
