"""The one strict reader of numbers and days (issue #15, item 8)."""

from datetime import date

import pytest

from pos.numbers import is_decimal, is_digits, parse_day, parse_int


@pytest.mark.parametrize("text", ["²", "١٢", "1²", " 1", "+1", "-1", "1e3", "", "9" * 13, None, 12])
def test_only_ascii_digits_are_digits(text):
    assert not is_digits(text)


def test_digits_and_bounds():
    assert is_digits("000123") and is_digits("9" * 14, 14)
    assert parse_int("-5", low=-10) == -5
    for bad, low, high in (("-5", 0, 10), ("11", 0, 10), ("NaN", 0, 10), (True, 0, 10)):
        with pytest.raises(ValueError):
            parse_int(bad, low=low, high=high)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-1", "1e300", "12,5,5", "", "１２"])
def test_decimals_are_plain(text):
    assert not is_decimal(text)


def test_days_are_of_this_century():
    assert parse_day("2026-06-02") == date(2026, 6, 2)
    for bad in ("0001-01-01", "9999-12-31", "2026-13-01", "soon", "2026-6-2", "٢٠٢٦-06-02"):
        with pytest.raises(ValueError):
            parse_day(bad)
