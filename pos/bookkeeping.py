"""The bookkeeping bundle: the CSV files and the FEC of a period, to a folder or to one zip.

Every file is written from a streaming cursor (pos.db.exports) through the writers of
pos.exports, chunk by chunk: memory stays flat however many sales the week had.
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from pos import booking, clock, exports, fec, payment_methods
from pos.accounts import Period
from pos.db import accounts as ledger
from pos.db import exports as cursors
from pos.errors import EtalError
from pos.i18n import N_
from pos.money import split_vat
from pos.shares import InvalidShares, Member, ShareSheet, share_result

_VAT_SETTING = re.compile(r"^account_vat_(\d+)$")


def _account(settings: Mapping[str, str], key: str) -> str:
    return "".join(str(settings.get(key) or "").split())


def accounts_from_settings(settings: Mapping[str, str]) -> dict[str, Any]:
    """The FEC accounts mapping: the defaults (pos.fec; the payment methods' in their registry),
    then the coop's account_* settings. A method's account without a name of its own in the
    chart is named by the method's word."""
    accounts = copy.deepcopy(fec.DEFAULT_ACCOUNTS)
    accounts["payments"] = {
        method.code: _account(settings, method.account_setting) or method.account
        for method in payment_methods.METHODS.values()
    }
    accounts["paid_from"]["till"] = accounts["payments"]["cash"]
    for key, (group, inner, _default) in fec.ACCOUNT_SETTINGS.items():
        if value := _account(settings, key):
            if inner is None:
                accounts[group] = value
            else:
                accounts[group][inner] = value
    for method in payment_methods.METHODS.values():
        accounts["labels"].setdefault(accounts["payments"][method.code], method.word)
    _vat_accounts(accounts, settings)
    return accounts


def _vat_accounts(accounts: dict[str, Any], settings: Mapping[str, str]) -> None:
    """VAT-collected accounts follow the configured rates: account_vat_<bp> for any rate set."""
    by_rate = accounts["vat_collected_by_rate"]
    for key, value in settings.items():
        match = _VAT_SETTING.match(key)
        if match and "".join(str(value).split()):
            by_rate[int(match.group(1))] = "".join(str(value).split())
    for rate in (int(r) for r in str(settings.get("vat_rates", "")).split(",") if r.strip()):
        if rate and rate not in by_rate:
            by_rate[rate] = accounts["vat_collected"]
    for rate, account in by_rate.items():
        if account != accounts["vat_collected"]:
            accounts["labels"][account] = f"TVA collectée {exports.format_rate_csv(rate)} %"


def share_sheet(db: Database, period: Period, settings: Mapping[str, str]) -> ShareSheet | None:
    """The period's result shared by the members' chosen rule; None when nobody can share."""
    result = ledger.bilan(db, period, dict(settings)).result
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


class BooksDoNotBalance(EtalError):
    """A closed day's payments do not cover its sales lines: the journal was tampered with."""

    code = "books_do_not_balance"
    status = 409


def ledger_entries(
    db: Database, accounts: Mapping[str, Any], *, strict: bool = True
) -> list[list[fec.FecLine]]:
    """Every validated entry since the coop's first, numbered for good (pos.booking).

    A closed till day gives, in this order: its float (beyond the last Z's count), its sales
    (VT, PieceRef Z<n>), its cash movements, its expenses and repayments, its cash difference;
    all dated the day it opened and validated on its Z's date. An open day gives nothing yet.
    What was recorded while no day was open is dated and validated when recorded.
    Raises BooksDoNotBalance when a day's payments miss its lines, unless not strict (the
    reconciliation then parks the gap on the suspense account, to name it).
    """
    everything = Period()
    sales = ledger.revenue_by_account(db, everything)
    pays = ledger.days_payments(db, everything)
    moves: dict[int, list[dict]] = {}
    for move in cursors.ledger_movements(db):
        moves.setdefault(move["day_id"], []).append(move)
    booked: list[booking.Booked] = []
    days: dict[int, tuple[date, dict]] = {}
    counted = 0
    for day in cursors.ledger_days(db):
        on = clock.local(day["opened_at"]).date()
        days[day["id"]] = (on, day)
        if day["z"] is None:
            continue
        z, valid = day["z"], clock.local(day["z_at"]).date()
        parts = sales.get(day["id"], {})
        products = {rate: t for (kind, rate), t in parts.items() if kind == "products"}
        goods = {rate: t for (kind, rate), t in parts.items() if kind == "goods"}
        delta = day["float_total"] - counted
        paid = pays.get(day["id"], {})
        gap = sum(parts.values()) - sum(paid.values())
        if gap and strict:
            raise BooksDoNotBalance(
                N_(
                    "Le Z n° %(z)s ne tient pas : ses paiements ne couvrent pas ses lignes "
                    "de vente. Lancez « pos verify »."
                ),
                z=z,
            )
        if gap:  # shown by the reconciliation, parked on the suspense account meanwhile
            paid = {**paid, "other": paid.get("other", 0) + gap}
        for order, ident, lines in (
            (0, 0, booking.float_entry(on, z, delta, accounts)),
            (
                1,
                0,
                fec.sales_day_entry(on, z, paid, products, accounts, goods_by_rate=goods),
            ),
            *(
                (2, m["id"], booking.movement_entry(on, z, m, accounts))
                for m in moves.get(day["id"], [])
            ),
            (5, 0, booking.difference_entry(on, z, day["difference"] or 0, accounts)),
        ):
            booked.append(booking.Booked((day["z_at"], order, ident), valid, lines))
        counted = day["counted"] or 0
    for row in cursors.ledger_expenses(db):
        when = _validation(row, row["till_day"], days, row["booked"], order=3)
        if when:
            booked.append(booking.Booked(when[0], when[1], _purchase(row, when[2], accounts)))
    for row in cursors.ledger_repayments(db):
        when = _validation(row, row["day_id"], days, row["booked_on"], order=4)
        if when:
            lines = booking.repayment_entry(when[2], row, accounts)
            booked.append(booking.Booked(when[0], when[1], lines))
    return booking.number_entries(booked)


def _validation(row: Mapping, day_id, days, booked_on: str, order: int):
    """(numbering key, ValidDate, EcritureDate) of a row, or None while its till day is open."""
    if day_id in days:
        on, day = days[day_id]
        if day["z"] is None:
            return None
        return (day["z_at"], order, row["id"]), clock.local(day["z_at"]).date(), on
    on = date.fromisoformat(booked_on)
    valid = max(on, clock.local(row["created_at"]).date())
    return (row["created_at"], order, row["id"]), valid, on


def _purchase(row: Mapping, on: date, accounts: Mapping[str, Any]) -> list[fec.FecLine]:
    label = " ".join(f"{row['supplier']} {row['label']}".split())
    return fec.purchase_entry(
        on,
        row["id"],
        row["total"],
        split_vat(row["total"], row["vat_rate"]).vat,
        row["category"],
        row["paid_from"],
        accounts,
        label=f"Dépense {row['id']} {label}"[:120],
        piece_date=date.fromisoformat(row["spent_on"]),
        aux=booking.member_aux(row["payer_id"], row["payer"]),
    )


def fec_entries(db: Database, period: Period, accounts: Mapping[str, Any]) -> list[list]:
    """The validated entries dated in the period, with their numbers from the whole history."""
    low, high = period.start or date.min, period.end or date.max
    return [entry for entry in ledger_entries(db, accounts) if low <= entry[0].date <= high]


def sales_entries(db: Database, period: Period, accounts: Mapping[str, Any]) -> list[list]:
    """The period's VT entries (one per closed till day)."""
    code = accounts["journals"]["sales"][0]
    return [e for e in fec_entries(db, period, accounts) if e[0].journal_code == code]


# --- The files of the bundle ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    """One file of the bundle: its name and a function giving its text in chunks."""

    name: str
    chunks: Callable[[], Iterable[str]]
    encoding: str = "utf-8"  # the FEC may be ISO-8859-15 (a setting); what it lacks becomes "?"


def export_files(
    db: Database, period: Period, dialect: str, settings: Mapping[str, str], closing: date
) -> list[ExportFile]:
    """The seven CSV files and the FEC, each still to be streamed."""
    sources: dict[str, Callable[[], Iterable[dict]]] = {
        "sales-lines.csv": lambda: cursors.sales_lines(db, period),
        "payments.csv": lambda: cursors.payments(db, period),
        "stock-movements.csv": lambda: cursors.stock_movements(db, period),
        "expenses.csv": lambda: cursors.expenses(db, period),
        "closures.csv": lambda: cursors.closures(db, period),
        "member-shares.csv": lambda: _share_rows(db, period, settings),
        "member-advances.csv": lambda: _advance_rows(db, period, settings),
    }
    files = [
        ExportFile(name, _csv(exports.CSV_EXPORTS[name], rows, dialect))
        for name, rows in sources.items()
    ]
    accounts = accounts_from_settings(settings)
    exercise_end = settings.get("exercise_end") or ""
    try:
        fec_name = fec.period_filename(
            settings.get("siret", ""),
            period.start,
            closing,
            date.fromisoformat(exercise_end) if exercise_end else None,
        )
    except ValueError as exc:
        message = "Indiquez le SIRET de la CAE dans les réglages : il nomme le FEC."
        raise MissingSiret(message) from exc
    encoding = "iso-8859-15" if settings.get("fec_encoding") == "iso-8859-15" else "utf-8"
    files.append(
        ExportFile(
            fec_name, lambda: fec.iter_fec(fec_entries(db, period, accounts)), encoding=encoding
        )
    )
    return files


def _csv(columns, rows, dialect):
    return lambda: exports.iter_csv(columns, rows(), dialect)


def _share_rows(db: Database, period: Period, settings: Mapping[str, str]) -> Iterator[dict]:
    sheet = share_sheet(db, period, settings)
    return exports.share_rows(sheet) if sheet else iter(())


def _advance_rows(db: Database, period: Period, settings: Mapping[str, str]) -> Iterator[dict]:
    """Per member, up to the period's end: advanced, repaid, still owed (whom to pay back)."""
    for advance in advances_of(db, period, settings)[0]:
        yield {
            "member": advance.name,
            "aux_account": booking.member_aux(advance.member_id, advance.name)[0],
            "advanced": advance.advanced,
            "repaid": advance.repaid,
            "owed": advance.owed,
        }


def write_folder(files: Iterable[ExportFile], folder: str | Path) -> list[Path]:
    """Write each file into a folder (made if missing), UTF-8; return the paths written."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for export in files:
        path = target / export.name
        with path.open("w", encoding=export.encoding, errors="replace", newline="") as out:
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
                text = io.TextIOWrapper(
                    raw, encoding=export.encoding, errors="replace", newline=""
                )
                for chunk in export.chunks():
                    text.write(chunk)
                text.flush()
                text.detach()


# --- Everything reconciles ---------------------------------------------------------------------


def fec_sales_total(entries: Iterable[list], accounts: Mapping[str, Any]) -> int:
    """Credits minus debits on the sales and VAT-collected accounts of the sales entries."""
    credited = {
        *accounts["sales"].values(),
        accounts["vat_collected"],
        *accounts.get("vat_collected_by_rate", {}).values(),
    }
    return sum(
        line.credit - line.debit for entry in entries for line in entry if line.account in credited
    )


def _balance(entries: Iterable[list], account: str) -> int:
    """Debits minus credits of an account over entries."""
    return sum(ln.debit - ln.credit for entry in entries for ln in entry if ln.account == account)


def reconcile(
    db: Database, period: Period, settings: Mapping[str, str]
) -> booking.Reconciliation:
    """Compare independent sources for the period and name the first figure that differs.

    Per Z: its lines = its payments net of change = its stated total = its FEC sales credits.
    For the period: the lines = payments - change; the closed days' lines = the FEC's credits;
    its closures = its till days; the FEC's 530 = the cash counted at its last Z; the Z's
    differences = what 658/758 carry; member advances = repayments + what 467 says is owed.
    """
    accounts = accounts_from_settings(settings)
    history = ledger_entries(db, accounts, strict=False)
    low, high = period.start or date.min, period.end or date.max
    entries = [e for e in history if low <= e[0].date <= high]
    sales_code = accounts["journals"]["sales"][0]
    vt = {e[0].piece_ref: e for e in entries if e[0].journal_code == sales_code}
    lines, pays = ledger.days_sales(db, period), ledger.days_payments(db, period)
    checks: list[booking.Check] = []
    closed_lines = till_days = 0
    last_counted = None
    for day in cursors.ledger_days(db):
        if not low <= clock.local(day["opened_at"]).date() <= high:
            continue
        till_days += 1
        if day["z"] is None:
            continue
        z, day_lines = day["z"], sum(lines.get(day["id"], {}).values())
        closed_lines += day_lines
        last_counted = day["counted"]
        stated = json.loads(day["totals"])["net_total"]
        checks += [
            booking.Check("z_lines", day_lines, stated, z=z),
            booking.Check("z_payments", sum(pays.get(day["id"], {}).values()), day_lines, z=z),
            booking.Check("z_fec", fec_sales_total([vt.get(f"Z{z}", [])], accounts), stated, z=z),
        ]
    total, paid, change = ledger.journal_totals(db, period)
    closures = [c for c in ledger.closures_in(db, period) if c.number is not None]
    open_days = till_days - len(closures)
    stated_days = ledger.day_closures_stated_in(db, period)
    till = accounts["paid_from"]["till"]
    diff_accounts = (accounts["shortfall"], accounts["surplus"])
    booked_diff = -sum(_balance(entries, account) for account in diff_accounts)
    checks += [
        booking.Check("lines_payments", total, paid - change),
        booking.Check("fec_sales", fec_sales_total(vt.values(), accounts), closed_lines),
        booking.Check("closures_days", stated_days, till_days - open_days),
        booking.Check("differences", sum(c.difference or 0 for c in closures), booked_diff),
    ]
    if last_counted is not None:
        upto = [e for e in history if e[0].date <= high]
        checks.append(booking.Check("cash_530", _balance(upto, till), last_counted))
    members, owed = advances_of(db, period, settings, history)
    checks.append(
        booking.Check(
            "advances",
            sum(a.advanced for a in members),
            sum(a.repaid for a in members) + sum(owed.values()),
        )
    )
    suspense = accounts["payments"]["other"]
    unclassified = sum(
        1 for e in entries if e[0].journal_code == "CA" and any(ln.account == suspense for ln in e)
    )
    return booking.Reconciliation(tuple(checks), open_days, unclassified)


def advances_now(db: Database, period: Period, settings: Mapping[str, str]):
    """Per member as members read them now: booked (closed days) and what the open till day
    adds, marked provisional (`booking.AdvanceNow`)."""
    booked, _owed = advances_of(db, period, settings)
    pending = [
        booking.Advance(row["id"], row["name"], row["advanced"], row["repaid"])
        for row in ledger.member_advances(db, Period(None, period.end), open_day=True)
    ]
    return booking.advances_now(booked, pending)


def advances_of(
    db: Database, period: Period, settings: Mapping[str, str], history: list | None = None
) -> tuple[list[booking.Advance], dict[int, int]]:
    """Per member, up to the period's end: advanced (expenses, cash brought), repaid, owed.

    Advanced and repaid come from the expenses, cash movements and repayments recorded (of
    closed days); also returns what is owed per member id by the FEC's 467 balance, so the two
    sources check each other.
    """
    accounts = accounts_from_settings(settings)
    history = history if history is not None else ledger_entries(db, accounts)
    high = period.end or date.max
    owed = {
        a.member_id: a.owed
        for a in booking.advances(
            [e for e in history if e[0].date <= high], accounts["paid_from"]["member"]
        )
    }
    return [
        booking.Advance(row["id"], row["name"], row["advanced"], row["repaid"])
        for row in ledger.member_advances(db, Period(None, period.end))
        if row["advanced"] or row["repaid"] or owed.get(row["id"])
    ], owed
