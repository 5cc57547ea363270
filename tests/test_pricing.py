"""Pricing: the arithmetic members learn, worked examples and round trips."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.money import split_vat
from pos.pricing import (
    InvalidPricing,
    PriceSheet,
    apply_markdown,
    break_even_units,
    fixed_costs,
    from_margin_rate,
    from_markup,
    from_price_ttc,
    sign_price,
    sign_prices,
    unit_cost,
    what_if,
)

BP = 10_000
costs = st.integers(min_value=1, max_value=1_000_000)
vats = st.sampled_from([0, 210, 550, 1000, 2000])


def test_course_example_from_markup():
    sheet = from_markup(400, 1000, 15000)
    assert sheet == PriceSheet(
        unit_cost=400,
        vat_rate=1000,
        price_ht=1000,
        price_ttc=1100,
        vat=100,
        margin_per_unit=600,
        taux_de_marge=15000,
        taux_de_marque=6000,
        coefficient=Decimal("2.75"),
        fixed_costs=0,
        break_even_units=0,
    )


def test_course_example_from_margin_rate_and_price_agree():
    assert from_margin_rate(400, 1000, 6000) == from_markup(400, 1000, 15000)
    assert from_price_ttc(400, 1000, 1100) == from_markup(400, 1000, 15000)


def test_coefficient_has_two_places():
    assert str(from_price_ttc(300, 550, 1000).coefficient) == "3.33"


def test_price_ttc_rounded_half_up_and_ht_from_split_vat():
    # 333 x 1.5 x 1.055 = 526.9725 cents -> 527; HT from the receipt split of 527 at 5.5 %
    sheet = from_markup(333, 550, 5000)
    assert sheet.price_ttc == 527
    assert sheet.price_ht == split_vat(527, 550).base == 500
    assert sheet.price_ht + sheet.vat == sheet.price_ttc


def test_break_even_on_sheet():
    sheet = from_markup(400, 1000, 15000, fixed_costs=10_000)
    assert sheet.break_even_units == 17  # 100 € / 6 € = 16.67 -> 17


@pytest.mark.parametrize(
    ("fixed", "margin", "units"),
    [(0, 600, 0), (600, 600, 1), (601, 600, 2), (5000, 0, None), (5000, -10, None)],
)
def test_break_even_units(fixed, margin, units):
    assert break_even_units(fixed, margin) == units


def test_selling_below_cost_shows_negative_rates():
    sheet = from_price_ttc(1000, 2000, 600)
    assert sheet.margin_per_unit == -500
    assert sheet.taux_de_marge == -5000
    assert sheet.taux_de_marque == -10000
    assert sheet.break_even_units is None


def test_free_price_and_free_cost_have_no_rates():
    assert from_price_ttc(400, 550, 0).taux_de_marque is None
    free = from_price_ttc(0, 550, 211)
    assert (free.taux_de_marge, free.coefficient, free.margin_per_unit) == (None, None, 200)


@pytest.mark.parametrize(
    ("materials", "units", "cost"),
    [(1000, 3, 333), (500, 3, 167), (5, 2, 3), (0, 4, 0), (2400, 24, 100)],
)
def test_unit_cost_rounds_half_up(materials, units, cost):
    assert unit_cost(materials, units) == cost


@pytest.mark.parametrize(
    "call",
    [
        lambda: unit_cost(100, 0),
        lambda: unit_cost(-1, 3),
        lambda: from_markup(0, 550, 5000),
        lambda: from_markup(-1, 550, 5000),
        lambda: from_markup(400, -550, 5000),
        lambda: from_markup(400, 550, -10001),
        lambda: from_margin_rate(400, 550, 10000),
        lambda: from_margin_rate(400, 550, 12000),
        lambda: from_price_ttc(400, 550, -1),
        lambda: from_price_ttc(400, 550, 500, fixed_costs=-1),
        lambda: fixed_costs(-1, 0, 0),
        lambda: apply_markdown(-1, 1000),
        lambda: apply_markdown(100, -1),
        lambda: break_even_units(-1, 10),
        lambda: what_if(500, 550, 200, -1, 0, 0, 0, 0),
    ],
)
def test_invalid_inputs_raise(call):
    with pytest.raises(InvalidPricing):
        call()


def test_fixed_costs_add_up():
    assert fixed_costs(3000, 40000, 5000) == 48000


@pytest.mark.parametrize(
    ("price", "percent", "after"),
    [(1000, 3000, 700), (250, 3333, 167), (199, 5000, 99), (1000, 10000, 0), (1000, 15000, 0)],
)
def test_apply_markdown(price, percent, after):
    assert apply_markdown(price, percent) == after


def test_what_if_worked_example():
    # 40 sold at 11 € (10 % VAT) = 400 € HT; costs 300 € spent; fixed 200 €; 30 left at 9,90 €
    projection = what_if(990, 1000, 400, 30, 40, 40000, 30000, 20000, revenue_so_far_ttc=44000)
    assert projection.revenue_left_ttc == 29700
    assert projection.revenue_left_ht == 27000
    assert projection.projected_revenue_ht == 67000
    assert projection.projected_revenue_ttc == 73700
    assert projection.projected_costs == 50000
    assert projection.projected_result == 17000
    assert projection.projected_units == 70
    # everything (goods made 300 € + fixed 200 €): 100 € still missing / 9 € HT = 11.1 -> 12
    assert projection.units_to_cover_all == 12
    assert projection.covers_all is True
    # the goods made (300 €) are covered already by the 400 € HT sold
    assert projection.units_to_cover_stock == 0
    # fixed costs only: 40 sold x (10 € - 4 €) = 240 € of margin >= 200 €: reached
    assert projection.units_to_break_even == 0
    assert projection.sheet.price_ht == 900 and projection.sheet.margin_per_unit == 500


def test_what_if_shortfall_and_free_price():
    short = what_if(500, 550, 300, 10, 0, 0, 20000, 0)
    assert short.covers_all is False and short.projected_result < 0
    assert short.units_to_cover_all == 43
    assert short.units_to_cover_stock == 43  # no fixed costs: both are the goods' cost
    assert short.units_to_break_even == 0  # no fixed costs: the break-even is nil
    assert short.projected_revenue_ttc is None
    assert what_if(0, 550, 300, 10, 0, 0, 100, 0).units_to_cover_all is None
    assert what_if(500, 550, 300, 10, 5, 5000, 100, 0).units_to_cover_all == 0


def test_what_if_break_even_is_about_fixed_costs_only():
    # What was seen: no fixed costs, 40 kokedamas made at 4 € HT, none sold, price 11 € TTC.
    # The sheet says break-even 0 units; the what-if must agree, and name the other figure.
    seen = what_if(1100, 1000, 400, 40, 0, 0, 40 * 400, 0)
    assert seen.sheet.break_even_units == 0
    assert seen.units_to_break_even == 0
    assert seen.units_to_cover_stock == 16  # 160 € of goods / 10 € HT a unit
    # With 150 € of fixed costs: 150 / (10 - 4) = 25 units, as on the sheet
    fixed = what_if(1100, 1000, 400, 40, 0, 0, 40 * 400, 15000)
    assert fixed.units_to_break_even == fixed.sheet.break_even_units == 25
    assert fixed.units_to_cover_stock == 16
    assert fixed.units_to_cover_all == 31  # (160 + 150) / 10 = 31
    # 10 already sold at 11 € (margin 60 €): 90 € of fixed costs left / 6 € = 15 more
    later = what_if(1100, 1000, 400, 30, 10, 10000, 40 * 400, 15000)
    assert later.units_to_break_even == 15
    # the share of fixed costs this product's margin pays if all its stock sells
    assert later.fixed_share_bp == 16000  # (400 € HT - 160 €) / 150 €
    assert what_if(1100, 1000, 400, 30, 10, 10000, 40 * 400, 0).fixed_share_bp is None
    # below cost: never, whatever the fixed costs still to cover
    assert what_if(300, 1000, 400, 30, 0, 0, 40 * 400, 15000).units_to_break_even is None


@pytest.mark.parametrize(
    ("price", "step", "sign"),
    [
        (222, 10, 220),
        (225, 10, 230),
        (222, 50, 200),
        (226, 50, 250),
        (222, 100, 200),
        (250, 100, 300),
        (1100, 50, 1100),
        (4, 10, 0),
        (1249, 50, 1250),
    ],
)
def test_sign_price_is_the_nearest_step(price, step, sign):
    assert sign_price(price, step) == sign


def test_sign_prices_show_what_rounding_does_to_margin_and_markup():
    # cost 1,00 € HT, VAT 5,5 %, taux de marge 110 % -> 2,22 € TTC, not a price for a sign
    exact = from_markup(100, 550, 11000)
    assert exact.price_ttc == 222
    signs = sign_prices(100, 550, 222, 10)
    assert signs.exact == exact
    assert (signs.below.price_ttc, signs.above.price_ttc) == (220, 230)
    assert signs.suggested == signs.below
    assert signs.suggested.taux_de_marge == 10900  # 2,09 € HT: 109 % instead of 110 %
    assert signs.suggested.taux_de_marque == 5215  # 1,09 / 2,09
    assert signs.above.taux_de_marge == 11800  # 2,18 € HT
    assert signs.exact.taux_de_marque == 5238  # 1,10 / 2,10
    assert (signs.margin_per_unit_change, signs.taux_de_marge_change) == (-1, -100)
    assert signs.taux_de_marque_change == -23
    on_step = sign_prices(100, 550, 250, 50)
    assert on_step.below == on_step.above == on_step.suggested == on_step.exact


@pytest.mark.parametrize("step", [0, 7, 20, 200, -10])
def test_sign_price_steps_are_10_50_or_100_cents(step):
    with pytest.raises(InvalidPricing):
        sign_price(222, step)


@given(st.integers(0, 1_000_000), st.sampled_from([10, 50, 100]))
def test_sign_price_is_within_half_a_step(price, step):
    sign = sign_price(price, step)
    assert sign % step == 0 and abs(sign - price) * 2 <= step


@given(costs, vats, st.integers(min_value=-BP, max_value=50 * BP))
def test_from_markup_price_is_the_exact_price_rounded(cost, vat, markup):
    sheet = from_markup(cost, vat, markup)
    exact_ttc = Fraction(cost * (BP + markup) * (BP + vat), BP * BP)
    assert abs(sheet.price_ttc - exact_ttc) <= Fraction(1, 2)
    assert abs(sheet.price_ht - Fraction(cost * (BP + markup), BP)) < 1
    assert sheet.price_ht + sheet.vat == sheet.price_ttc


@given(costs, vats, st.integers(min_value=-BP, max_value=50 * BP))
def test_inverse_of_markup_gives_the_same_sheet(cost, vat, markup):
    sheet = from_markup(cost, vat, markup, fixed_costs=12_345)
    assert from_price_ttc(cost, vat, sheet.price_ttc, fixed_costs=12_345) == sheet


@given(costs, vats, st.integers(min_value=-5 * BP, max_value=BP - 1))
def test_inverse_of_margin_rate_gives_the_same_sheet(cost, vat, margin_rate):
    sheet = from_margin_rate(cost, vat, margin_rate)
    assert from_price_ttc(cost, vat, sheet.price_ttc) == sheet
    exact_ht = Fraction(cost * BP, BP - margin_rate)
    assert abs(sheet.price_ht - exact_ht) < 1


def _round_trip_slack(cost: int, vat: int) -> Fraction:
    # rate rounded to the bp (+-cost/2 bp of a cent), HT rounded (+-1/2), TTC rounded (+-1/2)
    growth = Fraction(BP + vat, BP)
    return growth * (Fraction(1, 2) + Fraction(cost, 2 * BP)) + Fraction(1, 2)


@given(st.integers(min_value=1, max_value=100_000), vats, st.integers(0, 500_000))
def test_price_back_to_markup_and_margin_rate(cost, vat, price):
    sheet = from_price_ttc(cost, vat, price)
    rebuilt = from_markup(cost, vat, sheet.taux_de_marge)
    assert abs(rebuilt.price_ttc - price) <= _round_trip_slack(cost, vat)
    if sheet.taux_de_marque is not None and sheet.taux_de_marque < BP:
        rate = sheet.taux_de_marque
        by_margin = from_margin_rate(cost, vat, rate)
        # the true rate is within half a bp of the shown one; near 100 % that moves the price a lot
        spread = Fraction(cost * BP) / (BP - rate - Fraction(1, 2)) - Fraction(cost * BP) / (
            BP - rate + Fraction(1, 2)
        )
        assert abs(by_margin.price_ht - sheet.price_ht) <= spread + 1


@given(st.integers(0, 10_000), vats, st.integers(0, 500), st.integers(0, 200_000))
def test_units_to_cover_all_is_the_least_that_covers(price, vat, stock, gap):
    projection = what_if(price, vat, 100, stock, 0, 0, gap, 0)
    units = projection.units_to_cover_all
    covered = split_vat(price * (units or 0), vat).base
    if units is None:
        assert price == 0 and gap > 0
    else:
        assert covered >= gap
        assert units == 0 or split_vat(price * (units - 1), vat).base < gap
    assert projection.covers_all == (units is not None and units <= stock)


@given(
    st.integers(0, 10_000), vats, st.integers(0, 300), st.integers(0, 300), st.integers(0, 50_000)
)
def test_units_to_break_even_is_the_least_whose_margin_covers_fixed_costs(
    price, vat, cost, sold, fixed
):
    projection = what_if(
        price, vat, cost, 1000, sold, split_vat(price * sold, vat).base, cost * (sold + 1000), fixed
    )
    units = projection.units_to_break_even

    def margin(k):
        return (
            split_vat(price * sold, vat).base + split_vat(price * k, vat).base - cost * (sold + k)
        )

    if units is None:
        assert margin(10**6) < fixed
    else:
        assert margin(units) >= fixed
        assert units == 0 or margin(units - 1) < fixed


@given(st.integers(0, 1_000_000), st.integers(0, 20_000))
def test_markdown_never_negative_nor_above_price(price, percent):
    after = apply_markdown(price, percent)
    assert 0 <= after <= price
