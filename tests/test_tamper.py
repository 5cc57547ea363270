"""Tampering is always caught: every chain, every Z's signed tips and totals (issue #15, item 3).

The attacker here has the database file and sqlite3, knows Étal's code, drops the guards,
changes what they like and then recomputes every chain so that each one is consistent again.
Only the key (which signs each Z) is out of their reach in these tests.
"""

from __future__ import annotations

import sqlite3

import pytest

from pos import journal, signing, verification
from pos.cli import main
from pos.db import till as store
from pos.db.catalogue import move_stock
from pos.db.events import log_event
from pos.db.stock import record_expense
from tests.conftest import FLOAT, product_id
from tests.test_compliance import AWA, _sell

EXPENSE = {
    "spent_on": "2026-06-02",
    "supplier": "Jardinerie",
    "category": "materials",
    "total": 2490,
    "vat_rate": 2000,
    "paid_from": "till",
    "label": "terreau",
}


@pytest.fixture
def week(db_path, db):
    """A closed, signed day with sales, events, stock and cash movements, a float, an expense."""
    signing.ensure_keys(db_path)
    log_event(db, "login", AWA, address="10.42.0.5")
    log_event(db, "pin_failed", AWA, address="10.42.0.66")
    for name in ("Cookie", "Kokedama", "Cookie", "Café"):
        _sell(db, name, method="cash")
    move_stock(db, product_id(db, "Cookie"), "production", 12, reason="fournée")
    store.add_movement(db, -500, "place du marché", AWA)
    record_expense(db, EXPENSE, member=AWA)
    store.close_day(db, AWA, FLOAT, "", 10**6)
    return db


def verify(runner, db_path):
    return runner.invoke(main, ["verify", "--db", str(db_path)])


def rehash_everything(db_path) -> None:
    """What a careful attacker does after an edit: make every chain consistent again."""
    raw = sqlite3.connect(db_path)
    raw.row_factory = sqlite3.Row
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        raw.execute(f"DROP TRIGGER {name}")
    prev = journal.GENESIS
    for sale in [dict(r) for r in raw.execute("SELECT * FROM sales ORDER BY number")]:
        lines = [
            dict(r)
            for r in raw.execute(
                "SELECT * FROM sale_lines WHERE sale_id = ? ORDER BY position", [sale["id"]]
            )
        ]
        pays = [
            dict(r)
            for r in raw.execute(
                "SELECT * FROM payments WHERE sale_id = ? ORDER BY id", [sale["id"]]
            )
        ]
        digest = journal.entry_hash(prev, journal.sale_entry(sale, lines, pays))
        raw.execute(
            "UPDATE sales SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, sale["id"]]
        )
        prev = digest
    prev = journal.GENESIS
    for event in [dict(r) for r in raw.execute("SELECT * FROM events ORDER BY number")]:
        digest = journal.entry_hash(prev, journal.event_entry(event))
        raw.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", [prev, digest, event["id"]]
        )
        prev = digest
    raw.execute("DELETE FROM chain_links")
    for table, linked in journal.LINKED.items():
        prev = journal.GENESIS
        rows = [dict(r) for r in raw.execute(f"SELECT * FROM {table} ORDER BY id")]
        for seq, row in enumerate(rows, 1):
            digest = journal.entry_hash(
                prev, journal.link_entry(table, row["id"], linked.keys, row)
            )
            raw.execute(
                "INSERT INTO chain_links VALUES (?, ?, ?, ?, ?, ?)",
                [table, seq, row["id"], ",".join(linked.keys), prev, digest],
            )
            prev = digest
    raw.commit()
    raw.close()


def tamper(db_path, *statements: str) -> None:
    raw = sqlite3.connect(db_path)
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        raw.execute(f"DROP TRIGGER {name}")
    for sql in statements:
        raw.execute(sql)
    raw.commit()
    raw.close()


def test_a_clean_week_verifies_and_counts_every_chain(week, runner, db_path):
    result = verify(runner, db_path)
    assert result.exit_code == 0, result.output
    assert "OK : 4 écritures, 1 clôtures signées" in result.output
    for words in ("mouvements de stock", "mouvements de caisse", "fonds de caisse", "dépenses"):
        assert words in result.output
    tips = journal.tips_of(store.get_closure(week, 1))
    assert set(tips) == set(journal.CHAINS) and tips["sales"][0] == 4


def test_the_attackers_rehash_alone_changes_nothing(week, runner, db_path):
    rehash_everything(db_path)
    assert verify(runner, db_path).exit_code == 0


CASES = {
    "a sale of the closed day cut by 10 €": (
        [
            "UPDATE sales SET total = total - 1000 WHERE number = 2",
            "UPDATE payments SET amount = amount - 1000 WHERE sale_id = 2",
            "UPDATE sale_lines SET total = total - 1000, unit_price = unit_price - 1000"
            " WHERE sale_id = 2",
        ],
        "vente n° 2 (réécrite",
    ),
    "the last sale deleted": (
        [
            "DELETE FROM payments WHERE sale_id = 4",
            "DELETE FROM sale_lines WHERE sale_id = 4",
            "DELETE FROM stock_movements WHERE sale_id = 4",
            "DELETE FROM sales WHERE number = 4",
        ],
        "vente n° 4 (manquante",
    ),
    "a sale deleted and the rest renumbered": (
        [
            "DELETE FROM payments WHERE sale_id = 2",
            "DELETE FROM sale_lines WHERE sale_id = 2",
            "DELETE FROM stock_movements WHERE sale_id = 2",
            "DELETE FROM sales WHERE number = 2",
            "UPDATE sales SET number = number - 1 WHERE number > 2",
        ],
        "vente n° 2 (réécrite",
    ),
    "the login and failed-PIN events deleted": (
        [
            "DELETE FROM events WHERE kind IN ('login', 'pin_failed')",
            "UPDATE events SET number = (SELECT count(*) FROM events e WHERE e.id <= events.id)",
        ],
        "événement n° 2 (réécrite",
    ),
    "a stock movement edited": (
        ["UPDATE stock_movements SET quantity = 2 WHERE kind = 'production'"],
        "mouvement de stock n° 7 (réécrite",
    ),
    "a cash movement edited": (
        ["UPDATE cash_movements SET amount = -5000 WHERE reason = 'place du marché'"],
        "mouvement de caisse n° 1 (réécrite",
    ),
    "a float edited": (
        ["UPDATE till_days SET float_total = 1000"],
        "fond de caisse du jour n° 1 (réécrite",
    ),
    "an expense edited": (["UPDATE expenses SET total = 9990"], "dépense n° 1 (réécrite"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_rewritten_journal_fails_and_names_where(week, runner, db_path, case):
    statements, named = CASES[case]
    tamper(db_path, *statements)
    rehash_everything(db_path)
    result = verify(runner, db_path)
    assert result.exit_code == 1, result.output
    assert "ÉCHEC" in result.output and named in result.output


@pytest.mark.parametrize("case", CASES)
def test_an_edit_without_rehash_names_the_entry(week, runner, db_path, case):
    statements, _named = CASES[case]
    tamper(db_path, *statements)
    result = verify(runner, db_path)
    assert result.exit_code == 1 and "ÉCHEC" in result.output


def test_an_edited_entry_of_the_open_day_is_named_exactly(week, runner, db_path):
    store.open_day(week, AWA, FLOAT)
    store.add_movement(week, 300, "monnaie du voisin", AWA)
    tamper(db_path, "UPDATE cash_movements SET amount = 3000 WHERE reason = 'monnaie du voisin'")
    result = verify(runner, db_path)
    assert result.exit_code == 1 and "mouvement de caisse n° 3" in result.output


def test_a_z_whose_totals_no_longer_follow_from_its_sales_fails(week, runner, db_path):
    # Only the Z's recomputation can see this one: the sales are intact, the stored totals
    # are what the attacker changed, and the Z re-hashed (not re-signed: signature fails).
    tamper(
        db_path,
        "UPDATE closures SET totals = replace(totals, '\"sales_count\": 4', '\"sales_count\": 3')",
    )
    assert verify(runner, db_path).exit_code == 1
    assert list(verification.recompute_closures(week, [store.get_closure(week, 1)]))


def test_the_z_prints_the_keys_fingerprint(week, db_path):
    from pos.receipts import seller_of
    from pos.z_report import closure_text

    fingerprint = signing.fingerprint(signing.key_paths(db_path)[1].read_bytes())
    text = closure_text(store.get_closure(week, 1), seller_of(coop_settings(week)), 42)
    assert f"Clé de signature : {fingerprint}" in text


def coop_settings(db):
    from pos.db.coop import load_settings

    return load_settings(db)


def make_archive(runner, db_path, folder):
    made = runner.invoke(main, ["archive", "create", "--db", str(db_path), "--out", str(folder)])
    assert made.exit_code == 0, made.output
    return next(folder.glob("etal-archive-*.zip"))


def test_archive_verify_checks_the_key_given(week, runner, db_path, tmp_path):
    archive = make_archive(runner, db_path, tmp_path / "a")
    public = signing.key_paths(db_path)[1]
    alone = runner.invoke(main, ["archive", "verify", str(archive)])
    assert alone.exit_code == 0
    assert "seule la cohérence interne" in alone.output
    with_key = runner.invoke(main, ["archive", "verify", str(archive), "--key", str(public)])
    assert with_key.exit_code == 0 and "cohérence interne" not in with_key.output
    fingerprint = signing.fingerprint(public.read_bytes())
    by_print = runner.invoke(
        main, ["archive", "verify", str(archive), "--fingerprint", fingerprint]
    )
    assert by_print.exit_code == 0


def test_an_archive_resigned_with_another_key_fails_against_the_coops_key(
    week, runner, db_path, tmp_path
):
    import shutil

    public = tmp_path / "kept-apart.pub"
    shutil.copy(signing.key_paths(db_path)[1], public)
    for suffix in (".key", ".pub"):  # the attacker makes a new key pair and re-signs
        db_path.with_name(db_path.name + suffix).unlink()
    signing.ensure_keys(db_path)
    week.execute("DROP TRIGGER closures_no_update")
    for number, digest in week.execute("SELECT number, hash FROM closures").fetchall():
        week.execute(
            "UPDATE closures SET signature = ? WHERE number = ?",
            [signing.sign(db_path, digest.encode()), number],
        )
    archive = make_archive(runner, db_path, tmp_path / "forged")
    assert runner.invoke(main, ["archive", "verify", str(archive)]).exit_code == 0
    checked = runner.invoke(main, ["archive", "verify", str(archive), "--key", str(public)])
    assert checked.exit_code == 1 and "signée par la clé" in checked.output
    wrong = runner.invoke(main, ["archive", "verify", str(archive), "--fingerprint", "0" * 16])
    assert wrong.exit_code == 1


def test_the_archive_holds_and_checks_every_chain(week, runner, db_path, tmp_path):
    import zipfile

    archive = make_archive(runner, db_path, tmp_path)
    with zipfile.ZipFile(archive) as z:
        files = {n: z.read(n) for n in z.namelist()}
    assert {"stock_movements.jsonl", "cash_movements.jsonl", "till_days.jsonl"} <= set(files)
    assert {"expenses.jsonl", "chain_links.jsonl"} <= set(files)
    # An edited cash movement, the manifest rewritten to match (but not re-signed).
    files["cash_movements.jsonl"] = files["cash_movements.jsonl"].replace(b"-500", b"-50", 1)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    result = runner.invoke(main, ["archive", "verify", str(forged)])
    assert result.exit_code == 1 and "mouvement de caisse n° 1" in result.output


def test_pos_verify_against_a_key_kept_apart_sees_a_resigned_journal(
    week, runner, db_path, tmp_path
):
    import shutil

    public = tmp_path / "kept-apart.pub"
    shutil.copy(signing.key_paths(db_path)[1], public)
    fingerprint = signing.fingerprint(public.read_bytes())
    for suffix in (".key", ".pub"):
        db_path.with_name(db_path.name + suffix).unlink()
    signing.ensure_keys(db_path)
    week.execute("DROP TRIGGER closures_no_update")
    for number, digest in week.execute("SELECT number, hash FROM closures").fetchall():
        week.execute(
            "UPDATE closures SET signature = ? WHERE number = ?",
            [signing.sign(db_path, digest.encode()), number],
        )
    assert verify(runner, db_path).exit_code == 0  # the key beside the base was replaced too
    kept = runner.invoke(main, ["verify", "--db", str(db_path), "--key", str(public)])
    assert kept.exit_code == 1 and "signature invalide" in kept.output
    printed = runner.invoke(main, ["verify", "--db", str(db_path), "--fingerprint", fingerprint])
    assert printed.exit_code == 1 and printed.output.startswith("Erreur")


def test_an_archived_link_that_covers_too_little_fails_as_in_pos_verify(
    week, runner, db_path, tmp_path
):
    # The attacker drops the amount from what a cash movement's link covers, edits the amount
    # and re-hashes that chain: the link covers less than the table requires. pos verify calls
    # it incomplete; the archive's own check must too (one rule: pos.journal.linked_content).
    import json
    import zipfile

    from pos.archives import verify_archive

    archive = make_archive(runner, db_path, tmp_path)
    with zipfile.ZipFile(archive) as z:
        files = {n: z.read(n) for n in z.namelist()}
    moves = {m["id"]: m for m in map(json.loads, files["cash_movements.jsonl"].splitlines())}
    links = [json.loads(line) for line in files["chain_links.jsonl"].splitlines()]
    first = min(moves)
    moves[first]["amount"] = -50
    prev = journal.GENESIS
    for link in (ln for ln in links if ln["chain"] == "cash_movements"):
        covers = [c for c in link["covers"].split(",") if c != "amount"]
        row = moves[link["row_id"]]
        link["covers"], link["prev_hash"] = ",".join(covers), prev
        link["hash"] = prev = journal.entry_hash(
            prev, journal.link_entry("cash_movements", row["id"], tuple(covers), row)
        )
    files["cash_movements.jsonl"] = "".join(json.dumps(m) + "\n" for m in moves.values()).encode()
    files["chain_links.jsonl"] = "".join(json.dumps(ln) + "\n" for ln in links).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    problems, _manifest = verify_archive(forged)
    label = journal.label("cash_movements", first)
    assert f"{label} : empreinte chaînée invalide" in problems
