"""A cart becomes a priced sale: line discounts, a cart discount, VAT per rate, payments.

Totals flow through this one pipeline; nothing else recomputes them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from pos.errors import InvalidInput, PaymentMismatch
from pos.i18n import N_
from pos.money import VatLine, format_eur, percent_of, vat_table
from pos.payment_methods import accepts, may_exceed

MAX_QUANTITY = 9999
CHANNELS = ("stall", "online")  # where a sale is made: at the stall, or online (a customer named)
CUSTOMER_MAX = 80  # characters of a customer's name kept on a sale


def check_channel(channel: object) -> str:
    """The sale's channel, or InvalidInput: only the stall or online."""
    if channel not in CHANNELS:
        raise InvalidInput(N_("Canal inconnu : « stall » ou « online »."), field="channel")
    return channel


def customer_name(text: str) -> str:
    """A customer's name as a sale keeps it: spaces folded, at most CUSTOMER_MAX characters."""
    return " ".join(text.split())[:CUSTOMER_MAX]


@dataclass(frozen=True)
class Discount:
    """A reduction: an amount in cents, a percent in basis points, or 'free' (offert)."""

    kind: str  # amount | percent | free
    value: int = 0
    reason: str = ""

    def off(self, gross: int) -> int:
        """How many cents this discount takes off a gross amount (never more than it)."""
        if self.kind == "free":
            return gross
        if self.kind == "percent":
            return min(gross, percent_of(gross, self.value))
        return min(gross, self.value)


@dataclass(frozen=True)
class Item:
    """A product in the cart, as priced at the moment of sale."""

    product_id: int
    name: str
    unit_price: int
    vat_rate: int
    quantity: int
    short_name: str = ""
    unit_cost: int | None = None
    discount: Discount | None = None


def item_of(product: dict, quantity: int, discount: Discount | None = None) -> Item:
    """A catalogue product (its price in force now) as a cart item."""
    return Item(
        product_id=product["id"],
        name=product["name"],
        short_name=product["short_name"],
        unit_price=product["price"],
        vat_rate=product["vat_rate"],
        unit_cost=product["unit_cost"],
        quantity=quantity,
        discount=discount,
    )


@dataclass(frozen=True)
class PricedLine:
    """A line of the sale: gross, all its discounts (its own and its share of the cart's,
    `share`), and what is paid."""

    item: Item
    gross: int
    discount: int
    discount_reason: str
    total: int
    share: int = 0


@dataclass(frozen=True)
class PricedCart:
    """The cart's lines, total, discount and VAT table."""

    lines: tuple[PricedLine, ...]
    total: int
    discount: int
    discount_reason: str
    vat: tuple[VatLine, ...]
    cart_discount: int = 0  # the cart discount as one amount, however it is spread


@dataclass(frozen=True)
class Payment:
    """Money handed over with one method (cash tendered may exceed what is due)."""

    method: str
    amount: int


def price_cart(items: list[Item], cart_discount: Discount | None = None) -> PricedCart:
    """Apply line discounts, then spread the cart discount over lines; split VAT per rate."""
    if not items:
        raise InvalidInput(
            N_("Le panier est vide : touchez un produit pour l'ajouter."), field="lines"
        )
    lines = [_price_line(item) for item in items]
    if cart_discount:
        lines = _spread(lines, cart_discount)
    total = sum(line.total for line in lines)
    by_rate: dict[int, int] = defaultdict(int)
    for line in lines:
        by_rate[line.item.vat_rate] += line.total
    return PricedCart(
        lines=tuple(lines),
        total=total,
        discount=sum(line.discount for line in lines),
        discount_reason=cart_discount.reason if cart_discount else "",
        vat=tuple(vat_table(by_rate)),
        cart_discount=sum(line.share for line in lines),
    )


def _price_line(item: Item) -> PricedLine:
    if not 1 <= item.quantity <= MAX_QUANTITY:
        raise InvalidInput(N_("La quantité doit être comprise entre 1 et 9999."), field="quantity")
    gross = item.unit_price * item.quantity
    off = item.discount.off(gross) if item.discount else 0
    reason = item.discount.reason if item.discount else ""
    return PricedLine(item, gross, off, reason, gross - off)


def _spread(lines: list[PricedLine], discount: Discount) -> list[PricedLine]:
    """Share a cart discount over lines in proportion to their totals (largest remainder)."""
    base = sum(line.total for line in lines)
    off = discount.off(base)
    if not off:
        return lines
    shares = [(off * line.total) // base for line in lines]
    rests = sorted(range(len(lines)), key=lambda i: (-((off * lines[i].total) % base), i))
    for i in rests[: off - sum(shares)]:
        shares[i] += 1
    return [
        replace(
            line,
            discount=line.discount + share,
            discount_reason=line.discount_reason or discount.reason,
            total=line.total - share,
            share=share,
        )
        for line, share in zip(lines, shares, strict=True)
    ]


def check_discount(discount: Discount | None, base: int) -> None:
    """Refuse a discount in euros above what it applies to (never silently capped)."""
    if discount and discount.kind == "amount" and discount.value > base:
        raise InvalidInput(
            N_(
                "La remise (%(discount)s) dépasse ce à quoi elle s'applique (%(base)s) : "
                "tapez un montant plus petit."
            ),
            field="value",
            discount=format_eur(discount.value),
            base=format_eur(base),
        )


@dataclass(frozen=True)
class Change:
    """What differs between the cart a member saw and the cart as it would be charged now:
    a unit price (`price`), the lines themselves (`lines`: another tab or device), the total."""

    kind: str  # price | lines | total
    product_id: int | None = None
    name: str = ""
    before: int = 0
    after: int = 0


def shown(cart: PricedCart | None) -> str:
    """What a member sees of a cart, as its payment buttons carry it back:
    "total;product:quantity:unit price,…"."""
    if cart is None:
        return "0;"
    lines = ",".join(
        f"{ln.item.product_id}:{ln.item.quantity}:{ln.item.unit_price}" for ln in cart.lines
    )
    return f"{cart.total};{lines}"


def changes_since(seen: str, cart: PricedCart | None) -> list[Change]:
    """How the cart as it would be charged now differs from what was shown (`shown()`)."""
    try:
        total, lines = _read_shown(seen)
    except ValueError:
        return [Change("lines")]
    now = [
        (ln.item.product_id, ln.item.quantity, ln.item.unit_price)
        for ln in (cart.lines if cart else ())
    ]
    prices = {pid: unit for pid, _q, unit in lines}
    found = [
        Change("price", product_id=pid, name=_name_of(cart, pid), before=prices[pid], after=unit)
        for pid, _q, unit in now
        if pid in prices and prices[pid] != unit
    ]
    if [(p, q) for p, q, _u in lines] != [(p, q) for p, q, _u in now]:
        found.append(Change("lines"))
    now_total = cart.total if cart else 0
    if not found and total != now_total:
        found.append(Change("total", before=total, after=now_total))
    return found


def _read_shown(seen: str) -> tuple[int, list[tuple[int, int, int]]]:
    total, sep, rest = (seen or "").partition(";")
    if not sep:
        raise ValueError(seen)
    lines = []
    for part in filter(None, rest.split(",")):
        pid, quantity, unit = (int(v) for v in part.split(":"))
        lines.append((pid, quantity, unit))
    return int(total), lines


def _name_of(cart: PricedCart | None, product_id: int) -> str:
    return next((ln.item.name for ln in cart.lines if ln.item.product_id == product_id), "")


def settle(total: int, payments: list[Payment]) -> int:
    """Check the payments against the total and return the change (only cash gives change)."""
    for p in payments:
        if not accepts(p.method):  # registered and still offered
            raise InvalidInput(N_("Moyen de paiement inconnu."), field="payments")
        if p.amount <= 0:
            raise PaymentMismatch(
                N_("Chaque paiement doit être un montant positif."), field="payments"
            )
    paid = sum(p.amount for p in payments)
    cash = sum(p.amount for p in payments if may_exceed(p.method))
    if paid < total:
        raise PaymentMismatch(
            N_("Le paiement ne couvre pas le total : il manque encore de l'argent."),
            field="payments",
        )
    change = paid - total
    if change > cash:
        raise PaymentMismatch(
            N_("Seules les espèces peuvent dépasser le total (pour rendre la monnaie)."),
            field="payments",
        )
    return change


def merge_payments(payments: list[Payment]) -> list[Payment]:
    """One payment per method, in the order first given."""
    merged: dict[str, int] = {}
    for p in payments:
        merged[p.method] = merged.get(p.method, 0) + p.amount
    return [Payment(m, a) for m, a in merged.items()]
