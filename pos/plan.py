"""The prévisionnel: the week as planned, its income statement, break-even and financing.

Pure functions over integer cents (no Flask, no SQL), as members learn them on day two:

- forecast income statement: revenue HT (each product's planned sales split once at its VAT
  rate), cost of the goods sold, gross margin, cost of the goods made but not sold, the
  charges (stall fee, other lines), the result before pay, the target pay and the CAE's
  contribution, the result;
- break-even (seuil de rentabilité): fixed costs ÷ the gross margin rate, in revenue, and in
  units per product at the planned mix;
- financing plan: what must be paid before the first sale (materials, stall fee, float, other
  lines paid up front) against what the coop has or borrows.

During the week, ``pos.projection`` projects the sell-through and ``pos.plan_gaps`` sets the
week against the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from pos.accounts import Period
from pos.money import div_round, split_vat

BP = 10_000


class InvalidPlan(ValueError):
    """A plan figure is out of range (negative units, cost or amount)."""


def ceil(value: Fraction | int) -> int:
    """Rounded up to the unit (a Fraction or an int)."""
    return -(-Fraction(value).numerator // Fraction(value).denominator)


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
        break_even_units=ceil(Fraction(fixed_total * product.units_to_sell, margin_total))
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
    break_even_revenue = ceil(Fraction(fixed.total * revenue_ht, margin)) if earns else None
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


def plan_cover(plan_week: Period | None, asked: Period) -> str:
    """How the week a plan was made for meets the period a bilan is asked for: 'same' (that
    week: compare line by line), 'other' (some of its days, or more than them: a week's plan
    against other days would mislead, so nothing is compared), 'none' (no day in common, or
    no plan)."""
    if plan_week is None:
        return "none"
    if (asked.start, asked.end) == (plan_week.start, plan_week.end):
        return "same"
    low = asked.start or date.min
    high = asked.end or date.max
    if high < plan_week.start or low > plan_week.end:
        return "none"
    return "other"
