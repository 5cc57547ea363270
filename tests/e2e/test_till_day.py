"""A day at the till in a real browser: open with a counted float, sell, pay the stall fee from
the till, hand over after a blind count, close with a blind count, a difference and its reason;
the Z on screen is the Z printed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import LiveServer, login_in_browser, type_pin
from tests.escpos_decode import decode

pytestmark = pytest.mark.e2e


@pytest.fixture
def tablet(browser, closed_db_path, printer_listener):
    """A tablet on `pos serve --printer network://…` over a coop whose till is not open yet."""
    server = LiveServer(closed_db_path, "--printer", printer_listener.url + "?width=48").start()
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", base_url=server.url
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
    server.stop()


def count(tab: Page, coins: dict[str, int]) -> None:
    """Tap + beside each coin or note as many times as counted."""
    for cents, times in coins.items():
        for _ in range(times):
            tab.locator(f'[data-step="1"][data-for="n_{cents}"]').first.click()


def test_open_sell_pay_fee_hand_over_and_close(tablet: Page, printer_listener, closed_db_path):
    login_in_browser(tablet, "Léo")
    tablet.wait_for_url("**/till")
    expect(tablet.locator("#messages")).to_contain_text("Ouvrez la caisse")
    count(tablet, {"2000": 2, "1000": 2})
    expect(tablet.get_by_test_id("counted")).to_have_text("60,00 €")
    tablet.get_by_role("button", name="Ouvrir la caisse").click()
    tablet.wait_for_url("**/sell")

    tablet.locator('.tile[data-product="Kokedama"]').click()
    tablet.locator('.tile[data-product="Cookie"]').click()
    tablet.locator("#cart .payrow").get_by_role("button", name="20,00 €", exact=True).click()
    expect(tablet.get_by_test_id("change")).to_contain_text("5,00 €")

    tablet.get_by_role("link", name="Caisse").click()
    assert "75,00" not in tablet.content()  # blind count: no expected cash before counting
    # The stall fee paid from the till is an expense: the Caisse leads to its form.
    tablet.get_by_label("Une dépense payée avec la caisse", exact=False).check()
    tablet.get_by_role("button", name="Enregistrer le mouvement").click()
    tablet.wait_for_url("**/stock/expenses?paid_from=till")
    tablet.get_by_label("Fournisseur").fill("Place du marché")
    tablet.get_by_label("Montant payé TTC", exact=False).fill("15")
    tablet.get_by_label("Taux de TVA du ticket").select_option(label="0 %")
    tablet.get_by_label("Catégorie").select_option("stall_fee")
    tablet.get_by_role("button", name="Enregistrer la dépense").click()
    tablet.get_by_role("link", name="Caisse").click()

    tablet.locator("#to_member").select_option(label="Awa")
    count(tablet, {"2000": 3})
    tablet.get_by_role("button", name="Valider mon comptage").click()
    expect(tablet.get_by_test_id("expected")).to_have_text("60,00 €")
    expect(tablet.get_by_test_id("difference")).to_have_text("0,00 €")
    expect(tablet.get_by_test_id("by-member")).to_contain_text("Léo")
    tablet.get_by_role("button", name="Passer la main à Awa").click()
    expect(tablet.locator("#messages")).to_contain_text("Compté : 60,00 €, attendu : 60,00 €.")
    type_pin(tablet, "1234")
    tablet.wait_for_url("**/sell")

    tablet.get_by_role("link", name="Caisse").click()
    tablet.get_by_role("link", name="Clôturer la journée (Z)").click()
    count(tablet, {"2000": 2, "1000": 1, "500": 1})
    expect(tablet.get_by_test_id("counted")).to_have_text("55,00 €")
    assert "60,00" not in tablet.content()
    tablet.get_by_role("button", name="Valider mon comptage").click()
    expect(tablet.get_by_test_id("difference")).to_have_text("−5,00 €")
    tablet.get_by_role("button", name="Clôturer définitivement").click()
    expect(tablet.locator(".field.invalid .field-error")).to_have_text(
        "Expliquez l'écart de caisse avant de clôturer."
    )
    tablet.locator("#reason").fill("Erreur de rendu")
    tablet.get_by_role("button", name="Clôturer définitivement").click()

    expect(tablet.get_by_test_id("z-difference")).to_have_text("−5,00 €")
    expect(tablet.locator("#messages")).to_contain_text("Z n° 1 imprimé")
    on_screen = tablet.get_by_test_id("z-text").inner_text()
    assert "Erreur de rendu" in on_screen and "Place du marché" not in on_screen
    [job] = printer_listener.received()
    decoded = decode(job)
    paper = [line.text.strip() for line in decoded.lines if line.text.strip()]
    screen = [line.strip() for line in on_screen.splitlines() if line.strip()]
    assert paper == screen
    assert decoded.cuts == 1
    assert any("-5,00 €" in line for line in paper)

    # A closed day takes no more sales: selling asks to open the till again.
    tablet.goto("/sell")
    tablet.wait_for_url("**/till")
