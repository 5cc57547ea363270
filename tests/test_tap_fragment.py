"""A tap on a tile answers only what it changed when the screen shows the cart as it is (#19):
the line, `seen`, the total (and the payment row when its buttons change), each out of band;
anything else gets the whole cart, as before."""

from __future__ import annotations

import re
from html import unescape

from tests.conftest import product_id


def tap(actions, db, name: str, seen: str | None, **headers):
    """A tile's tap as htmx sends it: the tile's form and the cart's `seen` (hx-include)."""
    data = {} if seen is None else {"seen": seen}
    return actions.client.post(
        f"/sell/cart/add/{product_id(db, name)}",
        data=data,
        headers={
            "HX-Request": "true",
            "HX-Target": "cart",
            "X-CSRFToken": actions.token,
            **headers,
        },
    )


def seen_of(html: str) -> str:
    return unescape(re.search(r'name="seen" id="seen" value="([^"]*)"', html).group(1))


def whole(response) -> bool:
    return "HX-Reswap" not in response.headers and '<section id="cart"' in response.text


def test_a_second_item_is_answered_with_its_line_seen_and_total_only(actions, db, client):
    actions.login("Léo")
    first = tap(actions, db, "Kokedama", "0;")
    assert whole(first)  # the first item of a cart: the whole cart (and the result's strip)
    second = tap(actions, db, "Cookie", seen_of(first.text))
    html = second.text
    assert second.status_code == 200 and second.headers["HX-Reswap"] == "none"
    assert second.headers["HX-Trigger"] == "cart-changed"  # an open split panel follows
    assert '<section id="cart"' not in html and 'name="key"' not in html
    line = re.search(r'<ul hx-swap-oob="beforeend:#lines">(<li id="l1".*?</li>)', html, re.S)
    assert "1 ×" in line.group(1) and "Cookie" in line.group(1) and 'value="1:inc"' in line.group(1)
    assert (
        seen_of(html)
        == f"1500;{product_id(db, 'Kokedama')}:1:1250,{product_id(db, 'Cookie')}:1:250"
    )
    assert re.search(
        r'<p id="total" [^>]*hx-swap-oob="true"><input [^>]*id="seen"[^>]*>Total <strong>15,00',
        html,
    )
    assert 'id="payrow"' not in html  # 12,50 € then 15,00 €: the same notes are disabled
    assert '<div id="messages" hx-swap-oob="innerHTML"></div>' in html
    # The parts are the whole cart's very own: the page drawn now shows the same line.
    page = client.get("/sell").text
    assert line.group(1) in page and seen_of(page) == seen_of(html)


def test_the_same_product_again_replaces_its_line(actions, db):
    actions.login("Léo")
    first = tap(actions, db, "Cookie", "0;")
    again = tap(actions, db, "Cookie", seen_of(first.text))
    assert again.headers["HX-Reswap"] == "none"
    assert re.search(
        r'<li id="l0" class="line" hx-swap-oob="true"><span class="qty">2 ×', again.text
    )
    assert "beforeend" not in again.text


def test_the_payment_row_comes_along_when_its_buttons_change(actions, db):
    actions.login("Léo")
    first = tap(actions, db, "Cookie", "0;")  # 2,50 €: every note may pay
    second = tap(actions, db, "Kokedama", seen_of(first.text))  # 15,00 €: 5 and 10 € may not
    row = re.search(
        r'<div id="payrow" class="payrow"[^>]*hx-swap-oob="true">(.*?)</div>', second.text, re.S
    )
    notes = dict(re.findall(r'value="pay:note:(\d+)"[^>]*?( disabled)?>', row.group(1)))
    assert notes == {"5": " disabled", "10": " disabled", "20": "", "50": ""}


def test_a_screen_showing_another_cart_gets_the_whole_cart(actions, db):
    actions.login("Léo")
    first = tap(actions, db, "Cookie", "0;")
    tap(actions, db, "Kokedama", seen_of(first.text))  # another tab of the tablet
    stale = tap(actions, db, "Cookie", seen_of(first.text))  # this tab still shows one line
    assert whole(stale)
    assert "Kokedama" in stale.text and "2 ×" in stale.text and "Total <strong>17,50" in stale.text
    assert whole(tap(actions, db, "Cookie", None))  # no `seen`: not a tile of this screen
    assert whole(tap(actions, db, "Cookie", seen_of(stale.text), **{"HX-Target": "result"}))


def test_after_a_refusal_on_screen_the_next_tap_draws_the_whole_cart(actions, db):
    actions.login("Léo")
    first = tap(actions, db, "Dernier pot", "0;")
    refused = tap(actions, db, "Dernier pot", seen_of(first.text))  # the last one is in the cart
    assert refused.status_code == 409 or refused.status_code == 422
    assert "Stock insuffisant" in refused.text and whole(refused)
    after = tap(actions, db, "Cookie", seen_of(refused.text))
    assert whole(after) and "Stock insuffisant" not in after.text  # the refusal is gone
    assert tap(actions, db, "Cookie", seen_of(after.text)).headers["HX-Reswap"] == "none"


def test_a_cart_with_a_discount_is_drawn_whole(actions, db):
    actions.login("Léo")
    first = tap(actions, db, "Kokedama", "0;")
    discounted = actions.post(
        "/sell/cart/discount", {"kind": "percent", "value": "10", "reason": "fidélité"}
    )
    assert discounted.status_code == 200
    after = tap(actions, db, "Cookie", seen_of(discounted.text))
    assert whole(after) and "fidélité" in after.text
    assert seen_of(first.text) != seen_of(after.text)
