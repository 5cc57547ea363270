"""Context switches per API sale: how often the server's threads wait for one another.

    .venv/bin/python benchmarks/switches.py [--connections 8] [--seconds 5]
        [--variant "--turns 1"] [--variant "--turns 2"] ...

For each variant (extra `pos serve` options; the default as a member runs it, then the floor
of sales_bench.py), a fresh coop and server, a 1 s warm-up, then `wrk` (sale.lua, as
wrk_bench.py) for `--seconds`. Read from /proc for every thread of the server before and after:
voluntary and involuntary context switches, user and system CPU; each divided by the sales
answered 201. A voluntary switch is a thread going to sleep: on a lock, the GIL, a socket, the
disk. Two threads running Python at once hand the GIL to each other at every SQLite call, and
each hand-over is a switch or two: this is how that was found (the README's Benchmarks). With
`LD_PRELOAD` of a slow-`fdatasync` shim in the environment the servers see a slow disk too.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path

import sales_bench  # same folder
import wrk_bench

CLK_TCK = os.sysconf("SC_CLK_TCK")


def threads_counters(pid: int) -> dict[str, tuple[int, int, int, int]]:
    """Per thread: voluntary and involuntary switches, user and system ticks."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            status = Path(f"/proc/{pid}/task/{tid}/status").read_text()
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # ended meanwhile
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        found[tid] = (
            int(fields["voluntary_ctxt_switches"]),
            int(fields["nonvoluntary_ctxt_switches"]),
            int(stat[11]),
            int(stat[12]),
        )
    return found


def measure(server, path: str, body: Path, token: str, connections: int, seconds: float) -> dict:
    pid = server.process.pid
    wrk_bench.wrk(server.url + path, connections, 1, body, token)  # warm-up
    before = threads_counters(pid)
    result = wrk_bench.wrk(server.url + path, connections, seconds, body, token)
    after = threads_counters(pid)
    zero = (0, 0, 0, 0)
    moved = [
        sum(after[t][i] - before.get(t, zero)[i] for t in after) for i in range(4)
    ]
    sales = max(result["created"], 1)
    duration = result["duration_us"] / 1e6
    return {
        "sales_per_s": result["created"] / duration,
        "p99_ms": result["p99_us"] / 1000,
        "voluntary": moved[0] / sales,
        "involuntary": moved[1] / sales,
        "user_us": moved[2] / CLK_TCK / sales * 1e6,
        "system_us": moved[3] / CLK_TCK / sales * 1e6,
        "threads": len(after),
    }


def etal(variant: list[str], connections: int, seconds: float) -> dict:
    original = sales_bench.serve_command
    sales_bench.serve_command = lambda db, port: original(db, port) + variant
    try:
        server, _db, token, body = wrk_bench.start_etal(Path(tempfile.mkdtemp()))
    finally:
        sales_bench.serve_command = original
    try:
        return measure(server, "/api/v1/sales", body, token, connections, seconds)
    finally:
        server.stop()


def floor(connections: int, seconds: float) -> dict:
    server, body = wrk_bench.start_floor(Path(tempfile.mkdtemp()))
    try:
        return measure(server, "/sales", body, "", connections, seconds)
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument(
        "--variant", action="append", default=[], help='extra pos serve options, e.g. "--turns 2"'
    )
    args = parser.parse_args()
    runs = [("pos serve", [])] + [(v, shlex.split(v)) for v in args.variant]
    print(f"{args.connections} connections, {args.seconds:g} s a run; per sale answered:")
    print(f"{'':>22} {'sales/s':>8} {'p99 ms':>7} {'vol. sw':>8} {'invol.':>7} "
          f"{'user µs':>8} {'sys µs':>7} threads")
    for name, variant in runs + [("floor", None)]:
        if variant is None:
            row = floor(args.connections, args.seconds)
        else:
            row = etal(variant, args.connections, args.seconds)
        print(f"{name:>22} {row['sales_per_s']:8.0f} {row['p99_ms']:7.1f} {row['voluntary']:8.1f} "
              f"{row['involuntary']:7.1f} {row['user_us']:8.0f} {row['system_us']:7.0f} "
              f"{row['threads']:7d}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
