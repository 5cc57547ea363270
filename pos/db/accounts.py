"""Queries for the accounts: sums for the bilan and the dashboard, closures, hours worked.

Sums come out per UTC hour (``substr(created_at, 1, 13)``): a handful of rows whatever the
number of sales, turned into local days by pos.accounts.
"""

from __future__ import annotations

import json
from datetime import date

from sqlite_utils import Database

from pos import accounts, clock
from pos.accounts import ClosureLine, Period
from pos.db import now_iso, transaction
from pos.db.till import add_movement, current_day, require_open_day

HOUR = "substr(s.created_at, 1, 13)"
# The till day is the accounting day: a period holds the till days that opened in it, so a
# night market's sales after midnight stay with the day it started (bounds from utc_bounds).
IN_DAYS = "s.day_id IN (SELECT id FROM till_days WHERE opened_at >= ? AND opened_at < ?)"


def first_day(db: Database) -> date | None:
    """The local date the till first opened (the week starts there unless set)."""
    row = db.execute("SELECT min(opened_at) FROM till_days").fetchone()
    return accounts.local_hour(row[0][:13])[0] if row and row[0] else None


def days_sales(db: Database, period: Period) -> dict[int, dict[int, int]]:
    """{till day id: {VAT rate: TTC}} of the till days that opened in the period."""
    low, high = period.utc_bounds()
    rows = db.execute(
        "SELECT s.day_id, l.vat_rate, sum(l.total) FROM sale_lines l "
        f"JOIN sales s ON s.id = l.sale_id WHERE {IN_DAYS} GROUP BY 1, 2 ORDER BY 1, 2",
        [low, high],
    )
    days: dict[int, dict[int, int]] = {}
    for day_id, rate, total in rows:
        days.setdefault(day_id, {})[rate] = total
    return days


def revenue_by_account(db: Database, period: Period) -> dict[int, dict[tuple[str, int], int]]:
    """{till day id: {(sales kind, rate): TTC}}: "products" (701) or "goods" (707) per category."""
    low, high = period.utc_bounds()
    rows = db.execute(
        "SELECT s.day_id, coalesce(c.revenue, 'products'), l.vat_rate, sum(l.total) "
        "FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
        "JOIN products p ON p.id = l.product_id LEFT JOIN categories c ON c.id = p.category_id "
        f"WHERE {IN_DAYS} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        [low, high],
    )
    days: dict[int, dict[tuple[str, int], int]] = {}
    for day_id, kind, rate, total in rows:
        days.setdefault(day_id, {})[(kind, rate)] = total
    return days


def days_payments(db: Database, period: Period) -> dict[int, dict[str, int]]:
    """{till day id: {method: received - change}} of the till days that opened in the period."""
    low, high = period.utc_bounds()
    days: dict[int, dict[str, int]] = {}
    for day_id, method, amount in db.execute(
        "SELECT s.day_id, p.method, sum(p.amount) FROM payments p "
        f"JOIN sales s ON s.id = p.sale_id WHERE {IN_DAYS} GROUP BY 1, 2 "
        "UNION ALL SELECT s.day_id, 'cash', -sum(s.change) FROM sales s "
        f"WHERE {IN_DAYS} AND s.change != 0 GROUP BY 1",
        [low, high, low, high],
    ):
        by_method = days.setdefault(day_id, {})
        by_method[method] = by_method.get(method, 0) + amount
    return days


def cost_of_goods(db: Database, period: Period) -> tuple[int, int]:
    """(sum of quantity x unit_cost, lines sold without a unit cost) over the period."""
    low, high = period.utc_bounds()
    row = db.execute(
        "SELECT coalesce(sum(l.quantity * l.unit_cost), 0), "
        "coalesce(sum(l.unit_cost IS NULL AND s.kind = 'sale'), 0) "
        "FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
        f"WHERE {IN_DAYS}",
        [low, high],
    ).fetchone()
    return row[0], row[1]


def booked_on(day: dict | None) -> str:
    """The accounting date of what is recorded now: the open till day's, else today's."""
    moment = day["opened_at"] if day else clock.now().isoformat()
    return clock.local(moment).date().isoformat()


# An expense's accounting date: the till day open when it was recorded, else its own date.
EXPENSE_BOOKED_ON = "coalesce(e.booked_on, e.spent_on)"


def expenses_in(db: Database, period: Period) -> list[dict]:
    """The expenses booked in the period (accounting date order), with who advanced them."""
    low, high = period.date_bounds()
    return list(
        db.query(
            f"SELECT e.*, {EXPENSE_BOOKED_ON} AS booked, coalesce(m.name, '') AS payer "
            "FROM expenses e LEFT JOIN members m ON m.id = e.payer_id "
            f"WHERE {EXPENSE_BOOKED_ON} BETWEEN ? AND ? ORDER BY booked, e.id",
            [low, high],
        )
    )


def closures_in(db: Database, period: Period) -> list[ClosureLine]:
    """The till days that opened in the period: each Z, and the open day as provisional."""
    low, high = period.utc_bounds()
    rows = db.query(
        "SELECT d.id AS day_id, d.opened_at, c.* FROM till_days d "
        "LEFT JOIN closures c ON c.day_id = d.id AND c.kind = 'day' "
        "WHERE d.opened_at >= ? AND d.opened_at < ? ORDER BY d.id",
        [low, high],
    )
    return [
        ClosureLine(
            r["number"],
            r["period"] or accounts.local_hour(r["opened_at"][:13])[0].isoformat(),
            json.loads(r["totals"])["net_total"] if r["totals"] else None,
            r["expected_cash"],
            r["counted_cash"],
            r["difference"],
            r["reason"] or "",
        )
        for r in rows
    ]


def day_closures_stated_in(db: Database, period: Period) -> int:
    """How many Z state a day of the period (their own "period" text), whatever their day."""
    low, high = period.date_bounds()
    return db.execute(
        "SELECT count(*) FROM closures WHERE kind = 'day' AND period BETWEEN ? AND ?", [low, high]
    ).fetchone()[0]


def open_day_total(db: Database, period: Period) -> int:
    """The net sales so far of a till day of the period still open (0 when none)."""
    low, high = period.utc_bounds()
    return db.execute(
        "SELECT coalesce(sum(s.total), 0) FROM sales s JOIN till_days d ON d.id = s.day_id "
        "WHERE d.closed_at IS NULL AND d.opened_at >= ? AND d.opened_at < ?",
        [low, high],
    ).fetchone()[0]


def bilan(db: Database, period: Period, settings: dict | None = None) -> accounts.Bilan:
    """The period's bilan (its till days, their Z and cash differences, its expenses)."""
    cost, without = cost_of_goods(db, period)
    settings = settings or {}
    return accounts.make_bilan(
        period,
        days_sales(db, period),
        cost,
        without,
        expenses_in(db, period),
        closures_in(db, period),
        by_account=revenue_by_account(db, period),
        stock=stock_values(db),
        stock_in_result=settings.get("stock_in_result") == "1",
    )


def stock_values(db: Database) -> list[accounts.StockValue]:
    """Unsold stock of each tracked product valued at its unit cost (goods or products)."""
    rows = db.execute(
        "SELECT p.name, p.stock, p.unit_cost, coalesce(c.revenue, 'products') FROM products p "
        "LEFT JOIN categories c ON c.id = p.category_id "
        "WHERE p.track_stock = 1 AND p.stock > 0 ORDER BY p.position, p.name"
    )
    return [accounts.StockValue(*row) for row in rows]


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
        f"WHERE {IN_DAYS}",
        [low, high],
    ).fetchone()


def revenue_by_hour(db: Database, period: Period) -> list[tuple[str, int]]:
    """(UTC hour, net TTC) sums over the period."""
    low, high = period.utc_bounds()
    return db.execute(
        f"SELECT {HOUR}, sum(s.total) FROM sales s WHERE {IN_DAYS} "
        "GROUP BY 1 ORDER BY 1",
        [low, high],
    ).fetchall()


def top_products(db: Database, period: Period, limit: int = 8) -> list[accounts.ProductFigure]:
    """Best sellers by net revenue (voids and refunds taken off)."""
    low, high = period.utc_bounds()
    rows = db.execute(
        "SELECT l.name, sum(l.quantity), sum(l.total) FROM sale_lines l "
        f"JOIN sales s ON s.id = l.sale_id WHERE {IN_DAYS} "
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
    """(sum of line totals, payments received, change given) of the period's till days."""
    low, high = period.utc_bounds()
    where = f"WHERE {IN_DAYS}"
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


# --- Member advances ------------------------------------------------------------------------

_DONE = "(day IS NULL OR day IN (SELECT id FROM till_days WHERE closed_at IS NOT NULL))"
_OPEN = "(day IN (SELECT id FROM till_days WHERE closed_at IS NULL))"


def member_advances(db: Database, period: Period, *, open_day: bool = False) -> list[dict]:
    """Per member, up to the period's end, of closed days only: advanced and repaid (cents);
    with `open_day`, what the open till day adds instead (provisional until its Z).

    Advanced: expenses a member paid, cash a member brought to the till. Repaid: recorded
    repayments (till or bank), cash a member took from the till.
    """
    low, high = period.utc_bounds()
    end = period.date_bounds()[1]
    which = _OPEN if open_day else _DONE
    return list(
        db.query(
            "WITH moves AS (SELECT m.party_id AS member, m.day_id AS day, m.kind, m.amount "
            "FROM cash_movements m JOIN till_days d ON d.id = m.day_id "
            "WHERE d.opened_at < ? AND m.kind IN ('member_in', 'member_out')), "
            "spent AS (SELECT e.payer_id AS member, coalesce(e.day_id, mv.day_id) AS day, "
            "e.total FROM expenses e LEFT JOIN cash_movements mv ON mv.id = e.cash_movement_id "
            "WHERE e.paid_from = 'member' AND coalesce(e.booked_on, e.spent_on) <= ?), "
            "back AS (SELECT member_id AS member, day_id AS day, amount FROM repayments "
            "WHERE booked_on <= ?) "
            "SELECT mb.id, mb.name, "
            f"(SELECT coalesce(sum(total), 0) FROM spent WHERE member = mb.id AND {which})"
            " + (SELECT coalesce(sum(amount), 0) FROM moves WHERE member = mb.id "
            f"AND kind = 'member_in' AND {which}) AS advanced, "
            f"(SELECT coalesce(sum(amount), 0) FROM back WHERE member = mb.id AND {which})"
            " - (SELECT coalesce(sum(amount), 0) FROM moves WHERE member = mb.id "
            f"AND kind = 'member_out' AND {which}) AS repaid "
            "FROM members mb ORDER BY mb.name COLLATE NOCASE",
            [high, end, end],
        )
    )


def record_repayment(
    db: Database, member_id: int, amount: int, paid_from: str, recorded_by: dict | None
) -> int:
    """A member's advance paid back from the till (a cash movement of the open day) or the bank.

    :raise TillClosed: paid from the till while no till day is open.
    :raise InvalidInput: not enough cash in the drawer.
    """
    with transaction(db):
        movement = None
        if paid_from == "till":
            require_open_day(db)
            name = db.execute("SELECT name FROM members WHERE id = ?", [member_id]).fetchone()[0]
            movement = add_movement(
                db,
                -amount,
                f"Remboursement de l'avance de {name}",
                recorded_by,
                kind="repayment",
                party_id=member_id,
            )
        day = current_day(db)
        return (
            db["repayments"]
            .insert(
                {
                    "member_id": member_id,
                    "amount": amount,
                    "paid_from": paid_from,
                    "cash_movement_id": movement,
                    "day_id": day and day["id"],
                    "booked_on": booked_on(day),
                    "recorded_by": recorded_by and recorded_by["id"],
                    "created_at": now_iso(),
                }
            )
            .last_pk
        )


def categories_revenue(db: Database) -> list[dict]:
    """Categories with the sales account their products reach ("products" 701, "goods" 707)."""
    return list(db.query("SELECT id, name, revenue FROM categories ORDER BY position, name"))


def save_categories_revenue(db: Database, revenue: dict[int, str]) -> None:
    """Set each category's sales account kind."""
    with transaction(db):
        for category_id, kind in revenue.items():
            db.execute("UPDATE categories SET revenue = ? WHERE id = ?", [kind, category_id])
