"""Every screen fits every size a stall uses, and every target is big enough for a finger.

At 1280×800 (tablet), 800×1280 (tablet upright), 412×915 and 360×640 (phones): no screen is
wider than the viewport, and no visible link, button or field is under 44×44 CSS px.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pos import db as database
from pos.db import coop
from pos.web.app import create_app
from tests.conftest import Actions, LiveServer, product_id, type_pin

pytestmark = pytest.mark.e2e

SIZES = [(1280, 800), (800, 1280), (412, 915), (360, 640)]
PHONES = [(412, 915), (360, 640)]

# Every visible thing a finger taps that is under 44×44 CSS px. A checkbox or radio is tapped
# through its label, so the label is what is measured.
SMALL_TARGETS = """() => {
  const seen = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input, select, textarea, summary, :is([hx-post], [hx-get]):not(form)')) {
    if (el.type === 'hidden' || !el.checkVisibility({visibilityProperty: true})) continue;
    if (el.closest('[aria-hidden="true"]')) continue;  // not for people (a form's Enter key)
    let target = el;
    if (el.type === 'checkbox' || el.type === 'radio') target = el.closest('label') || el;
    const r = target.getBoundingClientRect();
    if (r.width >= 43.5 && r.height >= 43.5) continue;
    const name = el.tagName === 'SELECT' ? el.name
      : (el.innerText || el.value || el.name || el.getAttribute('aria-label') || '');
    seen.push(`${el.tagName.toLowerCase()} «${name.trim().slice(0, 30)}» `
              + `${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return seen;
}"""
TOO_WIDE = "document.documentElement.scrollWidth > window.innerWidth"
# Both checks in one call (one round trip to the browser per screen and size).
WHAT_IS_WRONG = f"""() => ({SMALL_TARGETS})().concat(({TOO_WIDE}) ? ["too wide"] : [])"""


def small_targets(tab: Page) -> list[str]:
    """What a finger would miss on the page shown."""
    return tab.evaluate(SMALL_TARGETS)


def test_the_check_finds_a_planted_small_link(page: Page):
    page.goto("/login")
    assert small_targets(page) == []
    page.evaluate(
        """() => { const a = document.createElement('a'); a.href = '#'; a.textContent = 'n° 1';
        a.style.cssText = 'display:inline-block;width:20px;height:20px;min-width:0;min-height:0';
        document.querySelector('main').append(a); }"""
    )
    assert small_targets(page) == ["a «n° 1» 20×20"]
    page.evaluate("document.querySelector('main').style.minWidth = '5000px'")
    assert page.evaluate(WHAT_IS_WRONG) == ["a «n° 1» 20×20", "too wide"]


@pytest.mark.parametrize("width,height", PHONES)
def test_every_pin_key_is_on_a_phone_screen(browser, live_server, width, height):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="fr-FR", base_url=live_server.url
    )
    tab = context.new_page()
    tab.goto("/login")
    tab.get_by_role("link", name="Léo").click()
    tab.wait_for_url("**/login/*")
    assert not tab.evaluate(TOO_WIDE)
    for key in ("3", "6", "9", "OK"):
        button = tab.locator(f'.key[data-key="{key}"]' if key != "OK" else ".key.ok")
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, key
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, key
        assert box["width"] >= 44 and box["height"] >= 44, key
        hit = button.evaluate(
            """k => { const r = k.getBoundingClientRect();
            const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return e === k || k.contains(e); }"""
        )
        assert hit, key
    type_pin(tab, "2345")
    tab.wait_for_url("**/sell")
    context.close()


@pytest.fixture
def a_full_week(db_path):
    """A coop with something on every screen: sales, a Z, a new day, a batch, an expense."""
    app = create_app(db_path, TESTING=True)
    actions = Actions(app.test_client(), db_path)
    conn = database.connect(db_path)
    koke, cookie = product_id(conn, "Kokedama"), product_id(conn, "Cookie")
    actions.login("Awa")
    actions.sell(koke, cookie)
    actions.post("/till/movements", {"amount": "5", "direction": "out", "reason": "Place"}, False)
    actions.post("/till/close", {"n_2000": "3", "reason": "compté vite"}, False)
    actions.post("/till/open", {"n_2000": "3"}, False)
    actions.sell(koke, koke, cookie, method="card")
    batch = {"product_id": koke, "quantity": "10", "materials": "Mousse", "materials_cost": "20"}
    actions.post("/stock/batches", batch, False)
    expense = {
        "supplier": "Jardinerie",
        "total": "12,00",
        "vat_rate": "20",
        "category": "materials",
        "paid_from": "bank",
    }
    actions.post("/stock/expenses", expense, False)
    coop.save_settings(conn, {"sales_goal": "50000"})
    conn.close()
    return db_path


def screens(db_path) -> list[str]:
    """Every screen a member or an admin opens, with the data of `a_full_week`."""
    conn = database.connect(db_path)
    koke = product_id(conn, "Kokedama")
    conn.close()
    return [
        "/sell", "/sell/split", "/sell/cart/discount", "/sell/history", "/sell/sales/1",
        "/sell/sales/2", "/till", "/till/close", "/till/closures", "/till/closures/1",
        "/stock", f"/stock/{koke}", "/stock/batches", "/stock/write-offs", "/stock/inventory",
        "/stock/expenses", "/prices", f"/prices/{koke}", "/dashboard", "/accounts",
        "/accounts/shares", "/admin/settings", "/admin/catalogue", "/admin/products/new",
        f"/admin/products/{koke}", "/admin/members", "/admin/events", "/print/queue",
    ]  # fmt: skip


def visit_every_screen(tab: Page, urls: list[str]) -> dict[str, list[str]]:
    """Log in as the admin, sell once, then open every screen; what is wrong on each."""

    def wrong() -> list[str]:
        return tab.evaluate(WHAT_IS_WRONG)

    found = {}
    tab.goto("/login")
    found["/login"] = wrong()
    tab.get_by_role("link", name="Awa").click()
    tab.wait_for_load_state("load")
    found["/login/pin"] = wrong()
    type_pin(tab, "1234")
    tab.wait_for_url("**/sell")
    tab.locator(".tile").first.click()  # a cart line, then a sale's result: measured too
    tab.wait_for_selector("#cart .line")
    found["/sell (a cart)"] = wrong()
    tab.locator("#cart .payrow").get_by_role("button", name="20,00 €", exact=True).click()
    expect(tab.locator("#result")).to_contain_text("Vente n°")
    found["/sell (after a sale)"] = wrong()
    tab.get_by_role("button", name="Ticket ?").click()
    expect(tab.get_by_test_id("receipt")).to_contain_text("TOTAL TTC")
    found["/sell (its receipt)"] = wrong()
    for url in urls:
        response = tab.goto(url)
        assert response.status == 200, url
        found[url] = wrong()
    tab.goto("/sell")
    tab.get_by_role("button", name="Quitter").click()
    tab.wait_for_url("**/login")
    return found


def test_every_screen_fits_and_every_target_takes_a_finger(browser, a_full_week):
    server = LiveServer(a_full_week).start()
    wrong: dict[str, list[str]] = {}
    try:
        for width, height in SIZES:  # one browser context per size, every screen in turn
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="fr-FR", base_url=server.url
            )
            tab = context.new_page()
            tab.set_default_timeout(10_000)
            for url, seen in visit_every_screen(tab, screens(a_full_week)).items():
                if seen:
                    wrong[f"{width}×{height} {url}"] = seen
            context.close()
    finally:
        server.stop()
    assert wrong == {}, "\n".join(f"{url}: {', '.join(seen)}" for url, seen in wrong.items())
