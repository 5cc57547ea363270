"""Queries for the catalogue: categories, products and their stock ledger."""

from __future__ import annotations

from sqlite_utils import Database

from pos.db import chains, now_iso, query, transaction
from pos.pricing import apply_markdown


def list_categories(db: Database) -> list[dict]:
    """Categories in display order."""
    return list(query(db, "SELECT * FROM categories ORDER BY position, name COLLATE NOCASE"))


def insert_category(db: Database, name: str) -> int:
    """Add a category at the end; return its id."""
    with transaction(db):
        pos = db.execute("SELECT coalesce(max(position), 0) + 1 FROM categories").fetchone()[0]
        return db.execute(
            "INSERT INTO categories(name, position) VALUES (?, ?)", [" ".join(name.split()), pos]
        ).lastrowid


# The units of product `p` that open orders hold (pos.db.orders): read by the catalogue and by
# the sale's stock check. etal_now() is the till's clock (registered by pos.db.connect), so an
# order past its delay stops holding stock even before it is marked expired.
RESERVED = (
    "(SELECT coalesce(sum(ol.quantity), 0) FROM order_lines ol JOIN orders o ON o.id = ol.order_id"
    " WHERE ol.product_id = p.id AND o.state IN ('to_prepare', 'ready')"
    " AND o.paid_in_advance = 0 AND (o.expires_at IS NULL OR o.expires_at > (SELECT etal_now())))"
)

# The markdown in force now for product `p`'s category (basis points): the latest to start
# wins (index markdowns_in_force, migration 0024). In the product query itself, so reading
# products at today's price is one statement.
MARKDOWN = (
    "(SELECT m.percent FROM markdowns m WHERE m.category_id = p.category_id"
    " AND m.removed_at IS NULL AND m.starts_at <= (SELECT etal_now())"
    " ORDER BY m.starts_at DESC, m.id DESC LIMIT 1)"
)

PRODUCT_SELECT = f"""
SELECT p.*, c.name AS category, c.position AS category_position, {RESERVED} AS reserved,
    coalesce({MARKDOWN}, 0) AS markdown
FROM products p LEFT JOIN categories c ON c.id = p.category_id
"""


def _with_markdowns(rows: list[dict]) -> list[dict]:
    """`price` becomes the price a sale uses now; `base_price` keeps the catalogue's."""
    for row in rows:
        row["base_price"] = row["price"]
        if row["markdown"]:
            row["price"] = apply_markdown(row["base_price"], row["markdown"])
    return rows


def list_products(db: Database, *, active_only: bool = False) -> list[dict]:
    """Products grouped by category order, then their own order and name, at today's price."""
    where = "WHERE p.active = 1" if active_only else ""
    return _with_markdowns(
        list(
            query(
                db,
                f"{PRODUCT_SELECT} {where} "
                "ORDER BY coalesce(c.position, 9999), p.position, p.name COLLATE NOCASE",
            )
        ),
    )


def get_product(db: Database, product_id: int) -> dict | None:
    """One product with its category name and today's price (markdown applied), or None."""
    rows = _with_markdowns(list(query(db, f"{PRODUCT_SELECT} WHERE p.id = ?", [product_id])))
    return rows[0] if rows else None


def get_products(db: Database, product_ids: list[int]) -> dict[int, dict]:
    """Several products by id at today's price, in one query (a cart, an order)."""
    return _by_id(db, PRODUCT_SELECT, product_ids)


def _by_id(db: Database, select: str, product_ids: list[int]) -> dict[int, dict]:
    """The rows of `select` for these product ids, by id, at today's price (one query)."""
    ids = sorted({int(i) for i in product_ids})
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = list(query(db, f"{select} WHERE p.id IN ({marks})", ids))
    return {row["id"]: row for row in _with_markdowns(rows)}


# What pricing a cart needs of a product (pos.cart.item_of), at today's price: the API's sale.
PRICE_SELECT = f"""
SELECT p.id, p.name, p.short_name, p.price, p.vat_rate, p.unit_cost, p.active,
    coalesce({MARKDOWN}, 0) AS markdown
FROM products p
"""


def prices_of(db: Database, product_ids: list[int]) -> dict[int, dict]:
    """Several products by id as a cart prices them (today's price), without their stock,
    reservations or category: what an API sale reads before its write."""
    return _by_id(db, PRICE_SELECT, product_ids)


def product_names(db: Database, *, except_id: int | None = None) -> set[str]:
    """Names already taken (to refuse duplicates)."""
    rows = query(db, "SELECT name FROM products WHERE id IS NOT ?", [except_id])
    return {row["name"] for row in rows}


def insert_product(
    db: Database, values: dict, *, stock: int = 0, member_id: int | None = None
) -> int:
    """Add a product; an opening stock goes through the ledger."""
    with transaction(db):
        row = {**values, "stock": 0, "created_at": now_iso()}
        product_id = db["products"].insert(row).last_pk
        if stock:
            move_stock(db, product_id, "initial", stock, member_id=member_id)
        return product_id


def update_product(db: Database, product_id: int, values: dict) -> None:
    """Change a product's catalogue fields (never its stock: that is the ledger's)."""
    values = {k: v for k, v in values.items() if k not in ("stock", "id")}
    with transaction(db):
        db["products"].update(product_id, values)


def set_product_active(db: Database, product_id: int, active: bool) -> None:
    """Archive or restore a product (a product once sold is never deleted)."""
    with transaction(db):
        db.execute("UPDATE products SET active = ? WHERE id = ?", [int(active), product_id])


def move_stock(
    db: Database,
    product_id: int,
    kind: str,
    quantity: int,
    *,
    sale_id: int | None = None,
    reason: str = "",
    member_id: int | None = None,
    created_at: str | None = None,
) -> None:
    """Append to the stock ledger and keep the product's running stock in step."""
    with transaction(db):
        db.execute(
            "INSERT INTO stock_movements(product_id, kind, quantity, sale_id, reason, member_id,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [product_id, kind, quantity, sale_id, reason, member_id, created_at or now_iso()],
        )
        db.execute("UPDATE products SET stock = stock + ? WHERE id = ?", [quantity, product_id])
        chains.seal(db, "stock_movements")


def stock_from_ledger(db: Database) -> dict[int, int]:
    """Each product's stock as the ledger sums it (to check the running stock)."""
    rows = query(
        db,
        "SELECT p.id, coalesce(sum(m.quantity), 0) AS q FROM products p "
        "LEFT JOIN stock_movements m ON m.product_id = p.id GROUP BY p.id",
    )
    return {row["id"]: row["q"] for row in rows}
