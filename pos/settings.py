"""Coop settings: what the animator sets once (identity, VAT regime, receipt, goals)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pos.money import InvalidAmount, parse_amount, parse_rate

DEFAULTS: dict[str, str] = {
    "brand": "",
    "legal_name": "",
    "address": "",
    "siret": "",
    "vat_number": "",
    "vat_franchise": "0",
    "receipt_footer": "Merci et à bientôt !",
    "sales_goal": "0",
    "vat_rates": "550,1000,2000,0",
    "idle_minutes": "15",
    "undo_minutes": "5",
    "language": "fr",
}

_SIRET = re.compile(r"^\d{14}$")


def siret_is_valid(siret: str) -> bool:
    """A SIRET is 14 digits passing the Luhn check (La Poste's own SIRETs excepted)."""
    digits = siret.replace(" ", "")
    if not _SIRET.match(digits):
        return False
    if digits.startswith("356000000"):
        return sum(int(d) for d in digits) % 5 == 0
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def vat_rates(settings: dict[str, str]) -> list[int]:
    """The VAT rates (basis points) offered for products."""
    return [int(r) for r in settings.get("vat_rates", DEFAULTS["vat_rates"]).split(",") if r]


@dataclass(frozen=True)
class Checked:
    """Cleaned values and the French message for each field that is wrong."""

    values: dict[str, str]
    errors: dict[str, str]


def check_settings(form: dict[str, str]) -> Checked:
    """Validate the settings form; keep what was typed, say what is wrong per field."""
    values = {key: str(form.get(key, "")).strip() for key in DEFAULTS if key in form}
    errors: dict[str, str] = {}
    if "brand" in values and not values["brand"]:
        errors["brand"] = "Donnez un nom de marque."
    if "legal_name" in values and not values["legal_name"]:
        errors["legal_name"] = "Indiquez le nom de la CAE."
    siret = values.get("siret", "").replace(" ", "")
    if "siret" in values:
        if not siret_is_valid(siret):
            errors["siret"] = "Le SIRET doit compter 14 chiffres valides."
        values["siret"] = siret
    values["vat_franchise"] = "1" if form.get("vat_franchise") in ("1", "on", "true") else "0"
    for key in ("idle_minutes", "undo_minutes"):
        if key in values and not (values[key].isdigit() and 1 <= int(values[key]) <= 240):
            errors[key] = "Indiquez un nombre de minutes entre 1 et 240."
    if "sales_goal" in values:
        try:
            values["sales_goal"] = str(parse_amount(values["sales_goal"] or "0"))
        except InvalidAmount:
            errors["sales_goal"] = "Indiquez un montant, par exemple 1500 ou 1500,00."
    if "vat_rates" in values:
        try:
            rates = sorted({parse_rate(r) for r in values["vat_rates"].split(";") if r.strip()})
            values["vat_rates"] = ",".join(str(r) for r in rates)
        except InvalidAmount:
            errors["vat_rates"] = "Séparez les taux par des points-virgules : 5,5 ; 10 ; 20 ; 0."
    return Checked(values, errors)
