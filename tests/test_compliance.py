"""The till law's four conditions: inalterability, security, conservation, archiving."""

import json
import sqlite3
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos import clock, signing
from pos import db as database
from pos.cart import Item, Payment, price_cart
from pos.cli import main
from pos.db import sales as journal
from pos.db import till as store
from pos.db.events import list_events, log_event
from tests.conftest import FLOAT, copy_seeded, product_id

AWA = {"id": 1, "name": "Awa"}


def _sell(db, name="Cookie", quantity=1, method="card"):
    pid = product_id(db, name)
    price, rate = db.execute("SELECT price, vat_rate FROM products WHERE id=?", [pid]).fetchone()
    cart = price_cart([Item(pid, name, price, rate, quantity)])
    return journal.record_sale(db, cart, [Payment(method, cart.total)], member=AWA)[0]


@pytest.fixture
def keyed_db(db_path, db):
    signing.ensure_keys(db_path)
    return db


def _tamper(db, table, change, where):
    """What an attacker with sqlite3 would do: drop the guard, change a row."""
    db.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    db.execute(f"UPDATE {table} SET {change} WHERE {where}")


@pytest.mark.parametrize(
    ("table", "change", "where", "named"),
    [
        ("sales", "total = total + 1", "number = 2", "vente n° 2"),
        ("sale_lines", "quantity = 5", "sale_id = 2", "vente n° 2"),
        ("payments", "amount = amount - 100", "sale_id = 1", "vente n° 1"),
        ("closures", "grand_total = 0", "number = 1", "clôture n° 1"),
        ("events", "member = 'Mallory'", "number = 1", "événement n° 1"),
    ],
)
def test_altering_any_chained_row_is_detected_and_named(
    keyed_db, db_path, runner, table, change, where, named
):
    _sell(keyed_db)
    _sell(keyed_db, "Kokedama")
    store.close_day(keyed_db, AWA, FLOAT, "", 10**6)
    assert runner.invoke(main, ["verify", "--db", str(db_path)]).exit_code == 0
    _tamper(keyed_db, table, change, where)
    result = runner.invoke(main, ["verify", "--db", str(db_path)])
    assert result.exit_code == 1
    assert named in result.output


def test_a_forged_closure_signature_is_detected(keyed_db, db_path, runner):
    _sell(keyed_db)
    store.close_day(keyed_db, AWA, FLOAT, "", 10**6)
    keyed_db.execute("DROP TRIGGER closures_no_update")
    keyed_db.execute("UPDATE closures SET signature = 'AAAA' WHERE number = 1")
    result = runner.invoke(main, ["verify", "--db", str(db_path)])
    assert result.exit_code == 1 and "signature invalide" in result.output


def test_events_are_chained_and_append_only(keyed_db):
    first = log_event(keyed_db, "settings_changed", AWA, keys=["brand"])
    second = log_event(keyed_db, "export", None, files=3)
    assert second == first + 1
    events = list_events(keyed_db)
    assert events[0]["kind"] == "export" and events[1]["data"] == {"keys": ["brand"]}
    with pytest.raises(sqlite3.IntegrityError):
        keyed_db.execute("DELETE FROM events")


def test_actions_leave_events(actions, db):
    actions.login("Léo", "0000")
    actions.login("Awa")
    actions.post(
        "/admin/settings",
        {"brand": "Nouveau nom", "legal_name": "CAE", "siret": "90000000100017"},
        htmx=False,
    )
    kinds = [row[0] for row in db.execute("SELECT kind FROM events ORDER BY number")]
    assert kinds[-3:] == ["pin_failed", "login", "settings_changed"]


def test_closures_are_signed_with_the_coops_key(keyed_db, db_path):
    _sell(keyed_db)
    number = store.close_day(keyed_db, AWA, FLOAT, "", 10**6)
    closure = store.get_closure(keyed_db, number)
    public = signing.key_paths(db_path)[1].read_bytes()
    assert signing.verify(public, closure["hash"].encode(), closure["signature"])
    private = signing.key_paths(db_path)[0]
    assert private.stat().st_mode & 0o777 == 0o600


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plan=st.lists(
        st.tuples(st.integers(1, 40), st.lists(st.integers(1, 3), max_size=4)),
        min_size=2,
        max_size=6,
    )
)
def test_period_closures_equal_the_sums_of_their_days(tmp_path_factory, seeded, till_clock, plan):
    path = copy_seeded(seeded, "closed", tmp_path_factory.mktemp("periods") / "coop.db")
    till_clock(-400 * 86400)
    db = database.connect(path)
    store.open_day(db, None, FLOAT)
    for gap, quantities in plan:
        for q in quantities:
            _sell(db, "Cookie", q)
        store.close_day(db, AWA, FLOAT, "", 10**6)
        till_clock.shift(gap * 86400)
        store.open_day(db, AWA, FLOAT)
    rows = list(db.query("SELECT * FROM closures ORDER BY number"))
    days = [r for r in rows if r["kind"] == "day"]
    for kind, width in (("month", 7), ("year", 4)):
        for period_row in (r for r in rows if r["kind"] == kind):
            members = [
                json.loads(d["totals"]) for d in days if d["period"][:width] == period_row["period"]
            ]
            totals = json.loads(period_row["totals"])
            assert totals["net_total"] == sum(m["net_total"] for m in members)
            assert totals["sales_count"] == sum(m["sales_count"] for m in members)
            assert sum(v["total"] for v in totals["by_rate"]) == totals["net_total"]
    months = {d["period"][:7] for d in days}
    current = clock.local(clock.now()).strftime("%Y-%m")
    closed = {r["period"] for r in rows if r["kind"] == "month"}
    assert closed == {m for m in months if m < current}
    assert (
        days[-1]["grand_total"]
        == db.execute("SELECT coalesce(sum(total), 0) FROM sales").fetchone()[0]
    )
    assert store.verify_closures(db) is None
    db.close()


def test_archive_create_and_verify_offline(keyed_db, db_path, runner, tmp_path):
    _sell(keyed_db)
    _sell(keyed_db, "Kokedama", 2, "cash")
    store.close_day(keyed_db, AWA, FLOAT, "", 10**6)
    made = runner.invoke(
        main, ["archive", "create", "--db", str(db_path), "--out", str(tmp_path / "arch")]
    )
    assert made.exit_code == 0, made.output
    archive = next((tmp_path / "arch").glob("etal-archive-*.zip"))
    # Verify with only the file: move it away from the database and its keys.
    alone = tmp_path / "elsewhere" / archive.name
    alone.parent.mkdir()
    archive.rename(alone)
    ok = runner.invoke(main, ["archive", "verify", str(alone)])
    assert ok.exit_code == 0 and "OK" in ok.output
    with zipfile.ZipFile(alone) as z:
        names = set(z.namelist())
        assert {
            "sales.jsonl",
            "sale_lines.jsonl",
            "payments.jsonl",
            "closures.jsonl",
            "events.jsonl",
            "manifest.json",
            "manifest.sig",
            "public_key.pem",
        } <= names
        sales = z.read("sales.jsonl").decode().splitlines()
        assert len(sales) == 2


@pytest.mark.parametrize("member", ["sales.jsonl", "manifest.json", "closures.jsonl"])
def test_one_altered_byte_fails_the_archive(keyed_db, db_path, runner, tmp_path, member):
    _sell(keyed_db)
    store.close_day(keyed_db, AWA, FLOAT, "", 10**6)
    runner.invoke(main, ["archive", "create", "--db", str(db_path), "--out", str(tmp_path)])
    archive = next(tmp_path.glob("etal-archive-*.zip"))
    with zipfile.ZipFile(archive) as z:
        files = {n: z.read(n) for n in z.namelist()}
    data = bytearray(files[member])
    position = data.find(b'"total"') if member != "manifest.json" else data.find(b"sha256") + 12
    data[position + 10] = ord("9") if data[position + 10] != ord("9") else ord("8")
    files[member] = bytes(data)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    result = runner.invoke(main, ["archive", "verify", str(forged)])
    assert result.exit_code == 1
    assert "ÉCHEC" in result.output


def test_admin_event_screen_lists_and_filters(actions, client):
    actions.login("Léo", "0000")
    actions.login("Awa")
    page = client.get("/admin/events").get_data(as_text=True)
    assert "Code erroné" in page and "Connexion" in page
    only = client.get("/admin/events?kind=login", headers={"HX-Request": "true"})
    html = only.get_data(as_text=True)
    assert html.lstrip().startswith('<table id="rows"')
    assert "Connexion" in html and "Code erroné" not in html
