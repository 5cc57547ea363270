"""Strict number and date reading for everything a member or a stranger types or sends.

Python's `str.isdigit` says yes to "²" and "١٢٣" and `int` then fails or reads them; `int`
and `Decimal` read "1e300", "NaN" and "Infinity"; `date.fromisoformat` reads year 1. Here:
ASCII digits only, a bounded length, plausible days; anything else is refused (ValueError)
and the caller shows its own French message.
"""

from __future__ import annotations

import re
from datetime import date

MAX_DIGITS = 12  # 999 999 999 999: past any count, quantity, id or cent amount of a stall
_ANY_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[0-9]{1,9}(?:[.,][0-9]{1,4})?", re.ASCII)
_DAY = re.compile(r"(20[0-9]{2})-([0-9]{2})-([0-9]{2})", re.ASCII)


def is_digits(text: object, max_len: int = MAX_DIGITS) -> bool:
    """Whether `text` is 1 to 12 (or `max_len`) ASCII digits: what `str.isdigit` should mean."""
    if not isinstance(text, str) or not 1 <= len(text) <= max_len:
        return False
    return _ANY_DIGITS.fullmatch(text) is not None


def parse_int(text: object, *, low: int = 0, high: int = 10**MAX_DIGITS - 1) -> int:
    """An integer typed in ASCII digits (a leading minus when `low` < 0), within [low, high]."""
    raw = str(text).strip() if isinstance(text, str | int) and not isinstance(text, bool) else ""
    negative = raw.startswith("-") and low < 0
    if not is_digits(raw[1:] if negative else raw):
        raise ValueError(f"pas un nombre entier : {raw[:20]!r}")
    value = -int(raw[1:]) if negative else int(raw)
    if not low <= value <= high:
        raise ValueError(f"hors limites : {value}")
    return value


def query_int(text: str) -> int:
    """For `request.args.get(..., type=query_int)`: a bounded id or number, else ValueError."""
    return parse_int(text)


def is_decimal(text: object) -> bool:
    """Whether `text` is a plain decimal ("12", "12,5", "12.25"): no sign, exponent, NaN, ∞."""
    return isinstance(text, str) and _DECIMAL.fullmatch(text.strip()) is not None


def parse_day(text: object) -> date:
    """A day written YYYY-MM-DD, in this century (no year 1, no year 9999)."""
    match = _DAY.fullmatch(str(text).strip()) if isinstance(text, str | date) else None
    if isinstance(text, date):
        match = _DAY.fullmatch(text.isoformat())
    if match is None:
        raise ValueError(f"pas une date AAAA-MM-JJ : {str(text)[:20]!r}")
    return date(int(match[1]), int(match[2]), int(match[3]))
