"""Two tablets on one stall: this member taps while the other tablet sells, and every tap lands
exactly once, on the tile it was made on, whatever the tiles' refresh is doing at that instant.

Each sell screen polls `/sell/changes` every second; another tablet's sale makes it refresh its
tiles. The second tablet here is a real client of the real server (the API, as a till app would
sell); the moments are made exact by holding one answer in the browser (Playwright's routing:
the request reaches the real server at once, its answer is handed to the page when the test
says), never by a sleep that happens to be long enough.
"""

from __future__ import annotations

import itertools
import re
import time
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Page, Route, expect

from tests.conftest import login_in_browser, product_id
from tests.e2e.test_sell import pay_button, settled, tile, total
from tests.e2e.test_sell_reach import eight_products  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e

_keys = itertools.count(1)


@pytest.fixture
def seller(page: Page) -> Page:
    """Léo, logged in, on the sell screen."""
    login_in_browser(page, "Léo")
    page.wait_for_url("**/sell")
    settled(page)
    return page


@pytest.fixture
def other_tablet(live_server, api_token, db):
    """The stall's second tablet: `other_tablet("Cookie")` sells one, paid by card."""

    def sells(name: str) -> None:
        price = db.execute("SELECT price FROM products WHERE name = ?", [name]).fetchone()[0]
        body = {
            "lines": [{"product_id": product_id(db, name), "quantity": 1}],
            "payments": [{"method": "card", "amount": f"{price / 100:.2f}"}],
        }
        headers = {"Authorization": f"Bearer {api_token}", "Idempotency-Key": f"b-{next(_keys)}"}
        answer = requests.post(f"{live_server.url}/api/v1/sales", json=body, headers=headers)
        assert answer.status_code == 201, answer.text

    return sells


class Held:
    """The first request to `pattern` (and `wanted`) reaches the real server at once; its
    answer waits in the browser until `release()`. Later ones go through."""

    def __init__(self, page: Page, pattern: str, wanted=lambda request: True):
        self.page = page
        self.wanted = wanted
        self.route: Route | None = None
        self.answer = None
        page.route(pattern, self._hold)

    def _hold(self, route: Route) -> None:
        if self.route is not None or not self.wanted(route.request):
            route.continue_()
            return
        self.answer = route.fetch()  # the server answers now, as for any request
        self.route = route

    def wait(self, seconds: float = 5) -> None:
        """Until the held request has been sent and answered (not yet shown)."""
        deadline = time.monotonic() + seconds
        while self.route is None:
            assert time.monotonic() < deadline, "the request to hold was never sent"
            self.page.wait_for_timeout(20)

    def release(self) -> None:
        self.route.fulfill(response=self.answer)


def second_tap_held(page: Page) -> Held:
    """One Kokedama in the cart, then a second tap whose answer is held (released by the test)."""
    tile(page, "Kokedama").click()
    expect(total(page)).to_contain_text("12,50")
    settled(page)
    slow = Held(page, "**/sell/cart/add/**")
    tile(page, "Kokedama").click()
    slow.wait()
    return slow


def answered(page: Page, path: str, count: int, seconds: float = 1.5) -> bool:
    """Whether `count` answers to `path` have reached the page within `seconds` (a tap queued
    behind a held request is not sent yet: False, and the test goes on)."""
    deadline = time.monotonic() + seconds
    while sum(_is(url, path) for url in page.finished) < count:
        if time.monotonic() >= deadline:
            return False
        page.wait_for_timeout(20)
    return True


def _is(url: str, path: str) -> bool:
    """The URL's path is `path`, or under it when it ends with a slash."""
    own = urlsplit(url).path
    return own.startswith(path) if path.endswith("/") else own == path


@pytest.fixture(autouse=True)
def finished_requests(page: Page):
    """Every request whose answer reached the page (its URL), in `page.finished`."""
    page.finished = []
    page.on("requestfinished", lambda request: page.finished.append(request.url))


def wait_until(page: Page, condition: str, seconds: float = 1.5) -> None:
    """Wait for a condition (JavaScript) if it comes; go on either way."""
    try:
        page.wait_for_function(condition, timeout=seconds * 1000)
    except Exception:  # noqa: BLE001 (the condition may rightly never come)
        pass


def paid_lines(db, number: int) -> list[tuple[str, int]]:
    """A recorded sale's lines (name, quantity)."""
    return db.execute(
        "SELECT l.name, l.quantity FROM sale_lines l JOIN sales s ON s.id = l.sale_id"
        " WHERE s.number = ? ORDER BY l.position",
        [number],
    ).fetchall()


def pay_by_card(page: Page, number: int, amount: str) -> None:
    """Tap « Carte » once the screen has settled; the sale's result shows."""
    settled(page)
    pay_button(page, "Carte").click()
    expect(page.locator("#result .done")).to_have_text(
        re.compile(rf"Vente n° {number} enregistrée · {amount}")
    )


def test_a_tap_while_the_tiles_refresh_is_on_its_way_is_kept(seller: Page, other_tablet, db):
    """The refresh's answer, read by the server before the tap, must not bring back the cart
    as it was before the tap (the cart lives in the session cookie)."""
    page = seller
    tile(page, "Kokedama").click()
    expect(total(page)).to_contain_text("12,50")
    settled(page)
    refresh = Held(page, "**/sell/tiles")
    other_tablet("Cookie")
    refresh.wait()  # asked and answered by the server, not yet on the page

    tile(page, "Kokedama").click()
    answered(page, "/sell/cart/add/", 2)
    refresh.release()

    expect(tile(page, "Cookie").locator(".stock")).to_have_text("reste 99")
    expect(total(page)).to_contain_text("25,00")
    expect(page.locator("#cart .line .qty")).to_have_text("2 ×")
    pay_by_card(page, 2, "25,00")  # sale 1 is the other tablet's
    assert paid_lines(db, 2) == [("Kokedama", 2)]


def test_a_sale_paid_while_the_tiles_refresh_is_on_its_way_stays_paid(
    seller: Page, other_tablet, db
):
    """The refresh's answer must not bring back the cart just paid: the next customer's cart
    would start with the last one's items, and its payment (the same key) record nothing."""
    page = seller
    tile(page, "Cookie").click()
    expect(total(page)).to_contain_text("2,50")
    settled(page)
    refresh = Held(page, "**/sell/tiles")
    other_tablet("Kokedama")
    refresh.wait()

    pay_button(page, "Carte").click()
    answered(page, "/sell/cart/act", 1)
    refresh.release()
    expect(page.locator("#result .done")).to_have_text(re.compile("Vente n° 2 enregistrée"))
    expect(tile(page, "Kokedama").locator(".stock")).to_have_text("reste 19")

    settled(page)
    tile(page, "Café").click()  # the next customer
    expect(page.locator("#cart .line")).to_have_count(1)
    expect(total(page)).to_contain_text("1,50")
    pay_by_card(page, 3, "1,50")
    assert paid_lines(db, 2) == [("Cookie", 1)]
    assert paid_lines(db, 3) == [("Café", 1)]


def test_taps_queued_behind_a_slow_tap_survive_the_tiles_refresh(seller: Page, other_tablet, db):
    """Taps made while the previous one is still on its way wait in line (hx-sync): the tiles'
    refresh must neither cut in nor take their tiles from under them."""
    page = seller
    slow = second_tap_held(page)
    tile(page, "Kokedama").click()  # both wait behind the slow one
    tile(page, "Kokedama").click()
    other_tablet("Cookie")
    answered(page, "/sell/tiles", 1, seconds=2.5)  # the refresh, unless it waits its turn
    slow.release()

    expect(total(page)).to_contain_text("50,00")
    expect(page.locator("#cart .line .qty")).to_have_text("4 ×")
    expect(tile(page, "Cookie").locator(".stock")).to_have_text("reste 99", timeout=2500)
    pay_by_card(page, 2, "50,00")
    assert paid_lines(db, 2) == [("Kokedama", 4)]


def test_a_second_tap_made_before_the_first_items_answer_is_kept(seller: Page, db):
    """The first item of a cart is answered with the whole cart: the taps waiting in line
    behind it must not go with the cart it replaces."""
    page = seller
    slow = Held(page, "**/sell/cart/add/**")
    tile(page, "Kokedama").click()
    slow.wait()
    tile(page, "Cookie").click()  # waits behind the first
    slow.release()

    expect(page.locator("#cart .line")).to_have_count(2)
    expect(total(page)).to_contain_text("15,00")
    pay_by_card(page, 1, "15,00")
    assert paid_lines(db, 1) == [("Kokedama", 1), ("Cookie", 1)]


def test_the_next_customers_first_tap_made_while_the_payment_is_on_its_way(seller: Page, db):
    """The payment's answer brings the tiles it changed: a tap queued behind it, on one of
    those tiles, must still be sent."""
    page = seller
    tile(page, "Cookie").click()
    expect(total(page)).to_contain_text("2,50")
    settled(page)
    payment = Held(page, "**/sell/cart/act", lambda r: "act=pay" in (r.post_data or ""))
    pay_button(page, "Carte").click()
    payment.wait()
    tile(page, "Cookie").click()  # the next customer, before the answer is on screen
    payment.release()

    expect(page.get_by_test_id("strip")).to_have_text("Vente n° 1 · 2,50 €")
    expect(page.locator("#cart .line .qty")).to_have_text("1 ×")
    expect(total(page)).to_contain_text("2,50")
    expect(tile(page, "Cookie").locator(".stock")).to_have_text("reste 99")
    pay_by_card(page, 2, "2,50")
    expect(tile(page, "Cookie").locator(".stock")).to_have_text("reste 98")
    assert paid_lines(db, 1) == [("Cookie", 1)]
    assert paid_lines(db, 2) == [("Cookie", 1)]


def test_a_plus_tapped_before_the_last_taps_answer_is_kept(seller: Page, db):
    """A tap's answer redraws its cart line: a « + » on that line, waiting in line behind the
    tap, must still be sent (the poller never redraws the cart; this member's answers do)."""
    page = seller
    slow = second_tap_held(page)
    page.locator("#cart .line").get_by_role("button", name="Plus").click()
    slow.release()

    expect(page.locator("#cart .line .qty")).to_have_text("3 ×")
    expect(total(page)).to_contain_text("37,50")
    expect(page.get_by_test_id("refusal")).to_have_count(0)
    pay_by_card(page, 1, "37,50")
    assert paid_lines(db, 1) == [("Kokedama", 3)]


def test_a_payment_tapped_before_the_last_taps_answer_pays_what_was_tapped(seller: Page, db):
    """« Carte » tapped while the last tap is on its way: it waits for it, then pays the cart
    with that tap in it (the tap's answer redraws the payment row: 20 € no longer covers it)."""
    page = seller
    slow = second_tap_held(page)
    pay_button(page, "Carte").click()
    slow.release()

    expect(page.locator("#result .done")).to_have_text(re.compile("Vente n° 1 enregistrée · 25,00"))
    assert paid_lines(db, 1) == [("Kokedama", 2)]


def centre(page: Page, name: str) -> tuple[float, float]:
    box = tile(page, name).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_finger_held_on_a_tile_while_it_is_refreshed_still_taps_it(
    seller: Page, other_tablet, db
):
    """Down on the tile, the refresh lands (its stock changes), up: one tap, on that tile."""
    page = seller
    x, y = centre(page, "Kokedama")
    page.mouse.move(x, y)
    page.mouse.down()
    other_tablet("Kokedama")
    expect(tile(page, "Kokedama").locator(".stock")).to_have_text("reste 19")
    page.mouse.up()

    expect(page.locator("#cart .line")).to_have_text(re.compile(r"1 ×\s+Kokedama"))
    expect(total(page)).to_contain_text("12,50")


def test_a_touch_held_on_a_tile_while_it_is_refreshed_still_taps_it(
    browser, live_server, other_tablet, db
):
    """The same with a finger on a touch screen (Chromium's touch events)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="fr-FR",
        base_url=live_server.url,
        has_touch=True,
    )
    try:
        page = context.new_page()
        login_in_browser(page, "Léo")
        page.wait_for_url("**/sell")
        settled(page)
        touch = context.new_cdp_session(page)
        x, y = centre(page, "Kokedama")
        touch.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}
        )
        other_tablet("Kokedama")
        expect(tile(page, "Kokedama").locator(".stock")).to_have_text("reste 19")
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

        expect(page.locator("#cart .line")).to_have_text(re.compile(r"1 ×\s+Kokedama"))
        expect(total(page)).to_contain_text("12,50")
    finally:
        context.close()


def test_the_tiles_stay_where_the_member_scrolled_them(
    browser,
    live_server,
    other_tablet,
    eight_products,  # noqa: F811
):
    """On a phone the tiles scroll; a refresh keeps them there, so the tile under the finger is
    the one tapped."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, locale="fr-FR", base_url=live_server.url
    )
    try:
        page = context.new_page()
        login_in_browser(page, "Léo")
        page.wait_for_url("**/sell")
        settled(page)
        tiles = page.locator("#tiles")
        assert tiles.evaluate("e => e.scrollHeight > e.clientHeight + 100")  # it does scroll
        tiles.evaluate("e => e.scrollTo(0, e.scrollHeight)")
        scrolled = tiles.evaluate("e => e.scrollTop")
        x, y = centre(page, "Tisane")

        other_tablet("Cookie")
        expect(tile(page, "Cookie").locator(".stock")).to_have_text("reste 99")
        assert tiles.evaluate("e => e.scrollTop") == scrolled
        page.mouse.click(x, y)
        expect(page.locator("#cart .line")).to_have_text(re.compile(r"1 ×\s+Tisane"))
    finally:
        context.close()


def test_a_tap_on_a_tile_just_sold_out_elsewhere_is_refused_in_words(
    seller: Page, other_tablet, db
):
    """The other tablet sells the last pot; this screen has not shown it yet: the tap is
    refused beside the cart, and the tile then says it is sold out."""
    page = seller
    refresh = Held(page, "**/sell/tiles")
    other_tablet("Dernier pot")
    refresh.wait()
    pot = tile(page, "Dernier pot")
    expect(pot).to_be_enabled()
    pot.click()
    answered(page, "/sell/cart/add/", 1)
    refresh.release()

    expect(page.locator("#cart").get_by_test_id("refusal")).to_have_text(
        "Stock insuffisant pour « Dernier pot » : il n'en reste plus."
    )
    expect(page.locator("#cart .line")).to_have_count(0)
    expect(pot).to_be_disabled()
    expect(pot.locator(".stock")).to_have_text("Épuisé")


def test_a_refresh_read_before_this_screens_sale_never_undoes_its_tiles(
    seller: Page, other_tablet, db
):
    """A refresh asked for before this tablet sold the last pot, answered after: the pot must
    not come back to life on screen (the poller, already told of this sale, would not fix it)."""
    page = seller
    refresh = Held(page, "**/sell/tiles")
    other_tablet("Cookie")
    refresh.wait()
    tile(page, "Dernier pot").click()
    answered(page, "/sell/cart/add/", 1)
    card = pay_button(page, "Carte")
    if card.is_enabled():  # the tap went ahead of the refresh: so does the payment
        card.click()
        answered(page, "/sell/cart/act", 1)
    refresh.release()
    if not answered(page, "/sell/cart/act", 1, seconds=0):
        pay_by_card(page, 2, "9,00")

    expect(page.locator("#result .done")).to_have_text(re.compile("Vente n° 2 enregistrée"))
    expect(tile(page, "Cookie").locator(".stock")).to_have_text("reste 99")
    settled(page)
    page.wait_for_timeout(1500)  # a poll or two: nothing more is coming
    pot = tile(page, "Dernier pot")
    expect(pot).to_be_disabled()
    expect(pot.locator(".stock")).to_have_text("Épuisé")
    assert paid_lines(db, 2) == [("Dernier pot", 1)]
