"""Coop settings: what the animator sets once (identity, VAT regime, receipt, goals)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pos.clock import is_zone
from pos.fec import account_defaults
from pos.i18n import N_, Message, message_of
from pos.money import InvalidAmount, parse_amount, parse_rate
from pos.numbers import is_digits
from pos.orders import ORDER_FORMS, check_order_settings

DEFAULTS: dict[str, str] = {
    "brand": "",
    "legal_name": "",
    "address": "",
    "siret": "",
    "vat_number": "",
    "vat_franchise": "0",
    "receipt_footer": "Merci et à bientôt !",
    "sales_goal": "0",
    # The week's accounts and profit sharing (pos.accounts, pos.shares, pos.web.accounts).
    "week_start": "",  # YYYY-MM-DD; empty: the day the till first opened
    "share_rule": "equal",  # equal | hours | mix, as the members chose
    "share_kept_back": "0",  # basis points kept back for the coop
    "share_hours_weight": "5000",  # basis points shared by hours under "mix"
    # FEC account numbers (ask the CAE): pos.fec.ACCOUNT_SETTINGS, the payment methods' from
    # their registry (pos.payment_methods), so `defaults()` adds a method registered later.
    **account_defaults(),
    "exercise_end": "",  # YYYY-MM-DD: the legal FEC name only for an export ending there
    "fec_encoding": "utf-8",  # or iso-8859-15
    "stock_in_result": "0",  # "1": unsold stock enters the result (variation, 7135)
    "vat_rates": "550,1000,2000,0",
    "idle_minutes": "15",
    "undo_minutes": "5",
    "language": "fr",
    "printer_url": "",
    "paper_width": "",
    "drawer_on_cash": "0",
    "receipt_qr": "",
    # Orders (pos.orders): the public page is off by default; delays and caps (ask the coop).
    "orders_public": "0",
    "orders_public_url": "",  # the page's address for customers (QR on receipts, flyer)
    "orders_expire_hours": "48",  # an uncollected order expires (0: never)
    "orders_max_quantity": "10",  # public page: at most this many of each product per order
    "orders_per_hour": "3",  # public page: orders per address and hour
    "cash_difference_threshold": "200",
    # Cashing up (pos.till): blind count unless shown; members allowed to close the Z (ids).
    "show_expected_cash": "0",
    "z_closers": "",
    "backup_dir": "",
    "backup_keep": "10",
    "clock_offset": "0",
    "timezone": "Europe/Paris",  # the coop's zone: every moment people read (pos.clock)
    "receipt_logo": "",
    "stall_fee": "0",
    "target_pay": "0",
    "cae_contribution": "0",
}
# The week's fixed costs (cents), summed for the break-even point of the pricing helper.
FIXED_COSTS = ("stall_fee", "target_pay", "cae_contribution")

PAPER_WIDTHS = ("", "32", "42", "48")  # "": the width the printer URL gives
_SIRET = re.compile(r"^\d{14}$", re.ASCII)
_ACCOUNT = re.compile(r"^[0-9][0-9A-Z]{2,11}$")


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def siret_is_valid(siret: str) -> bool:
    """A SIRET is 14 digits passing the Luhn check, and so does its SIREN (its first 9).

    La Poste's own SIRETs (SIREN 356000000) follow their own rule: digits adding up to a
    multiple of 5.
    """
    digits = siret.replace(" ", "")
    if not _SIRET.match(digits) or not _luhn(digits[:9]):
        return False
    if digits.startswith("356000000"):
        return sum(int(d) for d in digits) % 5 == 0
    return _luhn(digits)


def defaults() -> dict[str, str]:
    """Every setting's default, with the account of each payment method registered by now."""
    return {**DEFAULTS, **account_defaults()}


def vat_rates(settings: dict[str, str]) -> list[int]:
    """The VAT rates (basis points) offered for products."""
    return [int(r) for r in settings.get("vat_rates", DEFAULTS["vat_rates"]).split(",") if r]


@dataclass(frozen=True)
class Checked:
    """Cleaned values and the French message for each field that is wrong."""

    values: dict[str, str]
    errors: dict[str, str]


_RATE_ACCOUNT = re.compile(r"account_vat_\d{1,4}", re.ASCII)  # one per configured VAT rate


def _is_account(value: str) -> bool:
    return bool(_ACCOUNT.match(value))


# Set by Étal itself, never by a form: the clock correction (pos.clock_window) and the logo.
INTERNAL = ("clock_offset", "receipt_logo")
TEXT_LIMIT = 500


def _cents(value: str) -> bool:
    return is_digits(value)


def _day_or_empty(value: str) -> bool:
    from pos.numbers import parse_day

    try:
        return value == "" or bool(parse_day(value))
    except ValueError:
        return False


def _offset(value: str) -> bool:
    from pos.clock_window import stored_offset

    return stored_offset(value) != 0 or value.strip() in ("0", "0.000", "")


def _basis_points(value: str) -> bool:
    return is_digits(value, 5) and int(value) <= 10000


def _rates(value: str) -> bool:
    return all(_basis_points(r) for r in value.split(",") if r) and bool(value)


# How each stored setting must read; a stored value that does not is replaced by its default
# when read (`readable`), so that no setting can stop the server or a page.
STORED_FORMS = {
    "vat_franchise": lambda v: v in ("0", "1"),
    "drawer_on_cash": lambda v: v in ("0", "1"),
    "sales_goal": _cents,
    "stall_fee": _cents,
    "target_pay": _cents,
    "cae_contribution": _cents,
    "cash_difference_threshold": _cents,
    "week_start": _day_or_empty,
    "share_rule": lambda v: v in ("equal", "hours", "mix"),
    "share_kept_back": _basis_points,
    "share_hours_weight": _basis_points,
    "vat_rates": _rates,
    "idle_minutes": lambda v: is_digits(v, 3) and 1 <= int(v) <= 240,
    "undo_minutes": lambda v: is_digits(v, 3) and 1 <= int(v) <= 240,
    "language": lambda v: v in ("fr", "en"),
    "paper_width": lambda v: v in PAPER_WIDTHS,
    "backup_keep": lambda v: is_digits(v, 4) and int(v) <= 1000,
    "clock_offset": _offset,
    **{key: (lambda v: bool(_ACCOUNT.match(v))) for key in DEFAULTS if key.startswith("account_")},
    **ORDER_FORMS,
}


def readable(stored: dict[str, str]) -> dict[str, str]:
    """The settings as pages may use them: unknown keys dropped, unreadable values defaulted."""
    values = defaults()
    for key, value in stored.items():
        known = key in values or _RATE_ACCOUNT.fullmatch(key)
        if not known or not isinstance(value, str) or len(value) > 4 * TEXT_LIMIT:
            continue
        form = STORED_FORMS.get(key) or (_is_account if key.startswith("account_") else None)
        if form is None or form(value):
            values[key] = value
    return values


def check_settings(form: dict[str, str]) -> Checked:
    """Validate the settings form; keep what was typed, say what is wrong per field.

    Only the keys a form may set are taken (never the clock correction nor the logo), each
    checked; a value that passes is stored in the form `readable` expects.
    """
    values = {
        key: str(form.get(key, "")).strip()
        for key in defaults()
        if key in form and key not in INTERNAL
    }
    for key in form:  # the VAT account of any configured rate (account_vat_210...)
        if _RATE_ACCOUNT.fullmatch(key) and str(form[key]).strip():
            values[key] = str(form[key]).strip()
    errors: dict[str, str] = {}
    for key, value in values.items():
        if len(value) > TEXT_LIMIT:
            errors[key] = Message(N_("Texte trop long : %(n)s caractères au plus."), n=TEXT_LIMIT)
    if "brand" in values and not values["brand"]:
        errors["brand"] = N_("Donnez un nom de marque.")
    if "legal_name" in values and not values["legal_name"]:
        errors["legal_name"] = N_("Indiquez le nom de la CAE.")
    siret = values.get("siret", "").replace(" ", "")
    if "siret" in values:
        if not siret_is_valid(siret):
            errors["siret"] = N_("Le SIRET doit compter 14 chiffres valides.")
        values["siret"] = siret
    values["vat_franchise"] = "1" if form.get("vat_franchise") in ("1", "on", "true") else "0"
    if "backup_keep" in values and not (
        is_digits(values["backup_keep"]) and int(values["backup_keep"]) <= 1000
    ):
        errors["backup_keep"] = N_("Indiquez un nombre de copies entre 0 et 1000.")
    if "cash_difference_threshold" in values:
        try:
            values["cash_difference_threshold"] = str(
                parse_amount(values["cash_difference_threshold"] or "0")
            )
        except InvalidAmount:
            errors["cash_difference_threshold"] = N_("Indiquez un montant, par exemple 2,00.")
    if "cash_difference_threshold" in form:  # the till part of the form: an absent box is "no"
        values["show_expected_cash"] = "1" if form.get("show_expected_cash") in ("1", "on") else "0"
        ids = str(form.get("z_closers", "")).split(",")
        values["z_closers"] = ",".join(sorted({i.strip() for i in ids if is_digits(i.strip())}))
    if values.get("exercise_end"):
        try:
            date.fromisoformat(values["exercise_end"])
        except ValueError:
            errors["exercise_end"] = N_("Date illisible : utilisez le calendrier (AAAA-MM-JJ).")
    if values.get("fec_encoding", "utf-8") not in ("utf-8", "iso-8859-15"):
        errors["fec_encoding"] = N_("Choisissez UTF-8 ou ISO-8859-15.")
    for key in [k for k in values if k.startswith("account_")]:
        values[key] = values[key].replace(" ", "").upper()
        if not _ACCOUNT.match(values[key]):
            errors[key] = N_("Un numéro de compte : 3 à 12 chiffres (ex. : 5115).")
    if "timezone" in values and not is_zone(values["timezone"]):
        errors["timezone"] = N_("Indiquez un fuseau horaire, par exemple Europe/Paris.")
    for key in ("idle_minutes", "undo_minutes"):
        if key in values and not (is_digits(values[key]) and 1 <= int(values[key]) <= 240):
            errors[key] = N_("Indiquez un nombre de minutes entre 1 et 240.")
    for key in FIXED_COSTS:
        if key in values:
            try:
                values[key] = str(parse_amount(values[key] or "0"))
            except InvalidAmount:
                errors[key] = N_("Indiquez un montant, par exemple 45,00 (ou 0).")
    if "sales_goal" in values:
        try:
            values["sales_goal"] = str(parse_amount(values["sales_goal"] or "0"))
        except InvalidAmount:
            errors["sales_goal"] = N_("Indiquez un montant, par exemple 1500 ou 1500,00.")
    if "vat_rates" in values:
        try:
            rates = sorted({parse_rate(r) for r in values["vat_rates"].split(";") if r.strip()})
            values["vat_rates"] = ",".join(str(r) for r in rates)
        except InvalidAmount:
            errors["vat_rates"] = N_(
                "Séparez les taux par des points-virgules : 5,5 ; 10 ; 20 ; 0."
            )
    _check_printing(form, values, errors)
    check_order_settings(form, values, errors)
    if values.get("backup_dir"):
        from pos.backup_folder import folder_refusal

        refused = folder_refusal(values["backup_dir"])
        if refused:
            errors["backup_dir"] = refused
    for key, value in values.items():  # whatever no rule above refused must still read back
        check = STORED_FORMS.get(key)
        if key not in errors and check is not None and not check(value):
            errors[key] = N_("Valeur invalide pour ce réglage.")
    return Checked(values, errors)


def _check_printing(form: dict[str, str], values: dict[str, str], errors: dict[str, str]) -> None:
    """The printer URL must parse; the paper width is one a receipt printer has."""
    from pos.printer_urls import device_refusal
    from pos.printing import InvalidPrinterUrl, parse_printer_url

    if values.get("printer_url"):
        try:
            config = parse_printer_url(values["printer_url"])
            values["printer_url"] = config.url
        except InvalidPrinterUrl as exc:
            errors["printer_url"] = message_of(exc)  # shown in the member's language
        else:
            refused = config.kind in ("serial", "file") and device_refusal(config.target)
            if refused:
                errors["printer_url"] = refused
    if values.get("paper_width", "") not in PAPER_WIDTHS:
        errors["paper_width"] = N_("Choisissez 32 (58 mm), 42 ou 48 (80 mm) caractères.")
    if "printer_url" in form:  # the printing part of the form was sent: an absent box is "no"
        values["drawer_on_cash"] = "1" if form.get("drawer_on_cash") in ("1", "on", "true") else "0"
    if len(values.get("receipt_qr", "")) > 300:
        errors["receipt_qr"] = N_("Le texte du QR code doit tenir en 300 caractères.")
