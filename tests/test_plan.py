"""The prévisionnel: worked examples written out by hand, and properties of the projection."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos import plan
from pos.plan import FixedCosts, PlanLine, PlannedProduct, financing, forecast
from pos.plan_gaps import Gap, ProductActual, bilan_gaps, product_gaps, reading, total_gaps
from pos.projection import ESTIMATE, NO_DAYS, OVER, SOLD_OUT, clearance, project

# The README's example (section « Prévisionnel »).
KOKEDAMA = PlannedProduct("Kokedama fougère", 2000, 520, 1800, units_made=40, units_to_sell=30)
COOKIE = PlannedProduct("Cookie chocolat", 550, 60, 250, units_made=200, units_to_sell=180)
FIXED = FixedCosts(
    stall_fee=6000, target_pay=40000, cae_contribution=5000, others=(PlanLine("Flyers", 3000),)
)


def test_the_readme_forecast_worked_by_hand():
    f = forecast([KOKEDAMA, COOKIE], FIXED)
    koke, cookie = f.products
    # 30 × 18,00 € = 540,00 € TTC, at 20 %: 450,00 € HT; cost 30 × 5,20 € = 156,00 €
    assert (koke.revenue_ttc, koke.revenue_ht, koke.cost_of_goods_sold) == (54000, 45000, 15600)
    assert (koke.gross_margin, koke.unsold_units, koke.unsold_cost) == (29400, 10, 5200)
    # 180 × 2,50 € = 450,00 € TTC, at 5,5 %: 450 / 1,055 = 426,54 € HT; cost 108,00 €
    assert (cookie.revenue_ht, cookie.cost_of_goods_sold, cookie.gross_margin) == (
        42654,
        10800,
        31854,
    )
    assert f.revenue_ht == 87654  # 876,54 €
    assert f.cost_of_goods_sold == 26400
    assert f.gross_margin == 61254  # 612,54 €
    assert f.unsold_cost == 6400  # 10 kokedamas and 20 cookies made, not sold
    assert FIXED.charges == 9000 and FIXED.pay == 45000 and FIXED.total == 54000
    assert f.result_before_pay == 45854  # 612,54 − 64,00 − 90,00
    assert f.result == 854  # 458,54 − 400,00 − 50,00
    assert f.gross_margin_rate_bp == 6988  # 612,54 / 876,54
    # seuil = 540,00 / 69,88 %: 540 × 876,54 / 612,54 = 772,733… → 772,74 € HT
    assert f.break_even_revenue_ht == 77274
    assert f.break_even_share_bp == 8816  # 88 % of the planned sales
    # per product at the planned mix: 88,16 % of 30 = 26,4 → 27; of 180 = 158,7 → 159
    assert [p.break_even_units for p in f.products] == [27, 159]
    assert f.break_even_units == 186
    assert f.safety_margin == 10380  # 876,54 − 772,74
    assert f.materials == 32800  # 40 × 5,20 + 200 × 0,60
    assert f.covering_revenue_ht == 86800  # 540,00 + 328,00: the result is then zero


def test_the_readme_financing_plan():
    f = forecast([KOKEDAMA, COOKIE], FIXED)
    money = financing(f, 10000, [PlanLine("Apport de la CAE", 20000)], [PlanLine("Prêt", 35000)])
    assert money.needs == 51800  # 328 + 60 + 100 + 30
    assert money.resources == 55000
    assert money.balance == 3200 and money.missing == 0
    short = financing(f, 10000, [PlanLine("Apport", 20000)], [])
    assert short.balance == -31800 and short.missing == 31800


def test_a_cost_paid_later_is_not_a_need_before_the_first_sale():
    fixed = FixedCosts(6000, 0, 0, (PlanLine("Flyers", 3000), PlanLine("Transport", 2000, False)))
    money = financing(forecast([KOKEDAMA], fixed), 0, [], [])
    assert money.needs == 20800 + 6000 + 3000
    assert [line.label for line in money.others] == ["Flyers"]


def test_a_plan_with_no_margin_has_no_break_even():
    below_cost = PlannedProduct("Perte", 0, 500, 400, 10, 10)
    f = forecast([below_cost], FIXED)
    assert f.break_even_revenue_ht is None and f.break_even_units is None
    assert f.safety_margin is None and f.products[0].break_even_units is None
    empty = forecast([], FixedCosts())
    assert (empty.revenue_ht, empty.result, empty.gross_margin_rate_bp) == (0, 0, None)


def test_no_fixed_costs_means_a_nil_break_even():
    f = forecast([KOKEDAMA], FixedCosts())
    assert f.break_even_revenue_ht == 0 and f.break_even_units == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: PlannedProduct("x", 550, -1, 100, 1, 1),
        lambda: PlannedProduct("x", 550, 1, 100, -1, 1),
        lambda: FixedCosts(stall_fee=-1),
        lambda: FixedCosts(others=(PlanLine("x", -5),)),
        lambda: financing(forecast([], FixedCosts()), -1, [], []),
        lambda: project(-1, [], 0, 1),
        lambda: project(3, [-1], 0, 1),
    ],
)
def test_impossible_plans_are_refused(call):
    with pytest.raises(plan.InvalidPlan):
        call()


# --- The projection --------------------------------------------------------------------------


def test_projection_after_two_market_days():
    # 58 kokedamas left; Thursday sold 10, Friday 6: 8 a day; Saturday, Sunday, Monday to come
    p = project(58, [10, 6], 0, 3)
    assert p.state == ESTIMATE and p.pace == 8
    assert p.left == 34  # « il restera environ 34 kokedamas »
    assert (p.low, p.high) == (28, 40)  # at Thursday's pace, at Friday's
    assert p.step == 1 and p.expected_sales == 24


def test_projection_after_one_day_is_rounded_to_five():
    p = project(58, [8], 0, 3)
    assert p.left == 35 and p.step == 5 and p.low == p.high == 35


def test_projection_counts_what_the_day_in_progress_sold_already():
    # today is the third day, 5 sold so far (already out of the 58): 24 − 5 = 19 more expected
    assert project(58, [10, 6], 5, 3).left == 39


def test_projection_states():
    assert project(0, [3, 4], 0, 2).state == SOLD_OUT
    assert project(12, [3, 4], 0, 0).state == OVER and project(12, [3, 4], 0, 0).left == 12
    none_yet = project(12, [], 0, 4)
    assert none_yet.state == NO_DAYS and none_yet.left == 12
    assert project(12, [30, 40], 0, 2).left == 0


@given(st.integers(0, 500), st.integers(0, 7))
def test_projection_with_no_sales_yet(stock, days_left):
    p = project(stock, [], 0, days_left)
    assert p.left == stock and p.expected_sales == 0
    assert p.state in (NO_DAYS, SOLD_OUT, OVER)


@given(st.integers(0, 500), st.integers(0, 200), st.integers(0, 7), st.integers(0, 50))
def test_projection_after_a_single_day(stock, sold, days_left, today):
    p = project(stock, [sold], today, days_left)
    assert 0 <= p.left <= stock
    assert p.low == p.high == p.left
    if p.state == ESTIMATE:
        assert p.step == 5 and (p.left % 5 == 0 or p.left == stock)
        exact = stock - p.expected_sales
        assert abs(p.left - exact) <= 3 or p.left == stock


@given(st.lists(st.integers(0, 200), min_size=1, max_size=7), st.integers(0, 7))
def test_projection_when_the_stock_is_already_sold_out(days, days_left):
    p = project(0, days, 0, days_left)
    assert p.state == SOLD_OUT and p.left == p.low == p.high == 0
    assert clearance(p, 1800, 2000, 520, sum(days), 0, 0) is None


@given(
    st.integers(0, 500),
    st.lists(st.integers(0, 200), min_size=2, max_size=7),
    st.integers(1, 7),
    st.integers(0, 50),
)
def test_projection_stays_within_the_stock_and_its_range(stock, days, days_left, today):
    p = project(stock, days, today, days_left)
    assert 0 <= p.low <= p.left <= p.high <= stock or p.state != ESTIMATE
    assert p.left <= stock


# --- What would clear the stock ----------------------------------------------------------


def test_the_markdown_that_would_clear_the_projected_leftovers():
    # 16 sold in two days at 18 € TTC (240 € HT), 58 left, 24 more expected: 34 would be left
    p = project(58, [10, 6], 0, 3)
    c = clearance(p, 1800, 2000, 520, 16, 24000, 16 * 520, hours_a_day=6)
    assert c.max_markdown_bp == 5862  # 34 / 58: all at −58,6 % earns what the pace earns
    assert c.markdown_bp == 5000 and c.new_price_ttc == 900
    # at the pace: 240 € + 24 × 15 € = 600 € HT − 74 × 5,20 € of goods = 215,20 €
    assert c.at_pace.projected_result == 21520
    # all 58 at 9 €: 240 € + 435 € HT = 675 € − 384,80 € = 290,20 €
    assert c.cleared.projected_result == 29020
    assert c.gain == 7500
    # 34 units at 8 a day of 6 h: 25,5 h → 26 h
    assert c.extra_hours == 26


def test_a_small_leftover_gets_a_small_markdown():
    p = project(30, [9, 9], 0, 3)  # 27 expected, 3 left: 10 %
    c = clearance(p, 1000, 1000, 300, 18, 0, 0)
    assert c.max_markdown_bp == 1000 and c.markdown_bp == 500


def test_the_markdown_never_sells_under_the_unit_cost():
    # 1 sold of 100 in a day, 2 days to come: 97 left; 97 % off would earn what the pace does
    p = project(100, [1], 0, 2)
    c = clearance(p, 250, 550, 60, 1, 237, 60, hours_a_day=6)
    assert c.max_markdown_bp == 9800
    assert c.capped_at_cost and c.markdown_bp == 7000  # taux de marque 74,7 % at 2,37 € HT
    assert c.new_price_ttc == 75
    # nothing sold at all: no pace to weigh a markdown against
    assert clearance(project(100, [0], 0, 2), 250, 550, 60, 0, 0, 0) is None
    below = clearance(project(10, [2], 0, 2), 500, 0, 600, 2, 1000, 1200)
    assert below.capped_at_cost and below.markdown_bp == 0


def test_no_clearance_without_an_estimate():
    assert clearance(project(30, [], 0, 3), 1000, 1000, 300, 0, 0, 0) is None
    assert clearance(project(30, [30, 30], 0, 3), 1000, 1000, 300, 60, 0, 0) is None


# --- Planned against actual --------------------------------------------------------------


def test_products_planned_against_actual():
    f = forecast([KOKEDAMA, COOKIE], FIXED)
    actual = [
        ProductActual("Kokedama fougère", 40, 18, 27000, 18 * 520),
        ProductActual("Jus de pomme", 36, 10, 2844, 1100),
    ]
    rows = product_gaps(f.products, actual)
    koke, cookie, juice = rows
    assert (koke.sold.planned, koke.sold.actual, koke.sold.gap) == (30, 18, -12)
    assert koke.sold.ratio_bp == 6000
    assert koke.margin == Gap(29400, 27000 - 9360)
    assert cookie.sold == Gap(180, 0) and cookie.made == Gap(200, 0)
    assert juice.sold == Gap(0, 10) and juice.sold.ratio_bp is None
    unsold = product_gaps(f.products, [ProductActual("Dernier pot", 1, 0, 0, 0)])
    assert [r.name for r in unsold] == ["Kokedama fougère", "Cookie chocolat"]
    total = total_gaps(rows)
    assert total.sold == Gap(210, 28) and total.revenue_ht == Gap(87654, 29844)


def test_the_bilan_against_the_plan_and_its_reading():
    f = forecast([KOKEDAMA, COOKIE], FIXED)
    gaps = bilan_gaps(f, 52000, 16000, {"materials": 32800, "stall_fee": 6000, "other": 3500})
    assert gaps.revenue_ht == Gap(87654, 52000)
    assert gaps.gross_margin == Gap(61254, 36000)
    assert gaps.materials == Gap(32800, 32800)
    assert gaps.other_expenses == Gap(3000, 3500)
    assert gaps.expenses == Gap(41800, 42300)
    assert gaps.result == Gap(45854, 9700)  # 520 € − 423 €
    assert gaps.after_pay == Gap(854, 9700 - 45000)
    # the bilan's own result (a Z's cash shortfall of 2 € taken off) is the one compared
    short = bilan_gaps(f, 52000, 16000, {"materials": 32800, "stall_fee": 6000}, None, 13000)
    assert short.result == Gap(45854, 13000)
    by_rate = bilan_gaps(f, 52000, 16000, {}, {2000: (30000, 36000), 550: (22000, 23210)})
    assert by_rate.revenue_by_rate == ((550, Gap(42654, 22000)), (2000, Gap(45000, 30000)))
    assert by_rate.vat_collected == Gap(99000 - 87654, 6000 + 1210)
    said = reading(gaps, Gap(210, 126), [("Kokedama fougère", "dimanche 14/06")])
    text = " ".join(said)
    assert "Vous avez vendu 126 unités sur 210 prévues (60 %)." in text
    assert "Le prix de « Kokedama fougère » a été baissé le dimanche 14/06." in text
    assert "Le chiffre d'affaires HT atteint 59 % du prévu." in text
    assert any(
        m.msgid.startswith("Le résultat est de") and m.params["amount"] == 36154 for m in said
    )
    assert "en dessous du prévu" in text
    assert "Il ne paie pas toute la rémunération visée" in text


def test_a_bilan_without_expenses_says_the_result_looks_better_than_it_is():
    f = forecast([KOKEDAMA], FIXED)
    said = " ".join(reading(bilan_gaps(f, 10000, 3000, {}), Gap(30, 8)))
    assert "Aucune dépense n'est encore saisie" in said


def test_a_result_above_the_plan_says_so():
    f = forecast([KOKEDAMA], FixedCosts())
    gaps = bilan_gaps(f, 50000, 15600, {"materials": 20800})
    said = " ".join(reading(gaps, Gap(30, 33)))
    assert "au-dessus du prévu" in said and "110 %" in said


def test_gap_ratio_is_exact_to_the_basis_point():
    assert Gap(3, 2).ratio_bp == 6667 and Gap(0, 5).ratio_bp is None
    assert Gap(7, 7).gap == 0 and Fraction(Gap(4, 1).ratio_bp, 10_000) == Fraction(1, 4)


def test_the_readme_tells_the_example_this_file_checks():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Prévisionnel", 1)[1].split("\n## ", 1)[0]
    f = forecast([KOKEDAMA, COOKIE], FIXED)
    for figure in (
        "876,54 €",
        "612,54 €",
        "8,54 €",
        "772,74 €",
        "103,80 €",
        "868,00 €",
        "518,00 €",
        "+32,00 €",
        "26,4 → 27",
        "158,7 → 159",
        "**34**",
        "−50 %",
        "75,00 €",
    ):
        assert figure in section, figure
    assert (f.revenue_ht, f.result, f.break_even_revenue_ht) == (87654, 854, 77274)
