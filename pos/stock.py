"""Stock and expenses as members type them: batches, write-offs, inventory counts, receipts.

Pure checks over plain dicts (no Flask, no SQL): each returns the cleaned values and the French
message for each wrong field, so a form can be shown again with what was typed kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pos import images
from pos.forms import Checked
from pos.i18n import N_
from pos.money import InvalidAmount, listed_rate, parse_amount
from pos.numbers import is_digits, parse_day

EXPENSE_CATEGORIES = ("materials", "stall_fee", "transport", "communication", "other")
PAID_FROM = ("till", "bank", "member")
WRITE_OFF_KINDS = ("loss", "gift")
MAX_UNITS = 100_000
TEXT_MAX = 200
PHOTO_MAX_PX = 1600
_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class StockFigures:
    """One product's ledger summed by kind: what was made, sold, given back, lost, corrected."""

    produced: int  # opening stock + production batches
    sold: int
    refunded: int
    voided: int
    lost: int  # losses and gifts/tastings
    corrected: int  # inventory corrections, signed

    @property
    def left(self) -> int:
        """Produced − sold + refunded + voided − lost ± corrections."""
        return self.produced - self.sold + self.refunded + self.voided - self.lost + self.corrected


def parse_date(text: str) -> str | None:
    """ "2025-06-01" or "01/06/2025" as an ISO date, or None."""
    raw = str(text or "").strip()
    match = _FR_DATE.match(raw)
    if match:
        raw = f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}"
    try:  # this century only: no year 1, no year 9999
        return parse_day(raw).isoformat()
    except ValueError:
        return None


def parse_units(text: str, *, allow_zero: bool = False) -> int | None:
    """A whole number of units, or None."""
    raw = str(text or "").strip()
    if not is_digits(raw) or int(raw) > MAX_UNITS or (int(raw) == 0 and not allow_zero):
        return None
    return int(raw)


def _text(form: dict, key: str) -> str:
    return " ".join(str(form.get(key, "") or "").split())[:TEXT_MAX]


def _product(form: dict, products: set[int], out: Checked) -> None:
    raw = str(form.get("product_id", "")).strip()
    if not is_digits(raw) or int(raw) not in products:
        out.errors["product_id"] = N_("Choisissez un produit de la liste.")
    out.values["product_id"] = int(raw) if is_digits(raw) else None


def _units(form: dict, out: Checked, key: str = "quantity") -> None:
    units = parse_units(form.get(key, ""))
    if units is None:
        out.errors[key] = N_("Indiquez un nombre entier d'unités, par exemple 40.")
    out.values[key] = units


def _day(form: dict, key: str, today: str, out: Checked) -> None:
    raw = str(form.get(key, "") or "").strip()
    day = parse_date(raw) if raw else today
    if day is None:
        out.errors[key] = N_("Indiquez une date, par exemple 01/06/2025.")
    out.values[key] = day


def check_batch(form: dict, *, products: set[int], today: str) -> Checked:
    """A production batch: product, units made, date, materials used and what they cost (HT)."""
    out = Checked()
    _product(form, products, out)
    _units(form, out)
    _day(form, "made_on", today, out)
    out.values["materials"] = _text(form, "materials")
    raw = str(form.get("materials_cost", "") or "0").strip()
    try:
        out.values["materials_cost"] = parse_amount(raw)
    except InvalidAmount:
        out.errors["materials_cost"] = N_("Indiquez le coût des matières HT, par exemple 36,00.")
    out.values["update_cost"] = form.get("update_cost") in ("1", "on", "true")
    return out


def check_write_off(form: dict, *, products: set[int]) -> Checked:
    """A loss (breakage) or a gift (tasting): product, units and a reason."""
    out = Checked()
    _product(form, products, out)
    _units(form, out)
    kind = str(form.get("kind", ""))
    if kind not in WRITE_OFF_KINDS:
        out.errors["kind"] = N_("Choisissez « perte » ou « don / dégustation ».")
    out.values["kind"] = kind
    out.values["reason"] = _text(form, "reason")
    if not out.values["reason"]:
        out.errors["reason"] = N_("Indiquez la raison, par exemple « pot cassé au montage ».")
    return out


def check_inventory(form: dict, *, stocks: dict[int, int]) -> Checked:
    """An inventory: what was counted per product (blank: not counted) and one reason.

    ``values["counts"]`` keeps only the products whose count differs from the stock shown.
    """
    out = Checked()
    counts: dict[int, int] = {}
    for product_id, stock in stocks.items():
        raw = str(form.get(f"count_{product_id}", "") or "").strip()
        if not raw:
            continue
        counted = parse_units(raw, allow_zero=True)
        if counted is None:
            out.errors[f"count_{product_id}"] = N_("Indiquez un nombre entier, par exemple 12.")
        elif counted != stock:
            counts[product_id] = counted
    out.values["counts"] = counts
    out.values["reason"] = _text(form, "reason")
    if counts and not out.values["reason"]:
        out.errors["reason"] = N_("Expliquez les écarts, par exemple « inventaire du soir ».")
    return out


def check_expense(
    form: dict, *, vat_rates: list[int], today: str, member_ids: tuple[int, ...] = ()
) -> Checked:
    """A purchase or expense: supplier, date, amount TTC, VAT rate, category, who paid.

    A negative amount is a supplier's credit note. Advanced by a member: payer_id must be one
    of member_ids (the member who paid, whoever types it).
    """
    out = Checked()
    out.values["supplier"] = _text(form, "supplier")[:80]
    if not out.values["supplier"]:
        out.errors["supplier"] = N_("Indiquez le fournisseur, par exemple « Jardinerie du port ».")
    _day(form, "spent_on", today, out)
    try:
        out.values["total"] = parse_amount(str(form.get("total", "")), allow_negative=True)
        if not out.values["total"]:
            raise InvalidAmount("0")
    except InvalidAmount:
        out.errors["total"] = N_("Indiquez le montant TTC payé, par exemple 24,90.")
        out.values["total"] = None
    out.values["vat_rate"] = listed_rate(str(form.get("vat_rate", "")), vat_rates)
    if out.values["vat_rate"] is None:
        out.errors["vat_rate"] = N_("Choisissez le taux de TVA du ticket.")
    for key, choices, message in (
        ("category", EXPENSE_CATEGORIES, N_("Choisissez une catégorie de dépense.")),
        ("paid_from", PAID_FROM, N_("Indiquez qui a payé : la caisse, la banque ou un membre.")),
    ):
        out.values[key] = str(form.get(key, ""))
        if out.values[key] not in choices:
            out.errors[key] = message
    out.values["label"] = _text(form, "label")
    out.values["payer_id"] = None
    if out.values["paid_from"] == "member":
        raw = str(form.get("payer_id", "")).strip()
        if not is_digits(raw) or int(raw) not in member_ids:
            out.errors["payer_id"] = N_("Choisissez le membre qui a avancé la dépense.")
        else:
            out.values["payer_id"] = int(raw)
    return out


InvalidPhoto = images.InvalidImage


def reduce_photo(data: bytes, max_px: int = PHOTO_MAX_PX) -> bytes:
    """A photo turned upright, at most `max_px` on its longer side, as a JPEG."""
    return images.to_jpeg(data, max_px)
