"""Always in reach: at four screen sizes, with 0, 1, 4 and 8 cart lines, before a sale, after a
sale and after *Ticket ?*, the total and every payment button are wholly on screen, at least
three tiles can be tapped where they are (nothing covers them), nothing scrolls sideways, no
button's words overflow it, and a refusal is readable where the member looks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from pos.db.catalogue import insert_product
from tests.conftest import login_in_browser
from tests.e2e.test_sell import settled, tile, total

pytestmark = pytest.mark.e2e

SIZES = [(1280, 800), (800, 1280), (412, 915), (360, 640)]
MORE = ["Confiture", "Savon", "Bougie", "Carte postale", "Tisane"]
EIGHT = ["Kokedama", "Cookie", "Café", *MORE]

# Each reachable thing's box, and whether a finger at its centre lands on it.
REACH = """() => {
  const W = innerWidth, H = innerHeight;
  const inView = e => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= H + 0.5 && r.right <= W + 0.5; };
  const hits = e => { const r = e.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > W || y > H) return false;
    const at = document.elementFromPoint(x, y); return !!at && e.contains(at); };
  const named = e => (e.innerText || e.value || e.className).trim().split("\\n")[0];
  const pay = [...document.querySelectorAll("#cart .payrow > *")];
  return {
    wide: document.documentElement.scrollWidth > W,
    total: [document.querySelector("#cart .total")].every(e => inView(e) && hits(e)),
    payOff: pay.filter(e => !(inView(e) && hits(e))).map(named),
    tiles: [...document.querySelectorAll(".tile:not([disabled])")].filter(hits).length,
    result: [...document.querySelectorAll("#result .done, #result .change, #result .strip-line")]
      .filter(e => !(inView(e) && hits(e))).map(named),
    clipped: [...document.querySelectorAll("#cart button:not(.visually-hidden)")]
      .filter(e => e.getBoundingClientRect().width > 0 && e.scrollWidth > e.clientWidth + 1)
      .map(named),
  };
}"""


def check(page: Page, state: str, lines: int, problems: list) -> None:
    """What a finger can reach now, at the top of the page."""
    settled(page)
    expect(page.locator("#cart .line")).to_have_count(lines)
    seen = page.evaluate(REACH)
    where = f"{page.viewport_size['width']}x{page.viewport_size['height']} {state} {lines}"
    if seen["wide"]:
        problems.append(f"{where}: wider than the screen")
    if not seen["total"]:
        problems.append(f"{where}: total out of reach")
    if seen["payOff"]:
        problems.append(f"{where}: payment buttons out of reach {seen['payOff']}")
    if seen["tiles"] < 3:
        problems.append(f"{where}: only {seen['tiles']} tiles in reach")
    if seen["result"]:
        problems.append(f"{where}: the sale's result out of reach {seen['result']}")
    if seen["clipped"]:
        problems.append(f"{where}: words wider than their button {sorted(set(seen['clipped']))}")


def add_lines(page: Page, names: list[str], expected: int) -> None:
    """Tap tiles (scrolling the tiles to them as a member would), back at the top after."""
    for name in names:
        settled(page)
        tile(page, name).click()
        expect(page.locator("#cart .line")).to_have_count(
            expected - len(names) + names.index(name) + 1
        )
    page.locator("#tiles").evaluate("e => e.scrollTo(0, 0)")
    page.evaluate("window.scrollTo(0, 0)")


def each_cart_size(page: Page, state: str, problems: list) -> None:
    check(page, state, 0, problems)
    for wanted, names in ((1, EIGHT[:1]), (4, EIGHT[1:4]), (8, EIGHT[4:])):
        add_lines(page, names, wanted)
        check(page, state, wanted, problems)


def pay(page: Page, number: int, button: str = "Compte juste") -> None:
    settled(page)
    page.locator("#cart .payrow").get_by_role("button", name=button, exact=True).click()
    expect(page.locator("#result .done")).to_contain_text(f"Vente n° {number} enregistrée")


@pytest.fixture
def eight_products(db):
    """Eight products to fill a cart with (the seed has four)."""
    category = db.execute("SELECT id FROM categories WHERE name = 'Plantes'").fetchone()[0]
    for i, name in enumerate(MORE):
        row = {"name": name, "short_name": name[:8], "price": 300 + 100 * i, "vat_rate": 550}
        insert_product(
            db,
            {**row, "unit_cost": 100, "category_id": category, "track_stock": 1, "emoji": "🌿"},
            stock=100,
        )


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_total_payments_and_tiles_stay_in_reach(browser, live_server, eight_products, size):
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, locale="fr-FR", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    try:
        login_in_browser(page, "Léo")
        page.wait_for_url("**/sell")

        # A refusal: beside the cart, readable without scrolling.
        add_lines(page, ["Dernier pot"], 1)
        tile(page, "Dernier pot").click()
        refusal = page.locator("#cart").get_by_test_id("refusal")
        expect(refusal).to_contain_text("Stock insuffisant")
        page.evaluate("window.scrollTo(0, 0)")
        if not page.evaluate(REFUSAL_IN_VIEW):
            problems.append(f"{size}: the refusal is out of sight")
        page.locator("#cart .line").get_by_role("button", name="Retirer").click()
        expect(page.locator("#cart .line")).to_have_count(0)

        each_cart_size(page, "before a sale", problems)
        pay(page, 1)
        each_cart_size(page, "after a sale", problems)
        pay(page, 2, "50,00 €")  # with change to read, through the receipt's state too
        expect(page.get_by_test_id("change")).to_have_text("Rendu 8,50 €")
        settled(page)
        page.get_by_role("button", name="Ticket ?").click()
        expect(page.get_by_test_id("receipt")).to_contain_text("Ticket n° 2")
        each_cart_size(page, "after Ticket ?", problems)
        expect(total(page)).to_have_text(re.compile(r"Total\s+\d"))
    finally:
        page.screenshot(path=f"/tmp/etal-reach-{size[0]}x{size[1]}.png")
        context.close()
    assert not problems, "\n".join(problems)


REFUSAL_IN_VIEW = """() => {
  const e = document.querySelector("#cart [data-testid=refusal]");
  const r = e.getBoundingClientRect();
  const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && !!at && e.contains(at);
}"""
