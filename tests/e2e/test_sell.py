"""The sell screen as a member taps it: three-tap sales, split payment, undo, stock limits."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from pos.db import now_iso
from pos.db.prices import add_markdown, change_price
from pos.db.till import close_day
from tests.conftest import login_in_browser, product_id

pytestmark = pytest.mark.e2e

SCREENSHOT = "/tmp/etal-sell.png"


class Taps:
    """Clicks as a member's finger makes them, counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, target: Locator) -> None:
        """One tap on what the member sees, once the screen has settled."""
        settled(target.page)
        target.click()
        self.count += 1


def settled(page: Page) -> None:
    """Wait until htmx has wired up what it just swapped in.

    htmx inserts new content, then binds its hx- attributes a settle delay (20 ms) later:
    a robot typing inside that window goes unheard, a human never does.
    """
    busy = page.locator(".htmx-added, .htmx-settling, .htmx-swapping, .htmx-request")
    expect(busy).to_have_count(0)


def tile(page: Page, name: str) -> Locator:
    """A product's tile on the grid."""
    return page.locator(f'.tile[data-product="{name}"]')


def pay_button(page: Page, label: str) -> Locator:
    """A button of the payment row ("20,00 €", "Carte", "Compte juste")."""
    return page.locator("#cart .payrow").get_by_role("button", name=label, exact=True)


def total(page: Page) -> Locator:
    """The cart's total."""
    return page.get_by_test_id("total")


def stock_of(db, name: str) -> int:
    """A product's stock as the database holds it."""
    return db.execute("SELECT stock FROM products WHERE name = ?", [name]).fetchone()[0]


def sales(db) -> list[tuple]:
    """Every journal entry: (number, kind, total, change, refers_to)."""
    return db.execute(
        'SELECT number, kind, total, "change", refers_to FROM sales ORDER BY number'
    ).fetchall()


def payments(db, number: int) -> list[tuple]:
    """A journal entry's payments: (method, amount)."""
    return db.execute(
        "SELECT p.method, p.amount FROM payments p JOIN sales s ON s.id = p.sale_id"
        " WHERE s.number = ? ORDER BY p.id",
        [number],
    ).fetchall()


@pytest.fixture
def seller(page: Page) -> Page:
    """Léo, logged in, on the sell screen."""
    login_in_browser(page, "Léo")
    page.wait_for_url("**/sell")
    expect(total(page)).to_have_text(re.compile(r"Total\s+0,00\s€"))
    return page


def assert_fits_the_screen(page: Page) -> None:
    """No sideways scrolling, and every payment button wholly on screen."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for box in page.locator("#cart, #result, #cart .payrow button, #cart .payrow .btn").all():
        edge = box.bounding_box()
        assert edge["x"] >= 0 and edge["x"] + edge["width"] <= width, box.inner_text()


def fill_cart(page: Page, tap: Taps, *names: str, expected_total: str) -> None:
    """Tap tiles, then wait until the cart shows the total (waiting is not a tap)."""
    for name in names:
        tap(tile(page, name))
    expect(total(page)).to_contain_text(expected_total)


def test_two_items_paid_with_a_20_note_take_three_taps(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    tap(pay_button(page, "20,00 €"))

    assert tap.count == 3
    change = page.get_by_test_id("change")
    expect(change).to_have_text("Rendu 5,00 €")
    # The change is the biggest thing on screen: a member reads it at arm's length.
    size = change.locator("strong").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 48
    expect(page.locator("#result")).to_contain_text("Reçu 20,00 € en espèces")
    # Ready for the next customer: empty cart, new stock on the tiles.
    expect(page.locator("#cart .empty")).to_be_visible()
    expect(total(page)).to_contain_text("0,00 €")
    expect(tile(page, "Kokedama").locator(".stock")).to_have_text("reste 19")
    expect(tile(page, "Cookie").locator(".stock")).to_have_text("reste 99")
    expect(pay_button(page, "20,00 €")).to_be_disabled()
    assert_fits_the_screen(page)

    assert sales(db) == [(1, "sale", 1500, 500, None)]
    assert payments(db, 1) == [("cash", 2000)]
    assert stock_of(db, "Kokedama") == 19
    assert stock_of(db, "Cookie") == 99

    page.screenshot(path=SCREENSHOT)


@pytest.mark.parametrize(
    ("button", "method", "amount"),
    [("Carte", "card", 1500), ("Compte juste", "cash", 1500)],
)
def test_card_and_exact_cash_take_three_taps(seller: Page, db, button, method, amount):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    tap(pay_button(page, button))

    assert tap.count == 3
    expect(page.locator("#result .done")).to_contain_text("Vente n° 1 enregistrée")
    expect(page.get_by_test_id("change")).to_have_count(0)
    expect(page.locator("#cart .empty")).to_be_visible()
    assert sales(db) == [(1, "sale", 1500, 0, None)]
    assert payments(db, 1) == [(method, amount)]


def assert_in_view(page: Page, target: Locator) -> None:
    """Wholly inside the screen as it is now, without scrolling."""
    box, size = target.bounding_box(), page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], target.inner_text()
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], target.inner_text()


@pytest.mark.parametrize(
    "size", [(800, 1280), (412, 915)], ids=["tablet-in-portrait", "phone-in-portrait"]
)
def test_in_portrait_the_total_and_payment_buttons_stay_on_screen(seller: Page, db, size):
    page, tap = seller, Taps()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    fill_cart(page, tap, "Kokedama", "Cookie", "Dernier pot", "Café", expected_total="25,50 €")
    page.evaluate("window.scrollTo(0, 0)")  # back at the top of the tiles

    for target in [total(page), *page.locator("#cart .payrow > *").all()]:
        assert_in_view(page, target)
    tap(pay_button(page, "Carte"))

    expect(page.locator("#result .done")).to_contain_text("Vente n° 1 enregistrée")
    settled(page)
    page.screenshot(path=f"/tmp/etal-portrait-{size[0]}.png")
    assert_in_view(page, page.locator("#result .done"))
    assert sales(db) == [(1, "sale", 2550, 0, None)]


def test_split_payment_shows_what_is_left_live(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    tap(page.get_by_role("link", name="Autre / plusieurs"))

    due = page.get_by_test_id("due")
    expect(due).to_have_text("Reste à payer 15,00 €")
    settled(page)
    page.get_by_label("Espèces").fill("10")
    expect(due).to_have_text("Reste à payer 5,00 €")
    page.get_by_label("Carte").fill("5")
    expect(due).to_have_text("Le compte est bon.")
    tap(page.get_by_role("button", name="Encaisser"))

    expect(page.locator("#result .done")).to_contain_text("Vente n° 1 enregistrée")
    expect(page.locator("#cart .empty")).to_be_visible()
    assert sales(db) == [(1, "sale", 1500, 0, None)]
    assert payments(db, 1) == [("cash", 1000), ("card", 500)]


def test_undo_voids_the_sale_and_returns_the_stock(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    tap(pay_button(page, "20,00 €"))
    expect(page.get_by_test_id("change")).to_have_text("Rendu 5,00 €")
    expect(tile(page, "Kokedama").locator(".stock")).to_have_text("reste 19")

    tap(page.get_by_role("button", name="Annuler la vente n° 1"))
    # A second tap, on a button that names the sale again, before anything is undone.
    expect(page.locator("#result .confirm")).to_contain_text("Annuler la vente n° 1 (15,00 €) ?")
    assert sales(db) == [(1, "sale", 1500, 500, None)]
    tap(page.get_by_role("button", name="Oui, annuler la vente n° 1"))

    expect(page.locator("#result .msg.ok")).to_have_text(
        "Vente n° 1 annulée (écriture n° 2). Le stock est rétabli."
    )
    expect(page.get_by_role("button", name=re.compile("Annuler la vente"))).to_have_count(0)
    expect(tile(page, "Kokedama").locator(".stock")).to_have_text("reste 20")
    assert sales(db) == [(1, "sale", 1500, 500, None), (2, "void", -1500, -500, 1)]
    assert payments(db, 2) == [("cash", -2000)]
    assert stock_of(db, "Kokedama") == 20
    assert stock_of(db, "Cookie") == 100


def test_the_last_pot_cannot_be_sold_twice(seller: Page, db):
    page, tap = seller, Taps()
    pot = tile(page, "Dernier pot")
    fill_cart(page, tap, "Dernier pot", expected_total="9,00 €")
    tap(pot)

    # The refusal shows beside the cart, where the member is looking.
    expect(page.locator("#cart").get_by_test_id("refusal")).to_have_text(
        "Stock insuffisant pour « Dernier pot » : il n'en reste que 1."
    )
    expect(page.locator("#cart .line .qty")).to_have_text("1 ×")
    expect(total(page)).to_contain_text("9,00 €")

    tap(pay_button(page, "Compte juste"))
    expect(page.locator("#result .done")).to_contain_text("Vente n° 1 enregistrée")
    # The refusal does not linger beside a sale that went through.
    expect(page.get_by_test_id("refusal")).to_have_count(0)
    expect(pot.locator(".stock")).to_have_text("Épuisé")
    expect(pot).to_be_disabled()
    expect(pot).to_have_class(re.compile(r"\bout\b"))
    assert stock_of(db, "Dernier pot") == 0
    assert len(sales(db)) == 1


def pay_posts(page: Page) -> list:
    """Every payment request the page sends from now on."""
    sent: list = []
    page.on("request", lambda r: sent.append(r) if _is_payment(r) else None)
    return sent


def _is_payment(request) -> bool:
    """A payment: the cart form sent by a payment button (act=pay:…), or /sell/pay itself."""
    if request.url.endswith("/sell/pay"):
        return True
    return request.url.endswith("/sell/cart/act") and "act=pay" in (request.post_data or "")


def test_a_double_tap_on_the_note_records_one_sale(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    sent = pay_posts(page)
    pay_button(page, "20,00 €").dblclick()

    expect(page.get_by_test_id("change")).to_have_text("Rendu 5,00 €")
    expect(page.locator("#cart .empty")).to_be_visible()
    expect(tile(page, "Kokedama").locator(".stock")).to_have_text("reste 19")
    assert sales(db) == [(1, "sale", 1500, 500, None)]
    assert stock_of(db, "Kokedama") == 19
    assert len(sent) == 1


def test_two_fast_clicks_on_the_note_record_one_sale(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    key = page.locator('#cart input[name="key"]').first.input_value()
    sent = pay_posts(page)
    # Both clicks land before the first answer comes back (no waiting between them).
    pay_button(page, "20,00 €").evaluate("b => { b.click(); b.click(); }")

    expect(page.get_by_test_id("change")).to_have_text("Rendu 5,00 €")
    expect(page.locator("#cart .empty")).to_be_visible()
    assert sales(db) == [(1, "sale", 1500, 500, None)]
    assert payments(db, 1) == [("cash", 2000)]
    assert len(sent) == 1

    # Had the second tap gone out anyway (or the answer been lost and the tap retried),
    # the cart's key finds the sale already recorded and shows it again.
    token = page.locator('#cart input[name="csrf_token"]').first.input_value()
    again = page.request.post(
        "/sell/pay",
        form={"key": key, "method": "note", "tendered": "20", "csrf_token": token},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert again.status == 200
    assert "Vente n° 1 enregistrée" in again.text()
    assert sales(db) == [(1, "sale", 1500, 500, None)]


def test_the_next_customer_never_sees_the_last_sales_change_or_undo(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    tap(pay_button(page, "20,00 €"))
    expect(page.get_by_test_id("change")).to_have_text("Rendu 5,00 €")
    expect(page.get_by_role("button", name="Annuler la vente n° 1")).to_be_visible()

    # The next customer's first item: the result gives way to one line naming its sale.
    tap(tile(page, "Cookie"))
    expect(page.get_by_test_id("strip")).to_have_text("Vente n° 1 · rendu 5,00 €")
    expect(page.get_by_test_id("change")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Annuler"))).to_have_count(0)
    fill_cart(page, tap, "Kokedama", "Café", "Dernier pot", expected_total="25,50 €")
    expect(page.locator("#cart .line")).to_have_count(4)
    expect(page.get_by_role("button", name=re.compile("Annuler"))).to_have_count(0)
    assert sales(db) == [(1, "sale", 1500, 500, None)]


def test_the_split_panel_follows_the_cart(seller: Page, db):
    page, tap = seller, Taps()
    expect(page.locator("#cart .payrow .split")).to_be_disabled()
    fill_cart(page, tap, "Café", expected_total="1,50 €")
    tap(page.get_by_role("link", name="Autre / plusieurs"))
    settled(page)
    page.get_by_label("Carte").fill("1,50")
    due = page.get_by_test_id("due")
    expect(due).to_have_text("Le compte est bon.")

    tap(tile(page, "Cookie"))  # the cart changes under the open panel
    expect(due).to_have_text("Reste à payer 2,50 €")
    expect(page.get_by_role("button", name="Encaisser 4,00 €")).to_be_visible()
    expect(page.get_by_label("Carte")).to_have_value("1,50")
    settled(page)
    page.get_by_label("Espèces").fill("2,50")
    expect(due).to_have_text("Le compte est bon.")
    tap(page.get_by_role("button", name="Encaisser 4,00 €"))
    expect(page.locator("#result .done")).to_contain_text("Vente n° 1 enregistrée")
    assert payments(db, 1) == [("cash", 250), ("card", 150)]


def test_a_price_change_between_tap_and_payment_is_shown_not_charged(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Cookie", "Kokedama", expected_total="15,00 €")
    change_price(db, product_id(db, "Cookie"), 200, member_id=None)  # on another tablet
    tap(pay_button(page, "Carte"))

    expect(page.locator("#result").get_by_test_id("refusal")).to_have_text(
        "Le prix de Cookie a changé : 2,50 € → 2,00 €. Vérifiez le total puis encaissez."
    )
    expect(total(page)).to_have_text(re.compile(r"Total\s+14,50\s€"))
    expect(page.locator("#cart .line.changed")).to_contain_text("Cookie")
    expect(page.locator("#cart .total.changed")).to_be_visible()
    assert sales(db) == []
    tap(pay_button(page, "Carte"))
    expect(page.locator("#result .done")).to_contain_text("Vente n° 1 enregistrée · 14,50 €")
    assert payments(db, 1) == [("card", 1450)]


def test_two_tabs_of_one_browser_never_pay_each_others_cart(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Café", expected_total="1,50 €")
    other = page.context.new_page()  # the same session, another tab
    other.goto("/sell")
    fill_cart(other, Taps(), "Kokedama", "Cookie", expected_total="16,50 €")

    tap(pay_button(page, "Compte juste"))  # the first tab still shows "Café 1,50 €"
    expect(page.locator("#result").get_by_test_id("refusal")).to_contain_text("autre onglet")
    expect(total(page)).to_have_text(re.compile(r"Total\s+16,50\s€"))
    assert sales(db) == []
    other.close()


def test_another_tablet_selling_the_last_pot_greys_it_here_without_a_reload(
    seller: Page, browser, live_server, db
):
    page = seller
    pot = tile(page, "Dernier pot")
    expect(pot).to_be_enabled()
    other = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", base_url=live_server.url
    )
    tablet_b = other.new_page()
    login_in_browser(tablet_b, "Awa")
    tablet_b.wait_for_url("**/sell")
    fill_cart(tablet_b, Taps(), "Dernier pot", expected_total="9,00 €")
    settled(tablet_b)
    pay_button(tablet_b, "Carte").click()
    expect(tablet_b.locator("#result .done")).to_contain_text("Vente n° 1 enregistrée")
    other.close()

    # Within 2 seconds, without a reload, this tablet shows it sold out.
    expect(pot).to_be_disabled(timeout=2500)
    expect(pot.locator(".stock")).to_have_text("Épuisé")


def test_a_markdown_and_a_z_elsewhere_reach_this_tablet(seller: Page, db):
    page = seller
    koke = tile(page, "Kokedama")
    category = db.execute("SELECT id FROM categories WHERE name = 'Plantes'").fetchone()[0]
    add_markdown(db, category, 2000, now_iso(), member_id=None)
    expect(koke.locator(".price")).to_have_text("10,00 €", timeout=2500)
    expect(koke.locator(".markdown")).to_have_text("au lieu de 12,50 €")

    close_day(db, {"id": 1, "name": "Awa"}, {2000: 2, 1000: 2}, "", 10**6)
    expect(page.get_by_test_id("till-closed")).to_be_visible(timeout=2500)
    expect(koke).to_be_disabled()
    assert page.evaluate("document.querySelectorAll('.tile:not([disabled])').length") == 0


def test_an_odd_amount_tendered_on_the_cash_keypad(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    tap(pay_button(page, "Autre somme"))  # one tap from beside the notes
    pad = page.locator(".cashpad")
    for key in "23":
        tap(pad.locator(f'.key[data-key="{key}"]'))
    expect(page.locator("#tendered")).to_have_value("23")
    tap(page.get_by_role("button", name="Encaisser en espèces"))

    expect(page.get_by_test_id("change")).to_have_text("Rendu 8,00 €")
    assert tap.count == 6
    assert sales(db) == [(1, "sale", 1500, 800, None)]
    assert payments(db, 1) == [("cash", 2300)]


def test_back_after_a_sale_shows_its_result_again(seller: Page, db):
    page, tap = seller, Taps()
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    tap(pay_button(page, "20,00 €"))
    expect(page.get_by_test_id("change")).to_have_text("Rendu 5,00 €")
    expect(page).to_have_url(re.compile(r"/sell\?done=1$"))

    tap(page.locator(".topbar nav").get_by_role("link", name="Historique"))
    page.wait_for_url("**/sell/history")
    page.go_back()
    expect(page.get_by_test_id("change")).to_have_text("Rendu 5,00 €")
    page.reload()
    expect(page.get_by_test_id("change")).to_have_text("Rendu 5,00 €")
    # The next customer's first item: the address is the sell screen's again.
    tap(tile(page, "Café"))
    expect(page.get_by_test_id("strip")).to_have_text("Vente n° 1 · rendu 5,00 €")
    expect(page).to_have_url(re.compile(r"/sell$"))


def test_a_sale_is_the_three_requests_the_web_flow_benchmark_sends(seller: Page, db):
    """benchmarks/webflow.lua repeats these requests: the page must send exactly them."""
    page, tap = seller, Taps()
    sent: list = []
    page.on(
        "request",
        lambda r: sent.append(r) if "/sell" in r.url and "/sell/changes" not in r.url else None,
    )
    fill_cart(page, tap, "Kokedama", "Cookie", expected_total="15,00 €")
    tap(pay_button(page, "Carte"))
    expect(tile(page, "Kokedama").locator(".stock")).to_have_text("reste 19")  # in the answer
    tap(tile(page, "Cookie"))  # the next customer: whatever the payment asked for came before
    expect(total(page)).to_contain_text("2,50 €")

    kokedama, cookie = product_id(db, "Kokedama"), product_id(db, "Cookie")
    shapes = [(r.method, r.url.split("/", 3)[3], r.headers.get("hx-target")) for r in sent]
    assert shapes == [
        ("POST", f"sell/cart/add/{kokedama}", "cart"),
        ("POST", f"sell/cart/add/{cookie}", "cart"),
        ("POST", "sell/cart/act", "result"),  # no GET /sell/tiles after it: the tiles came along
        ("POST", f"sell/cart/add/{cookie}", "cart"),
    ]
    for request in sent:
        assert request.headers["hx-request"] == "true" and request.headers["x-csrftoken"]
    # A tile's form and the cart's `seen` (hx-include): the second tap, on a cart the screen
    # shows as it is, is answered with its own parts only (HX-Reswap: none), the first whole.
    assert [k for k, _v in _fields(sent[0].post_data)] == ["seen", "csrf_token"]
    assert dict(_fields(sent[0].post_data))["seen"] == "0;"
    assert dict(_fields(sent[1].post_data))["seen"] == f"1250;{kokedama}:1:1250"
    assert [r.response().headers.get("hx-reswap") for r in sent] == [None, "none", None, None]
    pay = _fields(sent[2].post_data)
    # The cart's form, and the version of the tiles on screen (hx-include): its answer brings
    # only the two tiles the sale changed, not the whole tiles.
    assert [k for k, _v in pay] == ["v", "csrf_token", "key", "channel", "seen", "act"]
    answer = sent[2].response().text()
    assert 'id="tiles"' not in answer
    assert re.findall(r'<form id="t(\d+)"[^>]*hx-swap-oob', answer) == [str(kokedama), str(cookie)]
    assert dict(pay)["act"] == "pay:card" and dict(pay)["channel"] == "stall"
    assert sent[2].headers["hx-trigger-name"] == "act"


def _fields(body: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(body, keep_blank_values=True)
