"""Queries for prices: price changes with their history, category markdowns, sales so far."""

from __future__ import annotations

from sqlite_utils import Database

from pos.db import now_iso, transaction
from pos.errors import InvalidInput, NotFound
from pos.i18n import N_
from pos.money import split_vat


def change_price(db: Database, product_id: int, new_price: int, *, member_id: int | None) -> int:
    """Set a product's catalogue price TTC; the change is kept (who, when, old → new)."""
    with transaction(db):
        row = db.execute("SELECT price FROM products WHERE id = ?", [product_id]).fetchone()
        if row is None:
            raise NotFound(N_("Ce produit n'existe pas."))
        if row[0] == new_price:
            raise InvalidInput(N_("C'est déjà le prix actuel."), field="new_price")
        db.execute("UPDATE products SET price = ? WHERE id = ?", [new_price, product_id])
        return (
            db["price_changes"]
            .insert(
                {
                    "product_id": product_id,
                    "old_price": row[0],
                    "new_price": new_price,
                    "member_id": member_id,
                    "created_at": now_iso(),
                }
            )
            .last_pk
        )


def price_history(db: Database, product_id: int | None = None, limit: int = 100) -> list[dict]:
    """Price changes, newest first, with the product's and the member's names."""
    where = "WHERE pc.product_id = ?" if product_id else ""
    params = [product_id] if product_id else []
    return list(
        db.query(
            "SELECT pc.*, p.name AS product, coalesce(m.name, '') AS member FROM price_changes pc "
            "JOIN products p ON p.id = pc.product_id LEFT JOIN members m ON m.id = pc.member_id "
            f"{where} ORDER BY pc.id DESC LIMIT ?",
            [*params, limit],
        )
    )


def add_markdown(
    db: Database, category_id: int, percent: int, starts_at: str, *, member_id: int | None
) -> int:
    """A markdown on a whole category from a moment on (until it is removed)."""
    with transaction(db):
        return (
            db["markdowns"]
            .insert(
                {
                    "category_id": category_id,
                    "percent": percent,
                    "starts_at": starts_at,
                    "member_id": member_id,
                    "created_at": now_iso(),
                }
            )
            .last_pk
        )


def remove_markdown(db: Database, markdown_id: int) -> None:
    """End a markdown now: prices go back to the catalogue's."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE markdowns SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
            [now_iso(), markdown_id],
        )
        if cursor.rowcount != 1:
            raise NotFound(N_("Cette démarque n'existe pas ou a déjà été retirée."))


def list_markdowns(db: Database) -> list[dict]:
    """Markdowns, newest first, each with its state: 'active', 'planned' or 'removed'."""
    now = now_iso()
    rows = list(
        db.query(
            "SELECT md.*, c.name AS category, coalesce(m.name, '') AS member FROM markdowns md "
            "JOIN categories c ON c.id = md.category_id LEFT JOIN members m ON m.id = md.member_id "
            "ORDER BY md.id DESC"
        )
    )
    for row in rows:
        row["state"] = (
            "removed" if row["removed_at"] else "active" if row["starts_at"] <= now else "planned"
        )
    return rows


def product_sales(db: Database, product_id: int) -> dict:
    """A product's sales so far, net of voids and refunds: units, TTC, HT and cost of goods."""
    rows = list(
        db.query(
            "SELECT vat_rate, sum(quantity) AS units, sum(total) AS ttc,"
            " sum(quantity * coalesce(unit_cost, 0)) AS cost FROM sale_lines WHERE product_id = ?"
            " GROUP BY vat_rate",
            [product_id],
        )
    )
    return {
        "units": sum(r["units"] for r in rows),
        "revenue_ttc": sum(r["ttc"] for r in rows),
        "revenue_ht": sum(split_vat(r["ttc"], r["vat_rate"]).base for r in rows),
        "cost": sum(r["cost"] for r in rows),
    }
