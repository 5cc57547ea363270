"""Money: parsing French amounts, formatting, and the exact VAT split."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.money import (
    InvalidAmount,
    div_round,
    format_eur,
    listed_rate,
    parse_amount,
    parse_rate,
    rate_to_api,
    split_vat,
    to_api,
    to_decimal,
    vat_table,
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12,50", 1250),
        ("12.50", 1250),
        ("12", 1200),
        (" 7,5 ", 750),
        ("0", 0),
        ("1 234,56", 123456),
        ("3,00 €", 300),
        (Decimal("4.2"), 420),
    ],
)
def test_parse_amount_accepts_french_and_english_decimals(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "-3", "12,505", "1,2,3", "1e3", "12..5", None, "∞"])
def test_parse_amount_refuses_what_is_not_money(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text)


def test_rates_are_basis_points():
    assert [parse_rate(r) for r in ("5,5", "10", "20", "0", "5.5 %")] == [550, 1000, 2000, 0, 550]


@pytest.mark.parametrize(
    ("text", "rate"),
    [("5,5", 550), ("20", 2000), ("5.5 %", 550), ("7", None), ("", None), ("abc", None)],
)
def test_a_form_s_rate_must_be_one_the_coop_uses(text, rate):
    # one rule for every form that picks a VAT rate (a product, an expense)
    assert listed_rate(text, [550, 1000, 2000]) == rate


def test_money_is_shown_the_french_way():
    assert format_eur(1250) == "12,50\xa0€"
    assert format_eur(123456).replace("\u202f", " ").replace("\xa0", " ") == "1 234,56 €"
    assert format_eur(1250, "en_GB") == "€12.50"
    assert to_api(-150) == "-1.50"


@given(st.integers(-(10**12), 10**12))
def test_api_amounts_are_the_decimals_exactly(cents):
    """The API's strings, written by integer arithmetic, are those of the Decimal amount."""
    assert to_api(cents) == str(to_decimal(cents))
    assert Decimal(rate_to_api(cents)) == Decimal(cents) / 100


def test_api_amount_examples():
    assert [to_api(c) for c in (0, 5, -5, 100, 123456)] == [
        "0.00",
        "0.05",
        "-0.05",
        "1.00",
        "1234.56",
    ]
    assert [rate_to_api(r) for r in (550, 2000, 0)] == ["5.50", "20.00", "0.00"]


def test_vat_split_worked_example():
    line = split_vat(1000, 550)
    assert (line.base, line.vat) == (948, 52)
    assert split_vat(1250, 2000).base == 1042


@given(total=st.integers(-(10**9), 10**9), rate=st.sampled_from([0, 210, 550, 1000, 2000]))
def test_vat_split_is_exact_and_closest(total, rate):
    line = split_vat(total, rate)
    assert line.base + line.vat == total
    exact = Decimal(total) * 10000 / (10000 + rate)
    assert abs(Decimal(line.base) - exact) <= Decimal("0.5")


@given(st.dictionaries(st.sampled_from([550, 1000, 2000]), st.integers(0, 10**7)))
def test_vat_table_one_line_per_rate_in_order(totals):
    table = vat_table(totals)
    assert [v.rate for v in table] == sorted(totals)
    assert sum(v.total for v in table) == sum(totals.values())


@given(st.integers(-(10**6), 10**6), st.integers(1, 10**4))
def test_div_round_is_half_away_from_zero(n, d):
    exact = Decimal(n) / Decimal(d)
    q = div_round(n, d)
    assert abs(Decimal(q) - exact) <= Decimal("0.5")
    if abs(Decimal(q) - exact) == Decimal("0.5"):
        assert abs(q) > abs(exact)
