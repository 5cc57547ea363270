"""Orders taken online or by phone: their states, what they reserve, the checks of a request.

Pure: no Flask, no SQL. An order is *à préparer* (to_prepare), then *prête* (ready), then
*retirée* (collected); it may instead be *annulée* (cancelled) or *expirée* (expired, after the
delay set in Réglages). While open (to prepare or ready) and not yet paid, its lines are
reserved: a stall sale can only take what is left after reservations (`available`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pos import cart
from pos.errors import EtalError, InvalidInput
from pos.i18n import N_, Message

STATES = ("to_prepare", "ready", "collected", "cancelled", "expired")
OPEN = ("to_prepare", "ready")
# action -> (the states it may start from, the state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "prepare": (("to_prepare",), "ready"),
    "collect": (OPEN, "collected"),
    "cancel": (OPEN, "cancelled"),
    "expire": (OPEN, "expired"),
}
STATE_NAMES = {
    "to_prepare": N_("À préparer"),
    "ready": N_("Prête"),
    "collected": N_("Retirée"),
    "cancelled": N_("Annulée"),
    "expired": N_("Expirée"),
}
EVENT_NAMES = {
    "placed": N_("Commandée"),
    "prepared": N_("Préparée"),
    "paid": N_("Payée par virement"),
    "collected": N_("Retirée"),
    "cancelled": N_("Annulée"),
    "expired": N_("Expirée (délai dépassé)"),
}
SOURCES = ("member", "api", "public")
MAX_LINES = 30
MAX_QUANTITY = cart.MAX_QUANTITY  # a line's cap: an order's line becomes a sale's


class OrderNotFound(EtalError):
    """No order with this number."""

    code = "order_not_found"
    status = 404


class OrderStateError(EtalError):
    """This order cannot go there from where it is."""

    code = "order_state"
    status = 409


class TooManyOrders(EtalError):
    """Too many orders from one address within an hour."""

    code = "too_many_orders"
    status = 429


def next_state(state: str, action: str, *, paid_by: int | None = None) -> str:
    """The state an action leads to from `state`.

    :raise OrderStateError: the action is not possible from this state, or the order was
        paid in advance (`paid_by`, its sale's number): cancelling it needs a refund first.
    """
    starts, to = TRANSITIONS[action]
    if state not in starts:
        raise OrderStateError(
            N_("Cette commande est « %(state)s » : impossible de la passer en « %(to)s »."),
            state=Message(STATE_NAMES[state]),  # translated with the sentence, on screen
            to=Message(STATE_NAMES[to]),
        )
    if paid_by and action in ("cancel", "expire"):
        raise OrderStateError(
            N_("Cette commande est déjà payée : remboursez la vente n° %(sale)s d'abord."),
            sale=paid_by,
        )
    return to


def holds_stock(state: str, paid: bool) -> bool:
    """Whether an order's lines are reserved: open and not yet paid (a paid order's sale took
    its stock already)."""
    return state in OPEN and not paid


def expires_at(created_at: datetime, hours: int) -> datetime | None:
    """When an order left uncollected expires (None: never, a delay of 0)."""
    return created_at + timedelta(hours=hours) if hours > 0 else None


def is_due_to_expire(state: str, paid: bool, expires: datetime | None, now: datetime) -> bool:
    """An open, unpaid order whose delay has passed."""
    return state in OPEN and not paid and expires is not None and expires <= now


def price_held(ordered_unit: int, current_unit: int, quantity: int) -> int:
    """Cents to take off a line at pick-up so the customer pays no more than the price they
    were told when ordering (a lower price since, a markdown, is theirs to keep)."""
    return max(current_unit - ordered_unit, 0) * quantity


def available(on_hand: int, reserved: int) -> int:
    """What a stall sale (or a new order) may take: on hand minus reserved, never below 0."""
    return max(on_hand - reserved, 0)


@dataclass(frozen=True)
class OrderRequest:
    """A checked order request: who, how to reach them, when, and (product id, quantity)s."""

    customer: str
    contact: str
    pickup: str
    note: str
    lines: tuple[tuple[int, int], ...]


def _text(value: object, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(N_("« %(name)s » doit être un texte."), field=field, name=field)
    text = " ".join(value.split())
    if required and not text:
        raise InvalidInput(N_("Indiquez « %(name)s »."), field=field, name=field)
    if len(text) > limit:
        raise InvalidInput(
            N_("« %(name)s » : %(limit)s caractères au plus."), field=field, name=field, limit=limit
        )
    return text


def check_request(body: dict, *, max_quantity: int = MAX_QUANTITY) -> OrderRequest:
    """An order request's fields checked: a customer, lines of positive whole quantities up
    to `max_quantity` each (the public page's cap), each product once.

    :raise InvalidInput: naming the field that is wrong.
    """
    customer = _text(body.get("customer"), "customer", 80, required=True)
    contact = _text(body.get("contact"), "contact", 120)
    pickup = _text(body.get("pickup"), "pickup", 120)
    note = _text(body.get("note"), "note", 500)
    raw = body.get("lines")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_LINES:
        raise InvalidInput(
            N_("Choisissez au moins un produit (%(n)s au plus)."), field="lines", n=MAX_LINES
        )
    wanted: dict[int, int] = {}
    for index, line in enumerate(raw):
        product_id = _whole(line, index, "product_id", 10**9)
        quantity = _whole(line, index, "quantity", MAX_QUANTITY)
        wanted[product_id] = wanted.get(product_id, 0) + quantity
        if wanted[product_id] > max_quantity:
            raise InvalidInput(
                N_("Au plus %(n)s de chaque produit par commande."),
                field=f"lines[{index}].quantity",
                n=max_quantity,
            )
    return OrderRequest(customer, contact, pickup, note, tuple(wanted.items()))


def _whole(line: object, index: int, key: str, limit: int) -> int:
    value = line.get(key) if isinstance(line, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= limit:
        raise InvalidInput(
            N_("« %(key)s » doit être un entier entre 1 et %(limit)s."),
            field=f"lines[{index}].{key}",
            key=key,
            limit=limit,
        )
    return value


def public_url(settings: dict[str, str]) -> str:
    """The public order page's address to share (QR on receipts, flyer), if switched on."""
    if settings.get("orders_public") != "1":
        return ""
    return settings.get("orders_public_url", "").strip()


ORDER_LIMITS = {  # setting -> (lowest, highest)
    "orders_expire_hours": (0, 24 * 30),
    "orders_max_quantity": (1, 999),
    "orders_per_hour": (1, 100),
}


# How each stored orders setting must read (pos.settings.readable defaults any other value).
ORDER_FORMS = {
    **{
        key: (lambda v, low=low, high=high: v.isdigit() and low <= int(v) <= high)
        for key, (low, high) in ORDER_LIMITS.items()
    },
    "orders_public": lambda v: v in ("0", "1"),
}


def check_order_settings(form: dict, values: dict[str, str], errors: dict[str, str]) -> None:
    """The orders part of Réglages: whole numbers within bounds, an http(s) address, a switch."""
    for key, (low, high) in ORDER_LIMITS.items():
        if key in values and not (values[key].isdigit() and low <= int(values[key]) <= high):
            errors[key] = Message(
                N_("Indiquez un nombre entier entre %(low)s et %(high)s."), low=low, high=high
            )
    url = values.get("orders_public_url", "")
    if url and (not url.startswith(("http://", "https://")) or len(url) > 200 or " " in url):
        errors["orders_public_url"] = N_(
            "Une adresse complète, par exemple https://commande.lescokes.fr/commander."
        )
    if "orders_expire_hours" in form:  # the orders part was sent: an absent box is "off"
        values["orders_public"] = "1" if form.get("orders_public") in ("1", "on", "true") else "0"
