"""Exports: CSV in two dialects and the FEC, written row by row so memory stays flat.

Writers take any iterable of rows (a database cursor, a generator) and either yield text chunks
(``iter_csv``, ``iter_fec``: for a streamed HTTP response) or write them to a text file object
(``write_csv``, ``write_fec``: open it with ``encoding="utf-8", newline=""``). Rows are dicts in
cents, basis points and ints; nothing here builds a whole file in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, TextIO

from pos.money import rate_to_api, to_decimal, vat_table
from pos.shares import ShareSheet

Kind = Literal["text", "money", "rate", "int", "date", "datetime"]
CRLF = "\r\n"


class UnbalancedEntry(ValueError):
    """An accounting entry whose debits and credits differ, or whose payments miss the sales."""


class UnknownAccount(KeyError):
    """A payment method, category or setting has no account number in the accounts settings."""


@dataclass(frozen=True)
class Column:
    """One CSV column: the row key, its plain and French headers, and how to write the value."""

    key: str
    header: str
    header_fr: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is spelled: separator, decimal mark, headers, BOM."""

    name: str
    delimiter: str
    decimal: str
    bom: bool
    french_headers: bool
    # Spreadsheets run cells starting with = + - @ as formulas; the spreadsheet dialect
    # prefixes such text with an apostrophe. Machines (plain) get the text untouched.
    formula_guard: bool
    lineterminator: str = CRLF


DIALECTS: dict[str, Dialect] = {
    "fr": Dialect("fr", ";", ",", bom=True, french_headers=True, formula_guard=True),
    "plain": Dialect("plain", ",", ".", bom=False, french_headers=False, formula_guard=False),
}


def _col(key: str, header_fr: str, kind: Kind = "text") -> Column:
    return Column(key, key, header_fr, kind)


SALES_LINES_COLUMNS = [
    _col("sale_number", "N° de vente", "int"),
    _col("sold_at", "Date et heure", "datetime"),
    _col("kind", "Type (vente, annulation, remboursement)"),
    _col("refers_to", "Vente d'origine", "int"),
    _col("channel", "Canal"),
    _col("seller", "Vendeur"),
    _col("product", "Produit"),
    _col("quantity", "Quantité", "int"),
    _col("unit_price", "Prix unitaire TTC", "money"),
    _col("discount", "Remise", "money"),
    _col("vat_rate", "Taux de TVA (%)", "rate"),
    _col("total", "Total TTC", "money"),
    _col("vat", "dont TVA", "money"),
]
PAYMENTS_COLUMNS = [
    _col("sale_number", "N° de vente", "int"),
    _col("paid_at", "Date et heure", "datetime"),
    _col("kind", "Type (vente, annulation, remboursement)"),
    _col("method", "Moyen de paiement"),
    _col("amount", "Montant reçu", "money"),
    _col("change", "Monnaie rendue", "money"),
]
STOCK_MOVEMENTS_COLUMNS = [
    _col("moved_at", "Date et heure", "datetime"),
    _col("product", "Produit"),
    _col("batch", "Lot"),
    _col("kind", "Mouvement"),
    _col("quantity", "Quantité (+ entrée, - sortie)", "int"),
    _col("reason", "Motif"),
    _col("sale_number", "N° de vente", "int"),
]
EXPENSES_COLUMNS = [
    _col("expense_number", "N° de dépense", "int"),
    _col("spent_on", "Date", "date"),
    _col("supplier", "Fournisseur"),
    _col("category", "Catégorie"),
    _col("description", "Libellé"),
    _col("total", "Montant TTC", "money"),
    _col("vat_rate", "Taux de TVA (%)", "rate"),
    _col("vat", "dont TVA", "money"),
    _col("paid_from", "Payé par"),
    _col("receipt_ref", "Pièce justificative"),
]
CLOSURES_COLUMNS = [
    _col("closure_number", "N° de clôture", "int"),
    _col("period", "Période"),
    _col("opened_at", "Ouverture", "datetime"),
    _col("closed_at", "Clôture", "datetime"),
    _col("sales_count", "Nombre de ventes", "int"),
    _col("total_ht", "Total HT", "money"),
    _col("total_vat", "Total TVA", "money"),
    _col("total_ttc", "Total TTC", "money"),
    _col("cash_expected", "Espèces attendues", "money"),
    _col("cash_counted", "Espèces comptées", "money"),
    _col("cash_difference", "Écart de caisse", "money"),
    _col("grand_total", "Grand total perpétuel", "money"),
    _col("hash", "Empreinte"),
]
SHARES_COLUMNS = [
    _col("member", "Membre"),
    _col("minutes", "Minutes travaillées", "int"),
    _col("equal_part", "Part égale", "money"),
    _col("hours_part", "Part aux heures", "money"),
    _col("remainder_cents", "Centimes d'arrondi", "int"),
    _col("amount", "Part totale", "money"),
]
CSV_EXPORTS: dict[str, list[Column]] = {
    "sales-lines.csv": SALES_LINES_COLUMNS,
    "payments.csv": PAYMENTS_COLUMNS,
    "stock-movements.csv": STOCK_MOVEMENTS_COLUMNS,
    "expenses.csv": EXPENSES_COLUMNS,
    "closures.csv": CLOSURES_COLUMNS,
    "member-shares.csv": SHARES_COLUMNS,
}


def format_money(cents: int, decimal: str = ",") -> str:
    """Cents as a plain amount, no thousands separator: 123456 -> "1234,56" (or "1234.56")."""
    return str(to_decimal(cents)).replace(".", decimal)


def format_rate_csv(bp: int, decimal: str = ",") -> str:
    """A rate for CSV: French "5,5" / "20", plain "5.50" / "20.00"."""
    if decimal == ".":
        return rate_to_api(bp)
    whole, hundredths = divmod(abs(bp), 100)
    sign = "-" if bp < 0 else ""
    return f"{sign}{whole}" + (f",{hundredths:02d}".rstrip("0") if hundredths else "")


def _iso_datetime(value: datetime | str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.utcoffset() is None:
        raise ValueError(f"date and time without a UTC offset: {value!r}")
    return moment.isoformat()


def _iso_date(value: date | str) -> str:
    return (date.fromisoformat(value) if isinstance(value, str) else value).isoformat()


def _text(value: Any, dialect: Dialect) -> str:
    text = str(value)
    if dialect.formula_guard and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


_FORMATTERS = {
    "text": _text,
    "money": lambda value, dialect: format_money(value, dialect.decimal),
    "rate": lambda value, dialect: format_rate_csv(value, dialect.decimal),
    "int": lambda value, dialect: str(int(value)),
    "date": lambda value, dialect: _iso_date(value),
    "datetime": lambda value, dialect: _iso_datetime(value),
}


def format_cell(value: Any, kind: Kind, dialect: Dialect) -> str:
    """One value as CSV text in a dialect; None is an empty cell."""
    return "" if value is None else _FORMATTERS[kind](value, dialect)


class _Echo:
    """A file-like object whose write() hands the text back, so csv.writer yields lines."""

    def write(self, text: str) -> str:
        return text


def _dialect(dialect: str | Dialect) -> Dialect:
    return dialect if isinstance(dialect, Dialect) else DIALECTS[dialect]


def iter_csv(
    columns: list[Column],
    rows: Iterable[Mapping[str, Any]],
    dialect: str | Dialect = "fr",
    *,
    chunk_chars: int = 64 * 1024,
) -> Iterator[str]:
    """The CSV text in chunks of about chunk_chars, header first; every row needs every key."""
    spelling = _dialect(dialect)
    writer = csv.writer(_Echo(), delimiter=spelling.delimiter, lineterminator=CRLF)
    headers = [col.header_fr if spelling.french_headers else col.header for col in columns]
    chunk = ["\ufeff"] if spelling.bom else []
    chunk.append(writer.writerow(headers))
    size = 0
    for row in rows:
        line = writer.writerow([format_cell(row[c.key], c.kind, spelling) for c in columns])
        chunk.append(line)
        size += len(line)
        if size >= chunk_chars:
            yield "".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield "".join(chunk)


def write_csv(
    fileobj_text: TextIO,
    columns: list[Column],
    rows: Iterable[Mapping[str, Any]],
    dialect: str | Dialect = "fr",
) -> None:
    """Write rows as CSV to a text file opened with encoding="utf-8", newline=""."""
    for chunk in iter_csv(columns, rows, dialect):
        fileobj_text.write(chunk)


def share_rows(sheet: ShareSheet) -> Iterator[dict[str, Any]]:
    """A share sheet's members as rows for SHARES_COLUMNS."""
    for share in sheet.shares:
        yield {
            "member": share.name,
            "minutes": share.minutes,
            "equal_part": share.equal_part,
            "hours_part": share.hours_part,
            "remainder_cents": share.remainder_cents,
            "amount": share.amount,
        }


# --- FEC (Fichier des Écritures Comptables, art. A47 A-1 LPF) --------------------------------

FEC_COLUMNS: tuple[str, ...] = tuple(
    "JournalCode JournalLib EcritureNum EcritureDate CompteNum CompteLib CompAuxNum CompAuxLib "
    "PieceRef PieceDate EcritureLib Debit Credit EcritureLet DateLet ValidDate Montantdevise "
    "Idevise".split()
)

# Account numbers are settings (ask the CAE): copy this dict, change it, pass it in.
DEFAULT_ACCOUNTS: dict[str, Any] = {
    "journals": {"sales": ("VT", "Ventes"), "purchases": ("AC", "Achats")},
    "payments": {
        "cash": "530",
        "cheque": "5112",
        "card": "5115",
        "transfer": "512",
        "other": "471",
    },
    "sales": {"products": "701", "goods": "707"},
    "vat_collected": "44571",  # for a rate missing below
    "vat_collected_by_rate": {550: "445711", 1000: "445712", 2000: "445713"},
    "vat_deductible": "44566",
    "purchases": {
        "materials": "601",
        "packaging": "6026",
        "goods": "607",
        "supplies": "6063",
        "stall_fee": "613",
        "other": "6068",
    },
    "paid_from": {"till": "530", "bank": "512", "member": "467"},
    "labels": {
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
        "6068": "Autres matières et fournitures",
    },
}


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

    def __post_init__(self) -> None:
        if self.debit < 0 or self.credit < 0 or (self.debit and self.credit):
            raise UnbalancedEntry("a FEC line has one non-negative side")


def fec_filename(siren: str, closing_date: date) -> str:
    """The FEC's legal file name, "<SIREN>FEC<AAAAMMJJ>.txt"; a SIRET gives its SIREN."""
    digits = "".join(siren.split())
    if not digits.isdigit() or len(digits) not in (9, 14):
        raise ValueError(f"not a SIREN or SIRET: {siren!r}")
    return f"{digits[:9]}FEC{closing_date:%Y%m%d}.txt"


def _lookup(accounts: Mapping[str, Any], group: str, key: Any) -> str:
    try:
        return accounts[group][key]
    except KeyError:
        raise UnknownAccount(f"{group}: {key}") from None


class _Entry:
    """Builds the lines of one entry, putting each signed amount on its side."""

    def __init__(self, accounts: Mapping[str, Any], journal: str, day: date, piece_ref: str):
        self.code, self.name = accounts["journals"][journal]
        self.labels, self.day, self.piece_ref = accounts.get("labels", {}), day, piece_ref
        self.lines: list[FecLine] = []

    def add(self, account: str, signed_debit: int, label: str) -> None:
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
            )
            self.lines.append(line)


def _vat_account(accounts: Mapping[str, Any], rate: int) -> str:
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
    """The day's balanced sales entry (journal VT, PieceRef "Z<number>").

    payments_by_method: net cents per method (received - change given; refunds make it smaller,
    a negative net is credited). sales_by_rate: TTC per VAT rate of products made (701);
    goods_by_rate: TTC per rate of goods resold (707). Each (account, rate) TTC is split once with
    money.split_vat; VAT is credited per rate (a rate without its own account goes to
    "vat_collected"). Returns [] for an empty day; raises UnbalancedEntry if payments != sales.
    """
    sales = {"products": sales_by_rate, "goods": goods_by_rate or {}}
    received, sold = sum(payments_by_method.values()), sum(sum(s.values()) for s in sales.values())
    if received != sold:
        raise UnbalancedEntry(f"payments {received} != sales {sold} on {day.isoformat()}")
    entry, base = _Entry(accounts, "sales", day, f"Z{number}"), f"Ventes du {day:%d/%m/%Y}"
    for method, net in payments_by_method.items():
        account = _lookup(accounts, "payments", method)
        entry.add(account, net, f"{base} {entry.labels.get(account, method)}")
    vat_by_rate: dict[int, int] = {}
    for kind, by_rate in sales.items():
        for line in vat_table(dict(by_rate)):
            entry.add(_lookup(accounts, "sales", kind), -line.base, f"{base} HT {_pct(line.rate)}")
            vat_by_rate[line.rate] = vat_by_rate.get(line.rate, 0) + line.vat
    for rate, vat in sorted(vat_by_rate.items()):
        entry.add(_vat_account(accounts, rate), -vat, f"{base} TVA {_pct(rate)}")
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
) -> list[FecLine]:
    """An expense as a balanced purchase entry (journal AC, PieceRef piece_ref or "D<number>").

    Debit the category's account (601, 607, 6xx) with the HT, 44566 with the invoice's VAT (use
    money.split_vat(total, rate).vat if only the rate is known); credit the till (530), the bank
    (512) or the member who paid (467). A negative total (a supplier refund) swaps the sides.
    """
    if abs(vat) > abs(total_ttc) or vat * total_ttc < 0:
        raise UnbalancedEntry("the VAT must be part of the total")
    entry = _Entry(accounts, "purchases", day, piece_ref or f"D{number}")
    account = _lookup(accounts, "purchases", category)
    text = label or f"Dépense {number} {entry.labels.get(account, category)}"
    entry.add(account, total_ttc - vat, text)
    entry.add(accounts["vat_deductible"], vat, text)
    entry.add(_lookup(accounts, "paid_from", paid_from), -total_ttc, text)
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
    """The FEC text line by line: header, then each entry numbered 1, 2, ... in its journal.

    Entries must come in date order. ValidDate is valid_date, or else the entry's date.
    Tab-separated, CRLF, amounts "1234,56"; tabs and line breaks in labels become spaces.
    """
    yield "\t".join(FEC_COLUMNS) + CRLF
    numbers: dict[str, int] = {}
    for entry in entries:
        if not entry:
            continue
        check_entry(entry)
        code = entry[0].journal_code
        numbers[code] = numbers.get(code, 0) + 1
        for line in entry:
            yield _fec_row(line, numbers[code], valid_date or line.date)


def write_fec(
    fileobj_text: TextIO, entries: Iterable[list[FecLine]], *, valid_date: date | None = None
) -> None:
    """Write the FEC to a text file opened with encoding="utf-8", newline=""."""
    for text in iter_fec(entries, valid_date=valid_date):
        fileobj_text.write(text)
