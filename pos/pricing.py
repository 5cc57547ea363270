"""Pricing as members learn it: unit cost, taux de marge, taux de marque, coefficient, break-even.

Costs are HT (excluding VAT) in integer cents; rates are integer basis points (15000 = 150 %).

Rounding happens in one place, the way a stall sets prices:
1. a price TTC is computed from the exact fraction (cost x rate x VAT) and rounded half up to
   the cent, once;
2. the price HT is derived from that TTC with ``money.split_vat``, exactly as on receipts, so
   price HT + VAT = price TTC to the cent;
3. the rates on the sheet are recomputed from those rounded prices (the rates the member really
   gets), rounded half up to the basis point; the coefficient to two places.
Hence ``from_price_ttc(cost, vat, sheet.price_ttc) == sheet`` for every sheet built here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pos.i18n import N_
from pos.money import div_round, percent_of, split_vat

BP = 10_000  # 100 % in basis points


class InvalidPricing(ValueError):
    """A pricing input is out of range (negative cost, rate of 100 % or more, no units...)."""


@dataclass(frozen=True)
class PriceSheet:
    """One product's price and what it earns, rates side by side as members compare them."""

    unit_cost: int  # cents HT
    vat_rate: int  # bp
    price_ht: int
    price_ttc: int
    vat: int  # price_ttc - price_ht
    margin_per_unit: int  # price_ht - unit_cost (may be negative)
    taux_de_marge: int | None  # (price HT - cost) / cost, bp; None when the cost is 0
    taux_de_marque: int | None  # (price HT - cost) / price HT, bp; None when the price HT is 0
    coefficient: Decimal | None  # price TTC / cost HT, two places; None when the cost is 0
    fixed_costs: int
    break_even_units: int | None  # None when a unit earns nothing


@dataclass(frozen=True)
class WhatIf:
    """The week's projection if the stock left sold at a new price (stock already paid for)."""

    sheet: PriceSheet  # the new price against the unit cost
    stock_left: int
    projected_units: int  # sold so far + stock left
    revenue_left_ttc: int
    revenue_left_ht: int
    projected_revenue_ht: int
    projected_revenue_ttc: int | None  # None unless the TTC sold so far is given
    projected_costs: int  # costs so far + fixed costs
    projected_result: int  # projected revenue HT - projected costs
    # Units still to sell at the new price (None: never at this price), three different goals:
    units_to_break_even: int | None  # the margin covers the fixed costs (seuil de rentabilité)
    units_to_cover_stock: int | None  # the revenue HT covers the cost of all the goods made
    units_to_cover_all: int | None  # both: the week's result reaches zero
    covers_all: bool  # selling all the stock left at this price leaves a result >= 0
    fixed_share_bp: int | None  # this product's margin, all stock sold, over the fixed costs


@dataclass(frozen=True)
class SignPrices:
    """A computed price TTC and the prices a stall would write on its sign, step apart."""

    step: int  # cents: 10, 50 or 100
    exact: PriceSheet
    below: PriceSheet
    above: PriceSheet
    suggested: PriceSheet  # the nearest of below and above (half way: above)

    @property
    def margin_per_unit_change(self) -> int:
        """What rounding does to the margin per unit, cents (negative: less)."""
        return self.suggested.margin_per_unit - self.exact.margin_per_unit

    @property
    def taux_de_marge_change(self) -> int | None:
        """What rounding does to the taux de marge, basis points."""
        return _change(self.suggested.taux_de_marge, self.exact.taux_de_marge)

    @property
    def taux_de_marque_change(self) -> int | None:
        """What rounding does to the taux de marque, basis points."""
        return _change(self.suggested.taux_de_marque, self.exact.taux_de_marque)


SIGN_STEPS = (10, 50, 100)  # 0,10 €, 0,50 €, 1,00 €


def _change(new: int | None, old: int | None) -> int | None:
    return None if new is None or old is None else new - old


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidPricing(message)


def unit_cost(materials_cents: int, units: int) -> int:
    """Cost price of one unit: the batch's variable costs over the units made, rounded half up."""
    _require(materials_cents >= 0, N_("Le coût des matières ne peut pas être négatif."))
    _require(units > 0, N_("Indiquez un nombre d'unités produites supérieur à zéro."))
    return div_round(materials_cents, units)


def break_even_units(fixed_costs: int, margin_per_unit: int) -> int | None:
    """Units to sell so that unit margins cover the fixed costs (rounded up); None if no margin."""
    _require(fixed_costs >= 0, N_("Les charges fixes ne peuvent pas être négatives."))
    if margin_per_unit <= 0:
        return None
    return -(-fixed_costs // margin_per_unit)


def fixed_costs(stall_fee: int, target_pay: int, cae_contribution: int) -> int:
    """The week's fixed costs: stall fee, the pay the members aim for and the CAE's contribution."""
    parts = (stall_fee, target_pay, cae_contribution)
    _require(
        all(part >= 0 for part in parts), N_("Les charges fixes ne peuvent pas être négatives.")
    )
    return sum(parts)


def _check_prices(cost: int, vat: int, fixed: int) -> None:
    _require(cost >= 0, N_("Le coût unitaire ne peut pas être négatif."))
    _require(vat >= 0, N_("Le taux de TVA ne peut pas être négatif."))
    _require(fixed >= 0, N_("Les charges fixes ne peuvent pas être négatives."))


def from_price_ttc(cost: int, vat: int, price_ttc: int, fixed_costs: int = 0) -> PriceSheet:
    """Everything a price TTC earns on a unit cost: the inverse of from_markup/from_margin_rate."""
    _check_prices(cost, vat, fixed_costs)
    _require(price_ttc >= 0, N_("Le prix ne peut pas être négatif."))
    line = split_vat(price_ttc, vat)
    margin = line.base - cost
    return PriceSheet(
        unit_cost=cost,
        vat_rate=vat,
        price_ht=line.base,
        price_ttc=price_ttc,
        vat=line.vat,
        margin_per_unit=margin,
        taux_de_marge=div_round(margin * BP, cost) if cost else None,
        taux_de_marque=div_round(margin * BP, line.base) if line.base else None,
        coefficient=Decimal(div_round(price_ttc * 100, cost)).scaleb(-2) if cost else None,
        fixed_costs=fixed_costs,
        break_even_units=break_even_units(fixed_costs, margin),
    )


def from_markup(cost: int, vat: int, taux_de_marge_bp: int, fixed_costs: int = 0) -> PriceSheet:
    """The price that puts a taux de marge (markup on the cost HT) on a unit cost."""
    _check_prices(cost, vat, fixed_costs)
    _require(cost > 0, N_("Indiquez un coût unitaire supérieur à zéro."))
    _require(taux_de_marge_bp >= -BP, N_("Un taux de marge sous -100 % donnerait un prix négatif."))
    price_ttc = div_round(cost * (BP + taux_de_marge_bp) * (BP + vat), BP * BP)
    return from_price_ttc(cost, vat, price_ttc, fixed_costs)


def from_margin_rate(
    cost: int, vat: int, taux_de_marque_bp: int, fixed_costs: int = 0
) -> PriceSheet:
    """The price that makes a taux de marque (margin share of the price HT) on a unit cost."""
    _check_prices(cost, vat, fixed_costs)
    _require(cost > 0, N_("Indiquez un coût unitaire supérieur à zéro."))
    _require(taux_de_marque_bp < BP, N_("Le taux de marque doit rester sous 100 %."))
    price_ttc = div_round(cost * (BP + vat), BP - taux_de_marque_bp)
    return from_price_ttc(cost, vat, price_ttc, fixed_costs)


def apply_markdown(price_ttc: int, percent_bp: int) -> int:
    """A price TTC after a markdown: the discount is rounded half up to the cent, floor at 0."""
    _require(price_ttc >= 0, N_("Le prix ne peut pas être négatif."))
    _require(percent_bp >= 0, N_("Une démarque ne peut pas être négative."))
    return max(0, price_ttc - percent_of(price_ttc, percent_bp))


def sign_price(price_ttc: int, step: int = 10) -> int:
    """The price a stall writes on its sign: the nearest multiple of the step (half way: up)."""
    _require(step in SIGN_STEPS, N_("Choisissez un arrondi de 0,10 €, 0,50 € ou 1,00 €."))
    _require(price_ttc >= 0, N_("Le prix ne peut pas être négatif."))
    return (price_ttc + step // 2) // step * step


def sign_prices(
    cost: int, vat: int, price_ttc: int, step: int = 10, fixed_costs: int = 0
) -> SignPrices:
    """The exact price, the sign prices just below and above it, and the one suggested."""
    below = price_ttc // step * step if step in SIGN_STEPS else 0
    sign_price(price_ttc, step)  # checks the step and the price

    def sheet(price: int) -> PriceSheet:
        return from_price_ttc(cost, vat, price, fixed_costs)

    low = sheet(below)
    high = low if below == price_ttc else sheet(below + step)
    return SignPrices(
        step=step,
        exact=sheet(price_ttc),
        below=low,
        above=high,
        suggested=low if sign_price(price_ttc, step) == below else high,
    )


def _units_to_cover(gap: int, price_ttc: int, vat: int) -> int | None:
    # Smallest k with split_vat(k * price_ttc, vat).base >= gap, i.e. the HT before rounding
    # reaches gap - 1/2: the same split as the projected revenue, so both always agree.
    if gap <= 0:
        return 0
    if price_ttc <= 0:
        return None
    return -(-(2 * gap - 1) * (BP + vat) // (2 * price_ttc * BP))


def _units_for_margin(gap: int, price_ttc: int, vat: int, cost: int) -> int | None:
    # Smallest k with split_vat(k * price_ttc, vat).base - k * cost >= gap: the margin of k more
    # units, split once as the stock left is. Solved exactly, then nudged over the rounding.
    if gap <= 0:
        return 0
    per_unit = Fraction(price_ttc * BP, BP + vat) - cost
    if per_unit <= 0:
        return None

    def enough(k: int) -> bool:
        return split_vat(k * price_ttc, vat).base - k * cost >= gap

    k = max(0, -(-Fraction(gap) // per_unit) - 1)
    while not enough(k):
        k += 1
    while k > 0 and enough(k - 1):
        k -= 1
    return int(k)


def what_if(
    new_price_ttc: int,
    vat: int,
    unit_cost: int,
    stock_left: int,
    sold_so_far_units: int,
    revenue_so_far_ht: int,
    costs_so_far: int,
    fixed_costs: int,
    *,
    revenue_so_far_ttc: int | None = None,
    sold_cost: int | None = None,
) -> WhatIf:
    """Project the week if the stock left sells at a new price TTC.

    ``costs_so_far`` is the cost of all the goods made (sold and left): the stock left is
    already made, so each unit still sold adds its price HT to the result. ``sold_cost`` is the
    cost of the units sold so far (default: those units at ``unit_cost``). The break-even is
    about the fixed costs only: the margin (price HT - unit cost) of the units sold covers them.
    The stock left's revenue is split once (one VAT rate).
    """
    _require(
        min(stock_left, sold_so_far_units, costs_so_far) >= 0, N_("Valeur négative impossible.")
    )
    sheet = from_price_ttc(unit_cost, vat, new_price_ttc, fixed_costs)
    left = split_vat(new_price_ttc * stock_left, vat)
    costs = costs_so_far + fixed_costs
    result = revenue_so_far_ht + left.base - costs
    if sold_cost is None:
        sold_cost = sold_so_far_units * unit_cost
    margin_so_far = revenue_so_far_ht - sold_cost
    contribution = result + fixed_costs
    return WhatIf(
        sheet=sheet,
        stock_left=stock_left,
        projected_units=sold_so_far_units + stock_left,
        revenue_left_ttc=left.total,
        revenue_left_ht=left.base,
        projected_revenue_ht=revenue_so_far_ht + left.base,
        projected_revenue_ttc=None
        if revenue_so_far_ttc is None
        else revenue_so_far_ttc + left.total,
        projected_costs=costs,
        projected_result=result,
        units_to_break_even=_units_for_margin(
            fixed_costs - margin_so_far, new_price_ttc, vat, unit_cost
        ),
        units_to_cover_stock=_units_to_cover(costs_so_far - revenue_so_far_ht, new_price_ttc, vat),
        units_to_cover_all=_units_to_cover(costs - revenue_so_far_ht, new_price_ttc, vat),
        covers_all=result >= 0,
        fixed_share_bp=div_round(max(contribution, 0) * BP, fixed_costs) if fixed_costs else None,
    )
