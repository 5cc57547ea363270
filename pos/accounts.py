"""The week's accounts: the period, the bilan, the dashboard's figures. Pure, in integer cents.

Sales are read from the database as sums per UTC hour (the stored times are UTC), and turned
here into local days, so that a day in Paris is a day in the bilan, the dashboard and the FEC.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pos import clock, till
from pos.money import VatLine, allocate, div_round, exact_base, split_vat, vat_table
from pos.numbers import parse_day

WEEK_DAYS = 7
EXPENSE_CATEGORIES = ("materials", "stall_fee", "transport", "communication", "other")


@dataclass(frozen=True)
class Period:
    """Local dates from start to end, both included; None leaves that side open."""

    start: date | None = None
    end: date | None = None

    def utc_bounds(self) -> tuple[str, str]:
        """ISO UTC strings [from, to) comparable with the stored created_at texts."""
        low = _utc_midnight(self.start) if self.start else ""
        high = _utc_midnight(self.end + timedelta(days=1)) if self.end else "~"
        return low, high

    def date_bounds(self) -> tuple[str, str]:
        """ISO dates [from, to] for columns holding a plain date (expenses, hours)."""
        low = self.start.isoformat() if self.start else "0000-01-01"
        high = self.end.isoformat() if self.end else "9999-12-31"
        return low, high

    def days(self) -> list[date]:
        """Each date of a closed period."""
        if not (self.start and self.end):
            return []
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _utc_midnight(day: date) -> str:
    local = datetime.combine(day, time(0), tzinfo=clock.LOCAL)
    return local.astimezone(UTC).isoformat(timespec="microseconds")


def week_of(week_start: str, first_day: date | None, today: date) -> Period:
    """The Flashcoop week: the week_start setting, else the first till day, else today; 7 days."""
    try:  # a setting never stops a page: an unreadable week_start is as good as none
        start = parse_day(week_start)
    except ValueError:
        start = first_day or today
    return Period(start, start + timedelta(days=WEEK_DAYS - 1))


def local_hour(utc_hour: str) -> tuple[date, int]:
    """A stored UTC hour prefix ("2025-06-14T08") as the local (date, hour)."""
    moment = clock.local_hour(utc_hour)
    return moment.date(), moment.hour


def daily_by_key(rows: Iterable[tuple[str, object, int]]) -> dict[date, dict]:
    """(utc hour, key, cents) sums as {local date: {key: cents}}, dates ascending."""
    days: dict[date, dict] = defaultdict(lambda: defaultdict(int))
    for hour, key, cents in rows:
        days[local_hour(hour)[0]][key] += cents
    return {day: dict(days[day]) for day in sorted(days)}


def revenue_by_rate(daily: Mapping[object, Mapping[int, int]]) -> list[VatLine]:
    """Per rate, the sum of each till day's exact split (as its Z and the FEC split it)."""
    base: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    for by_rate in daily.values():
        for line in vat_table(dict(by_rate)):
            base[line.rate] += line.base
            total[line.rate] += line.total
    return [VatLine(r, base[r], total[r] - base[r], total[r]) for r in sorted(total)]


def revenue_ht_by_product(
    days: Mapping[object, Mapping[int, Mapping[int, int]]],
) -> dict[int, int]:
    """Each product's revenue HT from {till day: {rate: {product id: TTC}}}: every till day's
    rate split (`revenue_by_rate`, the Z's and the FEC's) shared over its products by largest
    remainder, so that the products add up to the bilan's revenue HT to the cent. The
    dashboard, the bilan's product lines and anything else showing a product's HT use this.
    """
    out: dict[int, int] = defaultdict(int)
    for by_rate in days.values():
        for line in vat_table({rate: sum(p.values()) for rate, p in by_rate.items()}):
            products = list(by_rate[line.rate].items())
            bases = allocate(line.base, [exact_base(ttc, line.rate) for _p, ttc in products])
            for (pid, _ttc), base in zip(products, bases, strict=True):
                out[pid] += base
    return dict(out)


@dataclass(frozen=True)
class ExpenseLine:
    """One category's expenses: HT + VAT = TTC, each invoice split on its own."""

    category: str
    count: int
    ht: int
    vat: int
    ttc: int


def revenue_by_kind(days: Mapping[object, Mapping[tuple[str, int], int]]) -> dict[str, int]:
    """HT per sales kind ("products" 701, "goods" 707), each day's rate split as in the FEC."""
    out: dict[str, int] = defaultdict(int)
    for by_kind_rate in days.values():
        rates: dict[int, int] = defaultdict(int)
        for (_, rate), total in by_kind_rate.items():
            rates[rate] += total
        for line in vat_table(dict(rates)):
            kinds = sorted(k for (k, r), t in by_kind_rate.items() if r == line.rate and t)
            exacts = [exact_base(by_kind_rate[(k, line.rate)], line.rate) for k in kinds]
            for kind, ht in zip(kinds, allocate(line.base, exacts), strict=True):
                out[kind] += ht
    return dict(sorted(out.items(), key=lambda kv: kv[0] != "products"))


@dataclass(frozen=True)
class StockValue:
    """A product left unsold, valued at its unit cost (None: no cost known)."""

    name: str
    quantity: int
    unit_cost: int | None
    kind: str  # "products" (made: 355 / 7135) or "goods" (resold: 37 / 6037)

    @property
    def value(self) -> int:
        """quantity x unit cost, in cents (0 without a cost)."""
        return self.quantity * (self.unit_cost or 0)


@dataclass(frozen=True)
class ClosureLine:
    """A till day's Z as the bilan shows it; number None: the day is still open (provisional)."""

    number: int | None
    period: str
    net_total: int | None
    expected_cash: int | None
    counted_cash: int | None
    difference: int | None
    reason: str


@dataclass(frozen=True)
class Bilan:
    """The week's accounts. result = revenue HT - expenses HT (what the FEC says too)."""

    period: Period
    revenue: tuple[VatLine, ...]
    revenue_ttc: int
    revenue_ht: int
    vat_collected: int
    cost_of_goods: int
    lines_without_cost: int
    gross_margin: int
    expenses: tuple[ExpenseLine, ...]
    expenses_ht: int
    expenses_vat: int
    expenses_ttc: int
    result: int
    vat_due: int
    closures: tuple[ClosureLine, ...]
    cash_difference: int  # booked: shortfalls (658) negative, surpluses (758) positive
    revenue_kinds: tuple[tuple[str, int], ...] = ()
    stock: tuple[StockValue, ...] = ()
    stock_value: int = 0
    stock_in_result: bool = False
    has_open_day: bool = False

    @property
    def shortfalls(self) -> int:
        """The Z's shortfalls (négative), booked to 658."""
        return sum(min(c.difference or 0, 0) for c in self.closures)

    @property
    def surpluses(self) -> int:
        """The Z's surpluses, booked to 758."""
        return sum(max(c.difference or 0, 0) for c in self.closures)

    @property
    def is_loss(self) -> bool:
        """Whether the period lost money (a result of zero or below)."""
        return self.result <= 0


def expenses_by_category(expenses: Iterable[Mapping]) -> list[ExpenseLine]:
    """Group expenses (total TTC, vat_rate) by category, splitting each with money.split_vat."""
    sums: dict[str, list[int]] = {}
    for expense in expenses:
        line = split_vat(expense["total"], expense["vat_rate"])
        acc = sums.setdefault(expense["category"], [0, 0, 0, 0])
        for i, value in enumerate((1, line.base, line.vat, line.total)):
            acc[i] += value
    order = {name: i for i, name in enumerate(EXPENSE_CATEGORIES)}
    return [
        ExpenseLine(cat, *values)
        for cat, values in sorted(sums.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
    ]


def make_bilan(
    period: Period,
    daily_sales: Mapping[date, Mapping[int, int]],
    cost_of_goods: int,
    lines_without_cost: int,
    expenses: Iterable[Mapping],
    closures: Iterable[ClosureLine] = (),
    *,
    by_account: Mapping[object, Mapping[tuple[str, int], int]] | None = None,
    stock: Iterable[StockValue] = (),
    stock_in_result: bool = False,
) -> Bilan:
    """The bilan of a period from its till days' sales per rate, the cost sold, expenses.

    The gross margin (revenue HT - cost of goods sold) is a margin indicator; the result is
    revenue HT - expenses HT + the Z's cash differences (as booked to 758 / 658), because the
    materials behind the cost of goods were bought as expenses: counting both would count them
    twice. With stock_in_result, the unsold stock's value is added (variation of stock, 7135:
    the week starts with none).
    """
    revenue = revenue_by_rate(daily_sales)
    by_category = expenses_by_category(expenses)
    revenue_ht = sum(line.base for line in revenue)
    vat = sum(line.vat for line in revenue)
    expenses_ht = sum(e.ht for e in by_category)
    expenses_vat = sum(e.vat for e in by_category)
    closed = tuple(closures)
    difference = sum(c.difference or 0 for c in closed if c.number is not None)
    left = tuple(stock)
    stock_value = sum(item.value for item in left)
    return Bilan(
        period=period,
        revenue=tuple(revenue),
        revenue_ttc=revenue_ht + vat,
        revenue_ht=revenue_ht,
        vat_collected=vat,
        cost_of_goods=cost_of_goods,
        lines_without_cost=lines_without_cost,
        gross_margin=revenue_ht - cost_of_goods,
        expenses=tuple(by_category),
        expenses_ht=expenses_ht,
        expenses_vat=expenses_vat,
        expenses_ttc=expenses_ht + expenses_vat,
        result=revenue_ht - expenses_ht + difference + (stock_value if stock_in_result else 0),
        vat_due=vat - expenses_vat,
        closures=closed,
        cash_difference=difference,
        revenue_kinds=tuple(revenue_by_kind(by_account or {}).items()),
        stock=left,
        stock_value=stock_value,
        stock_in_result=stock_in_result,
        has_open_day=any(c.number is None for c in closed),
    )


# --- The dashboard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Revenue (TTC, net of voids and refunds), sales not voided, and the average basket;
    voids and refunds beside the count (pos.till.sales_count, as on the Z)."""

    revenue: int
    sales: int
    average_basket: int
    voids: int = 0
    refunds: int = 0


def figures(revenue: int, sales: int, voids: int, refunds: int = 0) -> Figures:
    """A period's headline figures; « Ventes » counted as the Z counts them."""
    count = till.sales_count(sales, voids, refunds)
    average = div_round(revenue, count.sales) if count.sales else 0
    return Figures(revenue, count.sales, average, count.voids, count.refunds)


@dataclass(frozen=True)
class ProductFigure:
    """A product's net quantity and revenue over the period."""

    name: str
    quantity: int
    revenue: int


@dataclass(frozen=True)
class StockFigure:
    """A tracked product: how many were produced (initial + batches) and how many are left."""

    name: str
    produced: int
    left: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the live dashboard shows."""

    today: date
    week: Period
    day: Figures
    week_figures: Figures
    hours_today: tuple[tuple[int, int], ...]
    hours_week: tuple[tuple[int, int], ...]
    top_products: tuple[ProductFigure, ...]
    stock: tuple[StockFigure, ...]
    goal: int
    goal_bp: int  # progress toward the goal in basis points (may pass 10000)

    @property
    def goal_percent(self) -> int:
        """Progress toward the goal in whole percent, rounded."""
        return div_round(self.goal_bp, 100)


def by_local_hour(
    rows: Iterable[tuple[str, int]], *, only: date | None = None, opening: tuple[int, int] = (8, 19)
) -> tuple[tuple[int, int], ...]:
    """(utc hour, cents) sums as ((local hour, cents), ...), the stall's hours and any other."""
    sums: dict[int, int] = defaultdict(int)
    for hour, cents in rows:
        day, local = local_hour(hour)
        if only is None or day == only:
            sums[local] += cents
    first = min([opening[0], *sums])
    last = max([opening[1], *sums])
    return tuple((h, sums.get(h, 0)) for h in range(first, last + 1))


def goal_progress(revenue: int, goal: int) -> int:
    """Revenue as basis points of the goal (0 when there is no goal)."""
    return div_round(max(revenue, 0) * 10_000, goal) if goal > 0 else 0


# --- Hours worked ------------------------------------------------------------------------------

_DURATION = re.compile(r"^(\d{1,2})(?:[.,](\d{1,2})|\s*[h:]\s*(\d{0,2}))?$")


class InvalidHours(ValueError):
    """The text is not a duration of at most 24 hours ("3", "3,5", "3h30", "3:30")."""


def parse_minutes(text: str) -> int:
    """A duration typed by a member as minutes: "3" -> 180, "3,5" -> 210, "3h30" -> 210."""
    raw = (text or "").strip().lower().replace(" ", "")
    if not raw:
        return 0
    match = _DURATION.match(raw)
    if not match:
        raise InvalidHours(raw)
    hours, fraction, minutes = match.groups()
    total = int(hours) * 60
    if fraction:
        total += div_round(int(fraction) * 60, 10 ** len(fraction))
    if minutes:
        if int(minutes) >= 60:
            raise InvalidHours(raw)
        total += int(minutes)
    if total > 24 * 60:
        raise InvalidHours(raw)
    return total


def format_minutes(minutes: int) -> str:
    """Minutes as a member reads hours: 210 -> "3h30", 180 -> "3h", 0 -> ""."""
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"
