"""Queries for the prévisionnel: the plan as stored, and what happened this week to compare.

The stall fee, target pay and CAE contribution are settings (the pricing helper reads them
too); the other fixed-cost lines, the coop's own money and its loans are ``plan_lines``; the
float, the market days and hours are ``plan_facts``.
"""

from __future__ import annotations

import json
from datetime import date

from sqlite_utils import Database

from pos import accounts, plan, plan_gaps
from pos.accounts import Period
from pos.db import coop, now_iso, query, transaction
from pos.db.accounts import IN_DAYS

LINE_KINDS = ("fixed", "own", "loan")


def planned_rows(db: Database) -> list[dict]:
    """Every active product with its plan (zeros when not planned), in catalogue order."""
    return list(
        query(
            db,
            "SELECT p.id, p.name, p.emoji, p.vat_rate, p.price AS base_price, p.unit_cost AS "
            "product_cost, p.track_stock, pp.units_made, pp.units_to_sell, pp.unit_cost, "
            "pp.price FROM products p LEFT JOIN categories c ON c.id = p.category_id "
            "LEFT JOIN plan_products pp ON pp.product_id = p.id WHERE p.active = 1 "
            "ORDER BY coalesce(c.position, 9999), p.position, p.name COLLATE NOCASE",
        )
    )


def planned_products(db: Database) -> list[plan.PlannedProduct]:
    """The products in the plan (made or to sell), as the domain reads them."""
    return [
        plan.PlannedProduct(
            name=r["name"],
            vat_rate=r["vat_rate"],
            unit_cost=r["unit_cost"],
            price_ttc=r["price"],
            units_made=r["units_made"],
            units_to_sell=r["units_to_sell"],
            product_id=r["id"],
        )
        for r in planned_rows(db)
        if r["units_made"] is not None
    ]


def plan_lines(db: Database, kind: str) -> list[plan.PlanLine]:
    """One kind of plan line, in order: 'fixed' costs, 'own' money, 'loan's."""
    rows = db.execute(
        "SELECT label, amount, upfront FROM plan_lines WHERE kind = ? ORDER BY position, id",
        [kind],
    ).fetchall()
    return [plan.PlanLine(label, amount, bool(upfront)) for label, amount, upfront in rows]


def plan_facts(db: Database) -> dict:
    """The float (cents), the market days (ISO dates) and the hours of a market day."""
    facts = dict(db.execute("SELECT key, value FROM plan_facts").fetchall())
    return {
        "float": int(facts.get("float", 0)),
        "market_days": json.loads(facts.get("market_days", "[]")),
        "market_hours": int(facts.get("market_hours", 0)),
    }


def fixed_costs(db: Database, settings: dict) -> plan.FixedCosts:
    """The week's fixed costs: the three settings and the other lines."""
    return plan.FixedCosts(
        stall_fee=int(settings.get("stall_fee") or 0),
        target_pay=int(settings.get("target_pay") or 0),
        cae_contribution=int(settings.get("cae_contribution") or 0),
        others=tuple(plan_lines(db, "fixed")),
    )


def has_plan(db: Database) -> bool:
    """Whether any product has been planned."""
    return db.execute("SELECT count(*) FROM plan_products").fetchone()[0] > 0


def plan_week(db: Database) -> Period | None:
    """The week the plan was made for (None: a plan saved before it was kept)."""
    facts = dict(
        db.execute("SELECT key, value FROM plan_facts WHERE key LIKE 'week_%'").fetchall()
    )
    if "week_start" not in facts or "week_end" not in facts:
        return None
    return Period(date.fromisoformat(facts["week_start"]), date.fromisoformat(facts["week_end"]))


def save_plan(db: Database, values: dict, week: Period | None = None) -> None:
    """Replace the whole plan in one transaction: products, lines, settings, facts, and the
    week it is made for."""
    with transaction(db):
        db.execute("DELETE FROM plan_products")
        for row in values["products"]:
            db.execute(
                "INSERT INTO plan_products(product_id, units_made, units_to_sell, unit_cost, "
                "price, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    row["product_id"],
                    row["units_made"],
                    row["units_to_sell"],
                    row["unit_cost"],
                    row["price"],
                    now_iso(),
                ],
            )
        db.execute("DELETE FROM plan_lines")
        for position, line in enumerate(values["lines"]):
            db.execute(
                "INSERT INTO plan_lines(kind, label, amount, upfront, position) "
                "VALUES (?, ?, ?, ?, ?)",
                [line["kind"], line["label"], line["amount"], int(line["upfront"]), position],
            )
        coop.save_settings(
            db, {k: str(values[k]) for k in ("stall_fee", "target_pay", "cae_contribution")}
        )
        facts = {
            "float": str(values["float"]),
            "market_days": json.dumps(values["market_days"]),
            "market_hours": str(values["market_hours"]),
        }
        if week and week.start and week.end:
            facts.update(week_start=week.start.isoformat(), week_end=week.end.isoformat())
        for key, value in facts.items():
            db.execute(
                "INSERT INTO plan_facts(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )


# --- What happened ------------------------------------------------------------------------


def product_actuals(db: Database, period: Period) -> list[plan_gaps.ProductActual]:
    """Per product over the period's till days: made (opening stock and batches), sold,
    revenue HT, cost of the units sold.

    Made counts every 'initial' and 'production' movement (the opening stock may predate the
    week), or what was sold for an untracked product (a drink made as it is served); sales are
    net of voids and refunds, in the till days the bilan counts, their HT shared from each
    day's rate split (`accounts.revenue_ht_by_product`): the products add up to the bilan.
    """
    low, high = period.utc_bounds()
    made = dict(
        db.execute(
            "SELECT product_id, sum(quantity) FROM stock_movements "
            "WHERE kind IN ('initial', 'production') GROUP BY product_id"
        ).fetchall()
    )
    sold: dict[int, list] = {}
    days: dict[int, dict[int, dict[int, int]]] = {}
    for day_id, pid, name, rate, units, ttc, cost in db.execute(
        "SELECT s.day_id, l.product_id, l.name, l.vat_rate, sum(l.quantity), sum(l.total), "
        "sum(l.quantity * coalesce(l.unit_cost, 0)) FROM sale_lines l JOIN sales s "
        f"ON s.id = l.sale_id WHERE {IN_DAYS} GROUP BY 1, 2, 4 ORDER BY 1, 2, 4",
        [low, high],
    ):
        acc = sold.setdefault(pid, [name, 0, 0])
        acc[1] += units
        acc[2] += cost
        days.setdefault(day_id, {}).setdefault(rate, {})[pid] = ttc
    revenue = accounts.revenue_ht_by_product(days)
    names = dict(db.execute("SELECT id, name FROM products").fetchall())
    untracked = {r[0] for r in db.execute("SELECT id FROM products WHERE track_stock = 0")}
    out = []
    for pid in sorted(set(made) | set(sold)):
        name, units, cost = sold.get(pid, [names.get(pid, "?"), 0, 0])
        if pid in untracked:  # made by the cup as it sells: as many made as sold
            made[pid] = max(units, 0)
        out.append(
            plan_gaps.ProductActual(
                names.get(pid, name), made.get(pid, 0), units, revenue.get(pid, 0), cost, pid
            )
        )
    return out


def units_by_day(db: Database, period: Period) -> dict[int, dict[date, int]]:
    """{product id: {local date: net units sold}} over the period."""
    low, high = period.utc_bounds()
    rows = db.execute(
        "SELECT substr(s.created_at, 1, 13), l.product_id, sum(l.quantity) FROM sale_lines l "
        "JOIN sales s ON s.id = l.sale_id WHERE s.created_at >= ? AND s.created_at < ? "
        "GROUP BY 1, 2",
        [low, high],
    ).fetchall()
    out: dict[int, dict[date, int]] = {}
    for hour, pid, units in rows:
        day = accounts.local_hour(hour)[0]
        out.setdefault(pid, {}).setdefault(day, 0)
        out[pid][day] += units
    return out


def closed_days(db: Database, period: Period) -> set[date]:
    """The local dates of the till days opened in the period and closed since (their Z)."""
    low, high = period.utc_bounds()
    rows = db.execute(
        "SELECT opened_at FROM till_days WHERE closed_at IS NOT NULL "
        "AND opened_at >= ? AND opened_at < ?",
        [low, high],
    ).fetchall()
    return {accounts.local_hour(r[0][:13])[0] for r in rows}


def stock_now(db: Database) -> dict[int, int]:
    """{product id: stock left} for tracked, active products."""
    return dict(
        db.execute("SELECT id, stock FROM products WHERE track_stock = 1 AND active = 1").fetchall()
    )


def price_cuts(db: Database, period: Period) -> list[tuple[str, str]]:
    """(product or category, UTC time) of each price lowered or markdown started in the period."""
    low, high = period.utc_bounds()
    cuts = db.execute(
        "SELECT p.name, pc.created_at FROM price_changes pc "
        "JOIN products p ON p.id = pc.product_id "
        "WHERE pc.new_price < pc.old_price AND pc.created_at >= ? AND pc.created_at < ? "
        "UNION ALL SELECT c.name, md.starts_at FROM markdowns md JOIN categories c "
        "ON c.id = md.category_id WHERE md.starts_at >= ? AND md.starts_at < ? ORDER BY 2",
        [low, high, low, high],
    ).fetchall()
    return [(name, at) for name, at in cuts]
