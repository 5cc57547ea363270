"""Orders taken online or by phone: their states, what they reserve, the checks of a request.

Pure: no Flask, no SQL. An order is *à préparer* (to_prepare), then *prête* (ready), then
*retirée* (collected); it may instead be *annulée* (cancelled) or *expirée* (expired, after the
delay set in Réglages). While open (to prepare or ready) and not yet paid, its lines are
reserved: a stall sale can only take what is left after reservations (`available`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

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
    "reopened": N_("Vente annulée : commande rouverte"),
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


def state_after_void(events: list[str]) -> str:
    """The state an order returns to when the sale that paid it (at pick-up, or in advance by
    transfer) is voided: the void says that sale never happened, so the order is open and
    unpaid again, as prepared as it was (« prête » if it had been prepared), and its lines are
    reserved once more. A customer who no longer wants it is cancelled by a member, on purpose:
    a mistaken tap at the till must not silently lose someone's order.
    """
    return "ready" if "prepared" in events else "to_prepare"


def holds_stock(state: str, paid: bool) -> bool:
    """Whether an order's lines are reserved: open and not yet paid (a paid order's sale took
    its stock already)."""
    return state in OPEN and not paid


def expires_at(created_at: datetime, hours: int, pickup: str = "") -> datetime | None:
    """When an order left uncollected expires (None: never, a delay of 0): the delay counts
    from its pick-up slot (`pickup_slot` of what was typed), never from before its placing;
    from the placing when the slot cannot be read. The screen, the API and the reservations
    all read the moment stored from this.
    """
    if hours <= 0:
        return None
    slot = pickup_slot(pickup, created_at)
    return max(created_at, slot or created_at) + timedelta(hours=hours)


WEEKDAYS = {
    **dict.fromkeys(("lundi", "lun"), 0),
    **dict.fromkeys(("mardi", "mar"), 1),
    **dict.fromkeys(("mercredi", "mer"), 2),
    **dict.fromkeys(("jeudi", "jeu"), 3),
    **dict.fromkeys(("vendredi", "ven"), 4),
    **dict.fromkeys(("samedi", "sam"), 5),
    **dict.fromkeys(("dimanche", "dim"), 6),
}
MONTHS = {
    name: n + 1
    for n, names in enumerate(
        (
            ("janvier", "janv"),
            ("février", "fevrier", "févr", "fevr"),
            ("mars",),
            ("avril", "avr"),
            ("mai",),
            ("juin",),
            ("juillet", "juil"),
            ("août", "aout"),
            ("septembre", "sept"),
            ("octobre", "oct"),
            ("novembre", "nov"),
            ("décembre", "decembre", "déc", "dec"),
        )
    )
    for name in names
}
RELATIVE = {"aujourd'hui": 0, "ce soir": 0, "après-demain": 2, "apres-demain": 2, "demain": 1}
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b")
_NAMED = re.compile(r"\b(\d{1,2})(?:er)?\s+([a-zéûè]+)\.?(?:\s+(\d{4}))?")
_TIME = re.compile(r"\b(\d{1,2})\s*(?:h|:)\s*(\d{2})?(?!\d)")


def pickup_slot(text: str, placed: datetime) -> datetime | None:
    """The end of the pick-up slot a customer typed ("samedi 10:00", "sam. 10h-12h",
    "le 12/12 à 11h", "demain"), in `placed`'s zone: the day named (the next one from the
    placing, today included), at the last hour named; a day without an hour lasts until its
    midnight. None when nothing can be read (then the delay counts from the placing).
    """
    words = " ".join(str(text).lower().replace("’", "'").split())
    day = _day_named(words, placed.date())
    times = [(int(h), int(m or 0)) for h, m in _TIME.findall(words)]
    if day is False or any(h > 23 or m > 59 for h, m in times):
        return None
    if not times:
        if day is None:
            return None
        return datetime.combine(day + timedelta(days=1), time(0), placed.tzinfo)
    at = time(*times[-1])
    if day is None:  # an hour alone: the next one
        day = placed.date() if at >= placed.time() else placed.date() + timedelta(days=1)
    return datetime.combine(day, at, placed.tzinfo)


def _day_named(words: str, today: date) -> date | None | bool:
    """The day a pick-up text names (None: none named; False: one named that does not exist)."""
    try:
        if found := _NUMERIC.search(words):
            d, m, y = found.groups()
            return _next_date(today, int(m), int(d), y)
        for found in _NAMED.finditer(words):
            if (month := MONTHS.get(found.group(2))) is not None:
                return _next_date(today, month, int(found.group(1)), found.group(3))
    except ValueError:
        return False
    for word, ahead in RELATIVE.items():
        if word in words:
            return today + timedelta(days=ahead)
    for word in re.findall(r"[a-zé]+", words):
        if (weekday := WEEKDAYS.get(word)) is not None:
            return today + timedelta(days=(weekday - today.weekday()) % 7)
    return None


def _next_date(today: date, month: int, day: int, year: str | None) -> date:
    """A day and month, in the year given or the next such date from today."""
    if year:
        return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    found = date(today.year, month, day)
    return found if found >= today else date(today.year + 1, month, day)


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
