"""Streaming cursors for the exports: each yields one row dict at a time, straight from SQLite.

Rows carry the keys of the column lists in pos.exports; amounts stay in cents. Times are
shown in the stall's time zone with their offset (ISO 8601). Nothing here holds a whole table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache

from sqlite_utils import Database

from pos import clock
from pos.accounts import Period
from pos.money import split_vat

KINDS_FR = {"sale": "vente", "void": "annulation", "refund": "remboursement"}


@lru_cache(maxsize=4096)
def _offset_at(utc_hour: str) -> tuple[timedelta, str]:
    """The local clock's offset during a UTC hour (zone rules change on the hour at most)."""
    moment = datetime.fromisoformat(utc_hour + ":00:00+00:00").astimezone(clock.LOCAL)
    return moment.utcoffset(), moment.isoformat()[19:]


def local_iso(stored: str) -> str:
    """A stored UTC time as local ISO 8601 with its offset ("2025-06-14T10:30:05+02:00")."""
    offset, suffix = _offset_at(stored[:13])
    naive = datetime.fromisoformat(stored[:19]) + offset
    return naive.isoformat() + suffix


def _rows(db: Database, sql: str, args: list) -> Iterator[tuple]:
    cursor = db.conn.execute(sql, args)
    while batch := cursor.fetchmany(1000):
        yield from batch


def sales_lines(db: Database, period: Period) -> Iterator[dict]:
    """Every journal line, in number order; voids and refunds are negative lines."""
    low, high = period.utc_bounds()
    sql = (
        "SELECT s.number, s.created_at, s.kind, s.refers_to, s.channel, s.seller, l.name, "
        "l.quantity, l.unit_price, l.discount, l.vat_rate, l.total, "
        "(SELECT o.number FROM orders o WHERE o.sale_number = coalesce(s.refers_to, s.number))"
        " FROM sales s "
        "JOIN sale_lines l ON l.sale_id = s.id WHERE s.created_at >= ? AND s.created_at < ? "
        "ORDER BY s.number, l.position"
    )
    for row in _rows(db, sql, [low, high]):
        number, at, kind, refers, channel, seller, name, qty, price, disc, rate, total = row[:12]
        yield {
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
            "vat": split_vat(total, rate).vat,
            "order_number": row[12],  # the order this entry paid (or reverses), if any
        }


def payments(db: Database, period: Period) -> Iterator[dict]:
    """Every payment; a sale's change is given back on its cash payment (negative for a void)."""
    low, high = period.utc_bounds()
    sql = (
        "SELECT s.id, s.number, s.created_at, s.kind, p.method, p.amount, s.change FROM sales s "
        "JOIN payments p ON p.sale_id = s.id WHERE s.created_at >= ? AND s.created_at < ? "
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
            "batch": None,
            "kind": kind,
            "quantity": quantity,
            "reason": reason,
            "sale_number": number,
        }


def expenses(db: Database, period: Period) -> Iterator[dict]:
    """Expenses in date order, each invoice's VAT split from its total and rate."""
    low, high = period.date_bounds()
    sql = (
        "SELECT id, spent_on, supplier, category, label, total, vat_rate, paid_from, "
        "coalesce(photo, '') FROM expenses WHERE spent_on BETWEEN ? AND ? ORDER BY spent_on, id"
    )
    for number, spent_on, supplier, category, label, total, rate, paid_from, photo in _rows(
        db, sql, [low, high]
    ):
        yield {
            "expense_number": number,
            "spent_on": spent_on,
            "supplier": supplier,
            "category": category,
            "description": label,
            "total": total,
            "vat_rate": rate,
            "vat": split_vat(total, rate).vat,
            "paid_from": paid_from,
            "receipt_ref": photo,
        }


def closures(db: Database, period: Period) -> Iterator[dict]:
    """Day closures (Z) with their totals and cash count."""
    low, high = period.utc_bounds()
    sql = (
        "SELECT c.number, c.period, d.opened_at, c.created_at, c.totals, c.expected_cash, "
        "c.counted_cash, c.difference, c.grand_total, c.hash FROM closures c "
        "LEFT JOIN till_days d ON d.id = c.day_id "
        "WHERE c.kind = 'day' AND c.created_at >= ? AND c.created_at < ? ORDER BY c.number"
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
            "sales_count": data["sales_count"],
            "total_ht": sum(v["base"] for v in by_rate),
            "total_vat": sum(v["vat"] for v in by_rate),
            "total_ttc": data["net_total"],
            "cash_expected": expected,
            "cash_counted": counted,
            "cash_difference": diff,
            "grand_total": grand,
            "hash": digest,
        }
