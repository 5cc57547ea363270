"""What the sale chain covers: a line's share of the cart discount (`cart_share`) since
migration 0022; entries made before verify as they were (issue #13's leftover)."""

from __future__ import annotations

import sqlite3

from pos import journal
from pos.cart import Discount, Item, Payment, price_cart
from pos.cli import main
from pos.db import sales as journal_store
from tests.conftest import product_id

AWA = {"id": 1, "name": "Awa"}


def discounted_sale(db) -> int:
    """Two lines, 1,00 € off the cart: each line carries its share of it."""
    items = []
    for name in ("Cookie", "Kokedama"):
        pid = product_id(db, name)
        price, rate = db.execute(
            "SELECT price, vat_rate FROM products WHERE id=?", [pid]
        ).fetchone()
        items.append(Item(pid, name, price, rate, 1))
    cart = price_cart(items, Discount("amount", 100, "fidélité"))
    return journal_store.record_sale(db, cart, [Payment("card", cart.total)], member=AWA)[0]


def shares(db, number):
    return db.execute(
        "SELECT l.id, l.cart_share FROM sale_lines l JOIN sales s ON s.id = l.sale_id"
        " WHERE s.number = ? ORDER BY l.position",
        [number],
    ).fetchall()


def plant(db_path, sql, args=()):
    """The attacker: drop the guards and rewrite a row (nothing re-hashed)."""
    raw = sqlite3.connect(db_path)
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute(sql, args)
    raw.commit()
    raw.close()


def verify(runner, db_path):
    return runner.invoke(main, ["verify", "--db", str(db_path)])


def test_a_rewritten_cart_share_breaks_the_sale_chain(db, db_path, runner):
    number = discounted_sale(db)
    (first, a), (second, b) = shares(db, number)
    assert a + b == 100 and a and b
    assert verify(runner, db_path).exit_code == 0
    # the same total, the discount moved from one line to the other: a lie about what was sold
    plant(db_path, "UPDATE sale_lines SET cart_share = ? WHERE id = ?", [a + b, first])
    plant(db_path, "UPDATE sale_lines SET cart_share = 0 WHERE id = ?", [second])
    result = verify(runner, db_path)
    assert result.exit_code == 1 and f"vente n° {number}" in result.output


def test_the_coverage_version_is_itself_covered(db, db_path, runner):
    number = discounted_sale(db)
    assert (
        db.execute("SELECT chain_version FROM sales WHERE number = ?", [number]).fetchone()[0] == 2
    )
    plant(db_path, "UPDATE sales SET chain_version = 1 WHERE number = ?", [number])
    result = verify(runner, db_path)
    assert result.exit_code == 1 and f"vente n° {number}" in result.output


def test_entries_made_before_still_verify(db, db_path, runner, monkeypatch):
    """A database from before migration 0022: its sales are version 1 (the column's default),
    hashed without cart_share; they verify as they are, and new sales are version 2."""
    monkeypatch.setattr(journal, "SALE_VERSION", 1)  # Étal as it recorded sales before
    old = discounted_sale(db)
    monkeypatch.undo()
    new = discounted_sale(db)
    versions = dict(db.execute("SELECT number, chain_version FROM sales").fetchall())
    assert versions == {old: 1, new: 2}
    assert verify(runner, db_path).exit_code == 0
    plant(db_path, "UPDATE sale_lines SET cart_share = 0 WHERE id = ?", [shares(db, new)[0][0]])
    assert "vente n° 2" in verify(runner, db_path).output


def test_the_migration_gives_old_rows_version_1(db):
    info = {row[1]: row[4] for row in db.execute("PRAGMA table_info(sales)")}
    assert info["chain_version"] == "1"
    assert "cart_share" in journal.line_keys(2) and "cart_share" not in journal.line_keys(1)


def test_a_database_from_before_migration_0022_verifies_then_seals_new_shares(
    tmp_path, runner, monkeypatch
):
    """A real older database: migrated up to 0021 only, a discounted sale recorded the way
    Étal recorded it then (no chain_version); `pos verify` migrates it and passes; a sale made
    afterwards has its cart_share sealed."""
    from pos import db as database
    from tests.older_database import seeded_at

    path = tmp_path / "old.db"
    seeded_at(path, 21).close()
    new_entry = journal_store._new_entry
    monkeypatch.setattr(
        journal_store,
        "_new_entry",
        lambda *a, **kw: {k: v for k, v in new_entry(*a, **kw).items() if k != "chain_version"},
    )
    old_db = database.connect(path)
    old = discounted_sale(old_db)
    old_db.close()
    monkeypatch.undo()

    assert verify(runner, path).exit_code == 0  # migrated to 0023 on the way, and still whole
    db = database.connect(path)
    assert db.execute("SELECT chain_version FROM sales WHERE number = ?", [old]).fetchone() == (1,)
    new = discounted_sale(db)
    db.close()
    assert verify(runner, path).exit_code == 0
    plant(path, "UPDATE sale_lines SET cart_share = 0 WHERE id = ?", [shares_of(path, new)])
    result = verify(runner, path)
    assert result.exit_code == 1 and f"vente n° {new}" in result.output


def shares_of(path, number) -> int:
    raw = sqlite3.connect(path)
    row = raw.execute(
        "SELECT l.id FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.number = ?"
        " ORDER BY l.position LIMIT 1",
        [number],
    ).fetchone()
    raw.close()
    return row[0]
