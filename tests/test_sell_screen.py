"""The sell screen's cart form: one address, the tapped button says what to do."""

import pytest

from tests.conftest import product_id


def test_plain_form_taps_work_without_javascript(actions, client, db):
    actions.login("Léo")
    koke, cookie = product_id(db, "Kokedama"), product_id(db, "Cookie")
    actions.post(f"/sell/cart/add/{koke}", htmx=False)
    actions.post(f"/sell/cart/add/{cookie}", htmx=False)
    key = actions.cart_key()
    assert actions.post("/sell/cart/act", {"act": "0:inc"}, htmx=False).status_code == 302
    assert "2 ×" in client.get("/sell").get_data(as_text=True)
    paid = actions.post("/sell/cart/act", {"act": "pay:note:50", "key": key}, htmx=False)
    assert paid.status_code == 302 and "done=1" in paid.location
    row = db.execute("SELECT total, change FROM sales WHERE number = 1").fetchone()
    assert row == (2750, 2250)
    assert "Rendu" in client.get(paid.location).get_data(as_text=True)


def test_htmx_payment_goes_to_the_result_panel(actions, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    response = actions.post("/sell/cart/act", {"act": "pay:card", "key": actions.cart_key()})
    assert response.headers["HX-Retarget"] == "#result"
    assert 'id="result"' in response.get_data(as_text=True)
    assert db.execute("SELECT method, amount FROM payments").fetchall() == [("card", 250)]


def test_discount_panel_then_discount(actions, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Kokedama')}")
    panel = actions.post("/sell/cart/act", {"act": "0:discount"})
    assert panel.headers["HX-Retarget"] == "#result" and "Raison" in panel.get_data(as_text=True)
    refused = actions.post("/sell/cart/line/0/discount", {"kind": "amount", "value": "2"})
    assert refused.status_code == 422 and "raison" in refused.get_data(as_text=True)
    done = actions.post(
        "/sell/cart/line/0/discount", {"kind": "amount", "value": "2,50", "reason": "abîmé"}
    )
    assert "10,00" in done.get_data(as_text=True)


@pytest.mark.parametrize("act", ["", "cart:boom", "9:explode", "x:inc"])
def test_unknown_actions_are_refused_in_french(actions, act):
    actions.login("Léo")
    refused = actions.post("/sell/cart/act", {"act": act})
    assert refused.status_code == 422 and "Action inconnue" in refused.get_data(as_text=True)


def test_a_tap_fragment_stays_small(actions, db):
    actions.login("Léo")
    sizes = [
        len(actions.post(f"/sell/cart/add/{product_id(db, name)}").data)
        for name in ("Kokedama", "Cookie", "Café", "Kokedama")
    ]
    assert max(sizes) <= 5 * 1024, sizes
