"""The OpenAPI document says what the domain and the API's shapes say: one home for each."""

from __future__ import annotations

from pos import orders
from pos.cart import MAX_QUANTITY
from pos.web.api import line_json, sale_json
from pos.web.api_orders import order_json
from pos.web.openapi import SPEC

SCHEMAS = SPEC["paths"]


def _schema(path: str, verb: str, status: str = "200") -> dict:
    return SCHEMAS[path][verb]["responses"][status]["content"]["application/json"]["schema"]


def test_order_states_sources_and_limits_are_the_domain_s():
    order = _schema("/api/v1/orders/{number}", "get")["properties"]["order"]["properties"]
    assert order["state"]["enum"] == list(orders.STATES)
    assert order["source"]["enum"] == list(orders.SOURCES)
    body = SCHEMAS["/api/v1/orders"]["post"]["requestBody"]["content"]["application/json"]
    lines = body["schema"]["properties"]["lines"]
    assert lines["maxItems"] == orders.MAX_LINES
    assert lines["items"]["properties"]["quantity"]["maximum"] == MAX_QUANTITY
    assert orders.MAX_QUANTITY == MAX_QUANTITY  # an order's line becomes a sale's at pick-up


LINE = {
    "product_id": 3,
    "name": "Kokedama",
    "quantity": 2,
    "unit_price": 1250,
    "vat_rate": 2000,
    "discount": 250,
    "total": 2250,
}


def test_a_sale_line_is_an_order_line_and_its_discount():
    sale = {
        "number": 1,
        "kind": "sale",
        "refers_to": None,
        "created_at": "2026-12-02T09:00:00+00:00",
        "channel": "stall",
        "customer": "",
        "seller": "Alice",
        "lines": [LINE],
        "total": 2250,
        "vat": [],
        "payments": [],
        "change": 0,
    }
    shown = sale_json(sale)["lines"][0]
    assert shown == {**line_json(LINE), "discount": "2.50"}
    assert line_json(LINE) == {
        "product_id": 3,
        "name": "Kokedama",
        "quantity": 2,
        "unit_price": "12.50",
        "vat_rate": "20.00",
        "total": "22.50",
    }
    sale_line = _schema("/api/v1/sales/{number}", "get")["properties"]["sale"]["properties"]
    assert set(sale_line["lines"]["items"]["properties"]) == set(shown)


def test_an_order_line_shows_what_the_schema_says():
    order = {
        "number": 1,
        "state": "ready",
        "source": "api",
        "customer": "Mme Martin",
        "contact": "",
        "pickup": "",
        "note": "",
        "created_at": "2026-12-02T09:00:00+00:00",
        "expires_at": None,
        "lines": [LINE],
        "total": 2250,
        "reserving": True,
        "sale_number": None,
        "paid_in_advance": 0,
        "transfer_reference": "",
    }
    shown = order_json(order)
    schema = _schema("/api/v1/orders/{number}", "get")["properties"]["order"]["properties"]
    assert shown["lines"] == [line_json(LINE)]
    assert set(schema["lines"]["items"]["properties"]) == set(line_json(LINE))
    assert set(shown) <= set(schema)


def test_an_unknown_state_is_refused_with_the_domain_s_list(client, api_token):
    auth = {"Authorization": f"Bearer {api_token}"}
    response = client.get("/api/v1/orders?state=lost", headers=auth)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "state"
    assert error["message"] == "État inconnu : to_prepare, ready, collected, cancelled ou expired."
