"""A payment as the sell screen's buttons send it: the methods and amounts it names, what is
still due while a split is typed, and the words for a cart changed since it was shown."""

from __future__ import annotations

from flask_babel import gettext as _

from pos.cart import Change, Payment
from pos.errors import InvalidInput
from pos.money import InvalidAmount, parse_amount
from pos.payment_methods import METHODS, accepts, may_exceed
from pos.web import eur

SPLIT_METHODS = METHODS  # the registry (pos.payment_methods), read live


def payments(method: str, form, total: int) -> list[Payment]:
    """The payments a button names: a banknote ("note:20"), cash typed on the keypad, the exact
    total by one method, or a split panel's amounts."""
    if method.startswith("note:"):  # a banknote button: "note:20"
        return [Payment("cash", amount(method[5:]))]
    if method == "note":
        return [Payment("cash", amount(form.get("tendered")))]
    if method == "exact":
        return [Payment("cash", total)] if total else []
    if accepts(method) and not may_exceed(method):  # one method, the exact total
        return [Payment(method, total)] if total else []
    if method == "split":
        found = []
        for m in SPLIT_METHODS:
            raw = form.get(f"amount_{m}", "").strip()
            if raw:
                found.append(Payment(m, amount(raw)))
        return [p for p in found if p.amount]
    raise InvalidInput(_("Choisissez un moyen de paiement."))


def amount(raw: str | None) -> int:
    """An amount typed by a member, in cents; a clear French refusal if it cannot be read."""
    try:
        return parse_amount(raw)
    except InvalidAmount as exc:
        raise InvalidInput(
            _("Montant illisible : tapez par exemple 12,50."), field="amount"
        ) from exc


def due(form, total: int) -> dict:
    """What remains due (or comes back as change) for the split amounts typed so far."""
    paid, bad = 0, False
    for m in SPLIT_METHODS:
        raw = (form.get(f"amount_{m}") or "").strip()
        if raw:
            try:
                paid += parse_amount(raw)
            except InvalidAmount:
                bad = True
    return {
        "total": total,
        "paid": paid,
        "left": max(total - paid, 0),
        "change": max(paid - total, 0),
        "bad": bad,
    }


def change_text(change: Change) -> str:
    """One change between the cart shown and the cart as it would be charged, in words."""
    if change.kind == "price":
        return _(
            "Le prix de %(name)s a changé : %(before)s → %(after)s.",
            name=change.name,
            before=eur(change.before),
            after=eur(change.after),
        )
    if change.kind == "total":
        return _(
            "Le total a changé : %(before)s → %(after)s.",
            before=eur(change.before),
            after=eur(change.after),
        )
    return _("Ce panier a changé dans un autre onglet ou sur un autre appareil.")
