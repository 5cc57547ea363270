"""The JSON API for integrations, scripts and the online channel (bearer tokens)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import orjson
from flask import Blueprint, current_app, jsonify, request

from pos.cart import (
    CUSTOMER_MAX,
    Item,
    Payment,
    check_channel,
    item_of,
    merge_payments,
    price_cart,
    settle,
)
from pos.db import coop, transaction
from pos.db import sales as journal
from pos.db.catalogue import list_products, prices_of
from pos.db.events import log_event
from pos.errors import (
    CartChanged,
    EtalError,
    IdempotencyConflict,
    InvalidInput,
    NotAllowed,
    Unauthorized,
)
from pos.money import InvalidAmount, parse_amount, rate_to_api, to_api
from pos.orders import available
from pos.payment_methods import CODES, accepts
from pos.web.db import get_db
from pos.web.errors import JSON  # an API answer's headers: JSON, never cached
from pos.web.openapi import SPEC

bp = Blueprint("api", __name__, url_prefix="/api/v1")


# What each call needs of its token (`pos token create NAME --scope sell,refund,read`).
SCOPE_OF = {"api.create_sale": "sell", "api.refund": "refund", "api.print_receipt": "sell"}


@bp.before_request
def check_token() -> None:
    """Every call but the OpenAPI document needs a live bearer token with the right scope."""
    if request.endpoint == "api.openapi":
        return
    scopes = token_scopes(get_db(), request.headers.get("Authorization", ""))
    require_scope(scopes, SCOPE_OF.get(request.endpoint or "", "read"))


def token_scopes(db, authorization: str) -> tuple[str, ...]:
    """The scopes of the live bearer token an Authorization header carries; 401 without one."""
    token = authorization[7:].strip() if authorization.startswith("Bearer ") else ""
    scopes = coop.token_scopes(db, token) if token else None
    if scopes is None:
        raise Unauthorized("Jeton d'API manquant ou invalide.")
    return scopes


def require_scope(scopes: tuple[str, ...], needed: str) -> None:
    """403 unless the token was given the scope this call needs."""
    if needed not in scopes:
        raise NotAllowed(f"Ce jeton n'a pas la portée « {needed} ».")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(SPEC)


@bp.get("/products")
def products():
    """The catalogue with prices, VAT rates and stock."""
    return jsonify(
        {
            "products": [
                {
                    "id": p["id"],
                    "name": p["name"],
                    "category": p["category"],
                    "price": to_api(p["price"]),
                    "vat_rate": rate_to_api(p["vat_rate"]),
                    "stock": p["stock"] if p["track_stock"] else None,
                    "active": bool(p["active"]),
                }
                for p in list_products(get_db())
            ]
        }
    )


@bp.get("/stock")
def stock():
    """Stock per tracked product: on hand (`quantity`), reserved by orders, available to sell."""
    return jsonify(
        {
            "stock": [
                {
                    "product_id": p["id"],
                    "name": p["name"],
                    "quantity": p["stock"],
                    "reserved": p["reserved"],
                    "available": available(p["stock"], p["reserved"]),
                }
                for p in list_products(get_db())
                if p["track_stock"]
            ]
        }
    )


@bp.get("/sales/<int:number>")
def sale(number: int):
    """One journal entry."""
    return jsonify({"sale": sale_json(journal.get_sale(get_db(), number))})


@bp.post("/sales")
def create_sale():
    """Record a sale exactly once per Idempotency-Key (pos.web.sale_lane answers the plain
    case of this call before Flask; both call `sale_call`)."""
    return sale_call(current_app.extensions, get_db(), _idempotency_key(), _json_body())


def sale_call(extensions: dict, db, key: str, body: dict):
    """POST /api/v1/sales once its token is checked: the answer, its status and headers."""
    prepare = lambda db: _sale_request(db, body)  # noqa: E731 - checked before the lock
    return _once(extensions, db, SALES_PATH, key, body, prepare, _record_sale)


SALES_PATH = "/api/v1/sales"


@bp.post("/sales/<int:number>/refund")
def refund(number: int):
    """Refund lines of a past sale exactly once per Idempotency-Key."""
    body = _json_body()
    return _once(
        current_app.extensions,
        get_db(),
        request.path,
        _idempotency_key(),
        body,
        lambda db: _refund_request(number, body),
        _record_refund,
    )


@bp.post("/sales/<int:number>/receipt")
def print_receipt(number: int):
    """Print a sale's receipt (a DUPLICATA once printed); 503 and kept in the list if not."""
    from pos.print_queue import WAITING_MESSAGE, print_receipt
    from pos.web.printing import printer_url

    outcome = print_receipt(get_db(), printer_url(), number, member="API")
    if not outcome.printed:
        error = {"code": "printer_unavailable", "message": f"{WAITING_MESSAGE} {outcome.error}"}
        return jsonify({"error": error, "job": outcome.job_id}), 503
    return jsonify({"printed": True, "job": outcome.job_id})


def _json_body() -> dict:
    """The request's JSON object (`json_object`)."""
    return json_object(request.get_data() if request.is_json else None)


def _idempotency_key() -> str:
    return request.headers.get("Idempotency-Key", "")


def json_object(data: bytes | None) -> dict:
    """A request body's JSON object. orjson parses strict JSON (RFC 8259) and refuses what
    holds no text, such as the escape of half a UTF-16 pair ("\\ud800"), which json.loads lets
    through to crash the chain's hash or SQLite's encoding later."""
    body = None
    if data is not None:
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError:  # broken, nested past 1 024 levels, or no text
            body = None
    if not isinstance(body, dict):
        raise InvalidInput("Le corps doit être un objet JSON.", field="body")
    return body


def _once(extensions: dict, db, path: str, key: str, body: dict, prepare, record):
    """Replay the answer for a known key; refuse a key reused for another body.

    The request is checked before the write lock is taken (`prepare`), so that only the
    recording itself (`record`) waits for it. The key and the request's hash are kept on
    the journal entry, and a retry's answer is rebuilt from that entry (it never changes).
    A new key, the usual case, costs no look-up: the key's UNIQUE index stops a second
    recording inside the write (`replayed`), and a retry refused by what changed since (a
    product sold out, archived or repriced, the till closed) is looked up only then, to be
    answered as the first time.
    """
    key, digest = key_and_digest(path, key, body)
    if _legacy_answers(extensions, db) and (replay := _stored_replay(db, key, digest)):
        return replay
    try:
        number, entry, replayed = record(db, prepare(db), key, digest)
    except EtalError:
        if replay := _replay(db, key, digest):
            return replay
        raise
    if replayed:  # the key was already on an entry: a retry, or a reuse for another body
        return _replay(db, key, digest)
    return _answer(entry or journal.get_sale(db, number)), 201, JSON


def key_and_digest(path: str, key: str, body: dict) -> tuple[str, RequestHash]:
    """The request's Idempotency-Key (required) and the hash of what it asks, for its replays."""
    key = key.strip()
    if not key or len(key) > 200:
        raise InvalidInput(
            "L'en-tête Idempotency-Key est obligatoire (200 caractères au plus).",
            field="Idempotency-Key",
        )
    value = hashlib.sha256(path.encode() + orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
    return key, RequestHash(path, body, value.hexdigest())


@dataclass(frozen=True)
class RequestHash:
    """What a request asks (its path and body) as the hash kept with what it recorded, so a
    retry is told from a key reused for another request. `value` hashes orjson's sorted form;
    entries recorded before that hold json's, which `matches` still recognises."""

    path: str
    body: dict
    value: str

    def matches(self, stored: str | None) -> bool:
        return stored == self.value or stored == self._as_before()

    def _as_before(self) -> str:
        before = (self.path + json.dumps(self.body, sort_keys=True)).encode()
        return hashlib.sha256(before).hexdigest()


def _replay(db, key: str, digest: RequestHash):
    """The answer to a key already on an entry with this body; 409 for another body."""
    row = journal.keyed_entry(db, key)
    if not row:
        return None
    if not digest.matches(row[1]):
        raise _key_reused()
    return _answer(journal.get_sale(db, row[0])), 201, {**JSON, "Idempotent-Replay": "true"}


def _legacy_answers(extensions: dict, db) -> bool:
    """Whether this database holds answers stored whole by earlier versions (their own
    table, which nothing writes any more): read once per app, so a database without any
    (every database made since) spends no look-up on them."""
    known = extensions.get("etal_legacy_answers")
    if known is None:
        known = extensions["etal_legacy_answers"] = journal.has_stored_answers(db)
    return known


def _stored_replay(db, key: str, digest: RequestHash):
    """The answer an earlier version stored whole under this key; 409 for another body."""
    row = journal.stored_answer(db, key)
    if not row:
        return None
    if not digest.matches(row[0]):
        raise _key_reused()
    return row[2].encode(), row[1], {**JSON, "Idempotent-Replay": "true"}


def _answer(entry: dict) -> bytes:
    """The body of a recording's answer, the same the first time and on every retry."""
    return orjson.dumps({"sale": sale_json(entry)})


def _key_reused() -> IdempotencyConflict:
    return IdempotencyConflict(
        "Cette clé d'idempotence a déjà servi pour une autre demande.",
        field="Idempotency-Key",
    )


def _sale_request(db, body: dict) -> dict:
    """A sale request checked and priced: cart, payments, channel, customer."""
    lines = _list(body, "lines")
    wanted = [line.get("product_id") for line in lines if isinstance(line, dict)]
    products = prices_of(db, [p for p in wanted if isinstance(p, int) and 0 < p < 10**9])
    items = [_item(products, i, line) for i, line in enumerate(lines)]
    payments = [_payment(i, p) for i, p in enumerate(_list(body, "payments", allow_empty=True))]
    channel = check_channel(body.get("channel", "stall"))
    customer = body.get("customer", "") or ""
    if not isinstance(customer, str):
        raise InvalidInput("Le nom du client doit être un texte.", field="customer")
    if len(customer) > CUSTOMER_MAX:  # as the OpenAPI schema says (maxLength)
        raise InvalidInput(
            f"Le nom du client fait {CUSTOMER_MAX} caractères au plus.", field="customer"
        )
    cart = price_cart(items)
    _check_expected_total(body, cart.total)
    settle(cart.total, merge_payments(payments))  # a payment that cannot work: 422 before the lock
    return {"cart": cart, "payments": payments, "channel": channel, "customer": customer}


EXPECTED = re.compile(r"^-?\d+\.\d{2}$")


def _check_expected_total(body: dict, total: int) -> None:
    """Charged = shown: with `expected_total` (what the client showed), a total that no
    longer matches (a price changed, a markdown started) records nothing: 409."""
    expected = body.get("expected_total")
    if expected is None:
        return
    if not isinstance(expected, str) or not EXPECTED.match(expected):
        raise InvalidInput(
            '« expected_total » doit être un texte décimal, par exemple "12.50".',
            field="expected_total",
        )
    if parse_amount(expected) != total:
        raise CartChanged(
            f"Le total a changé : {expected} attendus, {to_api(total)} maintenant "
            "(un prix ou une remise a changé). Rien n'est enregistré : vérifiez puis renvoyez.",
            field="expected_total",
        )


def _record_sale(db, sale: dict, key: str, digest: RequestHash) -> tuple[int, dict, bool]:
    entry: dict = {}
    number, replayed = journal.record_sale(
        db,
        sale["cart"],
        sale["payments"],
        member=None,
        channel=sale["channel"],
        customer=sale["customer"],
        key=key,
        request_hash=digest.value,
        recorded=entry,
    )
    return number, entry, replayed


def _refund_request(number: int, body: dict) -> dict:
    """A refund request checked: which lines, how many, by which method."""
    wanted = []
    for i, line in enumerate(_list(body, "lines")):
        pid, qty = _ints(line, i, "product_id"), _ints(line, i, "quantity")
        wanted.append((pid, qty))
    method = body.get("method")
    if not accepts(method):
        raise InvalidInput("Moyen de remboursement inconnu.", field="method")
    return {"number": number, "wanted": wanted, "method": method}


def _record_refund(db, refund: dict, key: str, digest: RequestHash) -> tuple[int, None, bool]:
    number, method = refund["number"], refund["method"]
    with transaction(db):
        refund_number, replayed = journal.record_refund(
            db, number, refund["wanted"], method, member=None, key=key, request_hash=digest.value
        )
        if not replayed:
            log_event(
                db,
                "sale_refunded",
                None,
                sale=number,
                refund=refund_number,
                method=method,
                via="api",
            )
    return refund_number, None, replayed


def _list(body: dict, key: str, allow_empty: bool = False) -> list:
    value = body.get(key)
    if not isinstance(value, list) or (not value and not allow_empty) or len(value) > 200:
        raise InvalidInput(f"« {key} » doit être une liste non vide.", field=key)
    return value


def _ints(line, index: int, key: str) -> int:
    value = line.get(key) if isinstance(line, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 10**6:
        raise InvalidInput(f"« {key} » doit être un entier positif.", field=f"lines[{index}].{key}")
    return value


def _item(products: dict[int, dict], index: int, line) -> Item:
    product_id, quantity = _ints(line, index, "product_id"), _ints(line, index, "quantity")
    if quantity > 9999:
        raise InvalidInput(
            "La quantité doit être comprise entre 1 et 9999.", field=f"lines[{index}].quantity"
        )
    product = products.get(product_id)
    if not product or not product["active"]:
        raise InvalidInput("Produit inconnu ou archivé.", field=f"lines[{index}].product_id")
    return item_of(product, quantity)


def _payment(index: int, payment) -> Payment:
    field = f"payments[{index}]"
    if not isinstance(payment, dict) or not accepts(payment.get("method")):
        raise InvalidInput(
            "Moyen de paiement inconnu : " + ", ".join(CODES) + ".",
            field=f"{field}.method",
        )
    amount = payment.get("amount")
    try:
        if not isinstance(amount, str):
            raise InvalidAmount(str(amount))
        cents = parse_amount(amount)
    except InvalidAmount as exc:
        raise InvalidInput(
            'Le montant doit être un texte décimal, par exemple "20.00".', field=f"{field}.amount"
        ) from exc
    return Payment(payment["method"], cents)


def sale_json(sale: dict) -> dict:
    """A journal entry in the API's shape (amounts as decimal strings)."""
    return {
        "number": sale["number"],
        "kind": sale["kind"],
        "refund_of": sale["refers_to"] if sale["kind"] == "refund" else None,
        "void_of": sale["refers_to"] if sale["kind"] == "void" else None,
        "created_at": sale["created_at"],
        "channel": sale["channel"],
        "customer": sale["customer"],
        "seller": sale["seller"],
        "lines": [{**line_json(ln), "discount": to_api(ln["discount"])} for ln in sale["lines"]],
        "total": to_api(sale["total"]),
        "vat": [
            {"rate": rate_to_api(v.rate), "base": to_api(v.base), "vat": to_api(v.vat)}
            for v in sale["vat"]
        ],
        "payments": [
            {"method": p["method"], "amount": to_api(p["amount"])} for p in sale["payments"]
        ],
        "change": to_api(sale["change"]),
    }


def line_json(line: dict) -> dict:
    """A sale's or an order's line as the API shows it (a sale's adds its discount)."""
    return {
        "product_id": line["product_id"],
        "name": line["name"],
        "quantity": line["quantity"],
        "unit_price": to_api(line["unit_price"]),
        "vat_rate": rate_to_api(line["vat_rate"]),
        "total": to_api(line["total"]),
    }
