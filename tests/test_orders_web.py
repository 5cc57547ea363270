"""Orders through the app: the API contract, the members' screens, the public page's limits."""

from __future__ import annotations

import re

import pytest

from pos.db import coop
from pos.db import orders as store
from tests.conftest import csrf_of, product_id


@pytest.fixture
def auth(api_token) -> dict:
    """The bearer header of a valid token."""
    return {"Authorization": f"Bearer {api_token}"}


def order_body(db, *lines, customer="Mme Martin"):
    return {
        "customer": customer,
        "contact": "06 12 34 56 78",
        "lines": [{"product_id": product_id(db, n), "quantity": q} for n, q in lines],
        "pickup": "samedi 10:00",
        "note": "",
    }


def stock_of(client, auth, name):
    rows = client.get("/api/v1/stock", headers=auth).get_json()["stock"]
    return next(r for r in rows if r["name"] == name)


# --- The API -----------------------------------------------------------------------------


def test_post_order_reserves_and_answers_the_contract(client, auth, db):
    headers = {**auth, "Idempotency-Key": "o-1"}
    response = client.post("/api/v1/orders", json=order_body(db, ("Kokedama", 2)), headers=headers)
    assert response.status_code == 201
    order = response.get_json()["order"]
    assert order["number"] == 1 and order["state"] == "to_prepare"
    assert order["total"] == "25.00" and order["customer"] == "Mme Martin"
    assert order["lines"] == [
        {
            "product_id": product_id(db, "Kokedama"),
            "name": "Kokedama",
            "quantity": 2,
            "unit_price": "12.50",
            "vat_rate": "20.00",
            "total": "25.00",
        }
    ]
    assert stock_of(client, auth, "Kokedama") | {} == {
        "product_id": product_id(db, "Kokedama"),
        "name": "Kokedama",
        "quantity": 20,
        "reserved": 2,
        "available": 18,
    }
    again = client.post("/api/v1/orders", json=order_body(db, ("Kokedama", 2)), headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replay"] == "true"
    assert again.get_json() == response.get_json()
    other = client.post("/api/v1/orders", json=order_body(db, ("Kokedama", 3)), headers=headers)
    assert other.status_code == 409
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    assert stock_of(client, auth, "Kokedama")["reserved"] == 2


def test_post_order_needs_a_key_and_a_valid_body(client, auth, db):
    body = order_body(db, ("Kokedama", 2))
    assert client.post("/api/v1/orders", json=body, headers=auth).status_code == 422
    bad = client.post(
        "/api/v1/orders",
        json={**body, "lines": [{"product_id": 1, "quantity": -1}]},
        headers={**auth, "Idempotency-Key": "x"},
    )
    assert bad.status_code == 422
    assert bad.get_json()["error"]["field"] == "lines[0].quantity"
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_an_order_for_more_than_available_is_out_of_stock(client, auth, db):
    response = client.post(
        "/api/v1/orders",
        json=order_body(db, ("Dernier pot", 2)),
        headers={**auth, "Idempotency-Key": "o-2"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "out_of_stock"


def test_a_sale_of_more_than_available_is_refused_out_of_stock(client, auth, db):
    client.post(
        "/api/v1/orders",
        json=order_body(db, ("Kokedama", 19)),
        headers={**auth, "Idempotency-Key": "o-3"},
    )
    sale = {
        "lines": [{"product_id": product_id(db, "Kokedama"), "quantity": 2}],
        "payments": [{"method": "cash", "amount": "25.00"}],
    }
    refused = client.post("/api/v1/sales", json=sale, headers={**auth, "Idempotency-Key": "s-1"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "out_of_stock"
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 0
    sale["lines"][0]["quantity"] = 1
    sale["payments"][0]["amount"] = "12.50"
    ok = client.post("/api/v1/sales", json=sale, headers={**auth, "Idempotency-Key": "s-2"})
    assert ok.status_code == 201


def test_list_get_and_cancel(client, auth, db):
    for key, lines in (("a", ("Kokedama", 1)), ("b", ("Cookie", 4))):
        client.post(
            "/api/v1/orders", json=order_body(db, lines), headers={**auth, "Idempotency-Key": key}
        )
    listed = client.get("/api/v1/orders", headers=auth).get_json()["orders"]
    assert [o["number"] for o in listed] == [2, 1]
    one = client.get("/api/v1/orders/2", headers=auth).get_json()["order"]
    assert one["lines"][0]["quantity"] == 4 and one["reserving"] is True
    missing = client.get("/api/v1/orders/99", headers=auth)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "order_not_found"
    cancelled = client.post("/api/v1/orders/2/cancel", headers=auth)
    assert cancelled.status_code == 200
    assert cancelled.get_json()["order"]["state"] == "cancelled"
    assert stock_of(client, auth, "Cookie")["reserved"] == 0
    twice = client.post("/api/v1/orders/2/cancel", headers=auth)
    assert twice.status_code == 200 and twice.get_json()["order"]["state"] == "cancelled"
    assert (
        client.get("/api/v1/orders?state=cancelled", headers=auth).get_json()["orders"][0]["number"]
        == 2
    )
    assert client.get("/api/v1/orders?state=nope", headers=auth).status_code == 422
    assert client.get("/api/v1/orders").status_code == 401


def test_the_openapi_document_describes_orders(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/orders", "/api/v1/orders/{number}", "/api/v1/orders/{number}/cancel"} <= set(
        paths
    )


# --- The members' screens ------------------------------------------------------------------


def place(db, *lines, **kw):
    from pos import orders as rules

    request = rules.check_request(order_body(db, *lines))
    return store.place_order(db, request, source="member", **kw)[0]


def test_a_phone_order_from_the_screen_reserves_and_shows_everywhere(actions, client, db):
    actions.login("Léo")
    form = client.get("/orders/new").get_data(as_text=True)
    key = re.search(r'name="key" value="(\w+)"', form).group(1)
    koke = product_id(db, "Kokedama")
    data = {"key": key, "customer": "M. Durand", "contact": "0600", f"qty_{koke}": "3"}
    response = actions.post("/orders/new", data, htmx=False)
    assert response.status_code == 302
    assert actions.post("/orders/new", data, htmx=False).status_code == 302  # a double tap
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    listing = client.get("/orders").get_data(as_text=True)
    assert "M. Durand" in listing and "3 réservés" in listing
    sell = client.get("/sell").get_data(as_text=True)
    assert "reste 17 · 3 réservés" in sell
    tiles = client.get("/sell/tiles", headers={"HX-Request": "true"})  # the refreshed fragment
    assert tiles.status_code == 200 and "reste 17 · 3 réservés" in tiles.get_data(as_text=True)
    stock = client.get("/stock").get_data(as_text=True)
    assert "reste 17 · 3 réservés" in stock


def test_the_order_form_keeps_what_was_typed_when_refused(actions, client, db):
    actions.login("Léo")
    pot = product_id(db, "Dernier pot")
    data = {"customer": "M. Durand", f"qty_{pot}": "5"}
    response = actions.post("/orders/new", data, htmx=False)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "il n&#39;en reste que 1" in html and 'value="M. Durand"' in html
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_prepare_then_encaisser_then_pay_cash_collects_the_order(actions, client, db):
    number = place(db, ("Kokedama", 2))
    actions.login("Léo")
    assert actions.post(f"/orders/{number}/prepare", htmx=False).status_code == 302
    assert store.get_order(db, number)["state"] == "ready"
    assert actions.post(f"/orders/{number}/checkout", htmx=False).status_code == 302
    sell = client.get("/sell").get_data(as_text=True)
    assert "Commande n° 1 · Mme Martin" in sell
    shown = actions.seen()
    paid = actions.post("/sell/pay", {**shown, "method": "note:50"})
    assert paid.status_code == 200
    order = store.get_order(db, number)
    assert order["state"] == "collected" and order["sale_number"] == 1
    sale = db.execute("SELECT channel, total, change FROM sales WHERE number = 1").fetchone()
    assert sale == ("online", 2500, 2500)
    assert db.execute("SELECT stock FROM products WHERE name = 'Kokedama'").fetchone()[0] == 18
    receipt = client.get("/sell/sales/1/receipt").get_data(as_text=True)
    assert "Commande n° 1" in receipt and "Vente en ligne" in receipt
    again = actions.post("/sell/pay", {**shown, "method": "note:50"})  # the retry
    assert again.status_code == 200
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1


def test_encaisser_refuses_a_cart_that_holds_something_else(actions, client, db):
    number = place(db, ("Kokedama", 2))
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    response = actions.post(f"/orders/{number}/checkout", htmx=False)
    assert "Le panier n&#39;est pas vide" in response.get_data(as_text=True)


def test_the_cart_of_an_order_may_take_its_own_reserved_units(actions, client, db):
    number = place(db, ("Dernier pot", 1))
    actions.login("Léo")
    pot = product_id(db, "Dernier pot")
    refused = actions.post(f"/sell/cart/add/{pot}")  # a stall cart: the pot is reserved
    assert "il n&#39;en reste plus" in refused.get_data(as_text=True)
    actions.post("/sell/cart/clear")
    actions.post(f"/orders/{number}/checkout", htmx=False)
    assert actions.post("/sell/pay", {**actions.seen(), "method": "card"}).status_code == 200
    assert store.get_order(db, number)["state"] == "collected"


def test_paid_by_transfer_then_handed_over_from_the_screen(actions, client, db):
    number = place(db, ("Cookie", 4))
    actions.login("Léo")
    missing = actions.post(f"/orders/{number}/transfer", {"reference": ""}, htmx=False)
    assert missing.status_code == 422
    actions.post(f"/orders/{number}/transfer", {"reference": "VIR-118"}, htmx=False)
    pays = db.execute("SELECT method, amount FROM payments").fetchall()
    assert pays == [("transfer", 1000)]
    detail = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "VIR-118" in detail and "Remettre (déjà payée)" in detail
    actions.post(f"/orders/{number}/collect", htmx=False)
    assert store.get_order(db, number)["state"] == "collected"
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1  # no second payment


def test_cancel_from_the_screen_frees_the_stock(actions, client, db):
    number = place(db, ("Dernier pot", 1))
    actions.login("Léo")
    actions.post(f"/orders/{number}/cancel", htmx=False)
    assert store.get_order(db, number)["state"] == "cancelled"
    assert store.reserved_by_product(db) == {}
    detail = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "Annulée" in detail and "Encaisser" not in detail


def test_dashboard_shows_the_days_orders_and_what_is_reserved(actions, client, db):
    place(db, ("Cookie", 4))
    actions.login("Léo")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Commandes du jour" in html and "4 unités réservées" in html
    live = client.get("/dashboard", headers={"HX-Request": "true"})  # its 30 s refresh
    assert live.status_code == 200 and "4 unités réservées" in live.get_data(as_text=True)


# --- The public page -------------------------------------------------------------------------


def open_page(db, **extra):
    coop.save_settings(
        db,
        {
            "orders_public": "1",
            "orders_public_url": "https://commande.example.org/commander",
            "orders_max_quantity": "5",
            "orders_per_hour": "2",
            **extra,
        },
    )


def public_post(client, db, data: dict, *, token: str | None = None):
    if token is None:
        token = csrf_of(client.get("/commander").get_data(as_text=True))
    form = {"csrf_token": token, "customer": "Mme Martin", "contact": "06 12", **data}
    return client.post("/commander", data=form)


def test_the_public_page_is_off_by_default(client):
    assert client.get("/commander").status_code == 404
    assert client.post("/commander", data={}).status_code in (400, 404)


def test_a_customer_orders_and_reads_only_their_own_answer(app, client, db):
    open_page(db)
    page = client.get("/commander").get_data(as_text=True)
    assert "Les Kokés" in page and "Kokedama" in page and "12,50" in page
    assert "20 disponibles" in page
    koke = product_id(db, "Kokedama")
    response = public_post(client, db, {f"qty_{koke}": "2"})
    assert response.status_code == 302
    done = client.get("/commander/merci").get_data(as_text=True)
    assert "commande n° 1 est enregistrée" in done and "Et maintenant" in done
    order = store.get_order(db, 1)
    assert order["source"] == "public" and order["client"] and order["state"] == "to_prepare"
    stranger = app.test_client()  # another browser: no way to read the order
    assert stranger.get("/commander/merci").status_code == 302
    assert "Mme Martin" not in stranger.get("/commander").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"website": "http://spam"}, 400),  # the honeypot
        ({"qty_1": "6"}, 422),  # over the cap per product
        ({"qty_1": "abc"}, 422),
        ({"qty_1": "0"}, 422),  # nothing chosen
        ({"qty_1": "1", "customer": ""}, 422),
        ({"qty_1": "1", "contact": ""}, 422),
    ],
)
def test_the_public_page_refuses_and_records_nothing(client, db, data, status):
    open_page(db)
    assert product_id(db, "Kokedama") == 1
    response = public_post(client, db, {"qty_1": "1", **data} if "qty_1" not in data else data)
    assert response.status_code == status
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_the_public_page_needs_its_csrf_token(client, db):
    open_page(db)
    client.get("/commander")
    assert public_post(client, db, {"qty_1": "1"}, token="forged").status_code == 400
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_orders_per_address_and_hour(app, db):
    open_page(db)
    for i in range(2):
        c = app.test_client()
        assert public_post(c, db, {"qty_2": "1", "customer": f"C{i}"}).status_code == 302
    c = app.test_client()
    refused = public_post(c, db, {"qty_2": "1"})
    assert refused.status_code == 429
    assert "réessayez dans une heure" in refused.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 2


def test_receipts_carry_the_public_pages_qr_when_on(db):
    from pos.cart import Payment, item_of, price_cart
    from pos.db import sales as journal
    from pos.db.catalogue import get_product
    from pos.receipts import receipt_of

    cart = price_cart([item_of(get_product(db, 2), 1)])
    number, _ = journal.record_sale(db, cart, [Payment("cash", 250)], member=None)
    sale = journal.get_sale(db, number)
    assert receipt_of(sale, coop.load_settings(db)).qr_text == ""
    open_page(db)
    assert receipt_of(sale, coop.load_settings(db)).qr_text == (
        "https://commande.example.org/commander"
    )


def test_the_flyer_shows_the_address_and_its_qr(actions, client, db):
    actions.login("Léo")
    assert "désactivée" in client.get("/orders/flyer").get_data(as_text=True)
    open_page(db, orders_public_url="")  # on, no address given: the one this tablet uses
    assert "http://localhost/commander" in client.get("/orders/flyer").get_data(as_text=True)
    open_page(db)
    html = client.get("/orders/flyer").get_data(as_text=True)
    assert "https://commande.example.org/commander" in html and "<svg" in html


def test_order_settings_are_checked(actions, client, db):
    actions.login("Awa")
    assert "orders_public" in client.get("/admin/settings").get_data(as_text=True)
    bad = actions.post(
        "/admin/settings",
        {
            "orders_public": "1",
            "orders_expire_hours": "-1",
            "orders_max_quantity": "0",
            "orders_per_hour": "2",
            "orders_public_url": "pas une adresse",
        },
        htmx=False,
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Indiquez un nombre entier entre 0 et 720." in html
    assert "Indiquez un nombre entier entre 1 et 999." in html
    assert "Une adresse complète" in html
    assert coop.load_settings(db)["orders_public"] == "0"


def test_the_sales_lines_export_carries_channel_and_order_number(actions, client, db):
    from pos import clock
    from pos.accounts import Period
    from pos.db.exports import sales_lines

    number = place(db, ("Kokedama", 1))
    actions.login("Léo")
    actions.post(f"/orders/{number}/checkout", htmx=False)
    actions.post("/sell/pay", {**actions.seen(), "method": "card"})
    actions.sell(product_id(db, "Cookie"))  # an ordinary stall sale beside it
    today = clock.local(clock.now()).date()
    rows = list(sales_lines(db, Period(today, today)))
    assert [(r["sale_number"], r["channel"], r["order_number"]) for r in rows] == [
        (1, "online", number),
        (2, "stall", None),
    ]


def test_the_public_page_is_switched_on_and_off_in_the_settings(actions, client, db):
    actions.login("Awa")
    orders_part = {
        "orders_public": "1",
        "orders_public_url": "https://x.example/commander",
        "orders_expire_hours": "24",
        "orders_max_quantity": "4",
        "orders_per_hour": "2",
    }
    assert actions.post("/admin/settings", orders_part, htmx=False).status_code == 302
    saved = coop.load_settings(db)
    assert (saved["orders_public"], saved["orders_max_quantity"]) == ("1", "4")
    assert client.get("/commander").status_code == 200
    off = {k: v for k, v in orders_part.items() if k != "orders_public"}  # the box left unticked
    assert actions.post("/admin/settings", off, htmx=False).status_code == 302
    assert coop.load_settings(db)["orders_public"] == "0"
    assert client.get("/commander").status_code == 404


def test_an_expired_order_shows_as_such_and_holds_nothing(actions, client, db, till_clock):
    number = place(db, ("Kokedama", 3), expire_hours=1)
    actions.login("Léo")
    till_clock(8 * 86400)  # past its slot (« samedi 10:00 », within a week) and the delay
    listing = client.get("/orders").get_data(as_text=True)
    html = client.get(f"/orders/{number}").get_data(as_text=True)
    till_clock(0)
    assert "Rien n'est réservé." in listing
    assert "Expirée" in html and "Encaisser" not in html
    order = store.get_order(db, number)
    assert order["state"] == "expired" and order["events"][-1]["kind"] == "expired"
    refused = actions.post(f"/orders/{number}/checkout", htmx=False)
    assert refused.status_code == 409


def test_a_double_tap_on_the_public_page_places_one_order(client, db):
    open_page(db)
    page = client.get("/commander").get_data(as_text=True)
    token = csrf_of(page)
    key = re.search(r'name="key" value="(\w+)"', page).group(1)
    for _ in range(2):
        answer = public_post(client, db, {"qty_2": "1", "key": key}, token=token)
        assert answer.status_code == 302
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 1


def test_a_key_from_another_address_never_reveals_that_order(app, db):
    open_page(db)
    first = app.test_client()
    page = first.get("/commander").get_data(as_text=True)
    key = re.search(r'name="key" value="(\w+)"', page).group(1)
    public_post(first, db, {"qty_2": "1", "key": key, "customer": "Mme Secret"})
    other = app.test_client()
    token = csrf_of(other.get("/commander").get_data(as_text=True))
    form = {"csrf_token": token, "customer": "X", "contact": "1", "qty_2": "1", "key": key}
    other.post("/commander", data=form, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    done = other.get("/commander/merci").get_data(as_text=True)
    assert "Mme Secret" not in done and "commande n° 2" in done


def test_at_pick_up_the_customer_pays_the_price_they_were_told(actions, client, db):
    number = place(db, ("Kokedama", 2))  # ordered at 12,50 €
    db.execute("UPDATE products SET price = 1400 WHERE name = 'Kokedama'")
    actions.login("Léo")
    actions.post(f"/orders/{number}/checkout", htmx=False)
    assert "Prix de la commande n° 1" in client.get("/sell").get_data(as_text=True)
    actions.post("/sell/pay", {**actions.seen(), "method": "card"})
    line = db.execute("SELECT unit_price, discount, total FROM sale_lines").fetchone()
    assert line == (1400, 300, 2500)


def test_a_refused_move_is_said_in_the_members_language(actions, client, db):
    number = place(db, ("Cookie", 1))
    actions.login("Léo")
    actions.post(f"/orders/{number}/cancel", htmx=False)
    client.post("/language", data={"lang": "en", "csrf_token": actions.token})
    answer = actions.post(f"/orders/{number}/prepare", htmx=False)
    assert answer.status_code == 409
    assert "This order is “Cancelled”: it cannot become “Ready”." in answer.get_data(as_text=True)


def test_two_tablets_cannot_both_collect_one_order(app, db, db_path):
    from tests.conftest import Actions

    number = place(db, ("Kokedama", 1))
    tablets = [Actions(app.test_client(), db_path) for _ in range(2)]
    for tablet, name in zip(tablets, ("Léo", "Awa"), strict=True):
        tablet.login(name)
        tablet.post(f"/orders/{number}/checkout", htmx=False)
    shown = [t.seen() for t in tablets]
    first = tablets[0].post("/sell/pay", {**shown[0], "method": "card"})
    second = tablets[1].post("/sell/pay", {**shown[1], "method": "card"})
    assert first.status_code == 200 and second.status_code == 409
    assert "Retirée" in second.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1
    assert db.execute("SELECT stock FROM products WHERE name = 'Kokedama'").fetchone()[0] == 19


def test_the_orders_list_filters_by_state_in_its_address(actions, client, db):
    first = place(db, ("Cookie", 1))
    place(db, ("Cookie", 2))
    store.change_state(db, first, "prepare", None)
    actions.login("Léo")
    ready = client.get("/orders?state=ready").get_data(as_text=True)
    assert 'data-order="1"' in ready and 'data-order="2"' not in ready
    every = client.get("/orders").get_data(as_text=True)
    assert 'data-order="1"' in every and 'data-order="2"' in every


@pytest.mark.parametrize("trusted", [False, True])
def test_the_hourly_limit_trusts_a_forwarded_address_only_behind_a_proxy(app, db, trusted):
    app.config["TRUSTED_PROXY"] = trusted
    open_page(db, orders_per_hour="1")
    answers = []
    for forwarded in ("203.0.113.1", "203.0.113.2"):  # two customers, or one forging the header
        c = app.test_client()
        token = csrf_of(c.get("/commander").get_data(as_text=True))
        form = {"csrf_token": token, "customer": "A", "contact": "1", "qty_2": "1"}
        headers = {"X-Forwarded-For": f"198.51.100.7, {forwarded}"}
        answers.append(c.post("/commander", data=form, headers=headers).status_code)
    assert answers == ([302, 302] if trusted else [302, 429])
