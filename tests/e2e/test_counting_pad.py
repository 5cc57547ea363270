"""The counting pad read as a cash drawer: notes then coins, largest first, one reading order,
the rare 200 and 500 € notes folded away; every row and the confirm button in view at 1280×800,
usable at 412×915. And the blind count in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import LiveServer, login_in_browser

pytestmark = pytest.mark.e2e

DRAWER_ORDER = [10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1]
RARE = [20000, 50000]

# Each visible row of the pad: its denomination, its box, and whether a finger on the centre of
# its + button, and of the confirm button, lands on them (nothing sticky covers them).
ROWS = """(confirm) => {
  const hit = (el) => { const r = el.getBoundingClientRect();
    return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el; };
  const rows = [...document.querySelectorAll('.countpad .count-row')].map((row) => {
    const input = row.querySelector('input'), plus = row.querySelector('[data-step="1"]');
    const r = row.getBoundingClientRect(), p = plus.getBoundingClientRect();
    return { cents: parseInt(input.name.slice(2), 10), visible: row.checkVisibility(),
             top: r.top, bottom: r.bottom, left: r.left, right: r.right,
             plus: [p.width, p.height], tappable: row.checkVisibility() && hit(plus) };
  });
  const button = document.querySelector(confirm), b = button.getBoundingClientRect();
  return { rows, confirm: { top: b.top, bottom: b.bottom, tappable: hit(button) },
           height: innerHeight, width: innerWidth,
           scrollWidth: document.documentElement.scrollWidth };
}"""


@pytest.fixture
def closed_server(closed_db_path):
    """`pos serve` on a coop whose till is not open yet."""
    server = LiveServer(closed_db_path).start()
    yield server
    server.stop()


def tab_at(browser, server, width: int, height: int) -> Page:
    """A fresh tab of the given size on the server."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="fr-FR", base_url=server.url
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    return tab


def check_pad(tab: Page, confirm: str, *, all_in_view: bool) -> None:
    """Drawer order, one reading order, rare notes folded; in view (tablet) or reachable."""
    pad = tab.evaluate(ROWS, confirm)
    visible = [r for r in pad["rows"] if r["visible"]]
    assert [r["cents"] for r in visible] == DRAWER_ORDER  # 200/500 € folded away
    assert [r["cents"] for r in pad["rows"]][-2:] == RARE  # and last
    for before, after in zip(visible, visible[1:], strict=False):
        down = abs(after["left"] - before["left"]) < 2 and after["top"] >= before["bottom"] - 1
        next_column = after["left"] >= before["right"] - 1 and after["top"] < before["top"]
        assert down or next_column, f"zig-zag between {before['cents']} and {after['cents']}"
    assert pad["scrollWidth"] <= pad["width"]
    for row in visible:
        assert row["plus"][0] >= 44 and row["plus"][1] >= 44, row
    if all_in_view:
        for row in visible:
            assert row["top"] >= 0 and row["bottom"] <= pad["height"], row
            assert row["tappable"], f"the + of {row['cents']} is covered"
        assert pad["confirm"]["bottom"] <= pad["height"] and pad["confirm"]["tappable"]
    else:  # a phone: scrolled to, the confirm button (and the last row) can be tapped
        tab.locator(confirm).scroll_into_view_if_needed()
        assert tab.evaluate(ROWS, confirm)["confirm"]["tappable"]


@pytest.mark.parametrize("size", [(1280, 800), (412, 915)])
def test_the_pad_reads_like_a_drawer_at_opening_and_closing(browser, closed_server, size):
    tab = tab_at(browser, closed_server, *size)
    tablet = size == (1280, 800)
    login_in_browser(tab, "Awa")
    tab.wait_for_url("**/till")
    check_pad(tab, "form .btn.primary", all_in_view=tablet)
    tab.locator("summary", has_text="Billets rares").click()
    expect(tab.locator("#n_50000")).to_be_visible()
    tab.locator('[data-step="1"][data-for="n_2000"]').click()
    expect(tab.get_by_test_id("counted")).to_have_text("20,00 €")
    tab.get_by_role("button", name="Ouvrir la caisse").click()
    tab.wait_for_url("**/sell")
    tab.goto("/till/close")
    check_pad(tab, '[data-testid="confirm-count"]', all_in_view=tablet)
    tab.context.close()


def test_the_expected_cash_appears_only_once_the_count_is_confirmed(page: Page):
    login_in_browser(page, "Awa")
    page.wait_for_url("**/sell")
    page.locator('.tile[data-product="Kokedama"]').click()
    page.locator("#cart .payrow").get_by_role("button", name="20,00 €", exact=True).click()
    expect(page.get_by_test_id("change")).to_contain_text("7,50 €")
    page.goto("/till/close")  # expected: 60 + 12,50 = 72,50 €
    page.locator('[data-step="1"][data-for="n_5000"]').click()
    page.locator('[data-step="1"][data-for="n_1000"]').click()
    expect(page.get_by_test_id("counted")).to_have_text("60,00 €")
    assert "72,50" not in page.content() and "Attendu" not in page.content()
    page.get_by_role("button", name="Valider mon comptage").click()
    expect(page.get_by_test_id("expected")).to_have_text("72,50 €")
    expect(page.get_by_test_id("difference")).to_have_text("−12,50 €")


def test_the_cash_up_screens_fit_a_phone(page: Page):
    page.set_viewport_size({"width": 412, "height": 915})
    login_in_browser(page, "Awa")
    page.wait_for_url("**/sell")
    page.goto("/till")
    page.get_by_role("button", name="Point de caisse (X)").click()
    page.wait_for_url("**/till/x/*")
    expect(page.get_by_test_id("x-expected")).to_have_text("60,00 €")
    wide = {"x": page.evaluate("document.documentElement.scrollWidth")}
    page.goto("/till/close")
    page.locator('[data-step="1"][data-for="n_5000"]').click()
    page.get_by_role("button", name="Valider mon comptage").click()
    expect(page.get_by_test_id("difference")).to_have_text("−10,00 €")
    wide["close"] = page.evaluate("document.documentElement.scrollWidth")
    assert wide == {"x": 412, "close": 412}
