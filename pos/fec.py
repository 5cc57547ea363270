"""The FEC (Fichier des Écritures Comptables, art. A47 A-1 LPF): balanced entries, streamed.

A sales entry per day and a purchases entry per expense; ``iter_fec`` yields the file's text and
``write_fec`` writes it (open the file with ``encoding="utf-8", newline=""``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TextIO

from pos import payment_methods
from pos.exports import CRLF, format_money, format_rate_csv
from pos.money import allocate, exact_base, vat_table
from pos.numbers import is_digits


class UnbalancedEntry(ValueError):
    """An accounting entry whose debits and credits differ, or whose payments miss the sales."""


class UnknownAccount(KeyError):
    """A payment method, category or setting has no account number in the accounts settings."""


FEC_COLUMNS: tuple[str, ...] = tuple(
    "JournalCode JournalLib EcritureNum EcritureDate CompteNum CompteLib CompAuxNum CompAuxLib "
    "PieceRef PieceDate EcritureLib Debit Credit EcritureLet DateLet ValidDate Montantdevise "
    "Idevise".split()
)

# Each FEC account setting (ask the CAE) but the payment methods' (their home is the registry,
# pos.payment_methods): where it goes in the accounts mapping (group, and key or None for a
# single account) and its default. pos.settings and pos.bookkeeping read it, nothing else
# writes these numbers. A VAT rate set later gets its own `account_vat_<bp>` (pos.bookkeeping).
ACCOUNT_SETTINGS: dict[str, tuple[str, Any, str]] = {
    "account_sales": ("sales", "products", "701"),
    "account_vat_550": ("vat_collected_by_rate", 550, "445711"),
    "account_vat_1000": ("vat_collected_by_rate", 1000, "445712"),
    "account_vat_2000": ("vat_collected_by_rate", 2000, "445713"),
    "account_vat": ("vat_collected", None, "44571"),  # for a rate without its own account
    "account_vat_deductible": ("vat_deductible", None, "44566"),
    "account_materials": ("purchases", "materials", "601"),
    "account_stall_fee": ("purchases", "stall_fee", "613"),
    "account_transport": ("purchases", "transport", "6241"),
    "account_communication": ("purchases", "communication", "623"),
    "account_expense_other": ("purchases", "other", "6068"),
    "account_paid_bank": ("paid_from", "bank", "512"),
    "account_paid_member": ("paid_from", "member", "467"),
    "account_goods": ("sales", "goods", "707"),  # resold goods; which categories: the accounts page
    "account_shortfall": ("shortfall", None, "658"),  # a Z's cash shortfall
    "account_surplus": ("surplus", None, "758"),  # a Z's cash surplus
    "account_float_source": ("float_source", None, "512"),  # where the float comes from (or 580)
}


def account_defaults() -> dict[str, str]:
    """Each account setting's default ("account_sales": "701"), the payment methods' first."""
    return {**payment_methods.account_settings(), **{k: v[2] for k, v in ACCOUNT_SETTINGS.items()}}


def _default_accounts() -> dict[str, Any]:
    accounts: dict[str, Any] = {
        "journals": {
            "sales": ("VT", "Ventes"),
            "purchases": ("AC", "Achats"),
            "cash": ("CA", "Caisse"),
            "bank": ("BQ", "Banque"),
        },
        "payments": payment_methods.ACCOUNTS,  # read live from the registry
        "sales": {},
        "vat_collected_by_rate": {},
        # Expense kinds without a setting of their own (no category books them yet).
        "purchases": {"packaging": "6026", "goods": "607", "supplies": "6063"},
        "paid_from": {"till": payment_methods.METHODS["cash"].account},
    }
    for group, inner, default in ACCOUNT_SETTINGS.values():
        if inner is None:
            accounts[group] = default
        else:
            accounts.setdefault(group, {})[inner] = default
    accounts["labels"] = dict(ACCOUNT_LABELS)
    return accounts


ACCOUNT_LABELS: dict[str, str] = {
    "530": "Caisse",
    "5112": "Chèques à encaisser",
    "5115": "Cartes à encaisser",
    "512": "Banque",
    "471": "Compte d'attente",
    "467": "Autres comptes débiteurs ou créditeurs",
    "701": "Ventes de produits finis",
    "707": "Ventes de marchandises",
    "44571": "TVA collectée",
    "445711": "TVA collectée 5,5 %",
    "445712": "TVA collectée 10 %",
    "445713": "TVA collectée 20 %",
    "44566": "TVA déductible sur autres biens et services",
    "601": "Achats de matières premières",
    "6026": "Achats d'emballages",
    "607": "Achats de marchandises",
    "6063": "Fournitures d'entretien et de petit équipement",
    "613": "Locations",
    "6241": "Transports sur achats",
    "623": "Publicité, publications",
    "6068": "Autres matières et fournitures",
    "658": "Charges diverses de gestion courante",
    "758": "Produits divers de gestion courante",
    "580": "Virements internes",
}
# The defaults as one mapping (copy it, change it, pass it in); its "payments" read the registry.
DEFAULT_ACCOUNTS: dict[str, Any] = _default_accounts()


@dataclass(frozen=True)
class FecLine:
    """One line of an accounting entry; EcritureNum is given when the FEC is written."""

    journal_code: str
    journal_lib: str
    date: date
    account: str
    account_label: str
    piece_ref: str
    piece_date: date
    label: str
    debit: int = 0
    credit: int = 0
    aux_num: str = ""
    aux_lib: str = ""
    number: int = 0  # EcritureNum, given once for good (pos.booking.number_entries)
    valid_date: date | None = None  # ValidDate: the day the entry was validated (the Z's)

    def __post_init__(self) -> None:
        if self.debit < 0 or self.credit < 0 or (self.debit and self.credit):
            raise UnbalancedEntry("a FEC line has one non-negative side")


def fec_filename(siren: str, closing_date: date) -> str:
    """The FEC's legal file name, "<SIREN>FEC<AAAAMMJJ>.txt"; a SIRET gives its SIREN."""
    digits = "".join(siren.split())
    if not is_digits(digits, 14) or len(digits) not in (9, 14):
        raise ValueError(f"not a SIREN or SIRET: {siren!r}")
    return f"{digits[:9]}FEC{closing_date:%Y%m%d}.txt"


def period_filename(siren: str, start: date | None, end: date, exercise_end: date | None) -> str:
    """The FEC's file name: the legal one for the whole exercise, else a period import file.

    The legal "<SIREN>FEC<closing>.txt" is only for an export that ends on the exercise's
    closing date (a setting); any other period is "<SIREN>-ecritures-<from>-<to>.txt".
    """
    legal = fec_filename(siren, end)
    if exercise_end is not None and end == exercise_end:
        return legal
    first = f"{start:%Y%m%d}" if start else "debut"
    return f"{legal[:9]}-ecritures-{first}-{end:%Y%m%d}.txt"


def lookup(accounts: Mapping[str, Any], group: str, key: Any) -> str:
    try:
        return accounts[group][key]
    except KeyError:
        raise UnknownAccount(f"{group}: {key}") from None


class _Entry:
    """Builds the lines of one entry, putting each signed amount on its side (entry_builder)."""

    def __init__(self, accounts: Mapping[str, Any], journal: str, day: date, piece_ref: str):
        self.code, self.name = accounts["journals"][journal]
        self.labels, self.day, self.piece_ref = accounts.get("labels", {}), day, piece_ref
        self.lines: list[FecLine] = []

    def add(
        self, account: str, signed_debit: int, label: str, *, aux: tuple[str, str] | None = None
    ) -> None:
        """Add a line: a positive amount is a debit, a negative one a credit, zero nothing."""
        if signed_debit:
            line = FecLine(
                journal_code=self.code,
                journal_lib=self.name,
                date=self.day,
                account=account,
                account_label=self.labels.get(account, account),
                piece_ref=self.piece_ref,
                piece_date=self.day,
                label=label,
                debit=max(signed_debit, 0),
                credit=max(-signed_debit, 0),
                aux_num=aux[0] if aux else "",
                aux_lib=aux[1] if aux else "",
            )
            self.lines.append(line)


def entry_builder(accounts: Mapping[str, Any], journal: str, day: date, piece_ref: str) -> _Entry:
    """A new entry of a journal ("sales", "purchases", "cash", "bank") to add lines to."""
    return _Entry(accounts, journal, day, piece_ref)


def vat_account(accounts: Mapping[str, Any], rate: int) -> str:
    """The VAT-collected account of a rate (its own if set, else "vat_collected")."""
    return accounts.get("vat_collected_by_rate", {}).get(rate, accounts["vat_collected"])


def sales_day_entry(
    day: date,
    number: int,
    payments_by_method: Mapping[str, int],
    sales_by_rate: Mapping[int, int],
    accounts: Mapping[str, Any] = DEFAULT_ACCOUNTS,
    *,
    goods_by_rate: Mapping[int, int] | None = None,
) -> list[FecLine]:
    """A till day's balanced sales entry (journal VT, PieceRef "Z<number>", dated the day).

    payments_by_method: net cents per method (received - change given; refunds make it smaller,
    a negative net is credited). sales_by_rate: TTC per VAT rate of products made (701);
    goods_by_rate: TTC per rate of goods resold (707). The VAT of each rate is the Z's: one
    money.split_vat of the rate's whole total; its HT is then shared between 701 and 707 with
    money.allocate. VAT is credited per rate (a rate without its own account goes to
    "vat_collected"). Returns [] for an empty day; raises UnbalancedEntry if payments != sales.
    """
    sales = {"products": sales_by_rate, "goods": goods_by_rate or {}}
    by_rate: dict[int, int] = defaultdict(int)
    for part in sales.values():
        for rate, total in part.items():
            by_rate[rate] += total
    received = sum(payments_by_method.values())
    if received != sum(by_rate.values()):
        raise UnbalancedEntry(f"payments {received} != sales {sum(by_rate.values())} on {day}")
    entry = _Entry(accounts, "sales", day, f"Z{number}")
    base = f"Journée du {day:%d/%m/%Y} Z{number}"
    for method, net in payments_by_method.items():
        account = lookup(accounts, "payments", method)
        named = entry.labels.get(account) or payment_methods.word(method)  # never a bare code
        entry.add(account, net, f"{base} {named}")
    for line in vat_table(dict(by_rate)):
        kinds = [kind for kind, part in sales.items() if part.get(line.rate)]
        exacts = [exact_base(sales[kind][line.rate], line.rate) for kind in kinds]
        for kind, ht in zip(kinds, allocate(line.base, exacts), strict=True):
            entry.add(lookup(accounts, "sales", kind), -ht, f"{base} HT {_pct(line.rate)}")
        entry.add(vat_account(accounts, line.rate), -line.vat, f"{base} TVA {_pct(line.rate)}")
    return entry.lines


def _pct(rate: int) -> str:
    return format_rate_csv(rate) + " %"


def purchase_entry(
    day: date,
    number: int,
    total_ttc: int,
    vat: int,
    category: str,
    paid_from: str,
    accounts: Mapping[str, Any] = DEFAULT_ACCOUNTS,
    *,
    label: str = "",
    piece_ref: str = "",
    piece_date: date | None = None,
    aux: tuple[str, str] | None = None,
) -> list[FecLine]:
    """An expense as a balanced purchase entry (journal AC, PieceRef piece_ref or "D<number>").

    Debit the category's account (601, 607, 6xx) with the HT, 44566 with the invoice's VAT (use
    money.split_vat(total, rate).vat if only the rate is known); credit the till (530), the bank
    (512) or the member who paid (467, with aux: the member's CompAuxNum and CompAuxLib).
    A negative total (a supplier's credit note) swaps the sides. day is the booking date,
    piece_date the invoice's (by default the same).
    """
    if abs(vat) > abs(total_ttc) or vat * total_ttc < 0:
        raise UnbalancedEntry("the VAT must be part of the total")
    entry = _Entry(accounts, "purchases", day, piece_ref or f"D{number}")
    account = lookup(accounts, "purchases", category)
    text = label or f"Dépense {number} {entry.labels.get(account, category)}"
    entry.add(account, total_ttc - vat, text)
    entry.add(accounts["vat_deductible"], vat, text)
    entry.add(
        lookup(accounts, "paid_from", paid_from),
        -total_ttc,
        text,
        aux=aux if paid_from == "member" else None,
    )
    if piece_date is not None:
        entry.lines[:] = [replace(line, piece_date=piece_date) for line in entry.lines]
    return entry.lines


_FEC_TEXT = str.maketrans({"\t": " ", "\r": " ", "\n": " ", "|": "/"})


def _fec_row(line: FecLine, number: int, valid_date: date) -> str:
    cells = (
        line.journal_code,
        line.journal_lib,
        str(number),
        f"{line.date:%Y%m%d}",
        line.account,
        line.account_label,
        line.aux_num,
        line.aux_lib,
        line.piece_ref,
        f"{line.piece_date:%Y%m%d}",
        line.label,
        format_money(line.debit),
        format_money(line.credit),
        "",
        "",
        f"{valid_date:%Y%m%d}",
        "",
        "",
    )
    return "\t".join(cell.translate(_FEC_TEXT) for cell in cells) + CRLF


def check_entry(entry: list[FecLine]) -> None:
    """Raise UnbalancedEntry unless the entry is one journal, one date, and debits = credits."""
    if len({(line.journal_code, line.date) for line in entry}) > 1:
        raise UnbalancedEntry("an entry mixes journals or dates")
    debit, credit = sum(ln.debit for ln in entry), sum(ln.credit for ln in entry)
    if debit != credit:
        raise UnbalancedEntry(f"debit {debit} != credit {credit}")


def iter_fec(entries: Iterable[list[FecLine]], *, valid_date: date | None = None) -> Iterator[str]:
    """The FEC text line by line: header, then each entry with its EcritureNum.

    An entry numbered by pos.booking.number_entries keeps its number and ValidDate; others
    are numbered 1, 2, ... in their journal and validated on valid_date, or else their date.
    Tab-separated, CRLF, amounts "1234,56"; tabs and line breaks in labels become spaces.
    """
    yield "\t".join(FEC_COLUMNS) + CRLF
    numbers: dict[str, int] = {}
    for entry in entries:
        if not entry:
            continue
        check_entry(entry)
        code = entry[0].journal_code
        numbers[code] = entry[0].number or numbers.get(code, 0) + 1
        for line in entry:
            yield _fec_row(line, numbers[code], line.valid_date or valid_date or line.date)


def write_fec(
    fileobj_text: TextIO, entries: Iterable[list[FecLine]], *, valid_date: date | None = None
) -> None:
    """Write the FEC to a text file opened with encoding="utf-8", newline=""."""
    for text in iter_fec(entries, valid_date=valid_date):
        fileobj_text.write(text)
