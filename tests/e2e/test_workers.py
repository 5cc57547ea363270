"""`pos serve --workers 2`: two processes on one coop file and one port, as on a Pi 4.

Every sale answered is on disk once, numbered without a gap, whichever worker took it; a clock
corrected elsewhere stamps both workers' sales; a worker that dies is started again, and none
outlives its parent.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
import requests

from pos import db as database
from pos.db import coop
from pos.db.catalogue import stock_from_ledger
from pos.db.sales import verify_chain
from tests.conftest import LiveServer, product_id
from tests.e2e.test_api_live import at_once, post_sale

pytestmark = pytest.mark.e2e

CLIENTS = 6
STARTED = re.compile(r"Processus (\d) démarré \(pid (\d+)\)")
SALES_EACH = 15


class Workers(LiveServer):
    """`pos serve --workers 2`, its output read as it comes (the workers' pids)."""

    def __init__(self, db_path):
        super().__init__(db_path, "--workers", "2")
        self.lines: list[str] = []

    def start(self) -> Workers:
        super().start()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_for("Étal est prêt")  # said once every worker listens
        return self

    def wait_for(self, start: str, seconds: float = 20) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if said := [line for line in self.lines if line.startswith(start)]:
                return said[0]
            time.sleep(0.05)
        raise AssertionError(self.lines)

    def _read(self) -> None:
        for raw in iter(self.process.stdout.readline, b""):  # until every process has gone
            self.lines.append(raw.decode(errors="replace").rstrip())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)
        self.reader.join(10)  # the workers hold the pipe too: its end says they have gone
        self.process.stdout.close()

    def pids(self, started: int = 2, seconds: float = 10) -> dict[int, int]:
        """{worker number: pid} once `started` workers were said started."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for line in self.lines if (m := STARTED.search(line))]
            if len(found) >= started:
                return {int(m.group(1)): int(m.group(2)) for m in found}
            time.sleep(0.05)
        raise AssertionError(self.lines)


@pytest.fixture
def workers(db_path):
    server = Workers(db_path).start()
    yield server
    server.stop()


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for whoever adopted it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def sales_on_new_connections(url: str, token: str, product: int, count: int) -> list:
    """`count` sales, each on a connection of its own (so the kernel deals them out)."""
    answers = []
    for _ in range(count):
        with requests.Session() as session:
            answers.append(post_sale(session, url, token, [(product, 1)], "2.50"))
    return answers


def test_two_workers_share_the_sales_and_the_journal_stays_whole(workers, api_token, db_path):
    conn = database.connect(db_path)
    cookie = product_id(conn, "Cookie")
    stock_before = conn.execute("SELECT stock FROM products WHERE id = ?", [cookie]).fetchone()[0]
    conn.close()
    assert stock_before >= CLIENTS * SALES_EACH + 1

    answers = [
        a
        for batch in at_once(
            CLIENTS,
            lambda _i: sales_on_new_connections(workers.url, api_token, cookie, SALES_EACH),
        )
        for a in batch
    ]
    key = uuid.uuid4().hex  # the same sale sent four times at once: recorded once
    retries = at_once(
        4, lambda _i: post_sale(requests, workers.url, api_token, [(cookie, 1)], "2.50", key)
    )

    assert [a.status_code for a in answers] == [201] * (CLIENTS * SALES_EACH)
    assert {a.headers["Server"] for a in answers} == {"etal/1", "etal/2"}
    assert [r.status_code for r in retries] == [201] * 4
    assert len({r.content for r in retries}) == 1
    numbers = sorted(a.json()["sale"]["number"] for a in [*answers, retries[0]])
    assert numbers == list(range(1, CLIENTS * SALES_EACH + 2))
    conn = database.connect(db_path)
    try:
        assert conn.execute("SELECT count(*) FROM sales").fetchone()[0] == len(numbers)
        left = conn.execute("SELECT stock FROM products WHERE id = ?", [cookie]).fetchone()[0]
        assert left == stock_before - len(numbers)
        assert stock_from_ledger(conn)[cookie] == left
        assert verify_chain(conn) is None
    finally:
        conn.close()
    assert not any("Traceback" in line for line in workers.lines), workers.lines


def test_a_clock_corrected_elsewhere_stamps_every_workers_sales(workers, api_token, db_path):
    conn = database.connect(db_path)
    cookie = product_id(conn, "Cookie")
    at_once(4, lambda _i: sales_on_new_connections(workers.url, api_token, cookie, 1))
    coop.save_settings(conn, {"clock_offset": "7200"})  # as one worker's tablet set it
    answers = [  # four clients at once: one after the other, one worker may take them all
        a
        for batch in at_once(
            4, lambda _i: sales_on_new_connections(workers.url, api_token, cookie, 4)
        )
        for a in batch
    ]
    stamped = [
        datetime.fromisoformat(at)
        for (at,) in conn.execute("SELECT created_at FROM sales WHERE number > 4").fetchall()
    ]
    conn.close()
    assert {a.headers["Server"] for a in answers} == {"etal/1", "etal/2"}
    assert len(stamped) == 16
    ahead = [(at - datetime.now(UTC)).total_seconds() for at in stamped]
    assert all(7100 < seconds < 7300 for seconds in ahead), ahead


def test_a_worker_that_dies_is_started_again_and_none_outlives_the_parent(workers):
    first = workers.pids()
    os.kill(first[1], signal.SIGKILL)
    again = workers.pids(started=3)
    assert again[1] != first[1] and again[2] == first[2]
    assert any(line.startswith("Processus 1 arrêté") for line in workers.lines)
    assert {requests.get(f"{workers.url}/login", timeout=10).status_code for _ in range(6)} == {200}

    workers.process.kill()  # the parent alone, as the OOM killer might
    workers.process.wait(5)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(pid) for pid in again.values()):
        time.sleep(0.05)
    assert not any(alive(pid) for pid in again.values())


def test_stopping_the_parent_stops_its_workers(workers):
    pids = workers.pids()
    workers.process.terminate()
    assert workers.process.wait(15) == 0
    assert not any(alive(pid) for pid in pids.values())


def test_two_tablets_on_two_workers_sell_and_see_each_others_stock(workers, browser, db_path):
    """Each tablet's own connections (Chromium keeps a few) are dealt out to the workers; the
    cart lives in the tablet's cookie and everything else in the file, so whichever worker
    answers, a tablet sees what the other sold, and each sale is on disk once."""
    from playwright.sync_api import expect

    from tests.conftest import login_in_browser
    from tests.e2e.test_sell import Taps, fill_cart, pay_button, settled, tile

    tablets, answered = [], set()
    for name in ("Léo", "Awa"):
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="fr-FR", base_url=workers.url
        )
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        tab.on("response", lambda r: answered.add(r.headers.get("server")))
        login_in_browser(tab, name)
        tab.wait_for_url("**/sell")
        tablets.append(tab)
    leo, awa = tablets

    fill_cart(awa, Taps(), "Dernier pot", expected_total="9,00 €")
    settled(awa)
    pay_button(awa, "Carte").click()
    expect(awa.locator("#result .done")).to_contain_text("Vente n° 1 enregistrée")
    pot = tile(leo, "Dernier pot")
    expect(pot).to_be_disabled(timeout=2500)  # without a reload, whichever worker answered
    expect(pot.locator(".stock")).to_have_text("Épuisé")

    fill_cart(leo, Taps(), "Kokedama", "Cookie", expected_total="15,00 €")
    settled(leo)
    pay_button(leo, "20,00 €").click()
    expect(leo.get_by_test_id("change")).to_have_text("Rendu 5,00 €")
    expect(tile(awa, "Kokedama").locator(".stock")).to_have_text("reste 19", timeout=2500)
    for tab in tablets:
        tab.context.close()

    conn = database.connect(db_path)
    try:
        rows = conn.execute("SELECT number, total FROM sales ORDER BY number").fetchall()
        assert rows == [(1, 900), (2, 1500)]
        assert verify_chain(conn) is None
    finally:
        conn.close()
    assert answered <= {"etal/1", "etal/2"} and answered, answered


def servers_of(url: str, count: int) -> list[str]:
    """Open `count` connections at once, one request on each, keep them all open until every
    answer is in (as tablets keep theirs), then close them; which worker answered each."""
    port = int(url.rsplit(":", 1)[1])
    opened: list[socket.socket] = []
    lock = threading.Lock()

    def connect() -> None:
        conn = socket.create_connection(("127.0.0.1", port), timeout=10)
        with lock:
            opened.append(conn)

    at_once(count, lambda _i: connect())
    for conn in opened:
        conn.sendall(b"GET /login HTTP/1.1\r\nHost: etal\r\n\r\n")
    servers = []
    for conn in opened:
        head = conn.recv(65536).decode(errors="replace")
        servers.append(re.search(r"\r\nServer: (\S+)", head).group(1))
    for conn in opened:
        conn.close()
    return servers


@pytest.mark.parametrize("count", [2, 4, 8])
def test_connections_are_dealt_out_evenly_even_right_after_one_closed(workers, count):
    """Each connection goes to the worker with fewest (pos.workers.Acceptor): four tablets
    are two per worker, also 0.2 s after a connection closed on one of them (its count must be
    the fresh one, not the acceptor's last look); eight are four each, or five and three on a
    loaded machine (a worker slow to wake past DEFER). Planted: no worker leaving connections
    to another; counts published by the acceptor alone, gone stale."""
    for _ in range(4):
        servers_of(workers.url, 1)  # a connection that just closed (its FIN read meanwhile)
        time.sleep(0.2)
        dealt = servers_of(workers.url, count)
        one, two = dealt.count("etal/1"), dealt.count("etal/2")
        assert one + two == count and abs(one - two) <= (2 if count == 8 else 0), dealt
