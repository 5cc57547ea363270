"""The animator adds a product in the browser; a member cannot open the catalogue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import login_in_browser

pytestmark = pytest.mark.e2e


def save_product(page: Page):
    """Tap "Enregistrer"; the answer to the form's POST."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/admin/products/new")
    ) as answer:
        page.get_by_role("button", name="Enregistrer").click()
    return answer.value


def test_admin_adds_a_product_after_fixing_the_price(page: Page, db):
    login_in_browser(page, "Awa")
    page.wait_for_url("**/sell")
    page.locator(".topbar nav").get_by_role("link", name="Catalogue").click()
    page.wait_for_url("**/admin/catalogue")
    page.get_by_role("link", name="Nouveau produit").click()
    page.wait_for_url("**/admin/products/new")

    name = page.get_by_label("Nom", exact=True)
    price = page.get_by_label("Prix TTC (€)")
    name.fill("Kokedama géant")
    price.fill("abc")
    assert save_product(page).status == 422

    # The message sits in the price field's own box, and what was typed is kept.
    price_field = page.locator(".field", has=page.locator("#f-price"))
    expect(price_field).to_have_class(re.compile(r"\binvalid\b"))
    expect(price_field.locator(".field-error")).to_have_text(
        "Indiquez un prix positif, par exemple 12,50."
    )
    expect(price).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_have_text("Corrigez les champs signalés.")
    expect(name).to_have_value("Kokedama géant")
    expect(price).to_have_value("abc")
    assert (
        db.execute("SELECT count(*) FROM products WHERE name = 'Kokedama géant'").fetchone()[0] == 0
    )

    price.fill("24,50")
    page.get_by_label("Taux de TVA").select_option(label="20\u00a0%")
    assert save_product(page).status == 302
    page.wait_for_url("**/admin/catalogue")

    expect(page.locator("#messages .msg.ok")).to_have_text("Produit « Kokedama géant » ajouté.")
    row = page.locator("#products tbody tr", has_text="Kokedama géant")
    expect(row).to_have_count(1)
    expect(row.locator("td.num").first).to_have_text("24,50 €")
    expect(row).to_contain_text("20 %")
    stored = db.execute(
        "SELECT price, vat_rate FROM products WHERE name = 'Kokedama géant'"
    ).fetchall()
    assert stored == [(2450, 2000)]


def test_a_member_is_refused_the_catalogue(page: Page):
    login_in_browser(page, "Léo")
    page.wait_for_url("**/sell")
    expect(page.locator(".topbar nav").get_by_role("link", name="Catalogue")).to_have_count(0)

    answer = page.goto("/admin/catalogue")
    assert answer.status == 403
    expect(page.locator("main .msg.error")).to_have_text(
        "Cette action est réservée à un administrateur."
    )
    expect(page.get_by_role("link", name="Nouveau produit")).to_have_count(0)
    expect(page.locator("#products")).to_have_count(0)
