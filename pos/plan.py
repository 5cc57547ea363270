"""The prévisionnel: the week as planned, its break-even and financing, and the week against it.

Pure functions over integer cents (no Flask, no SQL), as members learn them on day two:

- forecast income statement: revenue HT (each product's planned sales split once at its VAT
  rate), cost of the goods sold, gross margin, cost of the goods made but not sold, the
  charges (stall fee, other lines), the result before pay, the target pay and the CAE's
  contribution, the result;
- break-even (seuil de rentabilité): fixed costs ÷ the gross margin rate, in revenue, and in
  units per product at the planned mix;
- financing plan: what must be paid before the first sale (materials, stall fee, float, other
  lines paid up front) against what the coop has or borrows;
- during the week: the sell-through projection at the pace of the market days behind, the
  markdown that would clear the stock, and planned against actual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from pos import pricing
from pos.i18n import N_, Message
from pos.money import div_round, split_vat

BP = 10_000


class InvalidPlan(ValueError):
    """A plan figure is out of range (negative units, cost or amount)."""


def _ceil(value: Fraction | int) -> int:
    return -(-Fraction(value).numerator // Fraction(value).denominator)


def _round(value: Fraction) -> int:
    """Half away from zero, as money rounds."""
    return div_round(value.numerator, value.denominator)


# --- What the members plan -------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedProduct:
    """One product as planned: units to make and to sell, unit cost HT, price TTC."""

    name: str
    vat_rate: int  # bp
    unit_cost: int  # cents HT
    price_ttc: int  # cents
    units_made: int
    units_to_sell: int
    product_id: int | None = None

    def __post_init__(self) -> None:
        values = (self.unit_cost, self.price_ttc, self.units_made, self.units_to_sell)
        if min(values) < 0 or self.vat_rate < 0:
            raise InvalidPlan(self.name)


@dataclass(frozen=True)
class PlanLine:
    """A named amount: another fixed cost, or money the coop has or borrows."""

    label: str
    amount: int  # cents
    upfront: bool = True  # a cost paid before the first sale (financing plan)


@dataclass(frozen=True)
class FixedCosts:
    """The week's fixed costs: stall fee, other lines, the target pay, the CAE's contribution."""

    stall_fee: int = 0
    target_pay: int = 0
    cae_contribution: int = 0
    others: tuple[PlanLine, ...] = ()

    def __post_init__(self) -> None:
        amounts = (self.stall_fee, self.target_pay, self.cae_contribution)
        if min(amounts) < 0 or any(line.amount < 0 for line in self.others):
            raise InvalidPlan("fixed costs")

    @property
    def charges(self) -> int:
        """What is spent: the stall fee and the other lines."""
        return self.stall_fee + sum(line.amount for line in self.others)

    @property
    def pay(self) -> int:
        """What the result must pay: the target pay and the CAE's contribution."""
        return self.target_pay + self.cae_contribution

    @property
    def total(self) -> int:
        """All fixed costs, the base of the break-even."""
        return self.charges + self.pay


# --- The forecast income statement -----------------------------------------------------------


@dataclass(frozen=True)
class ProductForecast:
    """One product's line of the forecast, and its break-even units at the planned mix."""

    product: PlannedProduct
    revenue_ttc: int  # units to sell x price TTC
    revenue_ht: int  # that total split once at the product's rate
    cost_of_goods_sold: int  # units to sell x unit cost
    gross_margin: int  # revenue HT - cost of goods sold
    unsold_units: int  # made - to sell (0 if more are sold than made)
    unsold_cost: int  # unsold units x unit cost: paid for, never sold
    materials: int  # units made x unit cost
    break_even_units: int | None  # at the planned mix; None if the plan earns no margin


@dataclass(frozen=True)
class Forecast:
    """The compte de résultat prévisionnel and the break-even (seuil de rentabilité)."""

    products: tuple[ProductForecast, ...]
    fixed: FixedCosts
    revenue_ttc: int
    revenue_ht: int
    cost_of_goods_sold: int
    gross_margin: int
    unsold_cost: int
    materials: int  # cost of all the goods made
    result_before_pay: int  # gross margin - unsold cost - charges
    result: int  # result before pay - target pay - CAE contribution
    gross_margin_rate_bp: int | None  # gross margin / revenue HT
    break_even_revenue_ht: int | None  # fixed costs / gross margin rate, rounded up
    break_even_units: int | None  # the products' break-even units added up
    break_even_share_bp: int | None  # fixed costs / gross margin: share of the plan to sell
    safety_margin: int | None  # revenue HT - break-even revenue
    covering_revenue_ht: int  # fixed costs + all the goods made: the result is then zero

    @property
    def units_to_sell(self) -> int:
        """All the units planned to be sold."""
        return sum(p.product.units_to_sell for p in self.products)

    @property
    def units_made(self) -> int:
        """All the units planned to be made."""
        return sum(p.product.units_made for p in self.products)


def product_forecast(
    product: PlannedProduct, fixed_total: int, margin_total: int
) -> ProductForecast:
    """A product's forecast line; its break-even share is the fixed costs x its margin share."""
    sold = split_vat(product.units_to_sell * product.price_ttc, product.vat_rate)
    cost_sold = product.units_to_sell * product.unit_cost
    unsold = max(product.units_made - product.units_to_sell, 0)
    return ProductForecast(
        product=product,
        revenue_ttc=sold.total,
        revenue_ht=sold.base,
        cost_of_goods_sold=cost_sold,
        gross_margin=sold.base - cost_sold,
        unsold_units=unsold,
        unsold_cost=unsold * product.unit_cost,
        materials=product.units_made * product.unit_cost,
        break_even_units=_ceil(Fraction(fixed_total * product.units_to_sell, margin_total))
        if margin_total > 0
        else None,
    )


def forecast(products: Sequence[PlannedProduct], fixed: FixedCosts) -> Forecast:
    """The forecast income statement and the break-even of a plan.

    Break-even at the planned mix: the share k = fixed costs / gross margin of the planned
    sales must be sold; in revenue, k x revenue HT; in units, each product's k x units to sell,
    rounded up (so the products' break-even units cover the fixed costs).
    """
    margin = sum(
        split_vat(p.units_to_sell * p.price_ttc, p.vat_rate).base - p.units_to_sell * p.unit_cost
        for p in products
    )
    lines = tuple(product_forecast(p, fixed.total, margin) for p in products)
    revenue_ht = sum(line.revenue_ht for line in lines)
    unsold = sum(line.unsold_cost for line in lines)
    before_pay = margin - unsold - fixed.charges
    earns = margin > 0
    break_even_revenue = _ceil(Fraction(fixed.total * revenue_ht, margin)) if earns else None
    return Forecast(
        products=lines,
        fixed=fixed,
        revenue_ttc=sum(line.revenue_ttc for line in lines),
        revenue_ht=revenue_ht,
        cost_of_goods_sold=sum(line.cost_of_goods_sold for line in lines),
        gross_margin=margin,
        unsold_cost=unsold,
        materials=sum(line.materials for line in lines),
        result_before_pay=before_pay,
        result=before_pay - fixed.pay,
        gross_margin_rate_bp=div_round(margin * BP, revenue_ht) if revenue_ht else None,
        break_even_revenue_ht=break_even_revenue,
        break_even_units=sum(line.break_even_units for line in lines) if earns else None,
        break_even_share_bp=div_round(fixed.total * BP, margin) if earns else None,
        safety_margin=revenue_ht - break_even_revenue if break_even_revenue is not None else None,
        covering_revenue_ht=fixed.total + sum(line.materials for line in lines),
    )


# --- The financing plan ----------------------------------------------------------------------


@dataclass(frozen=True)
class Financing:
    """What must be paid before the first sale against what the coop has or borrows."""

    materials: int
    stall_fee: int
    float: int
    others: tuple[PlanLine, ...]  # other fixed costs paid up front
    needs: int
    own: tuple[PlanLine, ...]  # apports: what the coop (or the CAE) puts in
    loans: tuple[PlanLine, ...]  # what it borrows
    resources: int
    balance: int  # resources - needs: negative is what is missing

    @property
    def missing(self) -> int:
        """What must still be found (0 when the resources cover the needs)."""
        return max(-self.balance, 0)


def financing(
    plan: Forecast, float_cents: int, own: Sequence[PlanLine], loans: Sequence[PlanLine]
) -> Financing:
    """Needs = materials of everything made + stall fee + float + other lines paid up front."""
    if float_cents < 0 or any(line.amount < 0 for line in (*own, *loans)):
        raise InvalidPlan("financing")
    upfront = tuple(line for line in plan.fixed.others if line.upfront)
    needs = plan.materials + plan.fixed.stall_fee + float_cents + sum(x.amount for x in upfront)
    resources = sum(line.amount for line in (*own, *loans))
    return Financing(
        materials=plan.materials,
        stall_fee=plan.fixed.stall_fee,
        float=float_cents,
        others=upfront,
        needs=needs,
        own=tuple(own),
        loans=tuple(loans),
        resources=resources,
        balance=resources - needs,
    )


# --- During the week: the sell-through projection --------------------------------------------

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
        hours = _ceil(Fraction(leftover * hours_a_day) / projection.pace)
    return Clearance(
        markdown_bp=markdown,
        max_markdown_bp=max_bp,
        new_price_ttc=new_price,
        capped_at_cost=capped,
        at_pace=week(price_ttc, expected),
        cleared=week(new_price, stock),
        extra_hours=hours,
    )


# --- Planned against actual ------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A planned figure, the actual one, the gap (actual - planned) and actual / planned."""

    planned: int
    actual: int

    @property
    def gap(self) -> int:
        """Actual minus planned (negative: below the plan)."""
        return self.actual - self.planned

    @property
    def ratio_bp(self) -> int | None:
        """Actual as basis points of the plan; None without a plan."""
        return div_round(self.actual * BP, self.planned) if self.planned else None


@dataclass(frozen=True)
class ProductActual:
    """What really happened to a product this week."""

    name: str
    made: int
    sold: int
    revenue_ht: int
    cost_of_goods: int  # of the units sold
    product_id: int | None = None

    @property
    def margin(self) -> int:
        """Revenue HT - cost of the goods sold."""
        return self.revenue_ht - self.cost_of_goods


@dataclass(frozen=True)
class ProductGaps:
    """A product planned against actual: made, sold, revenue HT, margin."""

    name: str
    made: Gap
    sold: Gap
    revenue_ht: Gap
    margin: Gap


def product_gaps(
    planned: Sequence[ProductForecast], actual: Sequence[ProductActual]
) -> tuple[ProductGaps, ...]:
    """Each planned product beside what happened (matched by name), then the unplanned ones."""
    found = {a.name: a for a in actual}
    rows = []
    for line in planned:
        a = found.pop(line.product.name, ProductActual(line.product.name, 0, 0, 0, 0))
        rows.append(
            ProductGaps(
                a.name,
                Gap(line.product.units_made, a.made),
                Gap(line.product.units_to_sell, a.sold),
                Gap(line.revenue_ht, a.revenue_ht),
                Gap(line.gross_margin, a.margin),
            )
        )
    for a in found.values():
        if a.sold <= 0:
            continue  # not planned and not sold: nothing to compare
        rows.append(
            ProductGaps(
                a.name, Gap(0, a.made), Gap(0, a.sold), Gap(0, a.revenue_ht), Gap(0, a.margin)
            )
        )
    return tuple(rows)


def total_gaps(rows: Sequence[ProductGaps]) -> ProductGaps:
    """The products' gaps added up."""

    def add(name: str) -> Gap:
        gaps = [getattr(r, name) for r in rows]
        return Gap(sum(g.planned for g in gaps), sum(g.actual for g in gaps))

    return ProductGaps("", add("made"), add("sold"), add("revenue_ht"), add("margin"))


# --- At the end: the bilan against the plan --------------------------------------------------


@dataclass(frozen=True)
class BilanGaps:
    """The bilan's lines, planned against actual (cents)."""

    revenue_ht: Gap
    cost_of_goods: Gap
    gross_margin: Gap
    materials: Gap  # planned: all the goods made; actual: the materials expenses
    stall_fee: Gap
    other_expenses: Gap
    expenses: Gap
    result: Gap  # before pay, as the bilan's result: revenue HT - expenses HT
    pay: int  # target pay + CAE contribution (planned; paid from the result)
    after_pay: Gap
    revenue_by_rate: tuple[tuple[int, Gap], ...] = ()  # (VAT rate, revenue HT), rates ascending
    vat_collected: Gap = Gap(0, 0)


def planned_by_rate(plan: Forecast) -> dict[int, tuple[int, int]]:
    """The plan's revenue per VAT rate: {rate: (HT, TTC)}, each product split on its own."""
    out: dict[int, tuple[int, int]] = {}
    for line in plan.products:
        ht, ttc = out.get(line.product.vat_rate, (0, 0))
        out[line.product.vat_rate] = (ht + line.revenue_ht, ttc + line.revenue_ttc)
    return out


def bilan_gaps(
    plan: Forecast,
    revenue_ht: int,
    cost_of_goods: int,
    expenses_by_category: dict[str, int],
    revenue_by_rate: dict[int, tuple[int, int]] | None = None,
) -> BilanGaps:
    """The bilan's lines beside the plan's; the result compares before the members' pay.

    ``revenue_by_rate`` is the actual {VAT rate: (HT, TTC)}; with it, each rate's revenue HT and
    the VAT collected get their own line.
    """
    materials = expenses_by_category.get("materials", 0)
    stall = expenses_by_category.get("stall_fee", 0)
    others = sum(v for k, v in expenses_by_category.items() if k not in ("materials", "stall_fee"))
    planned_others = sum(line.amount for line in plan.fixed.others)
    planned_expenses = plan.materials + plan.fixed.charges
    actual_expenses = materials + stall + others
    result = revenue_ht - actual_expenses
    planned, actual = planned_by_rate(plan), dict(revenue_by_rate or {})
    return BilanGaps(
        revenue_ht=Gap(plan.revenue_ht, revenue_ht),
        cost_of_goods=Gap(plan.cost_of_goods_sold, cost_of_goods),
        gross_margin=Gap(plan.gross_margin, revenue_ht - cost_of_goods),
        materials=Gap(plan.materials, materials),
        stall_fee=Gap(plan.fixed.stall_fee, stall),
        other_expenses=Gap(planned_others, others),
        expenses=Gap(planned_expenses, actual_expenses),
        result=Gap(plan.result_before_pay, result),
        pay=plan.fixed.pay,
        after_pay=Gap(plan.result, result - plan.fixed.pay),
        revenue_by_rate=tuple(
            (rate, Gap(planned.get(rate, (0, 0))[0], actual.get(rate, (0, 0))[0]))
            for rate in sorted(set(planned) | set(actual))
        ),
        vat_collected=Gap(
            plan.revenue_ttc - plan.revenue_ht,
            sum(ttc - ht for ht, ttc in actual.values()),
        ),
    )


def reading(
    gaps: BilanGaps,
    sold: Gap,
    price_cuts: Sequence[tuple[str, str]] = (),
) -> list[Message]:
    """A short, honest reading of the gaps, in the members' words (a few sentences)."""
    said: list[Message] = []
    if sold.planned:
        said.append(
            Message(
                N_("Vous avez vendu %(sold)s unités sur %(planned)s prévues (%(percent)s %%)."),
                sold=sold.actual,
                planned=sold.planned,
                percent=div_round(sold.ratio_bp or 0, 100),
            )
        )
    for name, day in price_cuts:
        said.append(
            Message(N_("Le prix de « %(name)s » a été baissé le %(day)s."), name=name, day=day)
        )
    if gaps.revenue_ht.planned:
        said.append(
            Message(
                N_("Le chiffre d'affaires HT atteint %(percent)s %% du prévu."),
                percent=div_round(gaps.revenue_ht.ratio_bp or 0, 100),
            )
        )
    if gaps.expenses.actual == 0 and gaps.expenses.planned > 0:
        said.append(
            Message(
                N_(
                    "Aucune dépense n'est encore saisie : tant que les achats manquent,"
                    " le résultat réel paraît meilleur qu'il n'est."
                )
            )
        )
    elif gaps.expenses.gap > 0:
        said.append(
            Message(N_("Les dépenses dépassent le prévu de %(amount)s."), amount=gaps.expenses.gap)
        )
    gap = gaps.result.gap
    if gap > 0:
        said.append(Message(N_("Le résultat est de %(amount)s au-dessus du prévu."), amount=gap))
    elif gap < 0:
        said.append(Message(N_("Le résultat est de %(amount)s en dessous du prévu."), amount=-gap))
    else:
        said.append(Message(N_("Le résultat est exactement celui du prévu.")))
    if gaps.pay:
        if gaps.result.actual >= gaps.pay:
            said.append(Message(N_("Il paie la rémunération visée et la contribution à la CAE.")))
        else:
            said.append(
                Message(
                    N_(
                        "Il ne paie pas toute la rémunération visée et la contribution à la CAE :"
                        " il manque %(amount)s."
                    ),
                    amount=gaps.pay - max(gaps.result.actual, 0),
                )
            )
    return said
