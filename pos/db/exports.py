"""Streaming cursors for the exports: each yields one row dict at a time, straight from SQLite.

Rows carry the keys of the column lists in pos.exports; amounts stay in cents. Times are
shown in the stall's time zone with their offset (ISO 8601). Nothing here holds a whole table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from pos import clock, till
from pos.accounts import Period
from pos.booking import split_lines
from pos.db.accounts import IN_DAYS  # the till day is the accounting day, as in the bilan
from pos.money import VatLine, split_vat

KINDS_FR = {"sale": "vente", "void": "annulation", "refund": "remboursement"}


@lru_cache(maxsize=4096)
def _offset_at(utc_hour: str, zone: ZoneInfo) -> tuple[timedelta, str]:
    """The zone's offset during a UTC hour (clock.local_hour), with its ISO 8601 form."""
    moment = clock.local_hour(utc_hour, zone)
    return moment.utcoffset(), moment.isoformat()[19:]


def local_iso(stored: str) -> str:
    """A stored UTC time as local ISO 8601 with its offset ("2025-06-14T10:30:05+02:00")."""
    offset, suffix = _offset_at(stored[:13], clock.LOCAL)
    naive = datetime.fromisoformat(stored[:19]) + offset
    return naive.isoformat() + suffix


def _rows(db: Database, sql: str, args: list) -> Iterator[tuple]:
    cursor = db.conn.execute(sql, args)
    while batch := cursor.fetchmany(1000):
        yield from batch


def sales_lines(db: Database, period: Period) -> Iterator[dict]:
    """Every journal line of the period's till days, in number order; voids and refunds negative.

    Each line's HT and VAT are its share of its rate's split for the till day (as on the Z),
    allocated by largest remainder (pos.booking.split_lines): one till day is held at a time.
    """
    low, high = period.utc_bounds()
    sql = (
        "SELECT s.day_id, d.opened_at, c.number, s.number, s.created_at, s.kind, s.refers_to, "
        "s.channel, s.seller, l.name, l.quantity, l.unit_price, l.discount, l.vat_rate, l.total, "
        "(SELECT o.number FROM orders o WHERE o.sale_number = coalesce(s.refers_to, s.number)) "
        "FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
        "JOIN till_days d ON d.id = s.day_id "
        "LEFT JOIN closures c ON c.day_id = s.day_id AND c.kind = 'day' "
        f"WHERE {IN_DAYS} ORDER BY s.number, l.position"
    )
    day: list[tuple] = []
    for row in _rows(db, sql, [low, high]):
        if day and row[0] != day[0][0]:
            yield from _day_lines(day)
            day = []
        day.append(row)
    yield from _day_lines(day)


def _day_lines(rows: list[tuple]) -> Iterator[dict]:
    """One till day's lines with their HT and VAT allocated per rate."""
    by_rate: dict[int, list[int]] = {}
    for index, row in enumerate(rows):
        by_rate.setdefault(row[13], []).append(index)
    split: dict[int, VatLine] = {}
    for rate, indexes in by_rate.items():
        totals = [rows[i][14] for i in indexes]
        for i, line in zip(indexes, split_lines(totals, split_vat(sum(totals), rate)), strict=True):
            split[i] = line
    for index, row in enumerate(rows):
        _, opened, z, number, at, kind, refers, channel, seller, name, qty, price, disc = row[:13]
        rate, total = row[13], row[14]
        yield {
            "till_day": clock.local(opened).date().isoformat(),
            "closure_number": z,
            "sale_number": number,
            "sold_at": local_iso(at),
            "kind": kind,
            "refers_to": refers,
            "channel": channel,
            "seller": seller,
            "product": name,
            "quantity": qty,
            "unit_price": price,
            "discount": disc,
            "vat_rate": rate,
            "total": total,
            "ht": split[index].base,
            "vat": split[index].vat,
            "order_number": row[15],  # the order this entry paid (or reverses), if any
        }


def payments(db: Database, period: Period) -> Iterator[dict]:
    """Every payment of the period's till days; a sale's change is on its cash payment."""
    low, high = period.utc_bounds()
    sql = (
        "SELECT s.id, s.number, s.created_at, s.kind, p.method, p.amount, s.change FROM sales s "
        f"JOIN payments p ON p.sale_id = s.id WHERE {IN_DAYS} "
        "ORDER BY s.number, p.method != 'cash', p.id"
    )
    last = None
    for sale_id, number, at, kind, method, amount, change in _rows(db, sql, [low, high]):
        first_cash = method == "cash" and sale_id != last
        last = sale_id
        yield {
            "sale_number": number,
            "paid_at": local_iso(at),
            "kind": kind,
            "method": method,
            "amount": amount,
            "change": change if first_cash else 0,
        }


def stock_movements(db: Database, period: Period) -> Iterator[dict]:
    """The stock ledger: + in, - out, with the sale that moved it."""
    low, high = period.utc_bounds()
    sql = (
        "SELECT m.created_at, p.name, m.kind, m.quantity, m.reason, s.number FROM stock_movements m"
        " JOIN products p ON p.id = m.product_id LEFT JOIN sales s ON s.id = m.sale_id "
        "WHERE m.created_at >= ? AND m.created_at < ? ORDER BY m.id"
    )
    for at, product, kind, quantity, reason, number in _rows(db, sql, [low, high]):
        yield {
            "moved_at": local_iso(at),
            "product": product,
            "kind": kind,
            "quantity": quantity,
            "reason": reason,
            "sale_number": number,
        }


def expenses(db: Database, period: Period) -> Iterator[dict]:
    """Expenses booked in the period, each invoice's VAT split from its total and rate.

    Who advanced a member's expense, what was repaid to that member and what is still owed
    come from pos.db.exports.ledger (the 467 account); the row names the payer.
    """
    low, high = period.date_bounds()
    booked = "coalesce(e.booked_on, e.spent_on)"
    sql = (
        f"SELECT e.id, {booked}, e.spent_on, e.supplier, e.category, e.label, e.total, "
        "e.vat_rate, e.paid_from, coalesce(e.photo, ''), coalesce(m.name, '') FROM expenses e "
        f"LEFT JOIN members m ON m.id = e.payer_id WHERE {booked} BETWEEN ? AND ? "
        f"ORDER BY {booked}, e.id"
    )
    for number, on, spent_on, supplier, category, label, total, rate, paid_from, photo, payer in (
        _rows(db, sql, [low, high])
    ):
        yield {
            "expense_number": number,
            "booked_on": on,
            "spent_on": spent_on,
            "supplier": supplier,
            "category": category,
            "description": label,
            "total": total,
            "vat_rate": rate,
            "ht": total - split_vat(total, rate).vat,
            "vat": split_vat(total, rate).vat,
            "paid_from": paid_from,
            "payer": payer,
            "receipt_ref": photo,
        }


def closures(db: Database, period: Period) -> Iterator[dict]:
    """Day closures (Z) of the period's till days, with their totals and cash count."""
    low, high = period.utc_bounds()
    sql = (
        "SELECT c.number, c.period, d.opened_at, c.created_at, c.totals, c.expected_cash, "
        "c.counted_cash, c.difference, c.grand_total, c.hash FROM closures c "
        "JOIN till_days d ON d.id = c.day_id "
        "WHERE c.kind = 'day' AND d.opened_at >= ? AND d.opened_at < ? ORDER BY c.number"
    )
    for (
        number,
        period_text,
        opened,
        closed,
        totals,
        expected,
        counted,
        diff,
        grand,
        digest,
    ) in _rows(db, sql, [low, high]):
        data = json.loads(totals)
        by_rate = data.get("by_rate", [])
        yield {
            "closure_number": number,
            "period": period_text,
            "opened_at": local_iso(opened) if opened else None,
            "closed_at": local_iso(closed),
            "sales_count": till.sales_count_of(data).sales,  # « Ventes » as on the Z
            "total_ht": sum(v["base"] for v in by_rate),
            "total_vat": sum(v["vat"] for v in by_rate),
            "total_ttc": data["net_total"],
            "cash_expected": expected,
            "cash_counted": counted,
            "cash_difference": diff,
            "grand_total": grand,
            "hash": digest,
        }


# --- The books' sources, from the coop's first entry (pos.bookkeeping numbers them) ----------


def ledger_days(db: Database) -> list[dict]:
    """Every till day, oldest first, with its Z when closed (number, time, count, difference)."""
    return list(
        db.query(
            "SELECT d.id, d.opened_at, d.float_total, c.number AS z, c.created_at AS z_at, "
            "c.counted_cash AS counted, c.difference, c.totals FROM till_days d "
            "LEFT JOIN closures c ON c.day_id = d.id AND c.kind = 'day' ORDER BY d.id"
        )
    )


def ledger_movements(db: Database) -> list[dict]:
    """Every cash movement with the member it concerns (party)."""
    return list(
        db.query(
            "SELECT m.id, m.day_id, m.kind, m.method, m.amount, m.reason, m.party_id, "
            "coalesce(p.name, '') AS party FROM cash_movements m "
            "LEFT JOIN members p ON p.id = m.party_id ORDER BY m.id"
        )
    )


def ledger_expenses(db: Database) -> list[dict]:
    """Every expense with its accounting day (the till day open when recorded) and payer."""
    return list(
        db.query(
            "SELECT e.*, coalesce(e.booked_on, e.spent_on) AS booked, "
            "coalesce(e.day_id, m.day_id) AS till_day, coalesce(p.name, '') AS payer "
            "FROM expenses e LEFT JOIN cash_movements m ON m.id = e.cash_movement_id "
            "LEFT JOIN members p ON p.id = e.payer_id ORDER BY e.id"
        )
    )


def ledger_repayments(db: Database) -> list[dict]:
    """Every repayment of a member's advance."""
    return list(
        db.query(
            "SELECT r.*, m.name AS member FROM repayments r "
            "JOIN members m ON m.id = r.member_id ORDER BY r.id"
        )
    )
