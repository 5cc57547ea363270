"""The sell-through projection during the week, and what would clear the stock left.

Pure functions (no Flask, no SQL): at the pace of the market days behind, how many units will be
left at the last close, said no more precisely than those days allow; and the markdown (through
the pricing helper's what-if), the market hours or the online channel that would clear them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from pos import pricing
from pos.money import div_round
from pos.plan import BP, InvalidPlan, ceil


def _round(value: Fraction) -> int:
    """Half away from zero, as money rounds."""
    return div_round(value.numerator, value.denominator)


NO_DAYS, SOLD_OUT, OVER, ESTIMATE = "no_days", "sold_out", "over", "estimate"


@dataclass(frozen=True)
class Projection:
    """How many units will be left at the last close, at the pace of the market days behind.

    ``left`` is rounded to what the days behind can tell: to 5 units after a single day, to the
    unit after two or more, with ``low``..``high`` from the slowest and the fastest day.
    """

    state: str  # no_days | sold_out | over | estimate
    stock_left: int
    days_behind: int
    days_left: int  # market days still to come, the one in progress included
    expected_sales: int  # units still expected to sell (exact rounding, before the 5s)
    left: int  # the estimate shown
    low: int
    high: int
    step: int  # 1 or 5: how the estimate is rounded
    pace: Fraction = field(default=Fraction(0))  # units a market day


def _left_at(pace: Fraction, days_left: int, today_units: int, stock_left: int) -> int:
    more = pace * days_left - today_units
    return stock_left - min(max(_round(more), 0) if more > 0 else 0, stock_left)


def project(
    stock_left: int, daily_units: Sequence[int], today_units: int, days_left: int
) -> Projection:
    """Units left at the last close if the coming market days sell like the ones behind.

    ``daily_units``: units sold on each market day already closed; ``today_units``: units sold
    so far on the day in progress (counted in ``days_left``, and already out of the stock).
    """
    if stock_left < 0 or today_units < 0 or days_left < 0 or any(d < 0 for d in daily_units):
        raise InvalidPlan("projection")
    behind = len(daily_units)
    base = dict(stock_left=stock_left, days_behind=behind, days_left=days_left)
    if stock_left == 0:
        return Projection(SOLD_OUT, **base, expected_sales=0, left=0, low=0, high=0, step=1)
    if days_left == 0:
        left = stock_left
        return Projection(OVER, **base, expected_sales=0, left=left, low=left, high=left, step=1)
    if not behind:
        left = stock_left
        return Projection(NO_DAYS, **base, expected_sales=0, left=left, low=left, high=left, step=1)
    pace = Fraction(sum(daily_units), behind)
    exact = _left_at(pace, days_left, today_units, stock_left)
    step = 5 if behind == 1 else 1
    shown = min(div_round(exact, step) * step, stock_left) if exact else 0
    low = _left_at(Fraction(max(daily_units)), days_left, today_units, stock_left)
    high = _left_at(Fraction(min(daily_units)), days_left, today_units, stock_left)
    return Projection(
        ESTIMATE,
        **base,
        expected_sales=stock_left - exact,
        left=shown,
        low=low if behind > 1 else shown,
        high=high if behind > 1 else shown,
        step=step,
        pace=pace,
    )


@dataclass(frozen=True)
class Clearance:
    """What would clear the stock projected to be left: a markdown, more hours, online."""

    markdown_bp: int  # suggested markdown: a round figure, at most max_markdown_bp
    max_markdown_bp: int  # selling all at this markdown earns what the pace earns
    new_price_ttc: int
    capped_at_cost: bool  # the markdown stops where the price would fall under the unit cost
    at_pace: pricing.WhatIf  # the week of this product if only the expected units sell
    cleared: pricing.WhatIf  # if all its stock left sells at the markdown price
    extra_hours: int | None  # market hours at the current pace that would sell the rest

    @property
    def gain(self) -> int:
        """What clearing at the markdown adds to the result, against the current pace."""
        return self.cleared.projected_result - self.at_pace.projected_result


def clearance(
    projection: Projection,
    price_ttc: int,
    vat: int,
    unit_cost: int,
    sold_units: int,
    revenue_so_far_ht: int,
    sold_cost: int,
    fixed_costs: int = 0,
    hours_a_day: int = 0,
) -> Clearance | None:
    """The markdown that would sell the projected leftovers, through the pricing what-if.

    Selling all s units left at (1 - x) x price earns what selling the e expected ones at the
    price earns when x = (s - e) / s: any smaller markdown that clears the stock is a gain.
    The one suggested is the largest multiple of 5 % (10 % from 20 % on) strictly below that
    figure, so that clearing at it earns more than the pace, and never under the unit cost
    (at most the taux de marque, in 5 % steps); 0 when even 5 % is too much.
    None when nothing is projected to be left, no estimate can be made, or nothing sold yet
    (no pace to weigh a markdown against).
    """
    if projection.state != ESTIMATE or projection.left <= 0 or price_ttc <= 0:
        return None
    if projection.pace == 0:  # nothing sold yet: no pace to weigh a markdown against
        return None
    stock, expected = projection.stock_left, projection.expected_sales
    leftover = stock - expected
    max_bp = div_round(leftover * BP, stock)
    step = 1000 if max_bp >= 2000 else 500
    markdown = (max_bp - 1) // step * step
    if markdown < 500 <= max_bp - 1:
        markdown = 500
    # Never suggest selling under the unit cost: the markdown stops at the taux de marque.
    marque = pricing.from_price_ttc(unit_cost, vat, price_ttc).taux_de_marque or 0
    capped = markdown > marque
    if capped:
        markdown = max(marque, 0) // 500 * 500
    new_price = pricing.apply_markdown(price_ttc, markdown)
    made_cost = sold_cost + stock * unit_cost

    def week(price: int, units: int) -> pricing.WhatIf:
        return pricing.what_if(
            price,
            vat,
            unit_cost,
            units,
            sold_units,
            revenue_so_far_ht,
            made_cost,
            fixed_costs,
            sold_cost=sold_cost,
        )

    hours = None
    if hours_a_day > 0 and projection.pace > 0:
        hours = ceil(Fraction(leftover * hours_a_day) / projection.pace)
    return Clearance(
        markdown_bp=markdown,
        max_markdown_bp=max_bp,
        new_price_ttc=new_price,
        capped_at_cost=capped,
        at_pace=week(price_ttc, expected),
        cleared=week(new_price, stock),
        extra_hours=hours,
    )
