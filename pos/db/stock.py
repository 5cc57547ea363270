"""Queries for stock and spending: batches, write-offs, inventory, the ledger, expenses."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlite_utils import Database

from pos import pricing
from pos.db import chains, now_iso, transaction
from pos.db.accounts import booked_on
from pos.db.catalogue import move_stock
from pos.db.till import add_movement, current_day
from pos.errors import InvalidInput, NotFound, TillClosed
from pos.i18n import N_
from pos.money import split_vat
from pos.stock import StockFigures

KIND_SUMS = """
SELECT p.id, p.name, p.emoji, p.stock, p.low_stock, p.unit_cost, p.price, p.active,
  coalesce(sum(CASE WHEN m.kind IN ('initial', 'production') THEN m.quantity END), 0) AS produced,
  coalesce(-sum(CASE WHEN m.kind = 'sale' THEN m.quantity END), 0) AS sold,
  coalesce(sum(CASE WHEN m.kind = 'refund' THEN m.quantity END), 0) AS refunded,
  coalesce(sum(CASE WHEN m.kind = 'void' THEN m.quantity END), 0) AS voided,
  coalesce(-sum(CASE WHEN m.kind IN ('loss', 'gift') THEN m.quantity END), 0) AS lost,
  coalesce(sum(CASE WHEN m.kind = 'correction' THEN m.quantity END), 0) AS corrected
FROM products p
LEFT JOIN categories c ON c.id = p.category_id
LEFT JOIN stock_movements m ON m.product_id = p.id
WHERE p.track_stock = 1
GROUP BY p.id
ORDER BY coalesce(c.position, 9999), p.position, p.name COLLATE NOCASE
"""


def tracked_products(db: Database, *, active_only: bool = True) -> list[dict]:
    """Products whose stock is followed, in catalogue order."""
    where = "AND p.active = 1" if active_only else ""
    return list(
        db.query(
            "SELECT p.id, p.name, p.emoji, p.stock, p.unit_cost FROM products p "
            "LEFT JOIN categories c ON c.id = p.category_id "
            f"WHERE p.track_stock = 1 {where} "
            "ORDER BY coalesce(c.position, 9999), p.position, p.name COLLATE NOCASE"
        )
    )


def stock_levels(db: Database) -> list[dict]:
    """Per tracked product: produced, sold, refunded, voided, lost, corrected, left, low."""
    rows = list(db.query(KIND_SUMS))
    for row in rows:
        row["figures"] = StockFigures(
            **{k: row[k] for k in ("produced", "sold", "refunded", "voided", "lost", "corrected")}
        )
        row["low"] = row["stock"] <= row["low_stock"]
    return rows


def record_batch(db: Database, values: dict, *, member_id: int | None) -> int:
    """A production batch: its unit cost, stock up through the ledger, maybe the product's cost."""
    cost = pricing.unit_cost(values["materials_cost"], values["quantity"])
    with transaction(db):
        batch_id = (
            db["batches"]
            .insert(
                {
                    "product_id": values["product_id"],
                    "quantity": values["quantity"],
                    "made_on": values["made_on"],
                    "materials": values["materials"],
                    "materials_cost": values["materials_cost"],
                    "unit_cost": cost,
                    "member_id": member_id,
                    "created_at": now_iso(),
                }
            )
            .last_pk
        )
        move_stock(
            db,
            values["product_id"],
            "production",
            values["quantity"],
            reason=f"lot n° {batch_id}",
            member_id=member_id,
        )
        if values.get("update_cost"):
            db.execute(
                "UPDATE products SET unit_cost = ? WHERE id = ?", [cost, values["product_id"]]
            )
        return batch_id


def list_batches(db: Database, product_id: int | None = None) -> list[dict]:
    """Batches, newest first, with the product's and the member's names."""
    where = "WHERE b.product_id = ?" if product_id else ""
    return list(
        db.query(
            "SELECT b.*, p.name AS product, coalesce(m.name, '') AS member FROM batches b "
            "JOIN products p ON p.id = b.product_id LEFT JOIN members m ON m.id = b.member_id "
            f"{where} ORDER BY b.made_on DESC, b.id DESC",
            [product_id] if product_id else [],
        )
    )


def latest_batch_cost(db: Database, product_id: int) -> int | None:
    """The unit cost of the product's latest batch, if any."""
    row = db.execute(
        "SELECT unit_cost FROM batches WHERE product_id = ? ORDER BY made_on DESC, id DESC LIMIT 1",
        [product_id],
    ).fetchone()
    return row[0] if row else None


def record_write_off(
    db: Database, product_id: int, kind: str, quantity: int, reason: str, *, member_id: int | None
) -> None:
    """A loss (breakage) or a gift (tasting): units out of stock, with the reason."""
    with transaction(db):
        left = db.execute("SELECT stock FROM products WHERE id = ?", [product_id]).fetchone()
        if left is None:
            raise NotFound(N_("Ce produit n'existe pas."))
        if quantity > left[0]:
            raise InvalidInput(
                N_("Il n'en reste que %(left)s en stock."), field="quantity", left=left[0]
            )
        move_stock(db, product_id, kind, -quantity, reason=reason, member_id=member_id)


def record_inventory(
    db: Database, counts: dict[int, int], reason: str, *, member_id: int | None
) -> list[dict]:
    """Counted stock: each difference becomes a 'correction' in the ledger, all at once."""
    done = []
    with transaction(db):
        for product_id, counted in counts.items():
            row = db.execute(
                "SELECT name, stock FROM products WHERE id = ?", [product_id]
            ).fetchone()
            diff = counted - row[1]
            if diff:
                move_stock(db, product_id, "correction", diff, reason=reason, member_id=member_id)
                done.append({"product_id": product_id, "name": row[0], "difference": diff})
    return done


def ledger(db: Database, product_id: int) -> list[dict]:
    """Every stock movement of a product, oldest first, with the running balance."""
    rows = list(
        db.query(
            "SELECT mv.*, coalesce(m.name, '') AS member, s.number AS sale_number "
            "FROM stock_movements mv LEFT JOIN members m ON m.id = mv.member_id "
            "LEFT JOIN sales s ON s.id = mv.sale_id WHERE mv.product_id = ? ORDER BY mv.id",
            [product_id],
        )
    )
    balance = 0
    for row in rows:
        balance += row["quantity"]
        row["balance"] = balance
    return rows


def record_expense(
    db: Database,
    values: dict,
    *,
    member: dict | None,
    photo: bytes | None = None,
    files_dir: Path | None = None,
) -> int:
    """A purchase or expense; paid from the till, it is a cash movement of the open day."""
    with transaction(db):
        movement_id = None
        if values["paid_from"] == "till":
            if current_day(db) is None:
                raise TillClosed(
                    N_(
                        "La caisse est fermée : une dépense payée en espèces de la "
                        "caisse demande une caisse ouverte. Ouvrez-la, ou choisissez "
                        "« banque » ou « un membre »."
                    ),
                    field="paid_from",
                )
            movement_id = add_movement(
                db, -values["total"], f"Dépense : {values['supplier']}", member, kind="expense"
            )
        day = current_day(db)
        name = _store_photo(photo, files_dir) if photo else None
        try:
            expense_id = (
                db["expenses"]
                .insert(
                    {
                        **{
                            k: values[k]
                            for k in (
                                "spent_on",
                                "supplier",
                                "category",
                                "total",
                                "vat_rate",
                                "paid_from",
                                "label",
                            )
                        },
                        "cash_movement_id": movement_id,
                        "day_id": day and day["id"],
                        "booked_on": booked_on(day),
                        "payer_id": values.get("payer_id")
                        if values["paid_from"] == "member"
                        else None,
                        "photo": name,
                        "member_id": member and member["id"],
                        "created_at": now_iso(),
                    }
                )
                .last_pk
            )
            chains.seal(db, "expenses")
            return expense_id
        except BaseException:
            if name:
                (files_dir / name).unlink(missing_ok=True)
            raise


def _store_photo(photo: bytes, files_dir: Path | None) -> str:
    """Write a receipt photo under a name nobody can guess; return that name."""
    if files_dir is None:
        raise ValueError("files_dir is required to keep a photo")
    files_dir.mkdir(parents=True, exist_ok=True)
    name = f"receipt-{secrets.token_hex(8)}.jpg"
    (files_dir / name).write_bytes(photo)
    return name


def list_expenses(db: Database) -> list[dict]:
    """Expenses, newest first, each with its HT and VAT split from the TTC paid."""
    rows = list(
        db.query(
            "SELECT e.*, coalesce(m.name, '') AS member, coalesce(p.name, '') AS payer "
            "FROM expenses e LEFT JOIN members m ON m.id = e.member_id "
            "LEFT JOIN members p ON p.id = e.payer_id ORDER BY e.spent_on DESC, e.id DESC"
        )
    )
    for row in rows:
        line = split_vat(row["total"], row["vat_rate"])
        row["base"], row["vat"] = line.base, line.vat
    return rows


def get_expense(db: Database, expense_id: int) -> dict | None:
    """One expense, or None."""
    rows = list(db.query("SELECT * FROM expenses WHERE id = ?", [expense_id]))
    return rows[0] if rows else None


def products_moved_since(db: Database, movement_id: int, limit: int) -> list[int] | None:
    """The products whose stock moved after this movement (a sell screen's tiles to redraw),
    in the order they first moved; None when more than `limit` did."""
    rows = db.execute(
        "SELECT product_id FROM stock_movements WHERE id > ? GROUP BY product_id"
        " ORDER BY min(id) LIMIT ?",
        [movement_id, limit + 1],
    ).fetchall()
    return None if len(rows) > limit else [row[0] for row in rows]
