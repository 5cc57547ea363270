"""The public order page (/commander): no login, off unless switched on in Réglages.

What it resists: a cap on quantities per order and on orders per address and hour, a honeypot
field that people never see, CSRF as everywhere, and no way to read any order: the answer is
shown once, from this browser's own session, never from a number in the address.
"""

from __future__ import annotations

import hashlib
import os
import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    request,
    send_from_directory,
    session,
    url_for,
)

from pos import orders as rules
from pos.db import orders as store
from pos.db.catalogue import get_product, list_products
from pos.errors import EtalError, InvalidInput
from pos.i18n import N_, Message
from pos.web.db import get_db, get_settings
from pos.web.render import page
from pos.web.stock import files_dir

bp = Blueprint("public_orders", __name__, url_prefix="/commander")
HONEYPOT = "website"  # a field hidden from people; robots fill it in


def _open_or_404() -> dict[str, str]:
    settings = get_settings()
    if settings["orders_public"] != "1":
        abort(404)
    return settings


@bp.get("")
def form():
    """The coop's products with photo, price and what is available, and a short form."""
    settings = _open_or_404()
    return _form_page(settings, {"key": uuid.uuid4().hex}, {})


def _form_page(settings: dict, values: dict, errors: dict, status: int = 200):
    db = get_db()
    store.expire_due(db)
    products = [p for p in list_products(db, active_only=True)]
    return page(
        "orders/public.html",
        settings=settings,
        products=products,
        values=values,
        errors=errors,
        cap=int(settings["orders_max_quantity"]),
        status=status,
    )


@bp.post("")
def place():
    """Place an order: checked, capped, reserved at once; the answer page shows its number."""
    settings = _open_or_404()
    values = request.form.to_dict()
    if values.get(HONEYPOT):
        return _form_page(settings, {"key": uuid.uuid4().hex}, {"form": _refused()}, 400)
    products = list_products(get_db(), active_only=True)
    try:
        checked = rules.check_request(
            _body(values, products), max_quantity=int(settings["orders_max_quantity"])
        )
        if not checked.contact:
            raise InvalidInput(N_("Indiquez un téléphone ou un e-mail."), field="contact")
        client = _client()
        form_key = "".join(c for c in values.get("key", "") if c.isalnum())[:40]
        number, _replayed = store.place_order(
            get_db(),
            checked,
            source="public",
            # A double tap finds its order again; the address is part of the key, so a key
            # copied from someone else's page can never hand over their order.
            key=f"public-{client}-{form_key}" if form_key else None,
            client=client,
            expire_hours=int(settings["orders_expire_hours"] or 0),
            per_hour=int(settings["orders_per_hour"]),
        )
    except EtalError as exc:
        field = "form" if not exc.field or exc.field.startswith("lines") else exc.field
        status = exc.status if exc.status in (422, 429) else 422
        return _form_page(settings, values, {field: Message(exc.msgid, **exc.params)}, status)
    session["placed_order"] = number  # shown once, to this browser only
    return redirect(url_for("public_orders.done"))


def _refused() -> str:
    return N_("Commande refusée. Réessayez, ou appelez-nous.")


def _body(values: dict, products: list[dict]) -> dict:
    lines = []
    for p in products:
        raw = (values.get(f"qty_{p['id']}") or "").strip()
        if raw and raw != "0":
            lines.append({"product_id": p["id"], "quantity": int(raw) if raw.isdigit() else -1})
    return {k: values.get(k, "") for k in ("customer", "contact", "pickup", "note")} | {
        "lines": lines
    }


def _client() -> str:
    """This customer's address, hashed (only its hourly count is kept, never the address).

    Behind a reverse proxy (POS_TRUSTED_PROXY=1), the address the proxy saw, which it appends
    last to X-Forwarded-For; otherwise the connection's own.
    """
    address = request.remote_addr or ""
    trusted = current_app.config.get("TRUSTED_PROXY") or os.environ.get("POS_TRUSTED_PROXY")
    if trusted in (True, "1") and request.headers.get("X-Forwarded-For"):
        address = request.headers["X-Forwarded-For"].split(",")[-1].strip()
    salt = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{salt}:{address}".encode()).hexdigest()[:24]


@bp.get("/merci")
def done():
    """The order just placed from this browser: its number and what happens next."""
    settings = _open_or_404()
    number = session.get("placed_order")
    if not number:
        return redirect(url_for("public_orders.form"))
    order = store.get_order(get_db(), number)
    return page("orders/public_done.html", settings=settings, order=order)


@bp.get("/photo/<int:product_id>")
def photo(product_id: int):
    """A product's photo for the public page (active products only, page switched on)."""
    _open_or_404()
    product = get_product(get_db(), product_id)
    if not product or not product["photo"] or not product["active"]:
        abort(404)
    return send_from_directory(files_dir(), product["photo"], mimetype="image/jpeg", max_age=3600)
