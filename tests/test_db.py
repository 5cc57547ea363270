"""The database layer: pragmas for durability, migrations, the append-only journal."""

import sqlite3

import pytest

from pos import db as database
from pos.cart import Item, Payment, price_cart
from pos.db.sales import record_sale
from pos.errors import DatabaseMissing, DatabaseUnusable
from tests.conftest import product_id


def test_pragmas_make_commits_durable(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_migrations_are_versioned_and_applied_once(db):
    version = database.schema_version(db)
    assert version >= 1
    assert database.migrate(db) == []
    assert database.schema_version(db) == version


def test_missing_and_corrupt_files_are_refused(tmp_path):
    with pytest.raises(DatabaseMissing):
        database.connect(tmp_path / "nope.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseUnusable):
        database.open_existing(junk)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(DatabaseUnusable):
        database.open_existing(empty)


def test_transaction_rolls_back_on_error(db):
    before = db.execute("SELECT count(*) FROM categories").fetchone()[0]
    with pytest.raises(RuntimeError), database.transaction(db):
        db.execute("INSERT INTO categories(name) VALUES ('Éphémère')")
        raise RuntimeError("boom")
    assert db.execute("SELECT count(*) FROM categories").fetchone()[0] == before


def test_a_nested_transaction_is_a_savepoint(db):
    def names():
        return [r[0] for r in db.execute("SELECT name FROM categories ORDER BY id")]

    before = names()
    with database.transaction(db):
        db.execute("INSERT INTO categories(name) VALUES ('Gardée')")
        with pytest.raises(RuntimeError), database.transaction(db):
            db.execute("INSERT INTO categories(name) VALUES ('Défaite')")
            raise RuntimeError("the inner block fails")
        with database.transaction(db):
            db.execute("INSERT INTO categories(name) VALUES ('Aussi gardée')")
        assert db.conn.in_transaction  # the inner blocks never commit
    assert names() == [*before, "Gardée", "Aussi gardée"]


@pytest.mark.parametrize("table", ["sales", "sale_lines", "payments", "stock_movements"])
def test_journal_tables_refuse_update_and_delete(db, table):
    item = Item(
        product_id=product_id(db, "Cookie"), name="Cookie", unit_price=250, vat_rate=550, quantity=1
    )
    record_sale(db, price_cart([item]), [Payment("cash", 250)], member=None)
    with pytest.raises(sqlite3.DatabaseError, match="never"):
        db.execute(f"UPDATE {table} SET id = id")
    with pytest.raises(sqlite3.DatabaseError, match="never"):
        db.execute(f"DELETE FROM {table}")


def test_stock_cannot_go_negative_for_tracked_products(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE products SET stock = -1 WHERE track_stock = 1")
