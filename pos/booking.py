"""Which account each money movement reaches: the rules of the books, pure, in integer cents.

The till day is the accounting day: everything recorded while a till day is open (its sales,
its cash movements, its expenses, its repayments) is booked on the date that day opened and
validated by its Z. What happens while no day is open is booked and validated when recorded.

- sales: one VT entry per Z (see pos.fec.sales_day_entry);
- the float: what the opening float adds to (or takes from) the last Z's counted cash,
  debit 530 / credit the float's source (512 by default);
- cash movements: a change swap books nothing and leaves the expected cash alone; a bank
  deposit debits 512 and credits 530 (cash), 5112 (cheques) or 5115 (card slips); money brought
  by a member debits 530 and credits 467 with the member, money taken the reverse; an expense
  paid from the till and a repayment are booked by their own entries (AC, CA/BQ);
- the Z's cash difference: a shortfall debits 658, a surplus credits 758 (530 on the other side);
- expenses: 6xx HT + 44566 VAT, credit 530, 512 or 467 with the member who advanced it;
- repayments of an advance: debit 467 with the member, credit 530 (till) or 512 (bank).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pos.fec import FecLine, entry_builder, lookup
from pos.i18n import N_, Message
from pos.money import VatLine, allocate, exact_base
from pos.payment_methods import moves_drawer

MOVEMENT_KINDS = (
    "expense",
    "swap",
    "deposit",
    "member_in",
    "member_out",
    "float",
    "repayment",
    "other",
)
# The kinds a member types on the Caisse screen (the others come from their own screens).
TILL_FORM_KINDS = ("swap", "deposit", "member_in", "member_out", "float")


def drawer_effect(kind: str, method: str, amount: int) -> int:
    """What a cash movement does to the cash expected in the drawer (a swap: nothing)."""
    if kind == "swap" or (kind == "deposit" and not moves_drawer(method)):
        return 0
    return amount


def movement_sign(kind: str) -> int:
    """The sign a movement's amount takes in the drawer: + in, - out, 0 for a swap."""
    return {"swap": 0, "member_in": 1, "float": 1}.get(kind, -1)


def split_lines(totals: Sequence[int], rate_line: VatLine) -> list[VatLine]:
    """Each line's HT and VAT, adding up exactly to its rate's split (largest remainder).

    rate_line is the day's split of the rate (money.vat_table): the lines' totals must add
    up to its total. The HT is allocated, each line's VAT is its total minus its HT.
    """
    if sum(totals) != rate_line.total:
        raise ValueError("the lines do not add up to the rate's total")
    rate = rate_line.rate
    bases = allocate(rate_line.base, [exact_base(t, rate) for t in totals])
    return [VatLine(rate, b, t - b, t) for t, b in zip(totals, bases, strict=True)]


# --- Entries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    """An entry with the moment it is validated (its numbering order) and its ValidDate."""

    key: tuple
    valid_date: date
    lines: list[FecLine] = field(default_factory=list)


def number_entries(entries: Iterable[Booked]) -> list[list[FecLine]]:
    """Give each entry its EcritureNum: 1, 2, ... per journal, in order of validation.

    Numbering the whole history (from the coop's first entry) gives an entry the same number
    in every export, whatever its period. Returns the entries in validation order.
    """
    numbers: dict[str, int] = {}
    out = []
    for booked in sorted((b for b in entries if b.lines), key=lambda b: b.key):
        code = booked.lines[0].journal_code
        numbers[code] = numbers.get(code, 0) + 1
        out.append(
            [replace(ln, number=numbers[code], valid_date=booked.valid_date) for ln in booked.lines]
        )
    return out


def member_aux(member_id: int | None, name: str) -> tuple[str, str]:
    """A member's auxiliary account (CompAuxNum, CompAuxLib) under 467."""
    return (f"M{member_id:04d}" if member_id else "M0000", name or "?")


def day_label(day: date, z_number: int) -> str:
    """How an entry of a till day names it: "Journée du 04/12/2026 Z3"."""
    return f"Journée du {day:%d/%m/%Y} Z{z_number}"


def float_entry(
    day: date, z_number: int, delta: int, accounts: Mapping[str, Any]
) -> list[FecLine]:
    """The opening float beyond (or below) the last Z's counted cash: 530 against its source."""
    entry = entry_builder(accounts, "cash", day, f"Z{z_number}")
    text = f"{day_label(day, z_number)} fond de caisse"
    entry.add(accounts["paid_from"]["till"], delta, text)
    entry.add(accounts["float_source"], -delta, text)
    return entry.lines


def movement_entry(
    day: date, z_number: int, movement: Mapping[str, Any], accounts: Mapping[str, Any]
) -> list[FecLine]:
    """A cash movement's entry (journal CA); [] for those booked elsewhere or not at all.

    movement: id, kind, method, amount (signed, as it moved the drawer or the slips),
    reason, party_id and party (the member who brought or took it).
    """
    kind, amount, till = movement["kind"], movement["amount"], accounts["paid_from"]["till"]
    if kind in ("swap", "expense", "repayment"):
        return []
    entry = entry_builder(accounts, "cash", day, f"M{movement['id']}")
    text = f"{day_label(day, z_number)} {movement['reason']}"[:120]
    if kind == "deposit":
        method = movement["method"]
        source = till if moves_drawer(method) else lookup(accounts, "payments", method)
        entry.add(accounts["paid_from"]["bank"], -amount, text)
        entry.add(source, amount, text)
        return entry.lines
    other = {
        "member_in": accounts["paid_from"]["member"],
        "member_out": accounts["paid_from"]["member"],
        "float": accounts["float_source"],
    }.get(kind, accounts["payments"]["other"])
    aux = member_aux(movement.get("party_id"), movement.get("party", ""))
    entry.add(till, amount, text)
    entry.add(other, -amount, text, aux=aux if kind.startswith("member") else None)
    return entry.lines


def difference_entry(
    day: date, z_number: int, difference: int, accounts: Mapping[str, Any]
) -> list[FecLine]:
    """The Z's cash difference: a shortfall to 658, a surplus to 758, against 530."""
    entry = entry_builder(accounts, "cash", day, f"Z{z_number}")
    text = f"{day_label(day, z_number)} écart de caisse"
    other = accounts["shortfall"] if difference < 0 else accounts["surplus"]
    entry.add(accounts["paid_from"]["till"], difference, text)
    entry.add(other, -difference, text)
    return entry.lines


def repayment_entry(
    day: date, repayment: Mapping[str, Any], accounts: Mapping[str, Any]
) -> list[FecLine]:
    """A member's advance paid back: debit 467 (the member), credit 530 or 512 (CA or BQ)."""
    journal = "cash" if repayment["paid_from"] == "till" else "bank"
    entry = entry_builder(accounts, journal, day, f"R{repayment['id']}")
    text = f"Remboursement de l'avance de {repayment['member']}"[:120]
    aux = member_aux(repayment["member_id"], repayment["member"])
    entry.add(accounts["paid_from"]["member"], repayment["amount"], text, aux=aux)
    entry.add(accounts["paid_from"][repayment["paid_from"]], -repayment["amount"], text)
    return entry.lines


# --- Member advances --------------------------------------------------------------------------


@dataclass(frozen=True)
class Advance:
    """What a member advanced for the coop (expenses, cash brought), was repaid, is owed."""

    member_id: int
    name: str
    advanced: int
    repaid: int

    @property
    def owed(self) -> int:
        """What the coop still owes the member (negative: the member owes the coop)."""
        return self.advanced - self.repaid


@dataclass(frozen=True)
class AdvanceNow:
    """A member's advances as members read them now: the booked figures (closed days, as the
    FEC and member-advances.csv have them) plus what the open till day adds, provisional until
    its Z. What is owed now (the repayment limit) counts both: a repayment from the drawer
    today is never forgotten until the Z, so nobody is paid back twice."""

    booked: Advance
    pending: Advance | None = None

    @property
    def member_id(self) -> int:
        """The member."""
        return self.booked.member_id

    @property
    def name(self) -> str:
        """The member's name."""
        return self.booked.name

    @property
    def advanced(self) -> int:
        """Advanced, booked and provisional."""
        return self.booked.advanced + (self.pending.advanced if self.pending else 0)

    @property
    def repaid(self) -> int:
        """Repaid, booked and provisional."""
        return self.booked.repaid + (self.pending.repaid if self.pending else 0)

    @property
    def owed(self) -> int:
        """What the coop owes the member now."""
        return self.advanced - self.repaid


def advances_now(booked: Iterable[Advance], pending: Iterable[Advance]) -> list[AdvanceNow]:
    """Each member with a booked or a provisional advance, in the booked order then the new."""
    today = {a.member_id: a for a in pending if a.advanced or a.repaid}
    rows = [AdvanceNow(a, today.pop(a.member_id, None)) for a in booked]
    return rows + [AdvanceNow(Advance(a.member_id, a.name, 0, 0), a) for a in today.values()]


def advances(entries: Iterable[list[FecLine]], member_account: str) -> list[Advance]:
    """Per member, from the 467 lines: credits are advances, debits repayments."""
    sums: dict[str, list] = {}
    for entry in entries:
        for line in entry:
            if line.account == member_account and line.aux_num:
                acc = sums.setdefault(line.aux_num, [line.aux_lib, 0, 0])
                acc[1] += line.credit
                acc[2] += line.debit
    return [
        Advance(int(num[1:]), name, advanced, repaid)
        for num, (name, advanced, repaid) in sorted(sums.items(), key=lambda kv: kv[1][0])
    ]


# --- The reconciliation box -------------------------------------------------------------------

CHECK_LABELS = {
    "z_lines": N_("Z n° %(z)s : lignes de vente / total du Z"),
    "z_payments": N_("Z n° %(z)s : paiements − monnaie rendue / lignes de vente"),
    "z_fec": N_("Z n° %(z)s : ventes et TVA au crédit du FEC / total du Z"),
    "lines_payments": N_("Période : lignes de vente / paiements reçus − monnaie rendue"),
    "fec_sales": N_("Période : ventes et TVA au crédit du FEC / lignes des journées clôturées"),
    "closures_days": N_("Période : clôtures Z / journées de caisse"),
    "differences": N_("Période : écarts de caisse des Z / écarts comptabilisés (658, 758)"),
    "cash_530": N_("Solde du compte caisse (530) au FEC / espèces comptées au dernier Z"),
    "advances": N_("Avances des membres / remboursements + restant dû (467)"),
}


@dataclass(frozen=True)
class Check:
    """Two figures from independent sources that must be equal."""

    key: str
    left: int
    right: int
    z: int | None = None

    @property
    def ok(self) -> bool:
        """Whether both sources agree to the cent."""
        return self.left == self.right

    @property
    def label(self) -> Message:
        """What is compared, in French (translated at display)."""
        return Message(CHECK_LABELS[self.key], z=self.z)


@dataclass(frozen=True)
class Reconciliation:
    """The period's checks, its till days still open, and movements waiting to be classed."""

    checks: tuple[Check, ...]
    open_days: int = 0
    unclassified: int = 0

    @property
    def first_difference(self) -> Check | None:
        """The first check whose figures differ (None when all agree)."""
        return next((check for check in self.checks if not check.ok), None)

    @property
    def ok(self) -> bool:
        """All agree, every day is closed and every movement is booked to its account."""
        return self.first_difference is None and not self.open_days and not self.unclassified
