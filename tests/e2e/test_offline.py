"""The tablet loses the Pi: it says so plainly, the cart is kept, nothing is recorded twice."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer, login_in_browser

pytestmark = pytest.mark.e2e


def test_a_lost_connection_is_said_and_the_cart_survives(browser, db_path, db):
    server = LiveServer(db_path).start()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=server.url)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        login_in_browser(tab, "Léo")
        tab.wait_for_url("**/sell")
        tab.locator('.tile[data-product="Kokedama"]').click()
        expect(tab.get_by_test_id("total")).to_contain_text("12,50 €")

        server.kill()  # the Pi is unplugged
        server.stop()  # (closes what the dead process left open)
        tab.locator('.tile[data-product="Cookie"]').click()
        expect(tab.locator("#offline")).to_be_visible()
        expect(tab.locator("#offline")).to_contain_text("Connexion perdue")

        restarted = LiveServer(db_path)
        restarted.port, restarted.url = server.port, server.url  # the same address
        server = restarted.start()
        tab.locator('.tile[data-product="Cookie"]').click()
        expect(tab.locator("#offline")).to_be_hidden()
        expect(tab.get_by_test_id("total")).to_contain_text("15,00 €")  # the cart was kept
        tab.locator("#cart .payrow").get_by_role("button", name="Carte", exact=True).click()
        expect(tab.locator("#result .done")).to_contain_text("Vente n° 1 enregistrée")
        assert db.execute("SELECT count(*), sum(total) FROM sales").fetchone() == (1, 1500)
    finally:
        context.close()
        server.stop()
