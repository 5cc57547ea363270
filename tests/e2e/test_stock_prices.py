"""A week's stock and prices in the browser: a batch, a sale, a markdown, a receipt that stays."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import login_in_browser, product_id

pytestmark = pytest.mark.e2e


def settled(page: Page) -> None:
    """Wait until htmx has finished swapping and wiring what it swapped in."""
    expect(
        page.locator(".htmx-added, .htmx-settling, .htmx-swapping, .htmx-request")
    ).to_have_count(0)


def tile(page: Page, name: str):
    return page.locator(f'.tile[data-product="{name}"]')


def logout(page: Page) -> None:
    page.locator(".topbar").get_by_role("button", name="Quitter").click()
    page.wait_for_url("**/login")


def test_batch_sale_markdown_and_a_receipt_that_does_not_change(page: Page, db):
    login_in_browser(page, "Léo")
    page.wait_for_url("**/sell")

    # A batch: the unit cost appears while typing; the stock goes up.
    page.locator(".topbar nav").get_by_role("link", name="Stock").click()
    page.wait_for_url("**/stock")
    page.get_by_role("link", name="Nouveau lot").first.click()
    page.wait_for_url("**/stock/batches")
    page.get_by_label("Produit", exact=True).select_option(value=str(product_id(db, "Kokedama")))
    page.get_by_label("Unités produites").fill("10")
    page.get_by_label("Coût des matières HT (€)").fill("5,00")
    expect(page.locator("#unit-cost")).to_contain_text("0,50\u00a0€")
    page.get_by_role("button", name="Enregistrer le lot").click()
    expect(page.locator("#messages .msg.ok")).to_contain_text("Lot enregistré : 10 × Kokedama")
    assert db.execute("SELECT stock FROM products WHERE name = 'Kokedama'").fetchone()[0] == 30
    page.goto("/stock")
    row = page.locator('#stock tr[data-product="Kokedama"]')
    expect(row.locator('[data-col="produced"]')).to_have_text("30")
    expect(row.locator('[data-col="left"] strong')).to_have_text("30")

    # A sale at the catalogue price.
    page.goto("/sell")
    expect(tile(page, "Kokedama").locator(".price")).to_have_text("12,50\u00a0€")
    settled(page)
    tile(page, "Kokedama").click()
    expect(page.get_by_test_id("total")).to_contain_text("12,50")
    settled(page)
    page.locator("#cart .payrow").get_by_role("button", name="Carte", exact=True).click()
    expect(page.locator("#result")).to_contain_text("Vente n° 1 enregistrée")
    assert db.execute("SELECT unit_price FROM sale_lines").fetchone()[0] == 1250
    logout(page)

    # The animator marks the plants down by 30 %.
    login_in_browser(page, "Awa")
    page.wait_for_url("**/sell")
    page.locator(".topbar nav").get_by_role("link", name="Prix").click()
    page.wait_for_url("**/prices")
    page.get_by_label("Catégorie", exact=True).select_option(label="Plantes")
    page.get_by_label("Démarque (%)").fill("30")
    page.get_by_role("button", name="Démarquer").click()
    expect(page.locator("#messages .msg.ok")).to_have_text("Démarque enregistrée.")
    expect(page.locator('#markdowns tr[data-state="active"]')).to_contain_text("Plantes")

    page.locator(".topbar nav").get_by_role("link", name="Vendre").click()
    page.wait_for_url("**/sell")
    expect(tile(page, "Kokedama").locator(".price")).to_have_text("8,75\u00a0€")
    expect(tile(page, "Cookie").locator(".price")).to_have_text("1,75\u00a0€")
    expect(tile(page, "Café").locator(".price")).to_have_text("1,50\u00a0€")
    expect(tile(page, "Kokedama").locator(".markdown")).to_contain_text("12,50")

    # The receipt of the sale made before the markdown is unchanged.
    page.goto("/sell/sales/1")
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_contain_text("12,50")
    expect(receipt).not_to_contain_text("8,75")
    assert db.execute("SELECT unit_price FROM sale_lines").fetchone()[0] == 1250

    # The pricing helper updates live as the animator types.
    page.goto("/prices")
    page.get_by_role("link", name=re.compile("Kokedama")).click()
    page.get_by_label("Coût unitaire HT (€)").fill("4,00")
    page.get_by_label("un taux de marge (%)").check()
    page.get_by_label("Valeur choisie (% ou € TTC)").fill("150")
    expect(page.get_by_test_id("price-ttc")).to_have_text("12,00\u00a0€")
    expect(page.get_by_test_id("coefficient")).to_have_text("3,00")
