"""The order routes of the JSON API (beside pos.web.api, same tokens, same idempotency)."""

from __future__ import annotations

import json

from flask import Blueprint, request

from pos import orders as rules
from pos.db import orders as store
from pos.errors import InvalidInput
from pos.money import to_api
from pos.web.api import (
    JSON,
    RequestHash,
    _idempotency_key,
    _json_body,
    _key_reused,
    check_token,
    key_and_digest,
    line_json,
)
from pos.web.db import get_db, get_settings

bp = Blueprint("api_orders", __name__, url_prefix="/api/v1")
bp.before_request(check_token)


@bp.get("/orders")
def orders():
    """Orders, the open ones first then newest first (`?state=` keeps one state)."""
    db = get_db()
    store.expire_due(db)
    state = request.args.get("state", "")
    if state and state not in rules.STATES:
        *others, last = rules.STATES
        raise InvalidInput(f"État inconnu : {', '.join(others)} ou {last}.", field="state")
    found = [o for o in store.list_orders(db) if not state or o["state"] == state]
    return _json({"orders": [order_json(o) for o in found]}, 200)


@bp.get("/orders/<int:number>")
def order(number: int):
    """One order, with its lines and events."""
    db = get_db()
    store.expire_due(db)
    return _json({"order": order_json(store.get_order(db, number))}, 200)


@bp.post("/orders")
def create_order():
    """Place an order exactly once per Idempotency-Key; its stock is reserved at once."""
    body = _json_body()
    key, digest = key_and_digest(request.path, _idempotency_key(), body)
    db = get_db()
    if replay := _replay(db, key, digest):
        return replay
    checked = rules.check_request(body)
    settings = get_settings()
    number, replayed = store.place_order(
        db,
        checked,
        source="api",
        key=key,
        request_hash=digest.value,
        expire_hours=int(settings["orders_expire_hours"] or 0),
    )
    if replayed:  # the same key landed between the look-up and the lock
        return _replay(db, key, digest)
    return _json({"order": order_json(store.get_order(db, number))}, 201)


def _replay(db, key: str, digest: RequestHash):
    found = store.order_for_key(db, key)
    if not found:
        return None
    number, stored = found
    if not digest.matches(stored):
        raise _key_reused()
    body = json.dumps({"order": order_json(store.get_order(db, number))})
    return body, 201, {**JSON, "Idempotent-Replay": "true"}


@bp.post("/orders/<int:number>/cancel")
def cancel(number: int):
    """Cancel an open order (its stock is freed); cancelling it again answers the same."""
    db = get_db()
    found = store.get_order(db, number)
    if found["state"] == "cancelled":
        body = json.dumps({"order": order_json(found)})
        return body, 200, {**JSON, "Idempotent-Replay": "true"}
    return _json({"order": order_json(store.change_state(db, number, "cancel", None))}, 200)


def _json(body: dict, status: int):
    return json.dumps(body), status, JSON


def order_json(order: dict) -> dict:
    """An order in the API's shape (amounts as decimal strings)."""
    return {
        "number": order["number"],
        "state": order["state"],
        "source": order["source"],
        "customer": order["customer"],
        "contact": order["contact"],
        "pickup": order["pickup"],
        "note": order["note"],
        "created_at": order["created_at"],
        "expires_at": order["expires_at"],
        "lines": [line_json(ln) for ln in order["lines"]],
        "total": to_api(order["total"]),
        "reserving": order["reserving"],
        "paid": order["sale_number"] is not None,
        "paid_in_advance": bool(order["paid_in_advance"]),
        "sale_number": order["sale_number"],
        "transfer_reference": order["transfer_reference"],
    }
