"""The prévisionnel in a real browser: built through the screens, a market day, the dashboard's
projection and the bilan's columns, at tablet and phone sizes (no sideways scroll, 44 px)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pos import clock
from pos import db as database
from pos.db import till
from tests.conftest import login_in_browser

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("ETAL_SHOTS", "/tmp/etal-shots"))
MINE = ".plan, .plan-edit, #plan-board, #plan-bilan, .bank"
TARGETS = (
    "main a.btn, main button, main input:not([type=hidden]):not([type=checkbox]), main select,"
    " main label.later, main .days label"
)
SMALL_TARGETS = (
    f"[...document.querySelectorAll('{TARGETS}')]"
    f".filter(e => e.offsetParent !== null && e.closest('{MINE}'))"
    """
    .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 24; })
    .slice(0, 5).map(e => e.tagName + ' ' + (e.name || e.textContent.trim().slice(0, 30)))"""
)
STICKING_OUT = """[...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => e.tagName + ' ' + (e.name || e.className))"""


def look(page: Page, name: str) -> None:
    """A screenshot to look at, then the phone-size checks."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.viewport_size['width']}.png"), full_page=True)
    assert page.evaluate(SMALL_TARGETS) == [], name
    if page.viewport_size["width"] <= 412:
        assert page.evaluate("document.documentElement.scrollWidth") <= 412, page.evaluate(
            STICKING_OUT
        )


def fill_plan(page: Page) -> None:
    page.get_by_role("link", name="Prévisionnel", exact=True).click()
    page.get_by_role("link", name="Modifier le prévisionnel").click()
    koke = page.locator('fieldset[data-product="Kokedama"]')
    koke.get_by_label("À fabriquer").fill("20")
    koke.get_by_label("À vendre").fill("15")
    expect(koke.get_by_label("Coût unitaire")).to_have_value("4,00")  # from the catalogue
    expect(koke.get_by_label("Prix TTC")).to_have_value("12,50")
    cookie = page.locator('fieldset[data-product="Cookie"]')
    cookie.get_by_label("À fabriquer").fill("100")
    cookie.get_by_label("À vendre").fill("80")
    page.get_by_label("Place de marché (€)").fill("30")
    page.get_by_label("Rémunération visée (€)").fill("100")
    page.get_by_label("Contribution à la CAE (€)").fill("20")
    page.locator("#f-fixed_label_0").fill("Flyers")
    page.locator("#f-fixed_amount_0").fill("15")
    page.get_by_label("Fond de caisse (€)").fill("60")
    page.locator("#f-own_label_0").fill("Apport de la CAE")
    page.locator("#f-own_amount_0").fill("100")
    page.locator("#f-loan_label_0").fill("Prêt d'honneur")
    page.locator("#f-loan_amount_0").fill("50")
    today = clock.local(clock.now()).date()
    for i in range(3):
        page.locator(f'input[name="day_{(today + timedelta(days=i)).isoformat()}"]').check()
    page.get_by_label("Heures de marché par jour").fill("6")
    look(page, "plan-edit")
    page.get_by_role("button", name="Enregistrer le prévisionnel").click()


def test_plan_market_day_projection_and_bilan(page: Page, db_path):
    login_in_browser(page, "Awa")
    page.wait_for_url("**/sell")
    fill_plan(page)
    expect(page.locator("#messages")).to_contain_text("Prévisionnel enregistré")
    expect(page.get_by_test_id("plan-result")).to_have_text("40,82 €")
    expect(page.get_by_test_id("plan-break-even-revenue")).to_contain_text("€")
    look(page, "plan")
    page.get_by_role("link", name="Présentation à la banque").click()
    expect(page.get_by_test_id("bank-summary")).to_contain_text("nous vous demandons 95,00 €")
    look(page, "bank")

    # A market day: three kokedamas sold at the stall, then the day is closed (its Z).
    page.get_by_role("link", name="Vendre").click()
    page.wait_for_load_state("load")
    for total in ("12,50", "25,00", "37,50"):
        page.locator('.tile[data-product="Kokedama"]').click()
        expect(page.get_by_test_id("total")).to_contain_text(total)
    page.locator("#cart .payrow").get_by_role("button", name="Carte", exact=True).click()
    expect(page.locator("#result .done")).to_contain_text("enregistrée")
    conn = database.connect(db_path)
    till.close_day(conn, {"id": 1, "name": "Awa"}, {}, "compté plus tard", 10**9)
    conn.close()

    page.get_by_role("link", name="Tableau de bord").click()
    board = page.get_by_test_id("plan-board")
    expect(board.locator('tr[data-product="Kokedama"] [data-col="sold"]')).to_contain_text("3")
    projection = board.locator('li[data-product="Kokedama"]')
    expect(projection).to_contain_text("il en resterait environ 10")
    expect(projection).to_contain_text("une démarque de 60 %")
    board.scroll_into_view_if_needed()
    look(page, "dashboard")

    page.get_by_role("link", name="Comptes").click()
    gaps = page.get_by_test_id("plan-gaps")
    expect(gaps.locator("thead")).to_contain_text("Prévu")
    expect(gaps.locator("thead")).to_contain_text("Réalisé")
    expect(gaps.locator("thead")).to_contain_text("Écart")
    expect(gaps.locator('tr[data-line="revenue_ht"]')).to_contain_text("345,82 €")
    expect(gaps.locator('tr[data-line="revenue_ht"]')).to_contain_text("31,25 €")
    expect(page.get_by_test_id("plan-reading")).to_contain_text("Vous avez vendu 3 unités sur 95")
    look(page, "bilan")

    page.set_viewport_size({"width": 412, "height": 915})
    for url, name in [
        ("/plan", "plan"),
        ("/plan/edit", "plan-edit"),
        ("/plan/bank", "bank"),
        ("/dashboard", "dashboard"),
        ("/accounts", "bilan"),
    ]:
        page.goto(url)
        look(page, name)
