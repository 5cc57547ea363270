"""The pricing helper's inputs as members type them, and category markdowns.

Pure checks (no Flask, no SQL) in front of ``pos.pricing``: cost, VAT rate and one of taux de
marge, taux de marque or price TTC become a ``PriceSheet``; a markdown form becomes a percent and
a start time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pos import clock, pricing
from pos.forms import Checked
from pos.i18n import N_
from pos.money import InvalidAmount, parse_amount, parse_rate
from pos.numbers import is_digits

MODES = ("markup", "margin", "price")  # taux de marge, taux de marque, price TTC
_PERCENT = re.compile(r"^-?\d{1,4}([.,]\d{1,2})?$")


def parse_percent(text: str) -> int | None:
    """ "150", "37,5" or "-20 %" as basis points (15000, 3750, -2000), or None."""
    raw = str(text or "").replace("%", "").replace(" ", "").replace("\u00a0", "")
    if not _PERCENT.match(raw):
        return None
    whole, _, cents = raw.replace(",", ".").partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((cents + "00")[:2]))


def check_helper(form: dict, *, vat_rates: list[int]) -> Checked:
    """The helper form: unit cost HT, VAT rate, mode and the value typed for that mode."""
    out = Checked()
    try:
        out.values["cost"] = parse_amount(str(form.get("cost", "")))
    except InvalidAmount:
        out.errors["cost"] = N_("Indiquez le coût unitaire HT, par exemple 4,00.")
    try:
        out.values["vat"] = parse_rate(str(form.get("vat", "")))
    except InvalidAmount:
        out.values["vat"] = -1
    if out.values["vat"] not in vat_rates:
        out.errors["vat"] = N_("Choisissez un taux de TVA de la liste.")
    mode = str(form.get("mode", "markup"))
    out.values["mode"] = mode if mode in MODES else "markup"
    raw = str(form.get("value", "")).strip()
    if out.values["mode"] == "price":
        try:
            out.values["value"] = parse_amount(raw)
        except InvalidAmount:
            out.errors["value"] = N_("Indiquez un prix TTC, par exemple 11,00.")
    else:
        out.values["value"] = parse_percent(raw)
        if out.values["value"] is None:
            out.errors["value"] = N_("Indiquez un taux en %, par exemple 150.")
    try:
        out.values["step"] = parse_amount(str(form.get("step") or "0,10"))
    except InvalidAmount:
        out.values["step"] = 0
    if out.values["step"] not in pricing.SIGN_STEPS:
        out.errors["step"] = N_("Choisissez un arrondi de 0,10 €, 0,50 € ou 1,00 €.")
    return out


def sheet_for(values: dict, fixed_costs: int) -> pricing.PriceSheet:
    """The price sheet the checked helper values ask for (may raise InvalidPricing)."""
    cost, vat, value = values["cost"], values["vat"], values["value"]
    if values["mode"] == "markup":
        return pricing.from_markup(cost, vat, value, fixed_costs)
    if values["mode"] == "margin":
        return pricing.from_margin_rate(cost, vat, value, fixed_costs)
    return pricing.from_price_ttc(cost, vat, value, fixed_costs)


def parse_start(text: str) -> str | None:
    """A local "2025-06-01T14:00" (or blank: now) as the UTC ISO time markdowns compare."""
    raw = str(text or "").strip()
    if not raw:
        return clock.now().isoformat(timespec="microseconds")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.LOCAL)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def check_markdown(form: dict, *, categories: set[int]) -> Checked:
    """A category markdown: which category, how much off (1 to 100 %), from when."""
    out = Checked()
    raw = str(form.get("category_id", "")).strip()
    if not is_digits(raw) or int(raw) not in categories:
        out.errors["category_id"] = N_("Choisissez une catégorie.")
    out.values["category_id"] = int(raw) if is_digits(raw) else None
    percent = parse_percent(form.get("percent", ""))
    if percent is None or not 0 < percent <= 10000:
        out.errors["percent"] = N_("Indiquez une démarque entre 1 et 100 %, par exemple 30.")
    out.values["percent"] = percent
    out.values["starts_at"] = parse_start(form.get("starts_at", ""))
    if out.values["starts_at"] is None:
        out.errors["starts_at"] = N_("Indiquez une date et une heure, par exemple dimanche 14:00.")
    return out
