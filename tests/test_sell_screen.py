"""The sell screen's cart form: one address, the tapped button says what to do."""

import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest

from pos import clock
from pos.cart import Payment, item_of, price_cart
from pos.db import now_iso
from pos.db import sales as journal
from pos.db.catalogue import get_product, move_stock, set_product_active
from pos.db.prices import add_markdown, change_price
from pos.db.sales import record_sale
from pos.db.till import close_day
from tests.conftest import product_id


def text_of(html: str) -> str:
    """What a member reads of some HTML: tags gone, spaces as one."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).replace("\xa0", " ").split())


def test_plain_form_taps_work_without_javascript(actions, client, db):
    actions.login("Léo")
    koke, cookie = product_id(db, "Kokedama"), product_id(db, "Cookie")
    actions.post(f"/sell/cart/add/{koke}", htmx=False)
    actions.post(f"/sell/cart/add/{cookie}", htmx=False)
    assert actions.post("/sell/cart/act", {"act": "0:inc"}, htmx=False).status_code == 302
    assert "2 ×" in client.get("/sell").get_data(as_text=True)
    paid = actions.post("/sell/cart/act", {"act": "pay:note:50", **actions.seen()}, htmx=False)
    assert paid.status_code == 302 and "done=1" in paid.location
    row = db.execute("SELECT total, change FROM sales WHERE number = 1").fetchone()
    assert row == (2750, 2250)
    assert "Rendu" in client.get(paid.location).get_data(as_text=True)


def test_htmx_payment_goes_to_the_result_panel(actions, db):
    actions.login("Léo")
    cart = actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}").get_data(as_text=True)
    # The payment buttons post themselves, their target named on their row; the server never
    # retargets an answer.
    row = '<div id="payrow" class="payrow" hx-target="#result" hx-include="#sell-v">'
    assert row in cart
    card = re.search(r'<button[^>]*value="pay:card"[^>]*>', cart).group(0)
    assert 'hx-post="/sell/cart/act"' in card
    response = actions.post("/sell/cart/act", {"act": "pay:card", **actions.seen()})
    assert "HX-Retarget" not in response.headers
    assert 'id="result"' in response.get_data(as_text=True)
    assert db.execute("SELECT method, amount FROM payments").fetchall() == [("card", 250)]


def test_a_payment_is_answered_from_the_entry_it_wrote(actions, db, monkeypatch):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    seen = actions.seen()
    read_back = []
    monkeypatch.setattr(journal, "get_sale", lambda *a, **k: read_back.append(a))
    response = actions.post("/sell/cart/act", {"act": "pay:note:5", **seen})
    assert response.status_code == 200 and read_back == []
    html = response.get_data(as_text=True)
    assert "Vente n° 1 enregistrée" in html and "2,50" in html
    assert "Annuler la vente n° 1" in html


def test_the_next_customers_first_item_turns_the_result_into_a_strip(actions, db):
    actions.login("Léo")
    cookie = product_id(db, "Cookie")
    paid = actions.sell(cookie, method="note", tendered="20").get_data(as_text=True)
    assert "Rendu" in paid and "Annuler la vente n° 1" in paid
    first = actions.post(f"/sell/cart/add/{cookie}").get_data(as_text=True)
    strip = re.search(
        r'<section id="result"[^>]*hx-swap-oob="true"[^>]*>(.*?)</section>', first, re.S
    )
    assert strip, first
    assert text_of(strip.group(1)) == "Vente n° 1 · rendu 17,50 €"
    assert "Annuler" not in first
    # A second item leaves the strip as it is; the whole screen shows the strip too.
    assert 'id="result"' not in actions.post(f"/sell/cart/add/{cookie}").get_data(as_text=True)
    screen = actions.client.get("/sell").get_data(as_text=True)
    assert "Vente n° 1 · rendu 17,50 €" in text_of(screen) and "Annuler" not in screen


def test_undo_names_the_sale_and_asks_for_a_second_tap(actions, db):
    actions.login("Léo")
    actions.sell(product_id(db, "Cookie"))
    first = actions.post("/sell/undo/1", {"sale": "1"})
    assert first.status_code == 200
    assert "Oui, annuler la vente n° 1" in first.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1
    # "Non, la garder" brings the result back as it was.
    kept = actions.client.get("/sell/result/1", headers={"HX-Request": "true"})
    assert "Annuler la vente n° 1" in kept.get_data(as_text=True)
    assert "Oui, annuler" not in kept.get_data(as_text=True)
    done = actions.post("/sell/undo/1", {"sale": "1", "confirm": "yes"})
    assert "Vente n° 1 annulée" in done.get_data(as_text=True)
    assert db.execute("SELECT kind, refers_to FROM sales WHERE number = 2").fetchone() == (
        "void",
        1,
    )


@pytest.mark.parametrize("named", [None, "2", "x"], ids=["unnamed", "another", "unreadable"])
def test_the_server_refuses_an_undo_the_button_did_not_name(actions, db, named):
    actions.login("Léo")
    cookie = product_id(db, "Cookie")
    actions.sell(cookie)
    actions.sell(cookie)
    form = {"confirm": "yes"} | ({"sale": named} if named else {})
    refused = actions.post("/sell/undo/1", form)
    assert refused.status_code in (403, 409, 422)
    assert db.execute("SELECT count(*) FROM sales WHERE kind = 'void'").fetchone()[0] == 0


def test_the_undo_button_follows_the_servers_rule(actions, db, app):
    # A refunded sale: the server refuses its undo, so the button is never offered.
    actions.login("Awa")
    actions.sell(product_id(db, "Cookie"))
    actions.post("/sell/sales/1/refund", {"qty_1": "1", "method": "cash"}, htmx=False)
    shown = actions.client.get("/sell?done=1").get_data(as_text=True)
    assert "Vente n° 1" in shown and "Annuler la vente" not in shown


def test_discount_panel_then_discount(actions, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Kokedama')}")
    cart = actions.post("/sell/cart/act", {"act": "0:inc"}).get_data(as_text=True)
    button = re.search(r'<button[^>]*value="0:discount"[^>]*>', cart).group(0)
    assert 'hx-get="/sell/cart/line/0/discount"' in button
    assert '<ul id="lines" class="lines" hx-target="#result">' in cart
    panel = actions.client.get("/sell/cart/line/0/discount", headers={"HX-Request": "true"})
    assert "HX-Retarget" not in panel.headers and "Raison" in panel.get_data(as_text=True)
    refused = actions.post("/sell/cart/line/0/discount", {"kind": "amount", "value": "2"})
    assert refused.status_code == 422 and "raison" in refused.get_data(as_text=True)
    done = actions.post(
        "/sell/cart/line/0/discount", {"kind": "amount", "value": "2,50", "reason": "abîmé"}
    )
    assert "22,50" in done.get_data(as_text=True)


@pytest.mark.parametrize("act", ["", "cart:boom", "9:explode", "x:inc"])
def test_unknown_actions_are_refused_in_french(actions, act):
    actions.login("Léo")
    refused = actions.post("/sell/cart/act", {"act": act})
    assert refused.status_code == 422 and "Action inconnue" in refused.get_data(as_text=True)


def test_a_tap_fragment_stays_small(actions, db):
    actions.login("Léo")
    sizes = [
        len(actions.post(f"/sell/cart/add/{product_id(db, name)}").data)
        for name in ("Kokedama", "Cookie", "Café", "Kokedama")
    ]
    assert max(sizes) <= 5 * 1024, sizes


def test_the_split_panel_on_an_empty_cart_offers_nothing_to_pay(actions, client):
    actions.login("Léo")
    screen = client.get("/sell").get_data(as_text=True)
    split = re.search(r"<(a|button)[^>]*>Autre / plusieurs</\1>", screen).group(0)
    assert split.startswith("<button") and "disabled" in split and "href" not in split
    panel = client.get("/sell/split").get_data(as_text=True)
    assert "0,00" not in text_of(panel) and "Le compte est bon" not in panel
    assert re.search(r"<button[^>]*disabled[^>]*>Encaisser</button>", panel)


def test_the_split_panel_follows_the_cart(actions, client, db):
    actions.login("Léo")
    added = actions.post(f"/sell/cart/add/{product_id(db, 'Café')}")
    assert added.headers["HX-Trigger"] == "cart-changed"
    panel = client.get("/sell/split?amount_card=1,50", headers={"HX-Request": "true"})
    html = panel.get_data(as_text=True)
    assert 'hx-trigger="cart-changed from:body"' in html and 'value="1,50"' in html
    assert "Le compte est bon" in html
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    again = client.get("/sell/split?amount_card=1,50", headers={"HX-Request": "true"})
    assert "Reste à payer 2,50 €" in text_of(again.get_data(as_text=True))
    assert "Encaisser 4,00 €" in text_of(again.get_data(as_text=True))


# --- Charged = shown ----------------------------------------------------------------------


def test_a_price_changed_between_tap_and_payment_records_nothing(actions, db):
    actions.login("Léo")
    cookie = product_id(db, "Cookie")
    actions.post(f"/sell/cart/add/{cookie}")
    seen = actions.seen()
    change_price(db, cookie, 200, member_id=None)
    refused = actions.post("/sell/cart/act", {"act": "pay:card", **seen})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert (
        "Le prix de Cookie a changé : 2,50 € → 2,00 €. Vérifiez le total puis encaissez."
        in text_of(html)
    )
    assert re.search(r'<li id="l0" class="line changed">', html)
    assert re.search(r'class="total changed"[^>]*><input[^>]*>Total <strong>2,00', html)
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 0
    # Tapped again on the cart as now shown, it is recorded at the price shown.
    paid = actions.post("/sell/cart/act", {"act": "pay:card", **actions.seen()})
    assert paid.status_code == 200
    assert db.execute("SELECT method, amount FROM payments").fetchall() == [("card", 200)]


def test_a_markdown_starting_between_tap_and_payment_records_nothing(actions, db):
    actions.login("Léo")
    koke = product_id(db, "Kokedama")
    actions.post(f"/sell/cart/add/{koke}")
    seen = actions.seen()
    category = db.execute("SELECT category_id FROM products WHERE id = ?", [koke]).fetchone()[0]
    add_markdown(db, category, 2000, now_iso(), member_id=None)
    refused = actions.post("/sell/cart/act", {"act": "pay:exact", **seen})
    assert refused.status_code == 409
    assert "Le prix de Kokedama a changé : 12,50 € → 10,00 €." in text_of(refused.get_data(True))
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 0


def test_two_tabs_never_share_a_cart_silently(actions, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Café')}")
    tab_a = actions.seen()  # tab A shows "Café 1,50 €"
    actions.post(f"/sell/cart/add/{product_id(db, 'Kokedama')}")  # tab B, same session
    paid = actions.post("/sell/cart/act", {"act": "pay:exact", **tab_a})
    assert paid.status_code == 409
    assert "autre onglet" in paid.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 0
    # A line's button from tab A (by position) is refused too, the cart left as it is.
    removed = actions.post("/sell/cart/act", {"act": "0:remove", **tab_a})
    assert removed.status_code == 409 and "autre onglet" in removed.get_data(as_text=True)
    assert text_of(actions.client.get("/sell").get_data(as_text=True)).count("1 × ") == 2


def test_a_payment_without_what_was_shown_records_nothing(actions, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Café')}")
    refused = actions.post("/sell/pay", {"key": actions.seen()["key"], "method": "exact"})
    assert refused.status_code == 409
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 0


def test_the_stock_refusal_is_one_sentence_everywhere():
    pot = (Path(__file__).parent.parent / "pos/translations/messages.pot").read_text()
    # One sentence, with its count: « il n'en reste que N », or « il n'en reste plus » at 0.
    assert len(re.findall(r'msgid "Stock insuffisant', pot)) == 2


# --- Tablets in step ----------------------------------------------------------------------


def version_of(client) -> str:
    """The "what changed" version the sell screen polls with."""
    html = client.get("/sell").get_data(as_text=True)
    return re.search(r'hx-get="/sell/changes\?v=([\w.]+)"', html).group(1)


def poll(client, version: str):
    return client.get(f"/sell/changes?v={version}", headers={"HX-Request": "true"})


def test_nothing_changed_costs_an_empty_answer(actions, client):
    actions.login("Léo")
    version = version_of(client)
    unchanged = poll(client, version)
    assert unchanged.status_code == 204 and unchanged.data == b""
    assert "Set-Cookie" not in unchanged.headers  # a poll is not activity: no session write


def refreshers(html: str) -> list[str]:
    """The elements of a screen that send requests by themselves (every…, …from:body)."""
    tags = re.findall(r"<[a-z]+ [^>]*hx-trigger=\"[^\"]*(?:every|from:body)[^>]*>", html)
    assert tags
    return tags


def test_what_the_sell_screen_asks_by_itself_never_rewrites_the_cart(actions, client, db):
    """The cart lives in the session cookie: an answer that sets the cookie again carries the
    cart as it was when its request came in. The screen's own requests (the poll, the tiles'
    refresh, the print queue's link, the split panel's re-render) may be on their way when a
    tap is: their answers must not set the cookie, or a tap (or a payment) answered meanwhile
    is undone."""
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Café')}")
    screen = client.get("/sell").get_data(as_text=True)
    split = client.get("/sell/split", headers={"HX-Request": "true"}).get_data(as_text=True)
    move_stock(db, product_id(db, "Cookie"), "loss", -1, reason="cassé")  # the tiles move
    asked = 0
    for tag in refreshers(screen) + refreshers(split):
        url = unescape(re.search(r'hx-get="([^"]+)"', tag).group(1))
        headers = {"HX-Request": "true"}
        if "/sell/changes" not in url:  # the poll is passive by its endpoint
            assert """hx-headers='{"X-Etal-Poll": "1"}'""" in tag, tag
            headers["X-Etal-Poll"] = "1"
        answer = client.get(url, headers=headers)
        assert answer.status_code in (200, 204), url
        assert "Set-Cookie" not in answer.headers, url
        asked += 1
    assert asked == 4  # the poll, the tiles, the print queue's link, the split panel
    tiles = client.get("/sell/tiles", headers={"HX-Request": "true", "X-Etal-Poll": "1"})
    assert "reste 99" in tiles.get_data(as_text=True)  # the refresh still shows the news


@pytest.mark.parametrize("change", ["sale", "price", "markdown", "stock", "till", "product"])
def test_what_other_tablets_do_changes_the_version(actions, client, db, change):
    actions.login("Léo")
    version = version_of(client)
    koke = product_id(db, "Kokedama")
    if change == "sale":
        cart = price_cart([item_of(get_product(db, koke), 1)])
        record_sale(db, cart, [Payment("card", cart.total)], member=None)
    elif change == "price":
        change_price(db, koke, 1300, member_id=None)
    elif change == "markdown":
        add_markdown(db, 1, 1000, now_iso(), member_id=None)
    elif change == "stock":
        move_stock(db, koke, "loss", -1, reason="cassé")
    elif change == "till":
        close_day(db, {"id": 1, "name": "Awa"}, {2000: 2, 1000: 2}, "", 10**6)
    elif change == "product":
        set_product_active(db, koke, False)
    changed = poll(client, version)
    assert changed.status_code == 200 and changed.headers["HX-Trigger"] == "stock-changed"
    assert f"v={version}" not in changed.get_data(as_text=True)


def test_a_markdown_that_starts_later_changes_the_version_when_it_starts(actions, client, db):
    actions.login("Léo")
    add_markdown(db, 1, 1000, (clock.now() + timedelta(hours=1)).isoformat(), member_id=None)
    version = version_of(client)
    clock.set_offset(2 * 3600)
    try:
        assert poll(client, version).status_code == 200
    finally:
        clock.set_offset(0)


def test_a_till_closed_on_another_tablet_refuses_new_items_and_says_so(actions, client, db):
    actions.login("Léo")
    close_day(db, {"id": 1, "name": "Awa"}, {2000: 2, 1000: 2}, "", 10**6)
    tiles = client.get("/sell/tiles", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "La caisse a été clôturée" in tiles
    assert all("disabled" in b for b in re.findall(r'<button class="tile[^>]*>', tiles))
    refused = actions.post(f"/sell/cart/add/{product_id(db, 'Café')}")
    assert refused.status_code == 409 and "caisse" in refused.get_data(as_text=True)
    assert 'class="line' not in refused.get_data(as_text=True)


# --- Discounts as typed -------------------------------------------------------------------


def test_a_cart_discount_reads_as_typed_on_the_cart_and_the_receipt(actions, client, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Kokedama')}")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    cart = actions.post(
        "/sell/cart/discount", {"kind": "amount", "value": "0,50", "reason": "fidélité"}
    ).get_data(as_text=True)
    shown = text_of(cart)
    assert "Remise fidélité −0,50 €" in shown and "Total 14,50 €" in shown
    # The lines keep their own amounts: the spread shares (−0,42 / −0,08) are nowhere.
    assert "12,50 €" in shown and "2,50 €" in shown and "0,42" not in shown
    assert actions.sell(method="card").status_code == 200
    receipt = client.get("/sell/sales/1/receipt").get_data(as_text=True)
    assert len(re.findall(r"Remise fidélité\s+[-−]0,50", receipt)) == 1, receipt
    assert "0,42" not in receipt and "0,08" not in receipt
    stored = db.execute("SELECT discount, cart_share FROM sale_lines ORDER BY position").fetchall()
    assert stored == [(42, 42), (8, 8)]


@pytest.mark.parametrize(
    ("url", "value"),
    [("/sell/cart/discount", "50"), ("/sell/cart/line/0/discount", "2,51")],
    ids=["cart", "line"],
)
def test_a_discount_above_what_it_applies_to_is_refused(actions, client, db, url, value):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    refused = actions.post(url, {"kind": "amount", "value": value, "reason": "erreur"})
    assert refused.status_code == 422
    assert "dépasse" in text_of(refused.get_data(as_text=True))
    assert "Total 2,50 €" in text_of(client.get("/sell").get_data(as_text=True))


def test_an_odd_cash_amount_is_one_tap_from_the_notes(actions, client, db):
    actions.login("Léo")
    cart = actions.post(f"/sell/cart/add/{product_id(db, 'Kokedama')}").get_data(as_text=True)
    row = re.search(r'<div id="payrow" class="payrow"[^>]*>(.*?)</div>', cart, re.S).group(1)
    buttons = re.findall(r"<button[^>]*>(.*?)</button>", row)
    assert buttons.index("Autre somme") == buttons.index("50,00\xa0€") + 1
    other = re.search(r'<button class="note other"[^>]*>', row).group(0)
    assert 'hx-get="/sell/cash"' in other
    pad = client.get("/sell/cash", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="tendered"' in pad and 'data-key="0"' in pad and 'data-key=","' in pad
    paid = actions.post("/sell/pay", {**actions.seen(), "method": "note", "tendered": "23"})
    assert "Rendu 10,50 €" in text_of(paid.get_data(as_text=True))
    assert db.execute("SELECT method, amount FROM payments").fetchall() == [("cash", 2300)]


# --- Idle logout and Back -----------------------------------------------------------------


def idle_out(client) -> None:
    """As if the tablet had been left alone longer than the idle time."""
    with client.session_transaction() as session:
        session["seen"] = 0


def test_the_cart_survives_an_idle_logout_of_the_same_member(actions, client, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Kokedama')}")
    idle_out(client)
    assert client.get("/sell").status_code == 302  # logged out
    actions.login("Léo")
    assert "Total 12,50 €" in text_of(client.get("/sell").get_data(as_text=True))


def test_another_member_never_inherits_the_cart(actions, client, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Kokedama')}")
    idle_out(client)
    client.get("/sell")
    actions.login("Awa")
    assert "Total 0,00 €" in text_of(client.get("/sell").get_data(as_text=True))


def test_the_address_after_a_sale_names_it(actions, client, db):
    actions.login("Léo")
    paid = actions.sell(product_id(db, "Cookie"), method="note", tendered="5")
    assert paid.headers["HX-Replace-Url"] == "/sell?done=1"
    again = text_of(client.get("/sell?done=1").get_data(as_text=True))
    assert "Vente n° 1 enregistrée" in again and "Rendu 2,50 €" in again


def test_a_payment_reads_back_nothing_it_wrote(app, actions, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    actions.post(f"/sell/cart/add/{product_id(db, 'Kokedama')}")
    seen = actions.seen()
    statements: list[str] = []
    for conn in [*app.extensions["etal_idle_connections"], app.extensions["etal_writer"]]:
        conn.conn.set_trace_callback(statements.append)  # the writer runs the sale's transaction
    assert actions.post("/sell/cart/act", {"act": "pay:note:20", **seen}).status_code == 200
    after = statements[statements.index("COMMIT") :]
    assert not [s for s in after if re.search(r"FROM (sale_lines|payments|sales)\b", s)], after
    # A cash payment: the settings read once, before the write (the drawer's too); the
    # tiles come with the answer (their products, markdowns and categories).
    assert len(statements) <= 19, statements
    assert len([s for s in statements if "FROM settings" in s]) == 1, statements


def test_the_last_unit_sold_elsewhere_between_tap_and_payment(actions, db):
    actions.login("Léo")
    pot = product_id(db, "Dernier pot")
    actions.post(f"/sell/cart/add/{pot}")
    seen = actions.seen()
    cart = price_cart([item_of(get_product(db, pot), 1)])
    record_sale(db, cart, [Payment("card", cart.total)], member=None)  # another tablet
    refused = actions.client.post(  # as htmx sends it: the button's own target named
        "/sell/cart/act",
        data={"act": "pay:exact", **seen},
        headers={"HX-Request": "true", "HX-Target": "result", "X-CSRFToken": actions.token},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="result"' in html
    assert "Stock insuffisant pour « Dernier pot » : il n'en reste plus." in text_of(html)
    assert re.search(r'<li id="l\d" class="line changed">', html)
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1


def test_an_admin_refused_for_stock_is_offered_the_correction_beside_the_cart(actions, db):
    actions.login("Awa")
    pot = product_id(db, "Dernier pot")
    actions.post(f"/sell/cart/add/{pot}")
    refused = actions.client.post(
        f"/sell/cart/add/{pot}",
        headers={"HX-Request": "true", "HX-Target": "cart", "X-CSRFToken": actions.token},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="cart"' in html
    refusal = re.search(r'data-testid="refusal">(.*?)</p>', html).group(1)
    assert "Stock insuffisant" in refusal and f"/admin/products/{pot}" in refusal
    assert "Corriger le stock" in refusal


def test_a_payment_brings_the_tiles_new_stock_in_its_answer(actions, db):
    """The selling tablet gets its tiles with the payment's answer: no second request."""
    actions.login("Léo")
    cookie = product_id(db, "Cookie")
    actions.post(f"/sell/cart/add/{cookie}")
    paid = actions.post("/sell/cart/act", {"act": "pay:card", **actions.seen()})
    assert paid.status_code == 200
    assert "stock-changed" not in paid.headers.get("HX-Trigger", "")
    html = paid.get_data(as_text=True)
    tiles = re.search(
        r'<section id="tiles"[^>]*hx-swap-oob="true"[^>]*>(.*?)</section>', html, re.S
    )
    assert tiles, html
    tile = re.search(rf'<button class="tile c-{cookie}\b[^>]*>(.*?)</button>', tiles.group(1), re.S)
    left = db.execute("SELECT stock FROM products WHERE id = ?", [cookie]).fetchone()[0]
    assert f"reste {left}" in text_of(tile.group(1))


def test_a_tap_reads_the_carts_products_once(app, actions, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    statements: list[str] = []
    for conn in app.extensions["etal_idle_connections"]:
        conn.conn.set_trace_callback(statements.append)
    assert actions.post(f"/sell/cart/add/{product_id(db, 'Kokedama')}").status_code == 200
    assert len([s for s in statements if "FROM products p" in s]) == 1, statements
