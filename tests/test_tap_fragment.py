"""A tap on a tile answers only what it changed when the screen shows the cart as it is (#19):
the line, `seen`, the total (and the payment row when its buttons change), each out of band;
anything else gets the whole cart, as before. A payment brings only the tiles whose stock
moved since those on screen, unless anything else changed."""

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


# A payment's answer brings the tiles whose stock moved since those on screen, not all of them.


def version_of(html: str) -> str:
    return re.search(r'name="v" id="sell-v" value="([^"]*)"', html).group(1)


def pay(actions, shown: dict, version: str | None):
    data = {**shown, "act": "pay:card", "channel": "stall"}
    if version is not None:
        data["v"] = version
    return actions.client.post(
        "/sell/cart/act",
        data=data,
        headers={"HX-Request": "true", "HX-Target": "result", "X-CSRFToken": actions.token},
    )


def tiles_in(html: str) -> dict[str, str]:
    """The tiles an answer brings alone (out of band): product id → the tile's text."""
    found = re.findall(r'<form id="t(\d+)"[^>]*hx-swap-oob="true">(.*?)</form>', html, re.S)
    return {pid: " ".join(re.sub(r"<[^>]+>", " ", body).split()) for pid, body in found}


def test_a_payment_brings_only_the_tiles_it_changed(actions, db, client):
    actions.login("Léo")
    version = version_of(client.get("/sell").text)
    tap(actions, db, "Kokedama", "0;")
    answer = pay(actions, actions.seen(), version)
    assert answer.status_code == 200 and "Vente n° 1 enregistrée" in answer.text
    assert 'id="tiles"' not in answer.text
    koke = str(product_id(db, "Kokedama"))
    assert list(tiles_in(answer.text)) == [koke] and "reste 19" in tiles_in(answer.text)[koke]
    # The poller moves on to the version now: this tablet's own sale is already on screen.
    assert version_of(answer.text) == version_of(client.get("/sell").text) != version


def test_another_tablets_sale_meanwhile_comes_along(actions, db, client, app):
    from tests.conftest import Actions

    actions.login("Léo")
    version = version_of(client.get("/sell").text)
    other = Actions(app.test_client(), actions.db_path)
    other.login("Awa")
    other.post(f"/sell/cart/add/{product_id(db, 'Dernier pot')}")
    assert other.post("/sell/pay", {**other.seen(), "method": "card"}).status_code == 200
    tap(actions, db, "Cookie", "0;")
    answer = pay(actions, actions.seen(), version)
    tiles = tiles_in(answer.text)
    pot, cookie = str(product_id(db, "Dernier pot")), str(product_id(db, "Cookie"))
    assert list(tiles) == [pot, cookie] and 'id="tiles"' not in answer.text
    assert "Épuisé" in tiles[pot] and "reste 99" in tiles[cookie]
    assert re.search(rf'<form id="t{pot}".*?<button [^>]*disabled', answer.text, re.S)


def test_anything_else_changed_brings_every_tile(actions, db, client):
    actions.login("Léo")
    version = version_of(client.get("/sell").text)
    db.execute("UPDATE products SET price = 300 WHERE name = 'Café'")  # a new price
    db.conn.commit()
    tap(actions, db, "Cookie", "0;")
    answer = pay(actions, actions.seen(), version)
    assert 'id="tiles"' in answer.text and tiles_in(answer.text) == {}
    assert "3,00" in answer.text  # Café's new price on its tile
    tap(actions, db, "Cookie", "0;")
    assert 'id="tiles"' in pay(actions, actions.seen(), None).text  # no version: every tile
