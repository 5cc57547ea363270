"""The web flow of a sale, as the sell screen sends it, under a lean client (`wrk`).

    .venv/bin/python benchmarks/webflow_bench.py --seconds 5 --rounds 3 [--json FILE]
    .venv/bin/python benchmarks/webflow_bench.py --in-process 300 [--profile FILE]

Live (the default): for each round, a fresh `pos demo` coop (the till open, plenty of stock, one
member per connection) served by `pos serve` (waitress, 8 threads, 127.0.0.1). Each member logs
in as on a tablet (the PIN form, the session cookie, the page's CSRF token). Then Debian's `wrk`
(`-tN -cN`: a C thread and a Lua state per connection) runs `benchmarks/webflow.lua`: each
connection repeats what Chromium sends for a sale (htmx 2's headers and form fields, read from
templates/sell/ and checked against a real browser): tap a tile, tap a tile (`POST
/sell/cart/add/<id>`, HX-Target: cart), pay (`POST /sell/cart/act`, HX-Target: result, with the
`key`, `seen` and CSRF token of the cart just answered; card and a 20 € note alternate), and,
when the payment's answer says `HX-Trigger: stock-changed`, the tiles' refresh (`GET
/sell/tiles`) as the page would send it. Connections 1, 2, 4 and 8, interleaved rounds,
medians [min–max] over rounds (each a fresh coop and server).

A sale counts when its answer says "Vente n° N enregistrée"; at the end the journal on disk must
hold every one of them, gapless, none twice (a payment still in flight when wrk stopped may be
on disk too: at most one per connection). The client's own CPU (wrk's rusage) and the server's
(/proc/PID/stat) are recorded; the run fails (exit 1) when wrk uses more than 80 % of a core
(the client, not the server, would be measured), on any error or missing sale, or below the
goal (≥ 100 sales/s at 4 and at 8 connections).

--in-process N: the same requests, N sales, straight into the WSGI app in this process (no
sockets, no threads): the server's CPU per sale and per request (time.process_time), which a
loaded machine disturbs far less than throughput. --profile FILE also writes a cProfile of it.
"""

from __future__ import annotations

import argparse
import functools
import html
import io
import json
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
# This checkout's pos, here and in the servers and commands started (not an installed copy).
sys.path.insert(0, str(HERE.parent))
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")])
)

import requests  # noqa: E402
import sales_bench  # noqa: E402  (same folder: Server, make_etal_db, serve_command, machine)

LUA = HERE / "webflow.lua"
CONNECTIONS = (1, 2, 4, 8)
PIN = "8642"
SATURATED_CLIENT = 0.80  # of one core
GOAL_SALES_PER_S = 100  # at 4 and 8 connections
KINDS = ("tile", "pay", "tiles", "sale")


# --- the coop and the tablets -----------------------------------------------------------------


def make_coop(path: Path, members: int) -> tuple[list[int], tuple[int, int]]:
    """A `pos demo` coop with the till open and stock, `members` sellers; the two tiles tapped
    (the two cheapest tracked products, so a 20 € note covers the sale)."""
    sales_bench.make_etal_db(path)
    from pos import db as database
    from pos.db import coop

    conn = database.connect(path)
    ids = [coop.insert_member(conn, f"Vendeur {n + 1}", PIN) for n in range(members)]
    rows = conn.execute(
        "SELECT id FROM products WHERE track_stock = 1 AND active = 1 ORDER BY price, id LIMIT 2"
    ).fetchall()
    conn.close()
    return ids, (rows[0][0], rows[1][0])


def login(url: str, member_id: int) -> dict:
    """Log a member in as a tablet does; the cookies and the sell page's CSRF tokens."""
    with requests.Session() as tablet:
        form = tablet.get(f"{url}/login/{member_id}").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        tablet.post(f"{url}/login/{member_id}", data={"pin": PIN, "csrf_token": token})
        page = tablet.get(f"{url}/sell").text
        assert "/sell/cart/add/" in page, "not on the sell screen after logging in"
        return {
            "device": tablet.cookies["etal_device"],
            "session": tablet.cookies["session"],
            "header_token": re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1),
            "tile_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
            "version": re.search(r'name="v" id="sell-v" value="([^"]*)"', page).group(1),
        }


# --- live: wrk on pos serve ---------------------------------------------------------------------



def journal_state(db_path: Path) -> tuple[int, int, int]:
    """Sales on disk: count, lowest and highest number."""
    conn = sqlite3.connect(db_path)
    row = conn.execute("SELECT count(*), min(number), max(number) FROM sales").fetchone()
    conn.close()
    return row[0], row[1] or 0, row[2] or 0


def wrk_run(server, db_path: Path, tablets: Path, connections: int, seconds: float):
    """One run of the flow: wrk, one connection per line of `tablets`; rates, latencies,
    both sides' CPU (the server's with its workers), the journal checked."""
    before = journal_state(db_path)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = sales_bench.cpu_seconds(server.process.pid)
    command = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds:g}s"]
    command += ["--timeout", "10s", "-s", str(LUA), server.url, "--", str(tablets)]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = run.communicate()
    server_cpu = sales_bench.cpu_seconds(server.process.pid) - server_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed ({run.returncode}): {err.decode()} {out.decode()}")
    result = json.loads(next(r for r in out.decode().splitlines() if r.startswith("{")))
    duration, sales = result["duration_us"] / 1e6, result["sales"]
    time.sleep(0.3)  # a payment in flight when wrk stopped lands now
    count, low, high = journal_state(db_path)
    numbers = [int(n) for n in result["numbers"].split(",") if n]
    problems = []
    landed, sent = count - before[0], result["payments_sent"]
    if not sales <= landed <= sent:
        problems.append(f"{sales} sales answered, {sent} sent, {landed} on disk")
    if count and high - low + 1 != count:
        problems.append(f"numbers not gapless: {count} sales numbered {low}..{high}")
    if len(set(numbers)) != len(numbers) or any(n <= before[2] for n in numbers):
        problems.append("a sale number was answered twice or is not new")
    errors = result["errors"] + result["errors_socket"]
    if errors:
        problems.append(f"{errors} errors: {result['errors_text'][:300]}")
    latency = {  # per kind: count, p50, p99, max (ms)
        kind: [count_, *(v / 1000 for v in spread)]
        for kind, (count_, *spread) in result["latency_us"].items()
    }
    return {
        "connections": connections,
        "sales_per_s": sales / duration,
        "requests_per_s": result["requests"] / duration,
        "sales": sales,
        "latency_ms": latency,
        "client_cpu": client_cpu / duration,
        "server_cpu": server_cpu / duration,
        "server_cpu_ms_per_sale": 1000 * server_cpu / max(sales, 1),
        "errors": errors,
    }, problems


def bench_round(work: Path, seconds: float, workers: int = 1) -> tuple[dict, list[str]]:
    """A fresh coop and `pos serve` (with `--workers N` if asked) on it; every connection
    count in turn."""
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "etal.db"
    members, (product_a, product_b) = make_coop(db_path, max(CONNECTIONS))
    port = sales_bench.free_port()
    command = sales_bench.serve_command(db_path, port, workers)
    server = sales_bench.Server(command, port, work / "etal.log")
    figures, problems = {}, []
    try:
        for n in CONNECTIONS:
            # Fresh logins for each run: a cart (and its key) lives in the session cookie, and
            # a key already paid would only replay its sale.
            tablets = work / f"logins-{n}.tsv"
            tablets.write_text(
                "".join(
                    "\t".join([*login(server.url, m).values(), str(product_a), str(product_b)])
                    + "\n"
                    for m in members[:n]
                )
            )
            figures[n], found = wrk_run(server, db_path, tablets, n, seconds)
            problems += [f"{n} connections: {p}" for p in found]
    finally:
        log = server.stop()
    if "Traceback" in log:
        problems.append("the server logged a traceback")
    return figures, problems


def median_spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def report(rounds: list[dict], seconds: float) -> list[str]:
    """Print medians [min–max] per connection count; return the goals missed."""
    m = sales_bench.machine()
    load = os.getloadavg()
    print(f"\nMachine: {m['nproc']} CPU ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}")
    print(f"Load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    tiles = any(r[n]["latency_ms"]["tiles"][0] for r in rounds for n in CONNECTIONS)
    flow = "tile, tile, pay" + (", tiles refresh" if tiles else " (the tiles in its answer)")
    print(f"Flow: {flow}; wrk -tN -cN, {seconds:g} s a run, {len(rounds)} rounds; median [min–max]")
    print(
        f"\n{'conns':>5}{'sales/s':>20}{'req/s':>7}  {'p50/p99 ms: tile':>17}{'pay':>12}"
        f"{'tiles':>12}{'sale':>12}{'client CPU':>11}{'server CPU':>11}{'CPU/sale':>10}"
    )
    summary = {}
    for n in CONNECTIONS:
        runs = [r[n] for r in rounds]
        rate = median_spread([r["sales_per_s"] for r in runs])
        lat = {
            k: (
                statistics.median(r["latency_ms"][k][1] for r in runs),
                statistics.median(r["latency_ms"][k][2] for r in runs),
            )
            for k in KINDS
        }
        client = statistics.median(r["client_cpu"] for r in runs)
        server = statistics.median(r["server_cpu"] for r in runs)
        per_sale = statistics.median(r["server_cpu_ms_per_sale"] for r in runs)
        requests_per_s = statistics.median(r["requests_per_s"] for r in runs)
        summary[n] = {"rate": rate, "client": client}
        cells = "".join(
            f"{f'{lat[k][0]:.1f}/{lat[k][1]:.0f}':>12}" if tiles or k != "tiles" else f"{'—':>12}"
            for k in KINDS
        )
        print(
            f"{n:5d}{rate[0]:8.1f} [{rate[1]:5.1f}–{rate[2]:5.1f}]{requests_per_s:7.0f}"
            f"     {cells}{client:10.0%}{server:11.0%}{per_sale:8.1f} ms"
        )
    checks = {
        f"the client is not the bottleneck (wrk ≤ {SATURATED_CLIENT:.0%} of a core)": all(
            summary[n]["client"] <= SATURATED_CLIENT for n in CONNECTIONS
        ),
        f"≥ {GOAL_SALES_PER_S} sales/s at 4 and 8 connections": all(
            summary[n]["rate"][0] >= GOAL_SALES_PER_S for n in (4, 8)
        ),
        "no error": all(r[n]["errors"] == 0 for r in rounds for n in CONNECTIONS),
    }
    print("\nGoals:")
    for goal, met in checks.items():
        print(f"  [{'ok' if met else 'MISSED'}] {goal}")
    return [goal for goal, met in checks.items() if not met]


# --- in-process: the WSGI app called directly -----------------------------------------------


class Tablet:
    """One logged-in sell screen talking straight to the WSGI app (no socket, no thread)."""

    def __init__(self, app, member_id: int, products: tuple[int, int]):
        self.app, self.products, self.cookies = app, products, {}
        self.paid = 0
        form = self.call("GET", f"/login/{member_id}")[1]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        self.call("POST", f"/login/{member_id}", {"pin": PIN, "csrf_token": token})
        page = self.call("GET", "/sell")[1]
        self.header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        self.tile_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.form = {}  # the cart's key, seen and CSRF token, as the screen holds them now
        self.follow(page)

    def follow(self, answer: str) -> None:
        """Keep what the screen would hold after this answer: the cart's `key` and CSRF token
        (a whole cart), its `seen` (a whole cart or a tap's own parts)."""
        for name, pattern in (
            ("key", r'name="key" value="(\w+)"'),
            ("seen", r'name="seen" id="seen" value="([^"]*)"'),
            ("v", r'name="v" id="sell-v" value="([^"]*)"'),
            ("csrf_token", r'action="/sell/cart/act".*?name="csrf_token" value="([^"]+)"'),
        ):
            found = re.search(pattern, answer, re.S)
            if found:
                self.form[name] = found.group(1)

    def call(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        body = urlencode(form or {}).encode()
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if form is not None:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        answer: dict = {}

        def start_response(status, response_headers, exc_info=None):
            answer["status"] = int(status.split()[0])
            answer["headers"] = response_headers

        chunks = self.app(environ, start_response)
        text = b"".join(chunks).decode()
        if hasattr(chunks, "close"):
            chunks.close()
        self.headers = dict(answer["headers"])
        for name, value in answer["headers"]:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return answer["status"], text

    def htmx(self, target: str) -> dict:
        return {
            "HX-Request": "true",
            "HX-Target": target,
            "HX-Current-URL": "http://127.0.0.1:8000/sell",
            "X-CSRFToken": self.header_token,
        }

    def sale(self, timings: dict[str, list[float]]) -> int:
        """Tile, tile, pay (and the tiles' refresh when the answer asks for it): its number."""
        for product in self.products:  # a tile's form, and the cart's `seen` (hx-include)
            began = time.process_time()
            status, cart = self.call(
                "POST",
                f"/sell/cart/add/{product}",
                {"csrf_token": self.tile_token, "seen": html.unescape(self.form["seen"])},
                self.htmx("cart"),
            )
            timings["tile"].append(time.process_time() - began)
            assert status == 200, cart[:300]
            self.follow(cart)
        self.paid += 1
        act = "pay:note:20" if self.paid % 2 == 0 else "pay:card"
        form = {**self.form, "channel": "stall", "act": act}
        form["seen"] = html.unescape(form["seen"])
        began = time.process_time()
        status, answer = self.call(
            "POST", "/sell/cart/act", form, {**self.htmx("result"), "HX-Trigger-Name": "act"}
        )
        timings["pay"].append(time.process_time() - began)
        number = re.search(r"Vente n° (\d+) enregistr", answer)
        assert status == 200 and number, answer[:300]
        self.follow(answer)
        if "stock-changed" in self.headers.get("HX-Trigger", ""):
            began = time.process_time()
            status, answer = self.call(
                "GET", "/sell/tiles", headers={**self.htmx("tiles"), "HX-Trigger": "tiles"}
            )
            timings["tiles"].append(time.process_time() - began)
            assert status == 200 and 'id="tiles"' in answer, answer[:300]
        return int(number.group(1))


def in_process(sales: int, profile: Path | None) -> int:
    """N sales through the WSGI app; CPU per sale and per request."""
    from pos.web.app import create_app

    work = Path(tempfile.mkdtemp(prefix="etal-webflow-"))
    try:
        db_path = work / "etal.db"
        members, products = make_coop(db_path, 1)
        app = create_app(db_path)
        tablet = Tablet(app, members[0], products)
        timings: dict[str, list[float]] = {k: [] for k in KINDS}
        for _ in range(20):  # warm-up: templates compiled, connections pooled
            tablet.sale(timings)
        timings = {k: [] for k in KINDS}
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        began = time.process_time()
        numbers, per_sale = [], []
        for _ in range(sales):
            one = time.process_time()
            numbers.append(tablet.sale(timings))
            per_sale.append(time.process_time() - one)
        spent = time.process_time() - began
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        count, low, high = journal_state(db_path)
        assert numbers == list(range(numbers[0], numbers[0] + sales)), "numbers not consecutive"
        assert count == high - low + 1 == sales + 20, (count, low, high)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tiles = bool(timings["tiles"])
    flow = "tile, tile, pay" + (", tiles refresh" if tiles else " (the tiles in its answer)")
    print(f"In-process, {sales} sales ({flow}), one thread, no sockets:")
    median = statistics.median(per_sale)
    print(
        f"  CPU per sale: median {1000 * median:.2f} ms, mean {1000 * spent / sales:.2f} ms,"
        f" fastest tenth {1000 * sorted(per_sale)[sales // 10]:.2f} ms"
        f" (at most {1 / median:.0f} sales/s on one core)"
    )
    for kind in ("tile", "pay", "tiles"):
        if timings[kind]:
            print(f"  CPU per {kind:5}: median {1000 * statistics.median(timings[kind]):.2f} ms")
    if profile:
        print(f"  cProfile written to {profile} (python -m pstats {profile})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="measured seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--in-process", type=int, metavar="N", help="N sales straight into the WSGI app: CPU/sale"
    )
    parser.add_argument("--profile", type=Path, metavar="FILE", help="with --in-process: cProfile")
    parser.add_argument(
        "--workers", type=int, default=1, help="pos serve --workers N (one process by default)"
    )
    args = parser.parse_args()
    if args.in_process:
        return in_process(args.in_process, args.profile)
    os.chdir(HERE.parent)  # `python -m pos.cli` imports from the working directory first
    if not shutil.which("wrk"):
        print("Erreur : wrk est introuvable (apt-get install wrk)", file=sys.stderr)
        return 2
    one_round = functools.partial(bench_round, workers=args.workers)
    rounds, problems = sales_bench.interleaved_rounds(
        "etal-webflow-", args.rounds, one_round, args.seconds
    )
    if args.workers > 1:
        print(f"\npos serve --workers {args.workers}")
    missed = report(rounds, args.seconds)
    return sales_bench.outcome(rounds, missed, problems, args.json)


if __name__ == "__main__":
    sys.exit(main())
