"""The till: float, movements, handover, the Z closure, closed days, the clock going back."""

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos import clock, till
from pos import db as database
from pos.cart import Item, Payment, price_cart
from pos.db import coop
from pos.db import sales as journal
from pos.db import till as store
from pos.errors import ClockBehind, InvalidInput, TillClosed
from tests.conftest import FLOAT, copy_seeded, product_id

# A second Z on one calendar day, confirmed with its reason (the store refuses it otherwise).
SECOND_Z = {"same_day_ok": True, "same_day_reason": "marché du soir"}


def test_counting_by_denomination():
    assert till.count_total({50000: 1, 2000: 2, 1: 3}) == 54003
    counts, errors = till.parse_counts({"n_2000": "2", "n_50": "", "n_1": "x"})
    assert counts == {2000: 2} and "n_1" in errors
    assert len(till.DENOMINATIONS) == 15 and min(till.DENOMINATIONS) == 1


def _sell(db, name, quantity, payments, member=None):
    pid = product_id(db, name)
    row = db.execute("SELECT price, vat_rate FROM products WHERE id=?", [pid]).fetchone()
    cart = price_cart([Item(pid, name, row[0], row[1], quantity)])
    return journal.record_sale(db, cart, payments, member=member)[0]


def test_expected_cash_follows_sales_refunds_and_movements(db):
    admin = {"id": 1, "name": "Awa"}
    _sell(db, "Kokedama", 1, [Payment("cash", 2000)])  # +12,50 net of change
    _sell(db, "Cookie", 2, [Payment("card", 500)])  # no cash
    n = _sell(db, "Cookie", 1, [Payment("cash", 250)])
    journal.record_refund(db, n, [(product_id(db, "Cookie"), 1)], "cash", member=admin)
    store.add_movement(db, -1500, "Place du marché", admin)
    store.add_movement(db, 1000, "Monnaie du voisin", admin)
    status = store.day_status(db, store.current_day(db))
    assert status["expected_cash"] == 6000 + 1250 + 250 - 250 - 1500 + 1000
    assert status["totals"].by_method == {"card": 500, "cash": 1250}


def test_a_movement_cannot_take_more_than_the_drawer_holds(db):
    with pytest.raises(InvalidInput):
        store.add_movement(db, -999999, "trop", None)
    with pytest.raises(InvalidInput):
        store.add_movement(db, -100, "  ", None)


def test_the_z_is_final_chained_and_stops_sales(db):
    awa = {"id": 1, "name": "Awa"}
    _sell(db, "Kokedama", 2, [Payment("cash", 2500)])
    with pytest.raises(InvalidInput):  # 5 € missing, no reason
        store.close_day(db, awa, {2000: 4}, "", 200)
    number = store.close_day(db, awa, {2000: 4}, "erreur de rendu", 200)
    z = store.get_closure(db, number)
    assert (z["expected_cash"], z["counted_cash"], z["difference"]) == (8500, 8000, -500)
    assert z["reason"] == "erreur de rendu"
    assert z["data"]["sales_count"] == 1 and z["data"]["net_total"] == 2500
    assert z["grand_total"] == 2500
    with pytest.raises(TillClosed):
        _sell(db, "Cookie", 1, [Payment("cash", 250)])
    with pytest.raises(Exception, match="never"):
        db.execute("UPDATE closures SET difference = 0")
    assert store.verify_closures(db) is None


def test_the_next_day_opens_anew_and_the_grand_total_grows(db):
    awa = {"id": 1, "name": "Awa"}
    _sell(db, "Kokedama", 1, [Payment("card", 1250)])
    store.close_day(db, awa, FLOAT, "", 200)
    store.open_day(db, awa, {1000: 3})
    _sell(db, "Cookie", 2, [Payment("card", 500)])
    second = store.get_closure(db, store.close_day(db, awa, {1000: 3}, "", 200, **SECOND_Z))
    assert second["number"] == 2 and second["grand_total"] == 1750
    assert second["prev_hash"] == store.get_closure(db, 1)["hash"]


def test_tampering_with_a_closure_is_detected(db, db_path, runner):
    from pos.cli import main

    awa = {"id": 1, "name": "Awa"}
    _sell(db, "Kokedama", 1, [Payment("card", 1250)])
    store.close_day(db, awa, FLOAT, "", 200)
    db.execute("DROP TRIGGER closures_no_update")
    db.execute("UPDATE closures SET counted_cash = counted_cash + 100")
    result = runner.invoke(main, ["verify", "--db", str(db_path)])
    assert result.exit_code == 1 and "clôture n° 1" in result.output


def test_a_clock_gone_back_stops_selling(db, till_clock):
    _sell(db, "Cookie", 1, [Payment("card", 250)])
    till_clock(-3600)
    assert journal.clock_is_behind(db)
    with pytest.raises(ClockBehind):
        _sell(db, "Cookie", 1, [Payment("card", 250)])
    till_clock(0)
    assert not journal.clock_is_behind(db)


entries = st.lists(
    st.tuples(
        st.sampled_from(["sale", "void", "refund", "move"]),
        st.sampled_from(["Kokedama", "Cookie", "Café"]),
        st.integers(1, 3),
        st.sampled_from(["cash", "card", "cheque"]),
        st.integers(0, 2000),
    ),
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(days=st.lists(entries, min_size=1, max_size=3))
def test_z_totals_are_the_sum_of_the_days_entries(tmp_path_factory, seeded, days):
    path = copy_seeded(seeded, "open", tmp_path_factory.mktemp("z") / "coop.db")
    db = database.connect(path)
    awa = {"id": 1, "name": "Awa"}
    grand = 0
    for index, day in enumerate(days):
        if index:
            store.open_day(db, awa, FLOAT)
        last_sale = None
        for action, name, qty, method, extra in day:
            _apply(db, awa, action, name, qty, method, extra, last_sale)
            if action == "sale":
                last_sale = db.execute(
                    "SELECT max(number) FROM sales WHERE kind='sale'"
                ).fetchone()[0]
        day_row = store.current_day(db)
        status = store.day_status(db, day_row)
        later = SECOND_Z if index else {}  # the days of this test share one calendar day
        number = store.close_day(db, awa, {1: status["expected_cash"]}, "", 200, **later)
        z = store.get_closure(db, number)
        rows = db.execute(
            "SELECT coalesce(sum(total),0), count(*) FROM sales WHERE day_id=?", [day_row["id"]]
        ).fetchone()
        assert z["data"]["net_total"] == rows[0]
        assert sum(v["total"] for v in z["data"]["by_rate"]) == rows[0]
        assert all(v["base"] + v["vat"] == v["total"] for v in z["data"]["by_rate"])
        assert sum(z["data"]["by_method"].values()) == rows[0]
        assert sum(z["data"]["by_channel"].values()) == rows[0]
        assert z["difference"] == 0
        members = z["data"]["by_member"]  # the members' figures add up to the day's
        assert (
            sum(till.sales_count_of(r).sales for r in members)
            == till.sales_count_of(z["data"]).sales
        )
        for method, amount in z["data"]["by_method"].items():
            assert sum(r["by_method"].get(method, 0) for r in members) == amount
        grand += rows[0]
        assert z["grand_total"] == grand
    db.close()


def _apply(db, member, action, name, qty, method, extra, last_sale):
    try:
        if action == "sale":
            pid = product_id(db, name)
            price, rate = db.execute(
                "SELECT price, vat_rate FROM products WHERE id=?", [pid]
            ).fetchone()
            total = price * qty
            paid = total + (extra if method == "cash" else 0)
            journal.record_sale(
                db,
                price_cart([Item(pid, name, price, rate, qty)]),
                [Payment(method, paid)],
                member=member,
            )
        elif action == "void" and last_sale:
            journal.record_void(db, last_sale, member=member, undo_minutes=5)
        elif action == "refund" and last_sale:
            sale = journal.get_sale(db, last_sale)
            line = sale["lines"][0]
            journal.record_refund(db, last_sale, [(line["product_id"], 1)], method, member=member)
        elif action == "move" and extra:
            store.add_movement(db, extra, "apport", member)
    except (InvalidInput, Exception) as exc:  # refused actions change nothing; keep going
        if exc.__class__.__name__ not in ("NotAllowed", "InvalidInput", "OutOfStock"):
            raise


def test_till_screens(actions, client, db):
    actions.login("Awa")
    page = client.get("/till").get_data(as_text=True)
    assert "Fond de caisse" in page and "60,00" in page
    out = actions.post(
        "/till/movements",
        {"direction": "out", "amount": "15", "reason": "Place du marché"},
        htmx=False,
    )
    assert out.status_code == 302
    assert db.execute("SELECT amount, reason FROM cash_movements").fetchone() == (
        -1500,
        "Place du marché",
    )
    bad = actions.post("/till/close", {"n_2000": "1"}, htmx=False)
    assert bad.status_code == 422 and "Expliquez" in bad.get_data(as_text=True)
    ok = actions.post("/till/close", {"n_2000": "1", "reason": "billet perdu"}, htmx=False)
    assert ok.status_code == 302
    z = json.loads(db.execute("SELECT totals FROM closures").fetchone()[0])
    assert z["sales_count"] == 0
    assert client.get("/sell").status_code == 302  # closed: open the till first
    opened = actions.post("/till/open", {"n_1000": "4"}, htmx=False)
    assert opened.status_code == 302
    assert (
        db.execute("SELECT float_total FROM till_days WHERE closed_at IS NULL").fetchone()[0]
        == 4000
    )


def test_handover_records_expected_and_count(actions, client, db):
    actions.login("Léo")
    awa = db.execute("SELECT id FROM members WHERE name='Awa'").fetchone()[0]
    response = actions.post("/till/handover", {"to_member": str(awa), "n_2000": "3"}, htmx=False)
    assert response.status_code == 302 and f"/login/{awa}" in response.location
    assert db.execute("SELECT expected, counted FROM handovers").fetchone() == (6000, 6000)
    assert client.get("/sell").status_code == 302  # Léo is logged out


def test_backup_writes_a_consistent_copy(db_path, tmp_path, runner):
    from pos.cli import main

    result = runner.invoke(main, ["backup", "--db", str(db_path), "--to", str(tmp_path / "usb")])
    assert result.exit_code == 0
    copies = list((tmp_path / "usb").glob("etal-*.db"))
    assert len(copies) == 1
    copy = database.connect(copies[0])
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM products").fetchone()[0] == 4


def test_clock_offset_comes_from_the_tablet(actions, client, db, till_clock):
    actions.login("Awa")
    target = clock.now() + timedelta(hours=2)
    response = actions.post(
        "/till/clock", {"tablet_ms": str(int(target.timestamp() * 1000))}, htmx=False
    )
    assert response.status_code == 302
    assert abs(clock.offset_seconds() - 7200) < 5
    stored = db.execute("SELECT value FROM settings WHERE key='clock_offset'").fetchone()[0]
    assert abs(float(stored) - 7200) < 5


def test_counting_pad_total_and_bad_counts(actions, client, db):
    actions.login("Léo")
    blind = actions.post("/till/count", {"n_2000": "2", "n_50": "3", "compare": "1"})
    html = blind.get_data(as_text=True)
    assert "41,50" in html and "60,00" not in html  # blind count: no expected cash
    coop.save_settings(db, {"show_expected_cash": "1"})
    ok = actions.post("/till/count", {"n_2000": "2", "n_50": "3", "compare": "1"})
    html = ok.get_data(as_text=True)
    assert "41,50" in html and "60,00" in html and "−18,50" in html
    bad = actions.post("/till/count", {"n_2000": "deux"})
    assert "nombres entiers" in bad.get_data(as_text=True)


def test_the_z_screen_shows_the_text_that_prints(actions, client, db):
    actions.login("Awa")
    actions.post("/till/close", {"n_2000": "3"}, htmx=False)
    page = client.get("/till/closures/1").get_data(as_text=True)
    assert "CLÔTURE JOURNALIÈRE (Z)" in page and "Grand total perpétuel" in page
    again = actions.post("/till/closures/1/print", htmx=False)
    assert again.status_code == 302
    assert db.execute("SELECT count(*) FROM print_jobs").fetchone()[0] == 0  # no printer set
    assert "Aucune imprimante" in client.get("/till/closures/1").get_data(as_text=True)


def test_the_z_prints_and_waits_when_the_printer_is_off(
    actions, client, db, printer_listener_factory
):
    from tests.escpos_decode import decode

    refusing = printer_listener_factory("refuse")
    coop.save_settings(db, {"printer_url": refusing.url})
    actions.login("Awa")
    actions.post("/till/close", {"n_2000": "3"}, htmx=False)
    assert db.execute("SELECT kind, status FROM print_jobs").fetchone() == ("closure", "failed")
    assert db.execute("SELECT count(*) FROM closures").fetchone()[0] == 1  # the Z is kept
    working = printer_listener_factory("normal")
    coop.save_settings(db, {"printer_url": working.url})
    actions.post("/till/closures/1/print", htmx=False)
    text = "\n".join(decode(working.received()[0]).text)
    assert "CLÔTURE JOURNALIÈRE (Z)" in text and "Écart" in text
