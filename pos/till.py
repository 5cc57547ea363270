"""The till's arithmetic: counting by denomination, expected cash, and the Z's totals.

Pure functions over plain dicts of journal entries (as pos.db.sales.get_sale returns them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from pos.booking import drawer_effect
from pos.errors import ClosingNotAllowed
from pos.i18n import N_
from pos.money import VatLine, vat_table
from pos.numbers import is_digits
from pos.payment_methods import moves_drawer

# French coins and notes, in cents, from 1 cent to 500 €.
DENOMINATIONS = (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1)
MOVEMENT_KINDS = ("in", "out")
# The counting pad reads as a drawer: notes then coins, largest first; 200 and 500 € are rare.
NOTES = (10000, 5000, 2000, 1000, 500)
COINS = (200, 100, 50, 20, 10, 5, 2, 1)
RARE_NOTES = (20000, 50000)


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
        if not is_digits(raw) or int(raw) > 100000:
            errors[key] = N_("Indiquez un nombre entier de pièces ou de billets.")
            continue
        if int(raw):
            counts[denomination] = int(raw)
    return counts, errors


def cash_effect(entry: dict) -> int:
    """What an entry put in (or took from) the cash drawer: cash paid minus change."""
    cash = sum(p["amount"] for p in entry["payments"] if moves_drawer(p["method"]))
    return cash - entry["change"]


def expected_cash(float_total: int, entries: Iterable[dict], movements: Iterable[int]) -> int:
    """Float + cash sales − cash refunds ± cash movements."""
    return float_total + sum(cash_effect(e) for e in entries) + sum(movements)


@dataclass
class DayTotals:
    """Everything a Z closure states about a day (all amounts in cents).

    `sales_count` is every sale recorded, voided ones included: « Ventes » is `count()`.
    """

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

    def count(self) -> SalesCount:
        """« Ventes » with voids and refunds beside, as every screen says it."""
        return sales_count(self.sales_count, self.voids_count, self.refunds_count)

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


@dataclass(frozen=True)
class SalesCount:
    """« Ventes » as the Z, the dashboard and the Caisse screen say it, voids and refunds beside."""

    sales: int
    voids: int
    refunds: int


def sales_count(recorded: int, voids: int, refunds: int = 0) -> SalesCount:
    """Sales that stand: the sales recorded minus those voided; a refund keeps its sale counted."""
    return SalesCount(max(recorded - voids, 0), voids, refunds)


def sales_count_of(totals: dict) -> SalesCount:
    """« Ventes » of a Z's (or an X's) stored totals."""
    return sales_count(totals["sales_count"], totals["voids_count"], totals["refunds_count"])


@dataclass(frozen=True)
class CashDifference:
    """A count set against the cash expected: the difference (counted − expected) and whether
    it must be explained (above the threshold set in Réglages, either way)."""

    counted: int
    expected: int
    amount: int
    needs_reason: bool


def cash_difference(counted: int, expected: int, threshold: int = 0) -> CashDifference:
    """The Z-difference rule, its one home: counted − expected, explained above the threshold."""
    amount = counted - expected
    return CashDifference(counted, expected, amount, abs(amount) > threshold)


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


# --- Who closes the Z, and how often --------------------------------------------------------


def allowed_closers(settings: dict[str, str]) -> set[int]:
    """The members (ids) an admin allowed, in Réglages, to close the Z and print an X."""
    return {int(part) for part in settings.get("z_closers", "").split(",") if is_digits(part)}


def may_close_day(member: dict, settings: dict[str, str]) -> bool:
    """An admin closes the Z and prints the X; so does a member an admin allowed.

    The Caisse screen (its buttons), the routes and the X report all ask this one function.
    """
    return member.get("role") == "admin" or member["id"] in allowed_closers(settings)


def shows_expected_cash(settings: dict[str, str]) -> bool:
    """Blind count (the default): the cash expected appears only once a count is confirmed."""
    return settings.get("show_expected_cash") == "1"


def closures_on_day(period: str, day_periods: Iterable[str]) -> int:
    """How many Zs already closed a till day of this calendar day: a second one needs a reason."""
    return sum(1 for p in day_periods if p == period)


def same_day_refusal(earlier: int, confirmed: bool, reason: str) -> str | None:
    """A second Z on one calendar day needs a confirmation and a reason: the refusal, or None."""
    if earlier and not (confirmed and reason.strip()):
        return N_(
            "Un Z a déjà clôturé une journée de caisse ce jour-là : cochez la confirmation "
            "et dites pourquoi vous en faites un autre."
        )
    return None


def close_refusals(
    member: dict, settings: dict[str, str], earlier: int, confirmed: bool, reason: str
) -> dict[str, str]:
    """What stops this member's Z, per field (empty: nothing): `member` when they may not
    close it (`may_close_day`), `same_day_reason` when a Z already closed a till day of this
    calendar day (`earlier`) and the confirmation or the reason is missing.

    The Caisse screen, the close route and the store (pos/db/till.close_day, which every
    path goes through) all ask this one function.
    """
    refusals: dict[str, str] = {}
    if not may_close_day(member, settings):
        refusals["member"] = ClosingNotAllowed().msgid
    if refusal := same_day_refusal(earlier, confirmed, reason):
        refusals["same_day_reason"] = refusal
    return refusals


# --- Shifts and members ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    """One member's turn at the till, from the opening or a handover to the next one (or the Z).

    `difference` is what the count ending the shift adds to the drawer's difference since the
    previous count (None when the shift ended without a count: its difference then shows at the
    next count, which covers both shifts). `first_difference` is that same figure as the first
    count of a recount showed it (None when there was no recount): a recount never erases it.
    """

    member_id: int | None
    member: str
    started_at: str
    ended_at: str | None
    counted: int | None
    expected: int | None
    difference: int | None
    first_difference: int | None = None


def shifts(opened: dict, handovers: Iterable[dict], close: dict | None = None) -> list[Shift]:
    """The day's shifts from the opening (`opened`: member_id, member, at), the handovers in
    order (from/to member ids and names, created_at, counted, expected) and the close count
    (member_id, member, created_at, counted, expected) when there is one; each end may carry
    the first count made before a recount (first_counted, first_expected)."""
    out: list[Shift] = []
    holder = (opened.get("member_id"), opened.get("member") or "")
    start, last_difference = opened["at"], 0  # the float was counted: no difference at opening
    ends = [
        ((h["from_member"], h["from_name"]), h, (h["to_member"], h["to_name"])) for h in handovers
    ]
    if close is not None:
        ends.append(((close["member_id"], close["member"]), close, None))
    for giver, end, taker in ends:
        # A handover's shift is the giver's (they count); the last one is whoever took over.
        member = giver if taker is not None or holder[0] is None else holder
        own = first = None
        if end.get("counted") is not None:
            if end.get("first_counted") is not None and (
                end["first_counted"],
                end["first_expected"],
            ) != (end["counted"], end["expected"]):
                seen = cash_difference(end["first_counted"], end["first_expected"]).amount
                first = seen - last_difference
            cumulative = cash_difference(end["counted"], end["expected"]).amount
            own, last_difference = cumulative - last_difference, cumulative
        counted, expected = end.get("counted"), end.get("expected")
        out.append(Shift(*member, start, end["created_at"], counted, expected, own, first))
        if taker is not None:
            holder, start = taker, end["created_at"]
    if close is None:
        out.append(Shift(*holder, start, None, None, None, None))
    return out


COUNT_OF_KIND = {"sale": "sales_count", "void": "voids_count", "refund": "refunds_count"}


def member_figures(
    entries: Iterable[dict], movements: Iterable[dict], day_shifts: Iterable[Shift]
) -> list[dict]:
    """Per member who sold (or moved cash, or held the till): « Ventes », totals by method,
    cash in and out of the drawer, and the counted difference of their shifts. The members'
    figures add up to the day's."""
    rows: dict[int | None, dict] = {}

    def row(member_id: int | None, name: str) -> dict:
        return rows.setdefault(
            member_id,
            {
                "member_id": member_id,
                "member": name,
                "sales_count": 0,
                "voids_count": 0,
                "refunds_count": 0,
                "net_total": 0,
                "by_method": defaultdict(int),
                "cash_in": 0,
                "cash_out": 0,
                "difference": None,
                "shifts": 0,
            },
        )

    for entry in entries:
        mine = row(entry.get("member_id"), entry.get("seller") or "")
        mine[COUNT_OF_KIND[entry["kind"]]] += 1
        mine["net_total"] += entry["total"]
        for p in entry["payments"]:
            mine["by_method"][p["method"]] += p["amount"]
        if entry["change"]:
            mine["by_method"]["cash"] -= entry["change"]
    for move in movements:
        effect = drawer_effect(
            move.get("kind", "other"), move.get("method", "cash"), move["amount"]
        )
        if effect:  # a change swap, a cheque deposit: no cash in or out of the drawer
            mine = row(move.get("member_id"), move.get("member") or "")
            mine["cash_in" if effect > 0 else "cash_out"] += abs(effect)
    for shift in day_shifts:
        if shift.member_id is None and shift.difference is None:
            continue  # an open shift of a till opened by nobody known: nothing to say yet
        mine = row(shift.member_id, shift.member)
        mine["shifts"] += 1
        if shift.difference is not None:
            mine["difference"] = (mine["difference"] or 0) + shift.difference
    for mine in rows.values():
        mine["by_method"] = dict(sorted(mine["by_method"].items()))
    return sorted(rows.values(), key=lambda r: (r["member"].casefold(), r["member_id"] or 0))


def day_report(
    day: dict,
    entries: list[dict],
    movements: list[dict],
    handovers: list[dict],
    close: dict | None = None,
) -> dict:
    """What the X prints now and the Z keeps: the day's totals, per member and per shift.

    `day`: the till day (float_total, opened_at, opened_by, opener's name as `opener`).
    """
    report = day_totals(entries).as_dict()
    opened = {
        "member_id": day.get("opened_by"),
        "member": day.get("opener") or "",
        "at": day["opened_at"],
    }
    day_shifts = shifts(opened, handovers, close)
    report["by_member"] = member_figures(entries, movements, day_shifts)
    report["shifts"] = [asdict(s) for s in day_shifts]
    return report
