"""Orders: states and their stock effect, paid in advance, expiry, the race for the last unit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from pos import db as database
from pos import orders as rules
from pos.cart import Payment, item_of, price_cart
from pos.db import orders as store
from pos.db import sales as journal
from pos.db.catalogue import get_product, move_stock
from pos.errors import InvalidInput, OutOfStock
from tests.conftest import product_id

# --- The pure rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "to"),
    [
        ("to_prepare", "prepare", "ready"),
        ("to_prepare", "collect", "collected"),
        ("ready", "collect", "collected"),
        ("to_prepare", "cancel", "cancelled"),
        ("ready", "cancel", "cancelled"),
        ("to_prepare", "expire", "expired"),
        ("ready", "expire", "expired"),
    ],
)
def test_next_state_allowed(state, action, to):
    assert rules.next_state(state, action) == to


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("ready", "prepare"),
        ("collected", "cancel"),
        ("cancelled", "collect"),
        ("expired", "prepare"),
        ("collected", "expire"),
    ],
)
def test_next_state_refused(state, action):
    with pytest.raises(rules.OrderStateError):
        rules.next_state(state, action)


def test_a_paid_order_is_not_cancelled_without_a_refund():
    with pytest.raises(rules.OrderStateError, match="vente n° 7"):
        rules.next_state("ready", "cancel", paid_by=7)
    assert rules.next_state("ready", "collect", paid_by=7) == "collected"


def test_holds_stock_only_while_open_and_unpaid():
    assert rules.holds_stock("to_prepare", False) and rules.holds_stock("ready", False)
    assert not rules.holds_stock("ready", True)
    for state in ("collected", "cancelled", "expired"):
        assert not rules.holds_stock(state, False)


def test_expiry():
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert rules.expires_at(start, 0) is None
    end = rules.expires_at(start, 48)
    assert end == start + timedelta(hours=48)
    assert not rules.is_due_to_expire("ready", False, end, end - timedelta(seconds=1))
    assert rules.is_due_to_expire("ready", False, end, end)
    assert not rules.is_due_to_expire("ready", True, end, end)
    assert not rules.is_due_to_expire("collected", False, end, end)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": [{"product_id": 1, "quantity": 1}]}, "customer"),
        ({"customer": "A", "lines": []}, "lines"),
        ({"customer": "A", "lines": [{"product_id": 1, "quantity": 0}]}, "lines[0].quantity"),
        ({"customer": "A", "lines": [{"product_id": "1", "quantity": 1}]}, "lines[0].product_id"),
        ({"customer": "A", "lines": [{"product_id": 1, "quantity": True}]}, "lines[0].quantity"),
        ({"customer": 3, "lines": [{"product_id": 1, "quantity": 1}]}, "customer"),
        ({"customer": "A" * 81, "lines": [{"product_id": 1, "quantity": 1}]}, "customer"),
        ({"customer": "A", "note": "x" * 501, "lines": [{"product_id": 1, "quantity": 1}]}, "note"),
    ],
)
def test_check_request_refuses(body, field):
    with pytest.raises(InvalidInput) as refused:
        rules.check_request(body)
    assert refused.value.field == field


def test_check_request_caps_quantities_per_product():
    body = {"customer": "A", "lines": [{"product_id": 1, "quantity": 3}] * 2}
    assert rules.check_request(body, max_quantity=6).lines == ((1, 6),)
    with pytest.raises(InvalidInput, match="Au plus 5"):
        rules.check_request(body, max_quantity=5)


# --- Storage: every state change and its stock effect --------------------------------------


def order(db, *lines, **kw):
    request = rules.check_request(
        {
            "customer": kw.pop("customer", "Mme Martin"),
            "contact": "06 12 34 56 78",
            "pickup": "samedi 10:00",
            "lines": [{"product_id": p, "quantity": q} for p, q in lines],
        }
    )
    return store.place_order(db, request, source=kw.pop("source", "api"), **kw)[0]


def left(db, name):
    p = get_product(db, product_id(db, name))
    return p["stock"], p["reserved"]


def stall_sale(db, name, quantity):
    cart = price_cart([item_of(get_product(db, product_id(db, name)), quantity)])
    return journal.record_sale(db, cart, [Payment("cash", cart.total)], member=None)[0]


def test_an_order_reserves_at_once_and_a_stall_sale_cannot_take_reserved_units(db):
    koke = product_id(db, "Kokedama")
    number = order(db, (koke, 18))
    assert number == 1
    assert left(db, "Kokedama") == (20, 18)  # on hand unchanged, 18 reserved
    with pytest.raises(OutOfStock, match="il n'en reste que 2"):
        stall_sale(db, "Kokedama", 3)
    stall_sale(db, "Kokedama", 2)
    assert left(db, "Kokedama") == (18, 18)
    with pytest.raises(OutOfStock):
        order(db, (koke, 1))
    saved = store.get_order(db, number)
    assert saved["state"] == "to_prepare" and saved["total"] == 18 * 1250
    assert [e["kind"] for e in saved["events"]] == ["placed"]


def test_prepare_keeps_the_reservation_cancel_frees_it(db):
    koke = product_id(db, "Kokedama")
    number = order(db, (koke, 5))
    assert store.change_state(db, number, "prepare", None)["state"] == "ready"
    assert left(db, "Kokedama") == (20, 5)
    cancelled = store.change_state(db, number, "cancel", None)
    assert cancelled["state"] == "cancelled"
    assert left(db, "Kokedama") == (20, 0)
    assert [e["kind"] for e in cancelled["events"]] == ["placed", "prepared", "cancelled"]
    with pytest.raises(rules.OrderStateError):
        store.change_state(db, number, "prepare", None)


def test_expire_frees_the_stock_as_an_event(db, till_clock):
    koke = product_id(db, "Kokedama")
    number = order(db, (koke, 4), expire_hours=2)
    assert left(db, "Kokedama") == (20, 4)
    till_clock(8 * 86400)  # « samedi 10:00 » is at most 7 days off (tests/test_orders_truth.py)
    assert left(db, "Kokedama") == (20, 0)  # past its slot and delay: no longer held, unmarked
    assert store.expire_due(db) == [number]
    till_clock(0)
    expired = store.get_order(db, number)
    assert expired["state"] == "expired"
    assert [e["kind"] for e in expired["events"]] == ["placed", "expired"]
    assert store.expire_due(db) == []


def test_pick_up_paid_at_the_stall_is_one_sale_and_collects_the_order(db):
    pot = product_id(db, "Dernier pot")
    number = order(db, (pot, 1))
    with pytest.raises(OutOfStock):
        stall_sale(db, "Dernier pot", 1)
    cart = price_cart([item_of(get_product(db, pot), 1)])
    sale, replayed = store.collect_with_sale(
        db, number, cart, [Payment("cash", 1000)], member=None, key="k1"
    )
    assert not replayed
    assert left(db, "Dernier pot") == (0, 0)
    entry = journal.get_sale(db, sale)
    assert entry["channel"] == "online" and entry["order_number"] == number
    assert "commande n° 1" in entry["customer"] and entry["change"] == 100
    collected = store.get_order(db, number)
    assert collected["state"] == "collected" and collected["sale_number"] == sale
    assert store.collect_with_sale(
        db, number, cart, [Payment("cash", 1000)], member=None, key="k1"
    ) == (
        sale,
        True,
    )


def test_paid_in_advance_by_transfer_then_handed_over_without_payment(db):
    koke = product_id(db, "Kokedama")
    number = order(db, (koke, 2))
    with pytest.raises(InvalidInput):
        store.pay_by_transfer(db, number, "  ", None)
    sale = store.pay_by_transfer(db, number, "VIR 2026-118", None)
    entry = journal.get_sale(db, sale)
    assert entry["payments"] == [{"method": "transfer", "amount": 2500}]
    assert entry["channel"] == "online" and entry["order_number"] == number
    assert entry["customer"] == "Mme Martin (commande n° 1, virement VIR 2026-118)"
    assert left(db, "Kokedama") == (18, 0)  # the sale took the stock; nothing held twice
    paid = store.get_order(db, number)
    assert paid["transfer_reference"] == "VIR 2026-118" and paid["state"] == "to_prepare"
    with pytest.raises(rules.OrderStateError, match="déjà payée"):
        store.pay_by_transfer(db, number, "VIR", None)
    with pytest.raises(rules.OrderStateError, match="rembourse"):
        store.change_state(db, number, "cancel", None)
    handed = store.change_state(db, number, "collect", None)
    assert handed["state"] == "collected"
    assert [e["kind"] for e in handed["events"]] == ["placed", "paid", "collected"]
    assert left(db, "Kokedama") == (18, 0)


def test_an_unpaid_order_is_not_handed_over_without_its_sale(db):
    number = order(db, (product_id(db, "Cookie"), 2))
    with pytest.raises(rules.OrderStateError, match="encaissez"):
        store.change_state(db, number, "collect", None)


def test_orders_are_never_deleted_nor_rewritten(db):
    number = order(db, (product_id(db, "Cookie"), 2))
    for sql in (
        "DELETE FROM orders",
        "DELETE FROM order_lines",
        "DELETE FROM order_events",
        "UPDATE orders SET total = 1",
        "UPDATE order_lines SET quantity = 9",
        "UPDATE order_events SET kind = 'paid'",
    ):
        with pytest.raises(Exception, match="never|contents"):
            db.execute(sql)
    store.change_state(db, number, "cancel", None)
    with pytest.raises(Exception, match="forward"):
        db.execute("UPDATE orders SET state = 'ready'")


def test_a_key_places_an_order_once(db):
    request = rules.check_request(
        {"customer": "A", "lines": [{"product_id": product_id(db, "Cookie"), "quantity": 3}]}
    )
    first = store.place_order(db, request, source="api", key="abc")
    again = store.place_order(db, request, source="api", key="abc")
    assert first == (1, False) and again == (1, True)
    assert left(db, "Cookie") == (100, 3)


def test_orders_per_address_and_hour(db):
    cookie = product_id(db, "Cookie")
    for _ in range(3):
        order(db, (cookie, 1), source="public", client="h1", per_hour=3)
    with pytest.raises(rules.TooManyOrders):
        order(db, (cookie, 1), source="public", client="h1", per_hour=3)
    order(db, (cookie, 1), source="public", client="h2", per_hour=3)  # another address
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 4


# --- The race for the last unit, real file, real threads -------------------------------------


def race_once(db_path, pot: int, rivals: tuple[str, str] = ("order", "sale")) -> dict:
    """Two writers (an order, a stall sale) for product `pot`, released together; what each
    got."""
    outcomes: dict[str, object] = {}
    start = threading.Barrier(2)

    def run(name, work):
        c = database.connect(db_path)
        try:
            start.wait(timeout=10)
            outcomes[name] = work(c)
        except OutOfStock as exc:
            outcomes[name] = exc
        finally:
            c.close()

    works = {
        "order": lambda c: order(c, (pot, 1)),
        "sale": lambda c: stall_sale(c, "Dernier pot", 1),
    }
    threads = [
        threading.Thread(target=run, args=(f"{kind}{i}", works[kind]))
        for i, kind in enumerate(rivals)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return outcomes


def test_an_order_and_a_stall_sale_never_both_get_the_last_unit(db_path):
    rounds = 20
    conn = database.connect(db_path)
    pot = product_id(conn, "Dernier pot")
    for i in range(rounds):
        if left(conn, "Dernier pot")[0] == 0:
            move_stock(conn, pot, "production", 1)
        outcomes = race_once(db_path, pot)
        won = [k for k, v in outcomes.items() if not isinstance(v, OutOfStock)]
        assert len(won) == 1, (i, outcomes)
        stock, reserved = left(conn, "Dernier pot")
        assert stock >= 0 and stock - reserved == 0
        if won == ["order0"]:  # the order got it: it is collected by its sale
            cart = price_cart([item_of(get_product(conn, pot), 1)])
            store.collect_with_sale(
                conn, outcomes["order0"], cart, [Payment("card", 900)], member=None
            )
    sold = conn.execute("SELECT count(*) FROM sales").fetchone()[0]
    assert sold == rounds  # every round ends with the unit sold exactly once
    conn.close()


def test_the_flyers_qr_svg_draws_the_codes_modules():
    import re
    import xml.etree.ElementTree as ET

    import qrcode

    from pos.qr import svg

    text = "https://commande.example.org/commander"
    drawing = str(svg(text, module=4, border=4))
    root = ET.fromstring(drawing)  # well-formed
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    dark = {(int(x) // 4, int(y) // 4) for x, y in re.findall(r"M(\d+) (\d+)", path)}
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    matrix = code.get_matrix()
    assert dark == {(x, y) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}
    # the three finder patterns: a dark 7×7 ring at the corners, inside the quiet zone
    n = len(matrix)
    for ox, oy in ((4, 4), (n - 11, 4), (4, n - 11)):
        assert all((ox + i, oy) in dark and (ox, oy + i) in dark for i in range(7))
    assert root.get("aria-label") == text


def test_two_orders_never_both_reserve_the_last_unit(db_path):
    conn = database.connect(db_path)
    pot = product_id(conn, "Dernier pot")
    for i in range(10):
        outcomes = race_once(db_path, pot, ("order", "order"))
        won = [k for k, v in outcomes.items() if not isinstance(v, OutOfStock)]
        assert len(won) == 1, (i, outcomes)
        assert left(conn, "Dernier pot") == (1, 1)
        store.change_state(conn, outcomes[won[0]], "cancel", None)
    assert left(conn, "Dernier pot") == (1, 0)
    assert conn.execute("SELECT count(*) FROM orders WHERE state = 'cancelled'").fetchone()[0] == 10
    conn.close()


def test_the_price_told_at_ordering_is_held():
    assert rules.price_held(1250, 1400, 2) == 300
    assert rules.price_held(1250, 1250, 2) == 0
    assert rules.price_held(1250, 1000, 2) == 0  # a markdown since: the customer keeps it


def test_a_paid_order_is_cancelled_once_its_sale_is_refunded(db):
    number = order(db, (product_id(db, "Kokedama"), 2))
    sale = store.pay_by_transfer(db, number, "VIR-9", None)
    with pytest.raises(rules.OrderStateError):
        store.change_state(db, number, "cancel", None)
    journal.record_refund(db, sale, [(product_id(db, "Kokedama"), 2)], "transfer", member=None)
    assert store.change_state(db, number, "cancel", None)["state"] == "cancelled"
    assert left(db, "Kokedama") == (20, 0)  # the refund brought the stock back, once


def test_the_receipt_prints_the_orders_number_in_bold(db):
    from pos.db.coop import load_settings
    from pos.receipts import layout, receipt_of, render_text

    number = order(db, (product_id(db, "Cookie"), 2))
    sale = store.pay_by_transfer(db, number, "VIR-7", None)
    lines = layout(receipt_of(journal.get_sale(db, sale), load_settings(db)), 32)
    [line] = [ln for ln in lines if ln.text == f"Commande n° {number}"]
    assert line.bold
    text = render_text(lines, 32)
    assert "Vente en ligne" in text and "Virement" in text
    plain = layout(
        receipt_of(journal.get_sale(db, stall_sale(db, "Cookie", 1)), {**load_settings(db)}), 32
    )
    assert not any(ln.text.startswith("Commande n°") for ln in plain)
