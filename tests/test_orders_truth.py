"""Orders tell what happened: a voided pick-up reopens its order, expiry counts from the slot."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from pos import clock
from pos import orders as rules
from pos.db import orders as store
from tests.conftest import product_id


def place(db, *lines, pickup="samedi 10:00", **kw):
    request = rules.check_request(
        {
            "customer": "Mme Martin",
            "contact": "06 12 34 56 78",
            "pickup": pickup,
            "lines": [{"product_id": product_id(db, n), "quantity": q} for n, q in lines],
        }
    )
    return store.place_order(db, request, source="member", **kw)[0]


def stock_and_reserved(db, name):
    return db.execute(
        "SELECT p.stock, (SELECT coalesce(sum(ol.quantity), 0) FROM order_lines ol"
        " JOIN orders o ON o.id = ol.order_id WHERE ol.product_id = p.id"
        " AND o.state IN ('to_prepare', 'ready') AND o.paid_in_advance = 0)"
        " FROM products p WHERE p.name = ?",
        [name],
    ).fetchone()


def collect_at_the_stall(actions, number):
    assert actions.post(f"/orders/{number}/checkout", htmx=False).status_code == 302
    assert actions.post("/sell/pay", {**actions.seen(), "method": "card"}).status_code == 200


def void(actions, sale):
    return actions.post(f"/sell/undo/{sale}", {"sale": str(sale), "confirm": "yes"})


# --- A voided pick-up sale: the order is open and payable again ----------------------------


def test_voiding_a_pick_up_sale_reopens_the_order_and_reserves_its_lines(actions, client, db):
    number = place(db, ("Kokedama", 2))
    actions.login("Léo")
    actions.post(f"/orders/{number}/prepare", htmx=False)
    collect_at_the_stall(actions, number)
    assert stock_and_reserved(db, "Kokedama") == (18, 0)
    assert store.get_order(db, number)["state"] == "collected"

    assert void(actions, 1).status_code == 200
    order = store.get_order(db, number)
    assert order["state"] == "ready"  # prepared before its pick-up: prepared again
    assert [e["kind"] for e in order["events"]] == ["placed", "prepared", "collected", "reopened"]
    assert order["events"][-1]["details"] == {"sale": 1, "void": 2}
    assert order["reserving"]
    assert stock_and_reserved(db, "Kokedama") == (20, 2)  # back on hand, and held for her
    sell = client.get("/sell").get_data(as_text=True)
    assert "reste 18 · 2 réservés" in sell
    assert "reste 18 · 2 réservés" in client.get("/stock").get_data(as_text=True)
    detail = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "Encaisser" in detail and "rouverte" in detail

    collect_at_the_stall(actions, number)  # she pays again, for real this time
    order = store.get_order(db, number)
    assert order["state"] == "collected" and order["sale_number"] == 3
    assert stock_and_reserved(db, "Kokedama") == (18, 0)


def test_a_reopened_order_that_was_never_prepared_is_to_prepare_again(actions, db):
    number = place(db, ("Cookie", 3))
    actions.login("Léo")
    collect_at_the_stall(actions, number)
    void(actions, 1)
    order = store.get_order(db, number)
    assert order["state"] == "to_prepare"
    assert stock_and_reserved(db, "Cookie")[1] == 3


def test_the_api_reads_the_reopened_order(actions, client, db, api_token):
    number = place(db, ("Cookie", 1))
    actions.login("Léo")
    collect_at_the_stall(actions, number)
    void(actions, 1)
    got = client.get(
        f"/api/v1/orders/{number}", headers={"Authorization": f"Bearer {api_token}"}
    ).get_json()
    assert got["order"]["state"] == "to_prepare"
    stock = client.get("/api/v1/stock", headers={"Authorization": f"Bearer {api_token}"})
    cookie = next(p for p in stock.get_json()["stock"] if p["name"] == "Cookie")
    assert cookie["reserved"] == 1 and cookie["available"] == cookie["quantity"] - 1


def test_voiding_a_transfer_payment_makes_the_order_payable_again(actions, db):
    number = place(db, ("Cookie", 2))
    actions.login("Léo")
    actions.post(f"/orders/{number}/transfer", {"reference": "VIR-9"}, htmx=False)
    assert stock_and_reserved(db, "Cookie")[1] == 0
    void(actions, 1)
    order = store.get_order(db, number)
    assert order["state"] == "to_prepare" and not order["paid_in_advance"]
    assert order["sale_number"] is None and order["transfer_reference"] == ""  # unpaid now
    assert order["reserving"] and stock_and_reserved(db, "Cookie")[1] == 2
    with pytest.raises(rules.OrderStateError, match="encaissez"):
        store.change_state(db, number, "collect", None)  # no hand-over without a payment now


def test_an_order_goes_back_only_through_a_reopening_row(db):
    number = place(db, ("Cookie", 1))
    db.execute("UPDATE orders SET state = 'collected' WHERE number = ?", [number])
    with pytest.raises(Exception, match="forward"):
        db.execute("UPDATE orders SET state = 'ready' WHERE number = ?", [number])


def test_state_after_void():
    assert rules.state_after_void(["placed", "prepared", "collected"]) == "ready"
    assert rules.state_after_void(["placed", "collected"]) == "to_prepare"
    assert rules.state_after_void(["placed", "paid"]) == "to_prepare"
    assert rules.state_after_void(["placed", "prepared", "paid"]) == "ready"


# --- Expiry counts from the pick-up slot, not from the placing -----------------------------

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)  # Monday 30/11/2026, 09:00 in Paris


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("samedi 10:00", datetime(2026, 12, 5, 10, 0)),
        ("Samedi 10h", datetime(2026, 12, 5, 10, 0)),
        ("samedi 10h-12h", datetime(2026, 12, 5, 12, 0)),  # the slot's end
        ("sam. 9h30", datetime(2026, 12, 5, 9, 30)),
        ("samedi", datetime(2026, 12, 6, 0, 0)),  # no hour: the whole day
        ("lundi 18:00", datetime(2026, 11, 30, 18, 0)),  # today, later
        ("demain 17h", datetime(2026, 12, 1, 17, 0)),
        ("aujourd'hui", datetime(2026, 12, 1, 0, 0)),
        ("le 12/12 à 11h", datetime(2026, 12, 12, 11, 0)),
        ("12/01", datetime(2027, 1, 13, 0, 0)),  # January: next year's
        ("le 3 décembre", datetime(2026, 12, 4, 0, 0)),
        ("livraison mercredi soir", datetime(2026, 12, 3, 0, 0)),
    ],
)
def test_pickup_slot_read_from_what_was_typed(text, slot):
    assert rules.pickup_slot(text, MONDAY) == slot.replace(tzinfo=PARIS)


@pytest.mark.parametrize("text", ["", "quand vous voulez", "31/02", "25h", "au marché"])
def test_a_slot_that_cannot_be_read_counts_from_the_placing(text):
    assert rules.pickup_slot(text, MONDAY) is None
    assert rules.expires_at(MONDAY, 48, text) == MONDAY + timedelta(hours=48)


def test_expiry_counts_from_the_slot_never_before_the_placing():
    assert rules.expires_at(MONDAY, 48, "samedi 10:00") == datetime(
        2026, 12, 7, 10, 0, tzinfo=PARIS
    )
    assert rules.expires_at(MONDAY, 0, "samedi 10:00") is None
    assert rules.expires_at(MONDAY, 2, "lundi 08:00") == MONDAY + timedelta(hours=2)


def move_to(till_clock, moment: datetime) -> None:
    till_clock(0)
    till_clock((moment - clock.now()).total_seconds())


def test_an_order_placed_monday_for_saturday_holds_until_the_slot_and_the_delay(
    client, db, api_token, till_clock
):
    move_to(till_clock, MONDAY)
    auth = {"Authorization": f"Bearer {api_token}", "Idempotency-Key": "mme-martin-1"}
    body = {
        "customer": "Mme Martin",
        "lines": [{"product_id": product_id(db, "Kokedama"), "quantity": 2}],
        "pickup": "samedi 10:00",
    }
    placed = client.post("/api/v1/orders", json=body, headers=auth)
    assert placed.status_code == 201
    expires = datetime.fromisoformat(placed.get_json()["order"]["expires_at"])
    assert expires == datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)  # Saturday 10:00 + 48 h
    move_to(till_clock, datetime(2026, 12, 5, 9, 55, tzinfo=PARIS))  # she comes on Saturday
    assert store.expire_due(db) == []
    assert store.get_order(db, 1)["reserving"]
    assert stock_and_reserved(db, "Kokedama") == (20, 2)
    move_to(till_clock, datetime(2026, 12, 7, 10, 1, tzinfo=PARIS))  # never came
    assert store.expire_due(db) == [1]
    assert store.get_order(db, 1)["state"] == "expired"


def test_the_public_answer_says_until_when_the_order_is_held(client, db, till_clock):
    from tests.test_orders_web import open_page, public_post

    move_to(till_clock, MONDAY)
    open_page(db)
    koke = product_id(db, "Kokedama")
    sent = public_post(client, db, {f"qty_{koke}": "1", "pickup": "samedi 10:00"})
    assert sent.status_code == 302
    done = unescape(client.get("/commander/merci").get_data(as_text=True))
    assert "Sans retrait avant le 07/12/2026 10:00" in done


def test_the_members_see_until_when_an_order_is_held(actions, client, db, till_clock):
    move_to(till_clock, MONDAY)
    number = place(db, ("Cookie", 2), expire_hours=48)
    actions.login("Léo")
    detail = unescape(client.get(f"/orders/{number}").get_data(as_text=True))
    assert "Réservée jusqu'au 07/12/2026 10:00" in detail


def test_migration_0021_keeps_the_events_and_their_guards(tmp_path):
    from pos import db as database
    from tests.older_database import seeded_at

    db = seeded_at(tmp_path / "coop.db", 20)
    number = place(db, ("Cookie", 2))
    store.change_state(db, number, "prepare", None)
    assert database.migrate(db)[0] == "0021_order_reopen.sql"
    kinds = [e["kind"] for e in store.get_order(db, number)["events"]]
    assert kinds == ["placed", "prepared"]
    with pytest.raises(Exception, match="never"):
        db.execute("DELETE FROM order_events")
    with pytest.raises(Exception, match="never"):
        db.execute("UPDATE order_events SET kind = 'paid'")
