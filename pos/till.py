"""The till's arithmetic: counting by denomination, expected cash, and the Z's totals.

Pure functions over plain dicts of journal entries (as pos.db.sales.get_sale returns them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pos.i18n import N_
from pos.money import VatLine, vat_table

# French coins and notes, in cents, from 1 cent to 500 €.
DENOMINATIONS = (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1)
MOVEMENT_KINDS = ("in", "out")


def count_total(counts: dict[int, int]) -> int:
    """The value of a count by denomination ({2000: 3, 50: 4} -> 6200)."""
    return sum(denomination * quantity for denomination, quantity in counts.items())


def parse_counts(form: dict[str, str]) -> tuple[dict[int, int], dict[str, str]]:
    """Read `n_<cents>` fields of a counting pad; errors per field in French."""
    counts: dict[int, int] = {}
    errors: dict[str, str] = {}
    for denomination in DENOMINATIONS:
        key = f"n_{denomination}"
        raw = str(form.get(key, "") or "0").strip()
        if not raw.isdigit() or int(raw) > 100000:
            errors[key] = N_("Indiquez un nombre entier de pièces ou de billets.")
            continue
        if int(raw):
            counts[denomination] = int(raw)
    return counts, errors


def cash_effect(entry: dict) -> int:
    """What an entry put in (or took from) the cash drawer: cash paid minus change."""
    cash = sum(p["amount"] for p in entry["payments"] if p["method"] == "cash")
    return cash - entry["change"]


def expected_cash(float_total: int, entries: Iterable[dict], movements: Iterable[int]) -> int:
    """Float + cash sales − cash refunds ± cash movements."""
    return float_total + sum(cash_effect(e) for e in entries) + sum(movements)


@dataclass
class DayTotals:
    """Everything a Z closure states about a day (all amounts in cents)."""

    sales_count: int = 0
    first_number: int | None = None
    last_number: int | None = None
    net_total: int = 0
    gross_sales: int = 0
    voids_count: int = 0
    voids_total: int = 0
    refunds_count: int = 0
    refunds_total: int = 0
    discounts: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    by_rate: list[VatLine] = field(default_factory=list)
    by_product: dict[str, dict[str, int]] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """A JSON-ready form (what the closure stores and hashes)."""
        return {
            "sales_count": self.sales_count,
            "first_number": self.first_number,
            "last_number": self.last_number,
            "net_total": self.net_total,
            "gross_sales": self.gross_sales,
            "voids_count": self.voids_count,
            "voids_total": self.voids_total,
            "refunds_count": self.refunds_count,
            "refunds_total": self.refunds_total,
            "discounts": self.discounts,
            "by_method": self.by_method,
            "by_rate": [
                {"rate": v.rate, "base": v.base, "vat": v.vat, "total": v.total}
                for v in self.by_rate
            ],
            "by_product": self.by_product,
            "by_channel": self.by_channel,
        }


def day_totals(entries: Iterable[dict]) -> DayTotals:
    """Add up a day's journal entries (sales, voids, refunds) into the Z's totals."""
    totals = DayTotals()
    methods: dict[str, int] = defaultdict(int)
    rates: dict[int, int] = defaultdict(int)
    products: dict[str, dict[str, int]] = {}
    channels: dict[str, int] = defaultdict(int)
    for entry in entries:
        _count_entry(totals, entry)
        for p in entry["payments"]:
            methods[p["method"]] += p["amount"]
        if entry["change"]:
            methods["cash"] -= entry["change"]
        channels[entry["channel"]] += entry["total"]
        for line in entry["lines"]:
            rates[line["vat_rate"]] += line["total"]
            product = products.setdefault(line["name"], {"quantity": 0, "total": 0})
            product["quantity"] += line["quantity"]
            product["total"] += line["total"]
    totals.by_method = dict(sorted(methods.items()))
    totals.by_rate = vat_table(dict(rates))
    totals.by_product = dict(sorted(products.items()))
    totals.by_channel = dict(sorted(channels.items()))
    return totals


def _count_entry(totals: DayTotals, entry: dict) -> None:
    number = entry["number"]
    totals.first_number = (
        number if totals.first_number is None else min(totals.first_number, number)
    )
    totals.last_number = number if totals.last_number is None else max(totals.last_number, number)
    totals.net_total += entry["total"]
    # the lines' discounts: a refund gives its share of the discount back (negative)
    totals.discounts += sum(line["discount"] for line in entry["lines"])
    if entry["kind"] == "sale":
        totals.sales_count += 1
        totals.gross_sales += entry["total"]
    elif entry["kind"] == "void":
        totals.voids_count += 1
        totals.voids_total += entry["total"]
    else:
        totals.refunds_count += 1
        totals.refunds_total += entry["total"]


def difference_needs_reason(difference: int, threshold: int) -> bool:
    """A cash difference above the threshold (either way) must be explained."""
    return abs(difference) > threshold


def sum_totals(parts: list[dict]) -> dict:
    """Add up closures' totals (as stored) into a period's totals: sums, never re-splits."""
    out: dict = {
        "sales_count": 0,
        "first_number": None,
        "last_number": None,
        "net_total": 0,
        "gross_sales": 0,
        "voids_count": 0,
        "voids_total": 0,
        "refunds_count": 0,
        "refunds_total": 0,
        "discounts": 0,
        "by_method": {},
        "by_rate": [],
        "by_product": {},
        "by_channel": {},
    }
    rates: dict[int, dict[str, int]] = {}
    for part in parts:
        for key in (
            "sales_count",
            "net_total",
            "gross_sales",
            "voids_count",
            "voids_total",
            "refunds_count",
            "refunds_total",
            "discounts",
        ):
            out[key] += part[key]
        for key, pick in (("first_number", min), ("last_number", max)):
            if part[key] is not None:
                out[key] = part[key] if out[key] is None else pick(out[key], part[key])
        for name in ("by_method", "by_channel"):
            for k, v in part[name].items():
                out[name][k] = out[name].get(k, 0) + v
        for name, figures in part["by_product"].items():
            mine = out["by_product"].setdefault(name, {"quantity": 0, "total": 0})
            mine["quantity"] += figures["quantity"]
            mine["total"] += figures["total"]
        for v in part["by_rate"]:
            mine = rates.setdefault(v["rate"], {"rate": v["rate"], "base": 0, "vat": 0, "total": 0})
            for k in ("base", "vat", "total"):
                mine[k] += v[k]
    out["by_rate"] = [rates[r] for r in sorted(rates)]
    for name in ("by_method", "by_channel", "by_product"):
        out[name] = dict(sorted(out[name].items()))
    return out
