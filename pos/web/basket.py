"""The cart a member is building on one device, kept in the signed session cookie.

Keeping it client-side means a retried payment arrives with the very cart and key it
was meant for: the key finds the sale already recorded and the same result is shown.
"""

from __future__ import annotations

import uuid

from flask import g, session
from flask_babel import gettext as _
from sqlite_utils import Database

from pos.cart import (
    CHANNELS,
    Discount,
    Item,
    PricedCart,
    check_discount,
    customer_name,
    item_of,
    price_cart,
)
from pos.db.catalogue import get_products
from pos.errors import InvalidInput, OutOfStock
from pos.money import InvalidAmount, parse_amount, parse_rate
from pos.orders import price_held
from pos.web.db import writes_seen


def current() -> dict:
    """The device's cart for the member logged in (created empty with a fresh key).

    The cart remembers whose it is: it outlives an idle logout of that member on this device,
    never a change of member.
    """
    cart = session.get("cart")
    member = g.get("member")
    member_id = member["id"] if member else None
    if not cart or cart.get("member_id", member_id) != member_id:
        cart = {
            "key": uuid.uuid4().hex,
            "lines": [],
            "discount": None,
            "channel": "stall",
            "customer": "",
            "member_id": member_id,
        }
        session["cart"] = cart
    return cart


def save(cart: dict) -> None:
    """Store the cart back in the session."""
    session["cart"] = cart
    session.modified = True


def reset() -> dict:
    """A new empty cart with a new key (after a sale)."""
    session.pop("cart", None)
    return current()


def remember_sale(sale: dict) -> None:
    """The device's last sale, for the one-line strip once the next cart starts."""
    session["last_sale"] = {k: sale[k] for k in ("number", "total", "change")}


def last_sale() -> dict | None:
    """The device's last sale (number, total, change), if any."""
    return session.get("last_sale")


def forget_sale(number: int) -> None:
    """The last sale was undone: no strip names it any more."""
    if (session.get("last_sale") or {}).get("number") == number:
        session.pop("last_sale", None)


def add(db: Database, product_id: int) -> None:
    """One more of a product; refuses past the stock left. The cart's products are read once,
    with the one tapped, and priced from that same read."""
    cart = current()
    product = _products(db, [line[0] for line in cart["lines"]] + [product_id]).get(product_id)
    if not product or not product["active"]:
        raise InvalidInput(_("Ce produit n'est plus en vente."))
    line = next((ln for ln in cart["lines"] if ln[0] == product_id), None)
    wanted = (line[1] if line else 0) + 1
    if product["track_stock"] and wanted > _left(product, cart):
        left = max(_left(product, cart), 0)
        raise OutOfStock(product_id=product_id, name=product["name"], left=left)
    if line:
        line[1] = wanted
    else:
        cart["lines"].append([product_id, 1, None])
    save(cart)


def change_quantity(db: Database, index: int, delta: int) -> None:
    """+1 / −1 on a line; a line at zero goes away."""
    cart = current()
    if not 0 <= index < len(cart["lines"]):
        return
    line = cart["lines"][index]
    if delta > 0:
        product = _products(db, [ln[0] for ln in cart["lines"]]).get(line[0])
        if product and product["track_stock"] and line[1] + delta > _left(product, cart):
            raise OutOfStock(
                product_id=line[0], name=product["name"], left=max(_left(product, cart), 0)
            )
    line[1] += delta
    if line[1] <= 0:
        cart["lines"].pop(index)
    save(cart)


def _left(product: dict, cart: dict) -> int:
    """What this cart may take: on hand minus reserved, plus what its own order holds."""
    held = dict(cart.get("held") or [])
    return product["stock"] - product.get("reserved", 0) + held.get(product["id"], 0)


def put_order(db: Database, order: dict) -> None:
    """*Encaisser* an order: its lines in this device's empty cart, channel online, its number;
    a price raised since the order is brought back to the ordered one (a line discount).

    :raise InvalidInput: the cart already holds something (pay or empty it first).
    """
    cart = current()
    if cart["lines"] and cart.get("order") != order["number"]:
        raise InvalidInput(_("Le panier n'est pas vide : encaissez-le ou videz-le d'abord."))
    products = get_products(db, [ln["product_id"] for ln in order["lines"]])
    lines = []
    for ln in order["lines"]:
        now = products[ln["product_id"]]["price"]
        held = price_held(ln["unit_price"], now, ln["quantity"])
        reason = _("Prix de la commande n° %(n)s", n=order["number"])
        lines.append([ln["product_id"], ln["quantity"], ["amount", held, reason] if held else None])
    cart.update(
        lines=lines,
        discount=None,
        channel="online",
        customer=order["customer"],
        order=order["number"],
        held=[[ln["product_id"], ln["quantity"]] for ln in order["lines"]],
    )
    save(cart)


def remove(index: int) -> None:
    """Take a line out of the cart."""
    cart = current()
    if 0 <= index < len(cart["lines"]):
        cart["lines"].pop(index)
    save(cart)


def parse_discount(form: dict) -> list | None:
    """A discount form (kind, value, reason) as stored in the cart; None clears it."""
    kind = form.get("kind", "")
    if kind == "none":
        return None
    reason = " ".join(str(form.get("reason", "")).split())[:60]
    if kind not in ("amount", "percent", "free"):
        raise InvalidInput(_("Choisissez une remise en euros, en pourcentage, ou « offert »."))
    if not reason:
        raise InvalidInput(
            _("Indiquez la raison de la remise (ex. : dégustation, fin de marché)."), field="reason"
        )
    value = 0
    try:
        if kind == "amount":
            value = parse_amount(form.get("value", ""))
        elif kind == "percent":
            value = parse_rate(form.get("value", ""))
            if not 0 < value <= 10000:
                raise InvalidAmount(str(value))
    except InvalidAmount as exc:
        raise InvalidInput(
            _("Indiquez un montant (ex. 2,50) ou un pourcentage entre 1 et 100."), field="value"
        ) from exc
    return [kind, value, reason]


def set_line_discount(db: Database, index: int, discount: list | None) -> None:
    """Set or clear the discount of one line; refuses more than the line."""
    cart = current()
    if 0 <= index < len(cart["lines"]):
        line = cart["lines"][index]
        if discount:
            gross = next(iter(items(db, {**cart, "lines": [[line[0], line[1], None]]})), None)
            check_discount(Discount(*discount), gross.unit_price * gross.quantity if gross else 0)
        line[2] = discount
    save(cart)


def set_cart_discount(db: Database, discount: list | None) -> None:
    """Set or clear the discount on the whole cart; refuses more than the cart."""
    cart = current()
    if discount:
        before = priced(db, {**cart, "discount": None})
        check_discount(Discount(*discount), before.total if before else 0)
    cart["discount"] = discount
    save(cart)


def set_channel(channel: str, customer: str) -> None:
    """Stall or online (with an optional customer name)."""
    cart = current()
    cart["channel"] = channel if channel in CHANNELS else "stall"
    cart["customer"] = customer_name(customer) if cart["channel"] == "online" else ""
    save(cart)


def items(db: Database, cart: dict) -> list[Item]:
    """The cart's lines priced as the catalogue says now."""
    out = []
    products = _products(db, [line[0] for line in cart["lines"]])
    for product_id, quantity, discount in cart["lines"]:
        product = products.get(product_id)
        if product is None:
            continue
        out.append(item_of(product, quantity, Discount(*discount) if discount else None))
    return out


def _products(db: Database, ids: list[int]) -> dict[int, dict]:
    """The products of this request's cart, read once a request (again after it writes)."""
    read = g.get("cart_products")
    if read and read[0] == writes_seen(db) and read[1].keys() >= set(ids):
        return read[1]
    products = get_products(db, ids)
    g.cart_products = (writes_seen(db), products)
    return products


def priced(db: Database, cart: dict) -> PricedCart | None:
    """The priced cart, or None when empty."""
    found = items(db, cart)
    if not found:
        return None
    discount = Discount(*cart["discount"]) if cart["discount"] else None
    return price_cart(found, discount)
