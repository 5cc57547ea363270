"""Moments are read in the coop's zone, in French form, on every screen and on paper.

The server runs with TZ=UTC (as a Raspberry Pi usually does): a winter moment (UTC+1 in Paris)
and a summer one (UTC+2) must read 21:30 wherever a member or a customer sees them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from pos import clock
from pos import db as database
from pos.db import coop
from pos.print_queue import receipt_job
from pos.web.app import create_app
from tests.conftest import Actions, LiveServer, login_in_browser, product_id
from tests.escpos_decode import decode

pytestmark = pytest.mark.e2e

WINTER = datetime(2026, 12, 15, 20, 30, tzinfo=UTC)  # 21:30 in Paris (UTC+1)
SUMMER = datetime(2027, 7, 1, 19, 30, tzinfo=UTC)  # 21:30 in Paris (UTC+2)
FLOAT = {"n_2000": "3"}
PARIS = ZoneInfo("Europe/Paris")


def at(moment: datetime) -> None:
    """Set this process's till clock to a moment (what `clock_offset` does on a server)."""
    clock.set_offset((moment - datetime.now(UTC)).total_seconds())


@pytest.fixture
def two_seasons(db_path):
    """A coop with a sale, a movement and a Z in winter, then a day and a sale in summer."""
    app = create_app(db_path, TESTING=True)
    actions = Actions(app.test_client(), db_path)
    conn = database.connect(db_path)
    try:
        actions.login("Awa")
        at(WINTER)
        actions.sell(product_id(conn, "Kokedama"))
        out = {"amount": "5", "direction": "out", "reason": "Place"}
        actions.post("/till/movements", out, False)
        actions.post("/till/close", {"n_2000": "3", "reason": "compté vite"}, False)
        at(SUMMER)
        actions.post("/till/open", FLOAT, False)
        actions.sell(product_id(conn, "Cookie"))
        change = {"amount": "2", "direction": "in", "reason": "Monnaie"}
        actions.post("/till/movements", change, False)
        receipt_job(conn, 2, "Awa")  # waits in « À imprimer », asked at 21:30
        later = (SUMMER.timestamp() + 15 * 60) - datetime.now(UTC).timestamp()
        coop.save_settings(conn, {"clock_offset": f"{later:.3f}"})  # the server lives in July
        first = conn.execute("SELECT opened_at FROM till_days ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        clock.set_offset(0)
        conn.close()
    opened = datetime.fromisoformat(first).astimezone(PARIS).strftime("%d/%m/%Y")
    return db_path, opened


@pytest.fixture
def tablet(browser, two_seasons, monkeypatch, printer_listener):
    """A tablet on `pos serve` started with TZ=UTC and a network printer."""
    monkeypatch.setenv("TZ", "UTC")
    server = LiveServer(two_seasons[0], "--printer", printer_listener.url).start()
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", base_url=server.url
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    login_in_browser(tab, "Awa")
    tab.wait_for_url("**/sell")
    yield tab
    context.close()
    server.stop()


def test_moments_read_in_paris_time_on_every_screen(tablet, two_seasons):
    tablet.goto("/sell/history")  # the day of the server's clock: 1 July 2027
    row = tablet.locator("#rows tbody tr").filter(has_text="Vente").first
    expect(row).to_contain_text("21:30")

    tablet.goto("/sell/history?number=1")  # a search reaches other days: their date shows
    expect(tablet.locator("#rows tbody tr").first).to_contain_text("15/12/2026 21:30")

    tablet.goto("/sell/sales/1")
    expect(tablet.get_by_test_id("receipt")).to_contain_text("15/12/2026 21:30")
    tablet.goto("/sell/sales/2")
    expect(tablet.get_by_test_id("receipt")).to_contain_text("01/07/2027 21:30")

    tablet.goto("/till")
    expect(tablet.locator("main")).to_contain_text("21:30 ·")

    tablet.goto("/till/closures/1")
    expect(tablet.locator("main")).to_contain_text("le 15/12/2026 21:30")
    expect(tablet.get_by_test_id("z-text")).to_contain_text("15/12/2026 21:30")
    expect(tablet.locator("h1")).to_contain_text(two_seasons[1])  # the day the till opened

    tablet.goto("/print/queue")
    expect(tablet.get_by_test_id("print-queue")).to_contain_text("01/07/2027 21:30")

    tablet.goto("/admin/events")
    events = tablet.locator("#rows")
    expect(events).to_contain_text("15/12/2026 21:30")
    expect(events).to_contain_text("01/07/2027 21:30")
    assert "T20:30" not in events.inner_text() and "20:30" not in events.inner_text()


def test_moments_print_in_paris_time(tablet, printer_listener, two_seasons):
    tablet.goto("/till/closures/1")
    tablet.get_by_role("button", name="Imprimer le Z").click()
    expect(tablet.get_by_text("Z n° 1 imprimé.")).to_be_visible()
    for number in (1, 2):
        tablet.goto(f"/sell/sales/{number}")
        tablet.get_by_role("button", name="Réimprimer (DUPLICATA)").click()
        expect(tablet.get_by_test_id("receipt")).to_contain_text("DUPLICATA")

    z, winter, summer = (decode(job).joined for job in printer_listener.received())
    assert "Clôturé le" in z and "15/12/2026 21:30" in z and two_seasons[1] in z
    assert "15/12/2026 21:30" in winter
    assert "01/07/2027 21:30" in summer
