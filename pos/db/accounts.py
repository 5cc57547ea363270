"""Queries for the accounts: sums for the bilan and the dashboard, closures, hours worked.

Sums come out per UTC hour (``substr(created_at, 1, 13)``): a handful of rows whatever the
number of sales, turned into local days by pos.accounts.
"""

from __future__ import annotations

import json
from datetime import date

from sqlite_utils import Database

from pos import accounts
from pos.accounts import ClosureLine, Period
from pos.db import transaction

HOUR = "substr(s.created_at, 1, 13)"


def first_day(db: Database) -> date | None:
    """The local date the till first opened (the week starts there unless set)."""
    row = db.execute("SELECT min(opened_at) FROM till_days").fetchone()
    return accounts.local_hour(row[0][:13])[0] if row and row[0] else None


def sales_by_hour_and_rate(db: Database, period: Period) -> list[tuple[str, int, int]]:
    """(UTC hour, VAT rate, TTC) sums of every journal line (voids and refunds negative)."""
    low, high = period.utc_bounds()
    return db.execute(
        f"SELECT {HOUR}, l.vat_rate, sum(l.total) FROM sale_lines l "
        "JOIN sales s ON s.id = l.sale_id WHERE s.created_at >= ? AND s.created_at < ? "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        [low, high],
    ).fetchall()


def daily_sales(db: Database, period: Period) -> dict[date, dict[int, int]]:
    """{local date: {VAT rate: TTC}} over the period."""
    return accounts.daily_by_key(sales_by_hour_and_rate(db, period))


def payments_by_hour_and_method(db: Database, period: Period) -> list[tuple[str, str, int]]:
    """(UTC hour, method, received) sums, then (UTC hour, 'cash', -change) for the change."""
    low, high = period.utc_bounds()
    received = db.execute(
        f"SELECT {HOUR}, p.method, sum(p.amount) FROM payments p "
        "JOIN sales s ON s.id = p.sale_id WHERE s.created_at >= ? AND s.created_at < ? "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        [low, high],
    ).fetchall()
    change = db.execute(
        f"SELECT {HOUR}, 'cash', -sum(s.change) FROM sales s "
        "WHERE s.created_at >= ? AND s.created_at < ? AND s.change != 0 GROUP BY 1 ORDER BY 1",
        [low, high],
    ).fetchall()
    return received + change


def daily_payments(db: Database, period: Period) -> dict[date, dict[str, int]]:
    """{local date: {method: received - change}} over the period."""
    return accounts.daily_by_key(payments_by_hour_and_method(db, period))


def cost_of_goods(db: Database, period: Period) -> tuple[int, int]:
    """(sum of quantity x unit_cost, lines sold without a unit cost) over the period."""
    low, high = period.utc_bounds()
    row = db.execute(
        "SELECT coalesce(sum(l.quantity * l.unit_cost), 0), "
        "coalesce(sum(l.unit_cost IS NULL AND s.kind = 'sale'), 0) "
        "FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
        "WHERE s.created_at >= ? AND s.created_at < ?",
        [low, high],
    ).fetchone()
    return row[0], row[1]


def expenses_in(db: Database, period: Period) -> list[dict]:
    """The period's expenses (date order)."""
    low, high = period.date_bounds()
    return list(
        db.query(
            "SELECT * FROM expenses WHERE spent_on BETWEEN ? AND ? ORDER BY spent_on, id",
            [low, high],
        )
    )


def closures_in(db: Database, period: Period) -> list[ClosureLine]:
    """The day closures (Z) made during the period, oldest first."""
    low, high = period.utc_bounds()
    rows = db.query(
        "SELECT * FROM closures WHERE kind = 'day' AND created_at >= ? AND created_at < ? "
        "ORDER BY number",
        [low, high],
    )
    return [
        ClosureLine(
            r["number"],
            r["period"],
            json.loads(r["totals"])["net_total"],
            r["expected_cash"],
            r["counted_cash"],
            r["difference"],
            r["reason"],
        )
        for r in rows
    ]


def bilan(db: Database, period: Period) -> accounts.Bilan:
    """The period's bilan."""
    cost, without = cost_of_goods(db, period)
    return accounts.make_bilan(
        period,
        daily_sales(db, period),
        cost,
        without,
        expenses_in(db, period),
        closures_in(db, period),
    )


# --- Hours worked --------------------------------------------------------------------------


def hours_in(db: Database, period: Period) -> dict[tuple[int, str], int]:
    """{(member id, ISO date): minutes} over the period."""
    low, high = period.date_bounds()
    rows = db.execute(
        "SELECT member_id, worked_on, minutes FROM hours WHERE worked_on BETWEEN ? AND ?",
        [low, high],
    )
    return {(m, d): minutes for m, d, minutes in rows}


def save_hours(db: Database, member_id: int, worked_on: date, minutes: int) -> None:
    """Set a member's minutes for a day (0 removes the entry)."""
    with transaction(db):
        if minutes:
            db.execute(
                "INSERT INTO hours(member_id, worked_on, minutes) VALUES (?, ?, ?) "
                "ON CONFLICT(member_id, worked_on) DO UPDATE SET minutes = excluded.minutes",
                [member_id, worked_on.isoformat(), minutes],
            )
        else:
            db.execute(
                "DELETE FROM hours WHERE member_id = ? AND worked_on = ?",
                [member_id, worked_on.isoformat()],
            )


def sharing_members(db: Database, period: Period) -> list[dict]:
    """Who shares: active members, plus any admin (the animator) with hours in the period."""
    low, high = period.date_bounds()
    return list(
        db.query(
            "SELECT m.id, m.name, m.role, coalesce(sum(h.minutes), 0) AS minutes FROM members m "
            "LEFT JOIN hours h ON h.member_id = m.id AND h.worked_on BETWEEN ? AND ? "
            "WHERE m.active = 1 GROUP BY m.id "
            "HAVING m.role = 'member' OR coalesce(sum(h.minutes), 0) > 0 "
            "ORDER BY m.name COLLATE NOCASE",
            [low, high],
        )
    )


# --- The dashboard -------------------------------------------------------------------------


def sales_counts(db: Database, period: Period) -> tuple[int, int, int, int]:
    """(net revenue TTC, sales, voids, refunds) over the period."""
    low, high = period.utc_bounds()
    return db.execute(
        "SELECT coalesce(sum(total), 0), coalesce(sum(kind = 'sale'), 0), "
        "coalesce(sum(kind = 'void'), 0), coalesce(sum(kind = 'refund'), 0) FROM sales s "
        "WHERE s.created_at >= ? AND s.created_at < ?",
        [low, high],
    ).fetchone()


def revenue_by_hour(db: Database, period: Period) -> list[tuple[str, int]]:
    """(UTC hour, net TTC) sums over the period."""
    low, high = period.utc_bounds()
    return db.execute(
        f"SELECT {HOUR}, sum(s.total) FROM sales s WHERE s.created_at >= ? AND s.created_at < ? "
        "GROUP BY 1 ORDER BY 1",
        [low, high],
    ).fetchall()


def top_products(db: Database, period: Period, limit: int = 8) -> list[accounts.ProductFigure]:
    """Best sellers by net revenue (voids and refunds taken off)."""
    low, high = period.utc_bounds()
    rows = db.execute(
        "SELECT l.name, sum(l.quantity), sum(l.total) FROM sale_lines l "
        "JOIN sales s ON s.id = l.sale_id WHERE s.created_at >= ? AND s.created_at < ? "
        "GROUP BY l.product_id HAVING sum(l.quantity) > 0 ORDER BY 3 DESC, 1 LIMIT ?",
        [low, high, limit],
    )
    return [accounts.ProductFigure(*row) for row in rows]


def stock_figures(db: Database) -> list[accounts.StockFigure]:
    """Tracked, active products: produced (initial stock and production) against what is left."""
    rows = db.execute(
        "SELECT p.name, coalesce(sum(CASE WHEN m.kind IN ('initial', 'production') "
        "THEN m.quantity END), 0), p.stock FROM products p "
        "LEFT JOIN stock_movements m ON m.product_id = p.id "
        "WHERE p.track_stock = 1 AND p.active = 1 GROUP BY p.id ORDER BY p.position, p.name"
    )
    return [accounts.StockFigure(*row) for row in rows]


def journal_totals(db: Database, period: Period) -> tuple[int, int, int]:
    """(sum of line totals, payments received, change given) over the period."""
    low, high = period.utc_bounds()
    where = "WHERE s.created_at >= ? AND s.created_at < ?"
    lines = db.execute(
        f"SELECT coalesce(sum(l.total), 0) FROM sale_lines l JOIN sales s "
        f"ON s.id = l.sale_id {where}",
        [low, high],
    ).fetchone()[0]
    paid = db.execute(
        f"SELECT coalesce(sum(p.amount), 0) FROM payments p JOIN sales s "
        f"ON s.id = p.sale_id {where}",
        [low, high],
    ).fetchone()[0]
    change = db.execute(
        f"SELECT coalesce(sum(s.change), 0) FROM sales s {where}", [low, high]
    ).fetchone()[0]
    return lines, paid, change


def closed_days_lines_total(db: Database, period: Period) -> int:
    """The line totals of the till days whose Z falls in the period."""
    low, high = period.utc_bounds()
    return db.execute(
        "SELECT coalesce(sum(l.total), 0) FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
        "WHERE s.day_id IN (SELECT day_id FROM closures WHERE kind = 'day' "
        "AND created_at >= ? AND created_at < ?)",
        [low, high],
    ).fetchone()[0]
