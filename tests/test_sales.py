"""The sales journal: atomic sales, voids, refunds, append-only tables, the hash chain, stock."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos import db as database
from pos import journal
from pos.cart import Discount, Item, Payment, price_cart
from pos.cli import main
from pos.db.catalogue import (
    get_product,
    insert_product,
    move_stock,
    stock_from_ledger,
    update_product,
)
from pos.db.sales import get_sale, record_refund, record_sale, record_void, verify_chain
from pos.errors import InvalidInput, NotAllowed, OutOfStock
from tests.conftest import copy_seeded, product_id

JOURNAL_TABLES = ("sales", "sale_lines", "payments", "stock_movements")


def member(db, name: str = "Léo") -> dict:
    """A seeded member's row, as the sell screen holds it."""
    return next(db.query("SELECT * FROM members WHERE name = ?", [name]))


def item(db, name: str, quantity: int) -> Item:
    """A cart item priced from the catalogue as it is now."""
    p = get_product(db, product_id(db, name))
    return Item(
        product_id=p["id"],
        name=p["name"],
        short_name=p["short_name"],
        unit_price=p["price"],
        vat_rate=p["vat_rate"],
        unit_cost=p["unit_cost"],
        quantity=quantity,
    )


def sell(db, *wanted: tuple[str, int], who: str | None = "Léo", discount=None) -> int:
    """Record a sale paid exactly by card; return its number."""
    cart = price_cart([item(db, name, q) for name, q in wanted], discount)
    number, replayed = record_sale(
        db, cart, [Payment("card", cart.total)], member=member(db, who) if who else None
    )
    assert not replayed
    return number


def counts(db) -> dict[str, int]:
    """Rows in each journal table."""
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in JOURNAL_TABLES}


def stock(db, name: str) -> int:
    """A product's running stock."""
    return db.execute("SELECT stock FROM products WHERE name = ?", [name]).fetchone()[0]


# --- Recording a sale -----------------------------------------------------------------------


def test_a_key_already_recorded_returns_the_first_sale_and_writes_nothing(db):
    cart = price_cart([item(db, "Kokedama", 2)])
    first = record_sale(db, cart, [Payment("card", cart.total)], member=None, key="tap-1")
    before, left = counts(db), stock(db, "Kokedama")

    again = record_sale(db, cart, [Payment("card", cart.total)], member=None, key="tap-1")

    assert (first[1], again) == (False, (first[0], True))
    assert (counts(db), stock(db, "Kokedama")) == (before, left)
    assert verify_chain(db) is None


def test_record_sale_writes_sale_lines_payments_and_stock_movements(db):
    before = counts(db)
    number = sell(db, ("Kokedama", 2), ("Cookie", 3))

    assert number == 1
    sale = get_sale(db, 1)
    assert (sale["kind"], sale["seller"], sale["total"], sale["refers_to"]) == (
        "sale",
        "Léo",
        2 * 1250 + 3 * 250,
        None,
    )
    assert [
        (ln["name"], ln["quantity"], ln["unit_price"], ln["vat_rate"], ln["unit_cost"], ln["total"])
        for ln in sale["lines"]
    ] == [("Kokedama", 2, 1250, 2000, 400, 2500), ("Cookie", 3, 250, 550, 60, 750)]
    assert sale["payments"] == [{"method": "card", "amount": 3250}]
    moves = list(
        db.query(
            "SELECT product_id, kind, quantity, sale_id FROM stock_movements "
            "WHERE kind = 'sale' ORDER BY id"
        )
    )
    assert moves == [
        {
            "product_id": product_id(db, "Kokedama"),
            "kind": "sale",
            "quantity": -2,
            "sale_id": sale["id"],
        },
        {
            "product_id": product_id(db, "Cookie"),
            "kind": "sale",
            "quantity": -3,
            "sale_id": sale["id"],
        },
    ]
    assert (stock(db, "Kokedama"), stock(db, "Cookie")) == (18, 97)
    after = counts(db)
    assert {t: after[t] - before[t] for t in after} == {
        "sales": 1,
        "sale_lines": 2,
        "payments": 1,
        "stock_movements": 2,
    }


def test_out_of_stock_on_the_second_line_writes_nothing(db):
    before = counts(db)

    with pytest.raises(OutOfStock) as refused:
        sell(db, ("Kokedama", 1), ("Dernier pot", 2))

    assert "Dernier pot" in refused.value.message
    assert "il n'en reste que 1" in refused.value.message
    assert refused.value.field == "lines[1].quantity"
    assert counts(db) == before
    assert (stock(db, "Kokedama"), stock(db, "Dernier pot")) == (20, 1)
    assert not db.conn.in_transaction
    # The refused sale used no number: the next one is n° 1.
    assert sell(db, ("Kokedama", 1)) == 1


def test_untracked_products_sell_without_stock(db):
    before = counts(db)
    sell(db, ("Café", 3))
    assert counts(db)["stock_movements"] == before["stock_movements"]
    assert stock(db, "Café") == 0


def test_lines_keep_the_price_of_the_moment_of_sale(db):
    sell(db, ("Kokedama", 1))
    update_product(
        db,
        product_id(db, "Kokedama"),
        {"price": 1500, "unit_cost": 500, "vat_rate": 550, "name": "Kokedama XL"},
    )

    line = get_sale(db, 1)["lines"][0]
    assert (line["name"], line["unit_price"], line["unit_cost"], line["vat_rate"]) == (
        "Kokedama",
        1250,
        400,
        2000,
    )
    assert get_sale(db, 1)["total"] == 1250
    assert verify_chain(db) is None


# --- Voids ----------------------------------------------------------------------------------


def test_void_returns_stock_and_negates_the_sale(db):
    sell(db, ("Kokedama", 2), ("Cookie", 1))
    number = record_void(db, 1, member=member(db), undo_minutes=5)

    void = get_sale(db, number)
    assert (void["number"], void["kind"], void["refers_to"], void["total"]) == (2, "void", 1, -2750)
    assert [(ln["name"], ln["quantity"], ln["total"]) for ln in void["lines"]] == [
        ("Kokedama", -2, -2500),
        ("Cookie", -1, -250),
    ]
    assert void["payments"] == [{"method": "card", "amount": -2750}]
    assert get_sale(db, 1)["voided_by"] == 2
    assert (stock(db, "Kokedama"), stock(db, "Cookie")) == (20, 100)
    # The original entry is untouched.
    assert get_sale(db, 1)["total"] == 2750


def test_a_sale_cannot_be_voided_twice(db):
    sell(db, ("Kokedama", 1))
    record_void(db, 1, member=member(db), undo_minutes=5)
    before = counts(db)

    with pytest.raises(NotAllowed, match="déjà annulée"):
        record_void(db, 1, member=member(db), undo_minutes=5)
    assert counts(db) == before
    assert stock(db, "Kokedama") == 20


def test_only_the_seller_can_void_their_sale(db):
    sell(db, ("Kokedama", 1), who="Léo")
    with pytest.raises(NotAllowed, match="Seul le vendeur"):
        record_void(db, 1, member=member(db, "Awa"), undo_minutes=5)
    assert counts(db)["sales"] == 1


def test_only_the_last_sale_within_the_window_can_be_voided(db):
    sell(db, ("Kokedama", 1))
    sell(db, ("Cookie", 1))
    with pytest.raises(NotAllowed, match="dernière vente"):
        record_void(db, 1, member=member(db), undo_minutes=5)
    with pytest.raises(NotAllowed, match="0 minutes"):
        record_void(db, 2, member=member(db), undo_minutes=0)
    assert counts(db)["sales"] == 2
    assert stock(db, "Cookie") == 99


def test_a_refunded_sale_cannot_be_voided(db):
    sell(db, ("Kokedama", 2))
    record_refund(db, 1, [(product_id(db, "Kokedama"), 1)], "cash", member=member(db))
    with pytest.raises(NotAllowed):
        record_void(db, 1, member=member(db), undo_minutes=5)


# --- Refunds --------------------------------------------------------------------------------


def test_refund_is_a_new_entry_that_returns_stock(db):
    sell(db, ("Kokedama", 3))
    number, replayed = record_refund(
        db, 1, [(product_id(db, "Kokedama"), 2)], "cash", member=member(db)
    )

    refund = get_sale(db, number)
    assert not replayed
    assert (refund["kind"], refund["refers_to"], refund["total"]) == ("refund", 1, -2500)
    assert refund["payments"] == [{"method": "cash", "amount": -2500}]
    assert stock(db, "Kokedama") == 19
    with pytest.raises(InvalidInput, match="plus que ce qui a été vendu"):
        record_refund(db, 1, [(product_id(db, "Kokedama"), 2)], "cash", member=member(db))
    assert stock(db, "Kokedama") == 19


@pytest.fixture(scope="module")
def ledger(tmp_path_factory, seeded):
    """One coop for many generated sales, with a product that never runs out."""
    path = copy_seeded(seeded, "open", tmp_path_factory.mktemp("ledger") / "coop.db")
    conn = database.connect(path)
    insert_product(
        conn, {"name": "Vrac", "price": 100, "vat_rate": 550, "unit_cost": 30}, stock=10**7
    )
    yield conn
    conn.close()


@settings(max_examples=40, deadline=None)
@given(
    quantity=st.integers(2, 40),
    unit_price=st.integers(1, 10_000),
    percent=st.integers(1, 9_999),
    cuts=st.lists(st.integers(1, 39), max_size=8),
)
def test_partial_refunds_add_up_exactly_to_the_line(ledger, quantity, unit_price, percent, cuts):
    pid = product_id(ledger, "Vrac")
    cart = price_cart(
        [Item(pid, "Vrac", unit_price, 550, quantity)], Discount("percent", percent, "fidélité")
    )
    paid = [Payment("card", cart.total)] if cart.total else []  # a fully discounted line is free
    number, _ = record_sale(ledger, cart, paid, member=None)
    line = get_sale(ledger, number)["lines"][0]
    parts, left = [], quantity
    for cut in cuts:  # split the quantity into random parts, the last one takes what is left
        if left > 1 and cut < left:
            parts.append(cut)
            left -= cut
    parts.append(left)

    refunds = [
        get_sale(ledger, record_refund(ledger, number, [(pid, q)], "cash", member=None)[0])
        for q in parts
    ]

    assert sum(r["lines"][0]["total"] for r in refunds) == -line["total"]
    assert sum(r["lines"][0]["discount"] for r in refunds) == -line["discount"]
    assert sum(r["total"] for r in refunds) == -line["total"]
    for r, q in zip(refunds, parts, strict=True):  # each part is its fair share, to the cent
        assert abs(-r["total"] - line["total"] * q / quantity) <= 1
    with pytest.raises(InvalidInput):
        record_refund(ledger, number, [(pid, 1)], "cash", member=None)


# --- The append-only journal and its hash chain --------------------------------------------


@pytest.mark.parametrize("table", JOURNAL_TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_journal_tables_refuse_update_and_delete(db_path, table, statement):
    conn = database.connect(db_path)
    sell(conn, ("Kokedama", 1))
    conn.close()
    raw = sqlite3.connect(db_path)  # as anyone with the file would
    try:
        with pytest.raises(sqlite3.IntegrityError, match="never (modified|deleted)"):
            raw.execute(statement.format(t=table))
        raw.rollback()
        assert raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= 1
    finally:
        raw.close()


@pytest.fixture
def three_sales(db_path) -> None:
    """A journal of three sales (n° 1 to 3) on the seeded coop."""
    conn = database.connect(db_path)
    for name in ("Kokedama", "Cookie", "Kokedama"):
        sell(conn, (name, 1))
    conn.close()


def tamper(db_path, *statements: str) -> None:
    """Change the file behind Étal's back, as an attacker would."""
    raw = sqlite3.connect(db_path)
    try:
        for sql in statements:
            raw.execute(sql)
        raw.commit()
    finally:
        raw.close()


def test_verify_passes_on_a_clean_journal(runner, db_path, three_sales):
    result = runner.invoke(main, ["verify", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "OK : 3 écritures" in result.output


def test_verify_names_the_sale_whose_line_was_altered(runner, db_path, three_sales):
    tamper(
        db_path,
        "DROP TRIGGER sale_lines_no_update",
        "UPDATE sale_lines SET total = total - 100 "
        "WHERE sale_id = (SELECT id FROM sales WHERE number = 2)",
    )

    result = runner.invoke(main, ["verify", "--db", str(db_path)])

    assert result.exit_code == 1
    assert "vente n° 2" in result.stderr
    assert "vente n° 3" not in result.stderr


def test_verify_sees_a_rehashed_entry_through_the_next_one(runner, db_path, three_sales):
    # The attacker fixes the hash of the entry they changed; the next entry still chains
    # to the old hash.
    conn = database.connect(db_path)
    sale = get_sale(conn, 2)
    conn.close()
    sale["total"] = 1
    new_hash = journal.entry_hash(
        sale["prev_hash"], journal.sale_entry(sale, sale["lines"], sale["payments"])
    )
    tamper(
        db_path,
        "DROP TRIGGER sales_no_update",
        f"UPDATE sales SET total = 1, hash = '{new_hash}' WHERE number = 2",
    )

    result = runner.invoke(main, ["verify", "--db", str(db_path)])

    assert result.exit_code == 1
    assert "vente n° 3" in result.stderr


def test_verify_reports_a_deleted_sale_as_a_gap(runner, db_path, three_sales):
    tamper(db_path, "DROP TRIGGER sales_no_delete", "DELETE FROM sales WHERE number = 2")

    result = runner.invoke(main, ["verify", "--db", str(db_path)])

    assert result.exit_code == 1
    assert "vente n° 2 (manquante : la numérotation saute à 3)" in result.stderr


# --- Stock and its ledger -------------------------------------------------------------------


def test_stock_equals_the_ledger_after_sales_voids_and_refunds(db):
    koke, cookie = product_id(db, "Kokedama"), product_id(db, "Cookie")
    sell(db, ("Kokedama", 3), ("Cookie", 10))  # n° 1
    sell(db, ("Kokedama", 2), ("Café", 1))  # n° 2
    record_void(db, 2, member=member(db), undo_minutes=5)  # n° 3
    record_refund(db, 1, [(cookie, 4)], "cash", member=member(db))  # n° 4
    record_refund(db, 1, [(koke, 1), (cookie, 1)], "card", member=None)  # n° 5
    move_stock(db, koke, "production", 5)
    sell(db, ("Kokedama", 6), ("Cookie", 2), who="Awa")  # n° 6

    assert (stock(db, "Kokedama"), stock(db, "Cookie")) == (20 - 3 + 1 + 5 - 6, 100 - 10 + 5 - 2)
    ledger = stock_from_ledger(db)
    for p in db.query("SELECT id, stock FROM products WHERE track_stock = 1"):
        assert ledger[p["id"]] == p["stock"]
    assert [row[0] for row in db.execute("SELECT number FROM sales ORDER BY number")] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    assert verify_chain(db) is None
