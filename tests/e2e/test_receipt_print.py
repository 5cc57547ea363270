"""A member taps "Ticket ?" on a tablet; `pos serve --printer network://...` prints it."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from pos import db as database
from pos.db import coop
from tests.conftest import LiveServer, login_in_browser
from tests.escpos_decode import decode

pytestmark = pytest.mark.e2e


@pytest.fixture
def tablet_on(browser, db_path):
    """Open a tablet on `pos serve --printer URL`; the servers and tabs close after."""
    opened: list[tuple[LiveServer, object]] = []

    def start(printer_url: str) -> Page:
        server = LiveServer(db_path, "--printer", printer_url).start()
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="fr-FR", base_url=server.url
        )
        opened.append((server, context))
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        return tab

    yield start
    for server, context in opened:
        context.close()
        server.stop()


def sell_kokedama_for_a_note(tab: Page) -> None:
    """Log in, tap the Kokedama tile, pay with a 20 € note."""
    login_in_browser(tab)
    tab.locator('.tile[data-product="Kokedama"]').click()
    expect(tab.get_by_test_id("total")).to_contain_text("12,50")
    tab.locator("#cart .payrow").get_by_role("button", name="20,00 €", exact=True).click()
    expect(tab.get_by_test_id("change")).to_contain_text("7,50")


def test_ticket_prints_on_the_network_printer(tablet_on, printer_listener):
    tab = tablet_on(printer_listener.url)
    sell_kokedama_for_a_note(tab)

    tab.get_by_role("button", name="Ticket ?").click()

    expect(tab.get_by_text("Ticket imprimé")).to_be_visible()
    expect(tab.get_by_test_id("receipt")).to_contain_text("1 x Koke")
    [job] = printer_listener.received()
    paper = decode(job).joined
    assert "Les Kokés" in paper and "Rendu" in paper and "7,50 €" in paper


def test_a_refusing_printer_says_so_within_5_seconds(tablet_on, printer_listener_factory, db_path):
    tab = tablet_on(printer_listener_factory("refuse").url)
    sell_kokedama_for_a_note(tab)

    started = time.monotonic()
    tab.get_by_role("button", name="Ticket ?").click()
    message = tab.get_by_text(
        "Imprimante injoignable : le ticket attend dans la liste « À imprimer »."
    )
    expect(message).to_be_visible(timeout=5_000)
    elapsed = time.monotonic() - started
    assert elapsed < 5
    print(f"\nrefused printer: message on screen after {elapsed:.2f} s")

    link = tab.locator("#print-queue-link")
    expect(link).to_have_text("À imprimer (1)")
    link.click()
    expect(tab.get_by_test_id("print-queue")).to_contain_text("Ticket n° 1")
    expect(tab.get_by_test_id("print-queue")).to_contain_text("refuse la connexion")

    fixed = printer_listener_factory("normal")
    conn = database.connect(db_path)
    coop.save_settings(conn, {"printer_url": fixed.url})  # the admin screen's setting wins
    conn.close()
    tab.get_by_role("button", name="Réessayer", exact=True).click()

    expect(tab.get_by_test_id("print-queue-empty")).to_be_visible()
    expect(tab.locator("#print-queue-link")).to_be_hidden()
    assert "Ticket n° 1" in decode(fixed.received()[0]).joined
