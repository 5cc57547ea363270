"""The bookkeeping bundle: the CSV files and the FEC of a period, to a folder or to one zip.

Every file is written from a streaming cursor (pos.db.exports) through the writers of
pos.exports, chunk by chunk: memory stays flat however many sales the week had.
"""

from __future__ import annotations

import copy
import heapq
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from pos import exports, fec, payment_methods
from pos.accounts import Period
from pos.db import accounts as ledger
from pos.db import exports as cursors
from pos.errors import EtalError
from pos.money import split_vat
from pos.shares import InvalidShares, Member, ShareSheet, share_result

# Where each account_* setting goes in the FEC's accounts mapping (pos.fec.DEFAULT_ACCOUNTS).
ACCOUNT_SETTINGS: dict[str, tuple[str, Any]] = {
    "account_sales": ("sales", "products"),
    "account_cash": ("payments", "cash"),
    "account_card": ("payments", "card"),
    "account_cheque": ("payments", "cheque"),
    "account_transfer": ("payments", "transfer"),
    "account_other": ("payments", "other"),
    "account_vat_550": ("vat_collected_by_rate", 550),
    "account_vat_1000": ("vat_collected_by_rate", 1000),
    "account_vat_2000": ("vat_collected_by_rate", 2000),
    "account_vat": ("vat_collected", None),
    "account_vat_deductible": ("vat_deductible", None),
    "account_materials": ("purchases", "materials"),
    "account_stall_fee": ("purchases", "stall_fee"),
    "account_transport": ("purchases", "transport"),
    "account_communication": ("purchases", "communication"),
    "account_expense_other": ("purchases", "other"),
    "account_paid_bank": ("paid_from", "bank"),
    "account_paid_member": ("paid_from", "member"),
}
EXTRA_LABELS = {
    "6241": "Transports sur achats",
    "623": "Publicité, publications",
    "445711": "TVA collectée 5,5 %",
}


def accounts_from_settings(settings: Mapping[str, str]) -> dict[str, Any]:
    """The FEC accounts mapping: the usual defaults, then the coop's account_* settings."""
    accounts = copy.deepcopy(fec.DEFAULT_ACCOUNTS)
    accounts["labels"] = {**EXTRA_LABELS, **accounts["labels"]}
    accounts["paid_from"]["till"] = settings.get("account_cash") or accounts["paid_from"]["till"]
    for method in payment_methods.METHODS.values():  # every registered method has its account
        payment = settings.get(method.account_setting) or method.account
        accounts["payments"].setdefault(method.code, payment)
    for key, (group, inner) in ACCOUNT_SETTINGS.items():
        value = "".join(str(settings.get(key, "")).split())
        if not value:
            continue
        if inner is None:
            accounts[group] = value
        else:
            accounts[group][inner] = value
    return accounts


def share_sheet(db: Database, period: Period, settings: Mapping[str, str]) -> ShareSheet | None:
    """The period's result shared by the members' chosen rule; None when nobody can share."""
    result = ledger.bilan(db, period).result
    members = [Member(m["name"], m["minutes"]) for m in ledger.sharing_members(db, period)]
    try:
        return share_result(
            result,
            members,
            rule=settings.get("share_rule", "equal"),
            kept_back_bp=int(settings.get("share_kept_back") or 0),
            hours_weight_bp=int(settings.get("share_hours_weight") or 5000),
        )
    except InvalidShares:
        return None


class MissingSiret(EtalError):
    """The coop's SIRET is missing or wrong: the FEC's name needs its SIREN."""

    code = "missing_siret"
    status = 422


# --- The FEC ---------------------------------------------------------------------------------


def sales_entries(db: Database, period: Period, accounts: Mapping[str, Any]) -> Iterator[list]:
    """One balanced sales entry per local day: payments net of change, credits per VAT rate."""
    sales, pays = ledger.daily_sales(db, period), ledger.daily_payments(db, period)
    for day in sorted(set(sales) | set(pays)):
        number = int(f"{day:%Y%m%d}")  # PieceRef "Z20250614": the day's takings
        entry = fec.sales_day_entry(day, number, pays.get(day, {}), sales.get(day, {}), accounts)
        if entry:  # a day whose sales were all voided nets to nothing
            yield entry


def purchase_entries(db: Database, period: Period, accounts: Mapping[str, Any]) -> Iterator[list]:
    """One purchase entry per expense, in date order."""
    for row in cursors.expenses(db, period):
        label = " ".join(f"{row['supplier']} {row['description']}".split())
        yield fec.purchase_entry(
            date.fromisoformat(row["spent_on"]),
            row["expense_number"],
            row["total"],
            split_vat(row["total"], row["vat_rate"]).vat,
            row["category"],
            row["paid_from"],
            accounts,
            label=f"Dépense {row['expense_number']} {label}"[:120],
        )


def fec_entries(db: Database, period: Period, accounts: Mapping[str, Any]) -> Iterator[list]:
    """Sales and purchase entries merged in date order (each journal numbered on its own)."""
    return heapq.merge(
        sales_entries(db, period, accounts),
        purchase_entries(db, period, accounts),
        key=lambda entry: entry[0].date,
    )


# --- The files of the bundle ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    """One file of the bundle: its name and a function giving its text in chunks."""

    name: str
    chunks: Callable[[], Iterable[str]]


def export_files(
    db: Database, period: Period, dialect: str, settings: Mapping[str, str], closing: date
) -> list[ExportFile]:
    """The six CSV files and the FEC, each still to be streamed."""
    sources: dict[str, Callable[[], Iterable[dict]]] = {
        "sales-lines.csv": lambda: cursors.sales_lines(db, period),
        "payments.csv": lambda: cursors.payments(db, period),
        "stock-movements.csv": lambda: cursors.stock_movements(db, period),
        "expenses.csv": lambda: cursors.expenses(db, period),
        "closures.csv": lambda: cursors.closures(db, period),
        "member-shares.csv": lambda: _share_rows(db, period, settings),
    }
    files = [
        ExportFile(name, _csv(exports.CSV_EXPORTS[name], rows, dialect))
        for name, rows in sources.items()
    ]
    accounts = accounts_from_settings(settings)
    try:
        fec_name = fec.fec_filename(settings.get("siret", ""), closing)
    except ValueError as exc:
        message = "Indiquez le SIRET de la CAE dans les réglages : il nomme le FEC."
        raise MissingSiret(message) from exc
    files.append(ExportFile(fec_name, lambda: fec.iter_fec(fec_entries(db, period, accounts))))
    return files


def _csv(columns, rows, dialect):
    return lambda: exports.iter_csv(columns, rows(), dialect)


def _share_rows(db: Database, period: Period, settings: Mapping[str, str]) -> Iterator[dict]:
    sheet = share_sheet(db, period, settings)
    return exports.share_rows(sheet) if sheet else iter(())


def write_folder(files: Iterable[ExportFile], folder: str | Path) -> list[Path]:
    """Write each file into a folder (made if missing), UTF-8; return the paths written."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for export in files:
        path = target / export.name
        with path.open("w", encoding="utf-8", newline="") as out:
            for chunk in export.chunks():
                out.write(chunk)
        written.append(path)
    return written


def write_zip(files: Iterable[ExportFile], fileobj: IO[bytes], folder: str = "") -> None:
    """Write each file into a zip (deflated), streaming each entry."""
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED) as bundle:
        for export in files:
            name = f"{folder}/{export.name}" if folder else export.name
            with bundle.open(name, "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                for chunk in export.chunks():
                    text.write(chunk)
                text.flush()
                text.detach()


# --- Everything reconciles ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    """The same money four ways: lines, payments net of change, the Z, the FEC's sales credits."""

    lines_total: int
    payments_net: int
    fec_sales: int
    closed_lines_total: int  # lines of the days whose Z is in the period...
    closures_total: int  # ...and what those Z state

    @property
    def ok(self) -> bool:
        """Whether all the ways agree."""
        return (
            self.lines_total == self.payments_net == self.fec_sales
            and self.closed_lines_total == self.closures_total
        )


def fec_sales_total(entries: Iterable[list], accounts: Mapping[str, Any]) -> int:
    """Credits minus debits on the sales and VAT-collected accounts of the sales entries."""
    credited = {
        accounts["sales"]["products"],
        accounts["sales"]["goods"],
        accounts["vat_collected"],
        *accounts.get("vat_collected_by_rate", {}).values(),
    }
    return sum(
        line.credit - line.debit for entry in entries for line in entry if line.account in credited
    )


def reconcile(db: Database, period: Period, settings: Mapping[str, str]) -> Reconciliation:
    """Check that the period's journal, payments, closures and FEC tell the same total."""
    lines, paid, change = ledger.journal_totals(db, period)
    accounts = accounts_from_settings(settings)
    closures = ledger.closures_in(db, period)
    return Reconciliation(
        lines_total=lines,
        payments_net=paid - change,
        fec_sales=fec_sales_total(sales_entries(db, period, accounts), accounts),
        closed_lines_total=ledger.closed_days_lines_total(db, period),
        closures_total=sum(c.net_total for c in closures),
    )
