"""The JSON API, in-process: shapes, money as decimal strings, idempotency, refunds, errors."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal

import pytest

from pos.db import coop
from pos.db.prices import change_price
from pos.web.app import create_app
from tests.conftest import product_id

MONEY = re.compile(r"^-?\d+\.\d{2}$")
TABLES = ("sales", "sale_lines", "payments", "stock_movements", "idempotency")
SALE_KEYS = {"number", "created_at", "channel", "lines", "total", "vat", "payments", "change"}
LINE_KEYS = {"product_id", "name", "quantity", "unit_price", "vat_rate", "total"}


@pytest.fixture
def auth(api_token) -> dict:
    """The bearer header of a valid token."""
    return {"Authorization": f"Bearer {api_token}"}


@pytest.fixture
def api(client, auth):
    """POST a body to the API with a token and an Idempotency-Key."""

    def post(url: str, body, key: str = "k-1", **kw):
        headers = {**auth, "Idempotency-Key": key, **kw.pop("headers", {})}
        if "data" in kw:
            return client.post(url, headers=headers, **kw)
        return client.post(url, json=body, headers=headers)

    return post


def sale_body(db, *lines: tuple[str, int], method: str = "cash", amount: str = "100.00") -> dict:
    """A sale request for seeded products by name."""
    return {
        "lines": [{"product_id": product_id(db, name), "quantity": q} for name, q in lines],
        "payments": [{"method": method, "amount": amount}],
        "channel": "stall",
    }


def snapshot(db) -> dict:
    """Row counts of what a request could write, and every product's stock."""
    state = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    state["stock"] = dict(db.execute("SELECT name, stock FROM products").fetchall())
    return state


def error_of(response) -> dict:
    """The API's error object, after checking its shape."""
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error


# --- Reading --------------------------------------------------------------------------------


def test_products_have_the_contract_shape(client, auth):
    response = client.get("/api/v1/products", headers=auth)

    assert response.status_code == 200
    products = {p["name"]: p for p in response.get_json()["products"]}
    assert all(
        set(p) == {"id", "name", "category", "price", "vat_rate", "stock", "active"}
        for p in products.values()
    )
    assert products["Kokedama"] | {"id": 0} == {
        "id": 0,
        "name": "Kokedama",
        "category": "Plantes",
        "price": "12.50",
        "vat_rate": "20.00",
        "stock": 20,
        "active": True,
    }
    assert products["Cookie"]["vat_rate"] == "5.50"
    assert products["Café"]["stock"] is None  # not tracked


def test_stock_lists_tracked_products(client, auth, db):
    response = client.get("/api/v1/stock", headers=auth)

    assert response.status_code == 200
    rows = response.get_json()["stock"]
    assert all(set(r) == {"product_id", "name", "quantity", "reserved", "available"} for r in rows)
    by_name = {r["name"]: r for r in rows}
    assert by_name["Kokedama"] == {
        "product_id": product_id(db, "Kokedama"),
        "name": "Kokedama",
        "quantity": 20,
        "reserved": 0,
        "available": 20,
    }
    assert by_name["Dernier pot"]["quantity"] == 1
    assert "Café" not in by_name


# --- Selling --------------------------------------------------------------------------------


def test_a_sale_is_recorded_with_decimal_strings_and_vat_per_rate(api, db):
    response = api("/api/v1/sales", sale_body(db, ("Kokedama", 2), ("Cookie", 3), amount="40"))

    assert response.status_code == 201
    sale = response.get_json()["sale"]
    assert SALE_KEYS <= set(sale)
    assert (sale["number"], sale["channel"], sale["total"], sale["change"]) == (
        1,
        "stall",
        "32.50",
        "7.50",
    )
    assert datetime.fromisoformat(sale["created_at"]).tzinfo is not None
    assert all(LINE_KEYS <= set(line) for line in sale["lines"])
    assert [
        (ln["name"], ln["quantity"], ln["unit_price"], ln["vat_rate"], ln["total"])
        for ln in sale["lines"]
    ] == [("Kokedama", 2, "12.50", "20.00", "25.00"), ("Cookie", 3, "2.50", "5.50", "7.50")]
    assert sale["payments"] == [{"method": "cash", "amount": "40.00"}]
    assert [v["rate"] for v in sale["vat"]] == ["5.50", "20.00"]
    for vat in sale["vat"]:
        due = sum(Decimal(ln["total"]) for ln in sale["lines"] if ln["vat_rate"] == vat["rate"])
        assert Decimal(vat["base"]) + Decimal(vat["vat"]) == due
        assert MONEY.match(vat["base"]) and MONEY.match(vat["vat"])
    assert (sale["vat"][1]["base"], sale["vat"][1]["vat"]) == ("20.83", "4.17")
    # The database holds what was answered.
    row = next(db.query("SELECT * FROM sales"))
    assert (row["number"], row["total"], row["change"], row["seller"]) == (1, 3250, 750, "API")
    assert db.execute("SELECT count(*) FROM sale_lines").fetchone()[0] == 2
    assert db.execute("SELECT stock FROM products WHERE name = 'Kokedama'").fetchone()[0] == 18
    assert db.execute("SELECT stock FROM products WHERE name = 'Cookie'").fetchone()[0] == 97


def test_a_sale_reads_back_as_it_was_answered(api, client, auth, db):
    created = api("/api/v1/sales", sale_body(db, ("Kokedama", 1), amount="12.50")).get_json()

    response = client.get("/api/v1/sales/1", headers=auth)

    assert response.status_code == 200
    assert response.get_json() == created
    assert created["sale"]["change"] == "0.00"


def test_card_cannot_pay_more_than_the_total(api, db):
    before = snapshot(db)
    response = api("/api/v1/sales", sale_body(db, ("Kokedama", 1), method="card", amount="20.00"))

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "payment_mismatch"
    assert "espèces" in error["message"]
    assert snapshot(db) == before


def test_a_payment_short_of_the_total_is_refused(api, db):
    before = snapshot(db)
    response = api("/api/v1/sales", sale_body(db, ("Kokedama", 1), amount="12.49"))
    assert response.status_code == 422
    assert error_of(response)["code"] == "payment_mismatch"
    assert snapshot(db) == before


def test_an_expected_total_that_no_longer_matches_records_nothing(api, db):
    # The client showed 12.50; a markdown or a price change since makes it 10.00.
    change_price(db, product_id(db, "Kokedama"), 1000, member_id=None)
    before = snapshot(db)
    body = {**sale_body(db, ("Kokedama", 1), amount="20.00"), "expected_total": "12.50"}
    response = api("/api/v1/sales", body, key="seen-1")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "cart_changed" and error["field"] == "expected_total"
    assert "12.50" in error["message"] and "10.00" in error["message"]
    assert snapshot(db) == before
    # The same key, with what the client now shows, records the sale.
    body["expected_total"] = "10.00"
    assert api("/api/v1/sales", body, key="seen-1").status_code == 201


def test_the_api_charges_the_markdown_in_force_as_the_catalogue_shows_it(api, db):
    """The latest markdown to start wins, one that starts later is not in force yet, and the
    API prices as list_products does (one rule, pos.db.catalogue.MARKDOWN)."""
    from pos.db.catalogue import list_products
    from pos.db.prices import add_markdown

    kokedama = product_id(db, "Kokedama")
    category = db.execute("SELECT category_id FROM products WHERE id = ?", [kokedama]).fetchone()
    add_markdown(db, category[0], 1000, "2026-01-01T08:00:00+00:00", member_id=None)
    add_markdown(db, category[0], 2000, "2026-01-02T08:00:00+00:00", member_id=None)  # wins
    add_markdown(db, category[0], 5000, "2999-01-01T08:00:00+00:00", member_id=None)  # later
    shown = next(p for p in list_products(db) if p["id"] == kokedama)

    response = api("/api/v1/sales", sale_body(db, ("Kokedama", 1), amount="20.00"))

    assert shown["markdown"] == 2000 and shown["price"] == 1000  # 12,50 € less 20 %
    assert response.status_code == 201
    assert response.get_json()["sale"]["lines"][0]["unit_price"] == "10.00"


@pytest.mark.parametrize("expected", ["12,50", 12.5, "", None, "douze"])
def test_an_unreadable_expected_total_is_refused(api, db, expected):
    before = snapshot(db)
    body = {**sale_body(db, ("Kokedama", 1), amount="20.00"), "expected_total": expected}
    response = api("/api/v1/sales", body)
    if expected is None:  # null is the same as leaving it out
        assert response.status_code == 201
        return
    assert response.status_code == 422 and error_of(response)["field"] == "expected_total"
    assert snapshot(db) == before


def test_the_openapi_document_has_the_expected_total(client):
    schema = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/sales"]["post"]
    body = schema["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["expected_total"]["pattern"] == r"^-?\d+\.\d{2}$"
    assert body["required"] == ["lines", "payments"]


def test_the_same_key_and_body_replays_the_first_answer(api, db):
    body = sale_body(db, ("Kokedama", 1), amount="20.00")
    first = api("/api/v1/sales", body, key="retry-me")
    second = api("/api/v1/sales", body, key="retry-me")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.get_data() == first.get_data()
    assert second.headers["Idempotent-Replay"] == "true"
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1
    kept = db.execute("SELECT idempotency_key, request_hash FROM sales").fetchone()
    assert kept[0] == "retry-me" and len(kept[1]) == 64
    assert db.execute("SELECT stock FROM products WHERE name = 'Kokedama'").fetchone()[0] == 19


@pytest.mark.parametrize("since", ["sold out", "archived", "repriced", "till closed"])
def test_a_retry_replays_its_first_answer_whatever_changed_since(api, db, since):
    """A retry is answered from its entry even when the request would now be refused or
    priced otherwise: the sale happened, the retry must not say otherwise (nor sell again)."""
    body = sale_body(db, ("Kokedama", 1), amount="20.00")
    first = api("/api/v1/sales", body, key="sent-twice")
    kokedama = product_id(db, "Kokedama")
    if since == "sold out":
        db.execute("UPDATE products SET stock = 0 WHERE id = ?", [kokedama])
    elif since == "archived":
        db.execute("UPDATE products SET active = 0 WHERE id = ?", [kokedama])
    elif since == "repriced":
        change_price(db, kokedama, 1900, member_id=None)
    else:
        db.execute("UPDATE till_days SET closed_at = '2026-12-01T18:00:00+00:00'")
    before = snapshot(db)

    again = api("/api/v1/sales", body, key="sent-twice")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replay"] == "true"
    assert snapshot(db) == before


def test_a_sale_hashed_as_before_is_still_replayed_and_still_guarded(api, db):
    """Entries recorded before the request's hash moved to orjson's form hold json's: a retry
    arriving across the upgrade is still recognised, and another body still refused."""
    import hashlib

    from pos.cart import Payment, item_of, price_cart
    from pos.db.catalogue import get_products
    from pos.db.sales import record_sale

    body = sale_body(db, ("Kokedama", 1), amount="20.00")
    before_upgrade = ("/api/v1/sales" + json.dumps(body, sort_keys=True)).encode()
    kokedama = body["lines"][0]["product_id"]
    cart = price_cart([item_of(get_products(db, [kokedama])[kokedama], 1)])
    record_sale(
        db,
        cart,
        [Payment("cash", 2000)],
        member=None,
        key="across",
        request_hash=hashlib.sha256(before_upgrade).hexdigest(),
    )
    before = snapshot(db)

    again = api("/api/v1/sales", body, key="across")
    other = api("/api/v1/sales", sale_body(db, ("Kokedama", 2), amount="40.00"), key="across")

    assert (again.status_code, again.headers["Idempotent-Replay"]) == (201, "true")
    assert again.get_json()["sale"]["number"] == 1
    assert other.status_code == 409
    assert snapshot(db) == before


def test_an_answer_stored_by_an_earlier_version_is_still_replayed(api, db, db_path, auth):
    body = sale_body(db, ("Kokedama", 1), amount="20.00")
    first = api("/api/v1/sales", body, key="before-upgrade")
    digest = db.execute("SELECT request_hash FROM sales").fetchone()[0]
    # An earlier version kept the answer in its own table, and the key off the entry: the
    # same situation, rebuilt in a fresh database, then opened by this version.
    fresh = api("/api/v1/sales", sale_body(db, ("Kokedama", 1), amount="20.00"), key="other")
    db.execute(
        "INSERT INTO idempotency(key, request_hash, status, body, created_at)"
        " VALUES ('old-key', ?, 201, ?, '2026-11-01T10:00:00')",
        [digest, first.get_data(as_text=True)],
    )
    before = snapshot(db)
    upgraded = create_app(db_path, TESTING=True).test_client()

    again = upgraded.post(
        "/api/v1/sales", json=body, headers={**auth, "Idempotency-Key": "old-key"}
    )

    assert fresh.status_code == 201
    assert (again.status_code, again.get_data()) == (201, first.get_data())
    assert again.headers["Idempotent-Replay"] == "true"
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [(2, "30.00"), (1, "1.00")],  # another sale; another body that would be refused anyway
    ids=["another-sale", "refused-body"],
)
def test_the_same_key_with_another_body_is_a_conflict(api, db, quantity, amount):
    api("/api/v1/sales", sale_body(db, ("Kokedama", 1), amount="20.00"), key="once")
    before = snapshot(db)

    response = api(
        "/api/v1/sales", sale_body(db, ("Kokedama", quantity), amount=amount), key="once"
    )

    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["field"]) == ("idempotency_conflict", "Idempotency-Key")
    assert "clé" in error["message"]
    assert snapshot(db) == before


def test_a_refused_request_leaves_its_key_free(api, db):
    refused = api("/api/v1/sales", sale_body(db, ("Kokedama", 1), amount="1.00"), key="k")
    accepted = api("/api/v1/sales", sale_body(db, ("Kokedama", 1), amount="12.50"), key="k")

    assert (refused.status_code, accepted.status_code) == (422, 201)
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1


def test_a_sale_needs_an_idempotency_key(client, auth, db):
    before = snapshot(db)
    response = client.post("/api/v1/sales", json=sale_body(db, ("Kokedama", 1)), headers=auth)
    assert response.status_code == 422
    assert error_of(response)["field"] == "Idempotency-Key"
    assert snapshot(db) == before


def test_out_of_stock_names_the_product_and_what_is_left(api, db):
    before = snapshot(db)
    response = api("/api/v1/sales", sale_body(db, ("Kokedama", 1), ("Dernier pot", 2)))

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "out_of_stock"
    assert "Dernier pot" in error["message"] and "il n'en reste que 1" in error["message"]
    assert error["field"] == "lines[1].quantity"
    assert snapshot(db) == before


# --- Refunds --------------------------------------------------------------------------------


def test_partial_refunds_then_an_over_refund(api, client, auth, db):
    koke = product_id(db, "Kokedama")
    api("/api/v1/sales", sale_body(db, ("Kokedama", 3), ("Cookie", 2), amount="50.00"))

    def refund(quantity: int, key: str):
        body = {"lines": [{"product_id": koke, "quantity": quantity}], "method": "cash"}
        return api("/api/v1/sales/1/refund", body, key=key)

    first, second = refund(1, "r1"), refund(2, "r2")
    assert (first.status_code, second.status_code) == (201, 201)
    sale = first.get_json()["sale"]
    assert (sale["number"], sale["kind"], sale["refund_of"], sale["total"]) == (
        2,
        "refund",
        1,
        "-12.50",
    )
    assert [(ln["quantity"], ln["total"]) for ln in sale["lines"]] == [(-1, "-12.50")]
    assert sale["payments"] == [{"method": "cash", "amount": "-12.50"}]
    assert second.get_json()["sale"]["total"] == "-25.00"
    assert db.execute("SELECT stock FROM products WHERE id = ?", [koke]).fetchone()[0] == 20
    before = snapshot(db)

    over = refund(1, "r3")

    assert over.status_code == 422
    error = error_of(over)
    assert error["field"] == "lines[0].quantity"
    assert "plus que ce qui a été vendu" in error["message"]
    assert snapshot(db) == before
    refunds = db.execute(
        "SELECT number, refers_to, total FROM sales WHERE kind = 'refund' ORDER BY number"
    ).fetchall()
    assert refunds == [(2, 1, -1250), (3, 1, -2500)]
    # The refunded sale itself is unchanged.
    assert client.get("/api/v1/sales/1", headers=auth).get_json()["sale"]["total"] == "42.50"


def test_a_retried_refund_is_recorded_and_logged_once(api, db):
    koke = product_id(db, "Kokedama")
    api("/api/v1/sales", sale_body(db, ("Kokedama", 2), amount="25.00"))
    body = {"lines": [{"product_id": koke, "quantity": 1}], "method": "card"}

    first = api("/api/v1/sales/1/refund", body, key="refund-once")
    again = api("/api/v1/sales/1/refund", body, key="refund-once")
    other = api("/api/v1/sales/1/refund", {**body, "method": "cash"}, key="refund-once")

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
    assert again.get_data() == first.get_data()
    assert db.execute("SELECT count(*) FROM sales WHERE kind = 'refund'").fetchone()[0] == 1
    logged = "SELECT count(*) FROM events WHERE kind = 'sale_refunded'"
    assert db.execute(logged).fetchone()[0] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "cash"}, "lines"),
        ({"lines": [{"product_id": 1, "quantity": 0}], "method": "cash"}, "lines[0].quantity"),
        ({"lines": [{"product_id": 1, "quantity": "1"}], "method": "cash"}, "lines[0].quantity"),
        ({"lines": [{"product_id": 2, "quantity": 1}], "method": "cash"}, "lines[0]"),
        ({"lines": [{"product_id": 1, "quantity": 1}], "method": "bitcoin"}, "method"),
        ({"lines": [{"product_id": 1, "quantity": 1}]}, "method"),
    ],
    ids=["no-lines", "zero", "text-quantity", "not-in-sale", "bitcoin", "no-method"],
)
def test_bad_refunds_are_refused_and_change_nothing(api, db, body, field):
    api("/api/v1/sales", sale_body(db, ("Kokedama", 1), amount="12.50"), key="sale")
    before = snapshot(db)

    response = api("/api/v1/sales/1/refund", body, key="refund")

    assert 400 <= response.status_code < 500
    assert error_of(response)["field"] == field
    assert snapshot(db) == before


def test_unknown_sales_are_404(api, client, auth, db):
    before = snapshot(db)
    shown = client.get("/api/v1/sales/999", headers=auth)
    refunded = api(
        "/api/v1/sales/999/refund", {"lines": [{"product_id": 1, "quantity": 1}], "method": "cash"}
    )

    for response in (shown, refunded):
        assert response.status_code == 404
        error = error_of(response)
        assert error["code"] == "sale_not_found"
        assert "999" in error["message"]
    assert snapshot(db) == before


# --- Tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "not-a-token"],
    ids=["none", "empty", "wrong", "basic", "no-scheme"],
)
def test_calls_without_a_valid_token_are_401(client, db, api_token, header):
    headers = {"Authorization": header} if header else {}
    before = snapshot(db)

    read = client.get("/api/v1/products", headers=headers)
    write = client.post(
        "/api/v1/sales",
        json=sale_body(db, ("Kokedama", 1)),
        headers={**headers, "Idempotency-Key": "x"},
    )

    for response in (read, write):
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorized"
        assert "Jeton" in error_of(response)["message"]
    assert snapshot(db) == before


def test_a_revoked_token_is_401(client, db, api_token):
    token_id = coop.list_tokens(db)[-1]["id"]
    coop.revoke_token(db, token_id)
    response = client.get("/api/v1/stock", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 401


# --- Bad input: always a JSON 4xx, never a 500, nothing written -----------------------------

LINE = {"product_id": 1, "quantity": 1}
CASH = [{"method": "cash", "amount": "20.00"}]
BAD_SALES = {
    "missing-lines": ({"payments": CASH}, "lines", "liste"),
    "empty-lines": ({"lines": [], "payments": CASH}, "lines", "liste"),
    "lines-not-list": ({"lines": LINE, "payments": CASH}, "lines", "liste"),
    "line-not-object": ({"lines": [7], "payments": CASH}, "lines[0].product_id", "entier"),
    "quantity-0": (
        {"lines": [{**LINE, "quantity": 0}], "payments": CASH},
        "lines[0].quantity",
        "entier positif",
    ),
    "quantity-negative": (
        {"lines": [{**LINE, "quantity": -1}], "payments": CASH},
        "lines[0].quantity",
        "entier positif",
    ),
    "quantity-text": (
        {"lines": [{**LINE, "quantity": "2"}], "payments": CASH},
        "lines[0].quantity",
        "entier positif",
    ),
    "quantity-float": (
        {"lines": [{**LINE, "quantity": 1e9}], "payments": CASH},
        "lines[0].quantity",
        "entier positif",
    ),
    "quantity-huge": (
        {"lines": [{**LINE, "quantity": 10**9}], "payments": CASH},
        "lines[0].quantity",
        "entier positif",
    ),
    "quantity-10000": (
        {"lines": [{**LINE, "quantity": 10_000}], "payments": CASH},
        "lines[0].quantity",
        "entre 1 et 9999",
    ),
    "quantity-bool": (
        {"lines": [{**LINE, "quantity": True}], "payments": CASH},
        "lines[0].quantity",
        "entier positif",
    ),
    "unknown-product": (
        {"lines": [{**LINE, "product_id": 999}], "payments": CASH},
        "lines[0].product_id",
        "Produit inconnu",
    ),
    "method-bitcoin": (
        {"lines": [LINE], "payments": [{"method": "bitcoin", "amount": "20.00"}]},
        "payments[0].method",
        "Moyen de paiement inconnu",
    ),
    "amount-number": (
        {"lines": [LINE], "payments": [{"method": "cash", "amount": 20}]},
        "payments[0].amount",
        "montant",
    ),
    "amount-abc": (
        {"lines": [LINE], "payments": [{"method": "cash", "amount": "abc"}]},
        "payments[0].amount",
        "montant",
    ),
    "amount-negative": (
        {"lines": [LINE], "payments": [{"method": "cash", "amount": "-20.00"}]},
        "payments[0].amount",
        "montant",
    ),
    "payment-not-object": (
        {"lines": [LINE], "payments": ["cash"]},
        "payments[0].method",
        "Moyen de paiement",
    ),
    "channel": ({"lines": [LINE], "payments": CASH, "channel": "web"}, "channel", "Canal"),
    "list-body": ([{"lines": [LINE], "payments": CASH}], "body", "objet JSON"),
    "string-body": ("lines", "body", "objet JSON"),
}
RAW_BODIES = {
    "not-json": ("lines=1&payments=cash", "application/x-www-form-urlencoded"),
    "broken-json": ('{"lines": [', "application/json"),
    "json-as-text": ('{"lines": []}', "text/plain"),
    "too-deep": ("[" * 100_000 + "]" * 100_000, "application/json"),
    "not-utf8": (b'{"lines": "\xff\xfe"}', "application/json"),
}


@pytest.mark.parametrize(("body", "field", "words"), BAD_SALES.values(), ids=BAD_SALES.keys())
def test_bad_sale_bodies_get_a_french_error_and_change_nothing(api, db, body, field, words):
    before = snapshot(db)

    response = api("/api/v1/sales", body)

    assert 400 <= response.status_code < 500
    error = error_of(response)
    assert error["field"] == field
    assert words in error["message"]
    assert snapshot(db) == before


@pytest.mark.parametrize(("data", "content_type"), RAW_BODIES.values(), ids=RAW_BODIES.keys())
def test_bodies_that_are_not_a_json_object_are_refused(api, db, data, content_type):
    before = snapshot(db)

    response = api("/api/v1/sales", None, data=data, content_type=content_type)

    assert 400 <= response.status_code < 500
    error = error_of(response)
    assert (error["field"], error["message"]) == ("body", "Le corps doit être un objet JSON.")
    assert snapshot(db) == before


@pytest.mark.parametrize("url", ["/api/v1/sales", "/api/v1/orders"])
def test_a_lone_surrogate_escape_is_refused_as_not_json(api, db, url):
    """JSON may spell a half of a UTF-16 pair ("\\ud800"), which is no character: no name,
    no text Étal keeps can hold it (it would crash the chain's hash or SQLite's encoding)."""
    kokedama = product_id(db, "Kokedama")
    lines = f'[{{"product_id": {kokedama}, "quantity": 1}}]'
    data = (
        f'{{"lines": {lines}, "payments": [{{"method": "cash", "amount": "20.00"}}],'
        f' "customer": "Mme \\ud800", "contact": "06", "pickup": "samedi"}}'
    )
    before = snapshot(db)
    before_orders = db.execute("SELECT count(*) FROM orders").fetchone()[0]

    response = api(url, None, data=data, content_type="application/json")

    assert response.status_code == 422
    error = error_of(response)
    assert (error["field"], error["message"]) == ("body", "Le corps doit être un objet JSON.")
    assert snapshot(db) == before
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == before_orders


# --- The OpenAPI document -------------------------------------------------------------------


def test_the_openapi_document_is_served_without_a_token(api, client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]
    operations = {(path, verb) for path, item in spec["paths"].items() for verb in item}
    assert operations >= {
        ("/api/v1/products", "get"),
        ("/api/v1/stock", "get"),
        ("/api/v1/sales", "post"),
        ("/api/v1/sales/{number}", "get"),
        ("/api/v1/sales/{number}/refund", "post"),
    }
    for item in spec["paths"].values():
        for operation in item.values():
            assert "200" in operation["responses"] or "201" in operation["responses"]
            assert "401" in operation["responses"]
    json.dumps(spec)  # plain JSON, no Python objects left
    # The documented sale is the one the API answers.
    schema = spec["paths"]["/api/v1/sales"]["post"]["responses"]["201"]["content"][
        "application/json"
    ]["schema"]["properties"]["sale"]
    sale = api("/api/v1/sales", sale_body(db, ("Cookie", 1), amount="2.50")).get_json()["sale"]
    assert set(schema["required"]) <= set(sale)
    assert set(sale) <= set(schema["properties"])
    assert set(schema["properties"]["lines"]["items"]["properties"]) == set(sale["lines"][0])


def test_the_answer_to_a_new_sale_is_what_the_journal_reads_back(client, api_token, db):
    headers = {"Authorization": f"Bearer {api_token}", "Idempotency-Key": "same-as-read"}
    cookie = db.execute("SELECT id FROM products WHERE name = 'Cookie'").fetchone()[0]
    koke = db.execute("SELECT id FROM products WHERE name = 'Kokedama'").fetchone()[0]
    body = {
        "lines": [{"product_id": koke, "quantity": 1}, {"product_id": cookie, "quantity": 3}],
        "payments": [{"method": "card", "amount": "10.00"}, {"method": "cash", "amount": "20.00"}],
        "channel": "online",
        "customer": "Mme Martin",
    }
    created = client.post("/api/v1/sales", json=body, headers=headers)
    assert created.status_code == 201
    number = created.get_json()["sale"]["number"]
    read = client.get(f"/api/v1/sales/{number}", headers={"Authorization": f"Bearer {api_token}"})
    assert created.get_json() == read.get_json()
