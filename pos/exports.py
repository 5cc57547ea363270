"""Exports: CSV in two dialects, written row by row so memory stays flat (the FEC: pos.fec).

Writers take any iterable of rows (a database cursor, a generator) and either yield text chunks
(``iter_csv``: for a streamed HTTP response) or write them to a text file object (``write_csv``:
open it with ``encoding="utf-8", newline=""``). Rows are dicts in cents, basis points and ints;
nothing here builds a whole file in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, TextIO

from pos.labels import word
from pos.money import rate_to_api, to_decimal
from pos.shares import ShareSheet

Kind = Literal["text", "money", "rate", "int", "date", "datetime"]
CRLF = "\r\n"


@dataclass(frozen=True)
class Column:
    """One CSV column: the row key, its plain and French headers, and how to write the value."""

    key: str
    header: str
    header_fr: str
    kind: Kind = "text"
    words: str = ""  # a column of codes: the pos.labels group whose words the fr dialect writes


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
    # French spreadsheets read "2025-06-14" and "10:30:05" as a date and a time, but an ISO
    # date-time with its offset as text: the fr dialect gives each its own column.
    split_datetime: bool = False


DIALECTS: dict[str, Dialect] = {
    "fr": Dialect(
        "fr", ";", ",", bom=True, french_headers=True, formula_guard=True, split_datetime=True
    ),
    # Both dialects: a machine's CSV still ends up opened in a spreadsheet some day.
    "plain": Dialect("plain", ",", ".", bom=False, french_headers=False, formula_guard=True),
}


def _col(key: str, header_fr: str, kind: Kind = "text", words: str = "") -> Column:
    return Column(key, key, header_fr, kind, words)


SALES_LINES_COLUMNS = [
    _col("till_day", "Journée de caisse", "date"),
    _col("closure_number", "N° de Z", "int"),
    _col("sale_number", "N° de vente", "int"),
    _col("sold_at", "Date et heure", "datetime"),
    _col("kind", "Type (vente, annulation, remboursement)", words="entry"),
    _col("refers_to", "Vente d'origine", "int"),
    _col("channel", "Canal", words="channel"),
    _col("seller", "Vendu par"),
    _col("product", "Produit"),
    _col("quantity", "Quantité", "int"),
    _col("unit_price", "Prix unitaire TTC", "money"),
    _col("discount", "Remise", "money"),
    _col("vat_rate", "Taux de TVA (%)", "rate"),
    _col("total", "Total TTC", "money"),
    _col("ht", "dont HT", "money"),
    _col("vat", "dont TVA", "money"),
    _col("order_number", "N° de commande", "int"),
]
PAYMENTS_COLUMNS = [
    _col("sale_number", "N° de vente", "int"),
    _col("paid_at", "Date et heure", "datetime"),
    _col("kind", "Type (vente, annulation, remboursement)", words="entry"),
    _col("method", "Moyen de paiement", words="method"),
    _col("amount", "Montant reçu", "money"),
    _col("change", "Monnaie rendue", "money"),
]
STOCK_MOVEMENTS_COLUMNS = [
    _col("moved_at", "Date et heure", "datetime"),
    _col("product", "Produit"),
    _col("kind", "Mouvement", words="stock"),
    _col("quantity", "Quantité (+ entrée, - sortie)", "int"),
    _col("reason", "Motif"),
    _col("sale_number", "N° de vente", "int"),
]
EXPENSES_COLUMNS = [
    _col("expense_number", "N° de dépense", "int"),
    _col("booked_on", "Date comptable", "date"),
    _col("spent_on", "Date du ticket", "date"),
    _col("supplier", "Fournisseur"),
    _col("category", "Catégorie", words="expense"),
    _col("description", "Libellé"),
    _col("total", "Montant TTC", "money"),
    _col("vat_rate", "Taux de TVA (%)", "rate"),
    _col("ht", "dont HT", "money"),
    _col("vat", "dont TVA", "money"),
    _col("paid_from", "Payé par", words="payer"),
    _col("payer", "Avancé par (membre)"),
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
ADVANCES_COLUMNS = [
    _col("member", "Membre"),
    _col("aux_account", "Compte auxiliaire (467)"),
    _col("advanced", "Avancé", "money"),
    _col("repaid", "Remboursé", "money"),
    _col("owed", "Reste dû", "money"),
]
CSV_EXPORTS: dict[str, list[Column]] = {
    "sales-lines.csv": SALES_LINES_COLUMNS,
    "payments.csv": PAYMENTS_COLUMNS,
    "stock-movements.csv": STOCK_MOVEMENTS_COLUMNS,
    "expenses.csv": EXPENSES_COLUMNS,
    "closures.csv": CLOSURES_COLUMNS,
    "member-shares.csv": SHARES_COLUMNS,
    "member-advances.csv": ADVANCES_COLUMNS,
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


def _word(value: Any, column: Column, dialect: Dialect) -> Any:
    """In French (the fr dialect) a code is written as its word (pos.labels)."""
    if column.words and dialect.french_headers and value is not None:
        return word(column.words, value)
    return value


def _split(column: Column, dialect: Dialect) -> bool:
    return column.kind == "datetime" and dialect.split_datetime


def headers_of(columns: list[Column], dialect: Dialect) -> list[str]:
    """A file's header row: French or plain, a date-time as date and time in the fr dialect."""
    out = []
    for col in columns:
        name = col.header_fr if dialect.french_headers else col.header
        if _split(col, dialect):
            both = name == "Date et heure"
            out += ["Date", "Heure"] if both else [f"{name} (date)", f"{name} (heure)"]
        else:
            out.append(name)
    return out


def cells_of(row: Mapping[str, Any], columns: list[Column], dialect: Dialect) -> list[str]:
    """A row's cells, in the order of headers_of."""
    out = []
    for col in columns:
        text = format_cell(_word(row[col.key], col, dialect), col.kind, dialect)
        if _split(col, dialect):
            out += [text[:10], text[11:19]] if text else ["", ""]
        else:
            out.append(text)
    return out


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
    headers = headers_of(columns, spelling)
    chunk = ["\ufeff"] if spelling.bom else []
    chunk.append(writer.writerow(headers))
    size = 0
    for row in rows:
        line = writer.writerow(cells_of(row, columns, spelling))
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
