"""What the sale path's speed relies on, checked: no async code (EtalFlask calls every view
as it is), and a JSON body is never parsed as a form."""

from __future__ import annotations

import ast
from pathlib import Path

from pos.web.app import EtalFlask

POS = Path(__file__).resolve().parent.parent / "pos"


def test_no_async_function_anywhere_in_pos():
    """EtalFlask.ensure_sync hands functions back unchanged: an async view would never run."""
    found = [
        f"{path.relative_to(POS)}:{node.lineno}"
        for path in POS.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.AsyncFunctionDef)
    ]
    assert found == []


def test_ensure_sync_is_the_function_itself():
    def view():
        return "ok"

    assert EtalFlask("t").ensure_sync(view) is view


def test_a_nul_in_a_form_is_refused_before_anything_and_a_json_body_is_not_read_as_one(client):
    """The NUL rule reads forms (refused before the token is even looked at); a JSON body is
    not parsed as a form, so it goes on to the API's own checks (here: no token, 401)."""
    form = client.post(
        "/api/v1/sales",
        data="name=a%00b",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "k1"},
    )
    assert form.status_code == 422
    assert "Caractère invalide" in form.get_json()["error"]["message"]
    json_body = client.post(
        "/api/v1/sales",
        data='{"lines": [], "note": "a\\u0000b"}',
        headers={"Content-Type": "application/json", "Idempotency-Key": "k1"},
    )
    assert json_body.status_code == 401


def test_a_customer_name_longer_than_the_schema_allows_is_refused(client, api_token):
    """The OpenAPI schema says maxLength 80; the API refuses more instead of cutting it."""
    from pos.cart import CUSTOMER_MAX, customer_name

    body = {
        "lines": [{"product_id": 1, "quantity": 1}],
        "payments": [],
        "channel": "online",
        "customer": "x" * (CUSTOMER_MAX + 1),
    }
    answer = client.post(
        "/api/v1/sales",
        json=body,
        headers={"Authorization": f"Bearer {api_token}", "Idempotency-Key": "long-name"},
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"]["field"] == "customer"
    assert customer_name("  Mme   Durand \n") == "Mme Durand"
    assert len(customer_name("y" * 200)) == CUSTOMER_MAX


def test_sales_are_written_by_the_apps_one_writer_and_read_at_once_by_the_others(
    app, client, api_token, db
):
    """Group commits run on the app's writer connection (its page cache stays warm: the
    request connections would read the journal's pages again after each other's writes);
    the request's own connection sees the sale as soon as it is answered."""
    from tests.conftest import product_id

    body = {
        "lines": [{"product_id": product_id(db, "Kokedama"), "quantity": 1}],
        "payments": [{"method": "cash", "amount": "20.00"}],
    }
    headers = {"Authorization": f"Bearer {api_token}"}
    warm = client.post("/api/v1/sales", json=body, headers={**headers, "Idempotency-Key": "w1"})
    assert warm.status_code == 201
    writer, pool = app.extensions["etal_writer"], app.extensions["etal_idle_connections"]
    assert writer not in pool
    written: list[str] = []
    read: list[str] = []
    writer.conn.set_trace_callback(written.append)
    for conn in pool:
        conn.conn.set_trace_callback(read.append)

    answer = client.post("/api/v1/sales", json=body, headers={**headers, "Idempotency-Key": "w2"})
    number = answer.get_json()["sale"]["number"]
    again = client.get(f"/api/v1/sales/{number}", headers=headers)

    assert answer.status_code == 201 and again.status_code == 200
    assert again.get_json()["sale"]["number"] == number
    assert [s for s in written if s.startswith("INSERT INTO sales")] and "COMMIT" in written
    assert not [s for s in read if s.startswith(("INSERT", "UPDATE", "BEGIN"))], read


def test_a_requests_cached_rows_are_read_again_after_the_writer_wrote(app, db):
    """The request's connection no longer writes the sale itself: its caches follow the
    writer's changes too (pos.web.db.writes_seen), or a cart read after a sale in the same
    request would show the stock from before it."""
    from pos.cart import Payment, item_of, price_cart
    from pos.db.sales import record_sale
    from pos.web import basket
    from pos.web.db import get_db
    from tests.conftest import product_id

    kokedama = product_id(db, "Kokedama")
    with app.test_request_context("/sell"):
        request_db = get_db()
        before = basket._products(request_db, [kokedama])[kokedama]
        cart = price_cart([item_of(before, 1)])
        record_sale(request_db, cart, [Payment("cash", cart.total)], member=None)
        after = basket._products(request_db, [kokedama])[kokedama]

    assert after["stock"] == before["stock"] - 1
