"""The week against the prévisionnel: planned against actual, and a reading of the gaps.

Pure functions (no Flask, no SQL): per product made, sold, revenue HT and margin on the
dashboard; the bilan's lines « prévu / réalisé / écart » and a few honest sentences at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pos.i18n import N_, Message
from pos.money import div_round
from pos.plan import BP, Forecast, ProductForecast


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
    actual_result: int | None = None,
) -> BilanGaps:
    """The bilan's lines beside the plan's; the result compares before the members' pay.

    ``revenue_by_rate`` is the actual {VAT rate: (HT, TTC)}; with it, each rate's revenue HT and
    the VAT collected get their own line. ``actual_result`` is the bilan's own result (which
    may count the Z's cash differences or the unsold stock); by default revenue HT - expenses HT.
    """
    materials = expenses_by_category.get("materials", 0)
    stall = expenses_by_category.get("stall_fee", 0)
    others = sum(v for k, v in expenses_by_category.items() if k not in ("materials", "stall_fee"))
    planned_others = sum(line.amount for line in plan.fixed.others)
    planned_expenses = plan.materials + plan.fixed.charges
    actual_expenses = materials + stall + others
    result = revenue_ht - actual_expenses if actual_result is None else actual_result
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
