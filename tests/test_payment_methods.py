"""One registry of payment methods: a new one is one entry, and it sells end to end."""

from __future__ import annotations

import pytest

from pos import payment_methods
from pos.cli import main
from pos.db import till as store
from pos.db.coop import load_settings
from pos.db.sales import get_sale
from pos.payment_methods import PaymentMethod
from pos.receipts import layout, receipt_of, render_text, seller_of
from pos.z_report import closure_text
from tests.conftest import FLOAT, product_id


@pytest.fixture
def voucher():
    """A method the code has never heard of: the coop's gift vouchers, one registry entry."""
    yield payment_methods.register(
        PaymentMethod("voucher", "Bon cadeau", "account_voucher", "4191")
    )
    payment_methods.unregister("voucher")


def api_sale(client, api_token, db, method: str, amount: str, key: str):
    return client.post(
        "/api/v1/sales",
        json={
            "lines": [{"product_id": product_id(db, "Cookie"), "quantity": 1}],
            "payments": [{"method": method, "amount": amount}],
        },
        headers={"Authorization": f"Bearer {api_token}", "Idempotency-Key": key},
    )


def test_a_new_method_is_one_entry_and_sells_end_to_end(
    voucher, client, api_token, db, db_path, actions, runner, tmp_path
):
    spec = client.get("/api/v1/openapi.json").get_data(as_text=True)
    assert '"voucher"' in spec  # the API's schema lists it

    answer = api_sale(client, api_token, db, "voucher", "2.50", "v-1")
    assert answer.status_code == 201, answer.get_data(as_text=True)
    number = answer.get_json()["sale"]["number"]
    stored = db.execute("SELECT method, amount FROM payments").fetchall()
    assert stored == [("voucher", 250)]  # the table takes the new code

    settings = load_settings(db)
    paper = render_text(layout(receipt_of(get_sale(db, number), settings, 0), 42), 42)
    assert "Bon cadeau" in paper and "2,50" in paper

    actions.login("Awa")
    split = actions.client.get("/sell/split").get_data(as_text=True)
    assert 'name="amount_voucher"' in split and "Bon cadeau" in split

    status = store.day_status(db, store.current_day(db))
    assert status["expected_cash"] == 6000  # the float alone: a voucher is no cash in the drawer
    closure = store.get_closure(db, store.close_day(db, {"id": 1, "name": "Awa"}, FLOAT, "", 10**6))
    assert closure["data"]["by_method"]["voucher"] == 250
    assert "Bon cadeau" in closure_text(closure, seller_of(settings), 42)

    exported = runner.invoke(main, ["export", "--db", str(db_path), "--out", str(tmp_path / "x")])
    assert exported.exit_code == 0, exported.output
    [fec] = (tmp_path / "x").glob("*.txt")  # the FEC (the rest are CSV)
    debits = [row.split("\t") for row in fec.read_text(encoding="utf-8").splitlines()]
    assert any(row[4] == "4191" and row[11] == "2,50" for row in debits[1:]), debits


def test_a_method_that_may_not_exceed_gives_no_change(voucher, client, api_token, db):
    answer = api_sale(client, api_token, db, "voucher", "5.00", "v-2")
    assert answer.status_code == 422
    assert db.execute("SELECT count(*) FROM payments").fetchone()[0] == 0


def test_an_unknown_method_is_refused_by_the_api_and_the_table(client, api_token, db):
    answer = api_sale(client, api_token, db, "voucher", "2.50", "v-3")
    assert answer.status_code in (400, 422)
    assert "voucher" not in client.get("/api/v1/openapi.json").get_data(as_text=True)
    with pytest.raises(Exception, match="CHECK"):
        db.execute("INSERT INTO payments (sale_id, method, amount) VALUES (1, 'Bad code', 1)")


@pytest.mark.parametrize("value", [{}, [], None, 3, "CASH", "voucher"])
def test_what_is_not_a_registered_code_is_no_method(value):
    assert value not in payment_methods.METHODS
    assert "cash" in payment_methods.METHODS
