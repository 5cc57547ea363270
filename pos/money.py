"""Money: integer cents inside, Decimal and French text at the edges.

Amounts are stored and computed as integer cents; VAT rates as integer
basis points (5.5 % -> 550) so that no float ever touches money.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from babel.numbers import format_currency, format_decimal

CENT = Decimal("0.01")
_AMOUNT = re.compile(r"^[+-]?\d{1,9}([.,]\d{1,2})?$", re.ASCII)
_RATE = re.compile(r"^\d{1,2}([.,]\d{1,2})?$", re.ASCII)


class InvalidAmount(ValueError):
    """The text is not an amount of money in euros."""


def parse_amount(text: str | int | Decimal | None, *, allow_negative: bool = False) -> int:
    """Turn "12,50", "12.50", "12" or Decimal("12.5") into cents (1250)."""
    if text is None:
        raise InvalidAmount("empty")
    raw = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    if not _AMOUNT.match(raw):
        raise InvalidAmount(raw)
    cents = int((Decimal(raw.replace(",", ".")) * 100).to_integral_value(ROUND_HALF_UP))
    if cents < 0 and not allow_negative:
        raise InvalidAmount(raw)
    return cents


def parse_rate(text: str | int | Decimal) -> int:
    """Turn a VAT or discount rate such as "5,5" or "20" (percent) into basis points."""
    raw = str(text).strip().replace("%", "").replace(" ", "")
    if not _RATE.match(raw):
        raise InvalidAmount(raw)
    try:
        return int(Decimal(raw.replace(",", ".")) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the regex already checked
        raise InvalidAmount(raw) from exc


def listed_rate(text: str | int, rates: Iterable[int]) -> int | None:
    """The VAT rate a form picked ("5,5"), in basis points, when it is one of `rates`; else None."""
    try:
        rate = parse_rate(text)
    except InvalidAmount:
        return None
    return rate if rate in rates else None


def to_decimal(cents: int) -> Decimal:
    """Cents as a Decimal in euros with two places (1250 -> Decimal("12.50"))."""
    return (Decimal(cents) / 100).quantize(CENT)


def to_api(cents: int) -> str:
    """Cents as the API's decimal string with two places ("12.50"), as str(to_decimal(c))
    writes it, by integer arithmetic (the API's answers carry a dozen amounts each)."""
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units}.{rest:02d}"


def form_text(cents: int | None) -> str:
    """An amount as a member types it into a form: "12,50" ("" for none)."""
    return "" if cents is None else str(to_decimal(cents)).replace(".", ",")


def rate_form_text(bp: int) -> str:
    """A rate as a member types it into a form: "5,5" (basis points 550)."""
    return str(rate_to_decimal(bp)).replace(".", ",")


def rate_to_decimal(bp: int) -> Decimal:
    """Basis points as a percent Decimal (550 -> Decimal("5.5"))."""
    value = Decimal(bp) / 100
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def rate_to_api(bp: int) -> str:
    """Basis points as the API's percent string with two places ("5.50")."""
    return to_api(bp)  # basis points are hundredths of a percent as cents are of a euro


MINUS = "\u2212"  # the one minus sign of every amount people read (screens and paper)


@functools.lru_cache(maxsize=4096)  # a screen shows the same few prices again and again
def format_eur(cents: int, locale: str = "fr_FR") -> str:
    """Cents shown the local way: "12,50 €" in French, "€12.50" in English; "−3,50 €" below 0."""
    text = format_currency(to_decimal(abs(cents)), "EUR", locale=locale)
    return MINUS + text if cents < 0 else text


def signed(count: int) -> str:
    """A change of a count as people read it: "+3", "−2" (the minus sign, U+2212), "0"."""
    return f"+{count}" if count > 0 else f"{MINUS}{-count}" if count < 0 else "0"


def format_rate(bp: int, locale: str = "fr_FR") -> str:
    """A rate shown the local way: "5,5 %" in French."""
    return format_decimal(rate_to_decimal(bp), locale=locale) + "\u00a0%"


def div_round(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (the usual commercial rounding)."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def percent_of(cents: int, bp: int) -> int:
    """A percentage (in basis points) of an amount, rounded to the cent."""
    return div_round(cents * bp, 10000)


@dataclass(frozen=True)
class VatLine:
    """One VAT rate's share of a total: base (HT) + vat = total (TTC), exactly."""

    rate: int
    base: int
    vat: int
    total: int


def split_vat(total: int, rate: int) -> VatLine:
    """Split a price including VAT into base and VAT so that base + vat == total.

    Rule: the base is total / (1 + rate) rounded half away from zero to the cent;
    the VAT is what remains. Applied once per rate to the rate's total, never per line.
    """
    base = div_round(total * 10000, 10000 + rate)
    return VatLine(rate=rate, base=base, vat=total - base, total=total)


def vat_table(totals_by_rate: dict[int, int]) -> list[VatLine]:
    """The VAT table of a sale or report: one exact split per rate, rates ascending."""
    return [split_vat(total, rate) for rate, total in sorted(totals_by_rate.items())]


def allocate(target: int, exacts: Sequence[Fraction]) -> list[int]:
    """Round exact parts to cents adding up to target: floors, then +1 to the largest remainders.

    The one rounding rule for sharing an already rounded amount (a rate's HT over its lines or
    its sales accounts, a result over members). Ties go to the first part. target must lie
    within [sum of floors, sum of floors + count], as any rounding of the exacts' sum does.
    """
    parts = [math.floor(x) for x in exacts]
    extra = target - sum(parts)
    if not 0 <= extra <= len(parts):
        raise ValueError(f"cannot allocate {target} over {len(parts)} parts")
    ranked = sorted(range(len(parts)), key=lambda i: (-(exacts[i] - parts[i]), i))
    for index in ranked[:extra]:
        parts[index] += 1
    return parts


def exact_base(total: int, rate: int) -> Fraction:
    """The exact HT (unrounded) of a TTC amount at a rate in basis points."""
    return Fraction(total * 10_000, 10_000 + rate)
