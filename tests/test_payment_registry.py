"""The registry drives every list of payment methods: the payment row, the refund choices, the
words, the per-member table, the settings' accounts and the FEC's defaults."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask_babel import force_locale, gettext

from pos import bookkeeping, fec, labels, payment_methods, settings
from pos.db import coop
from pos.payment_methods import PaymentMethod
from tests.conftest import product_id
from tests.payment_gift import GIFT

RETIRED = PaymentMethod("luncheon", "Titre-restaurant", "account_luncheon", "4192", button=True)


@pytest.fixture
def gift():
    """The gift voucher, one registry entry, for this test only."""
    yield payment_methods.register(GIFT)
    payment_methods.unregister(GIFT.code)


@pytest.fixture
def retired():
    """A method once used, no longer offered (its button and choice are gone, its name kept)."""
    from dataclasses import replace

    yield payment_methods.register(replace(RETIRED, offered=False))
    payment_methods.unregister(RETIRED.code)


def payrow_buttons(html: str) -> list[tuple[str, str]]:
    """The payment row's pay buttons: (value, words), in order."""
    row = re.search(r'<div id="payrow" class="payrow".*?</div>', html, re.S).group(0)
    found = re.findall(r'<button class="pay [^"]*" name="act" value="([^"]+)"[^>]*>([^<]*)<', row)
    return [(value, unescape(text)) for value, text in found]


def test_the_payment_row_has_the_registrys_buttons_in_its_order(gift, retired, actions, db):
    actions.login("Léo")
    cart = actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}").get_data(as_text=True)
    assert payrow_buttons(cart) == [
        ("pay:exact", "Compte juste"),
        ("pay:card", "Carte"),
        ("pay:cheque", "Chèque"),
        ("pay:gift", "Chèque-cadeau"),
    ]
    button = re.search(r'<button class="pay gift"[^>]*>', cart).group(0)
    assert 'hx-post="/sell/cart/act"' in button and "disabled" not in button
    paid = actions.post("/sell/cart/act", {"act": "pay:gift", **actions.seen()})
    assert paid.status_code == 200
    assert db.execute("SELECT method, amount FROM payments").fetchall() == [("gift", 250)]


def test_an_empty_carts_registry_buttons_are_disabled(gift, actions, client):
    actions.login("Léo")
    html = client.get("/sell").get_data(as_text=True)
    assert re.search(r'<button class="pay gift" name="act" value="pay:gift"[^>]*disabled', html)


def test_a_retired_method_pays_no_new_sale(retired, actions, db, client, api_token):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    refused = actions.post("/sell/cart/act", {"act": "pay:luncheon", **actions.seen()})
    assert refused.status_code in (400, 409, 422)
    answer = client.post(
        "/api/v1/sales",
        json={
            "lines": [{"product_id": product_id(db, "Cookie"), "quantity": 1}],
            "payments": [{"method": "luncheon", "amount": "2.50"}],
        },
        headers={"Authorization": f"Bearer {api_token}", "Idempotency-Key": "ret-1"},
    )
    assert answer.status_code in (400, 422), answer.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM payments").fetchone()[0] == 0
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "luncheon" not in str(spec)  # not offered to the API either
    actions.post("/sell/cart/act", {"act": "pay:card", **actions.seen()})
    lines = [{"product_id": product_id(db, "Cookie"), "quantity": 1}]

    def refund(method: str, key: str):
        return client.post(
            "/api/v1/sales/1/refund",
            json={"lines": lines, "method": method},
            headers={"Authorization": f"Bearer {api_token}", "Idempotency-Key": key},
        )

    refused = refund("luncheon", "ret-2")
    assert refused.status_code in (400, 422), refused.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM sales WHERE kind = 'refund'").fetchone()[0] == 0
    assert refund("card", "ret-3").status_code == 201  # the same refund by an offered method


def refund_choices(html: str) -> list[tuple[str, str]]:
    form = re.search(r'<form[^>]*class="refund".*?</form>', html, re.S).group(0)
    return [(v, unescape(t)) for v, t in re.findall(r'<option value="(\w+)">([^<]*)<', form)]


def test_the_refund_choices_are_the_offered_methods(gift, retired, actions, db, client):
    actions.login("Awa")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    actions.post("/sell/cart/act", {"act": "pay:exact", **actions.seen()})
    html = client.get("/sell/sales/1").get_data(as_text=True)
    assert refund_choices(html) == [
        ("cash", "Espèces"),
        ("card", "Carte bancaire"),
        ("cheque", "Chèque"),
        ("transfer", "Virement"),
        ("other", "Autre"),
        ("gift", "Chèque-cadeau"),
    ]
    refused = actions.post("/sell/sales/1/refund", {"qty_1": "1", "method": "luncheon"})
    assert refused.status_code in (400, 422)
    assert db.execute("SELECT count(*) FROM sales WHERE kind = 'refund'").fetchone()[0] == 0
    done = actions.post("/sell/sales/1/refund", {"qty_1": "1", "method": "gift"}, htmx=False)
    assert done.status_code == 302
    assert db.execute("SELECT method, amount FROM payments ORDER BY id").fetchall()[-1] == (
        "gift",
        -250,
    )


def test_the_words_are_the_registrys_and_each_has_its_english(gift, app):
    assert labels.word("method", "gift") == "Chèque-cadeau"
    assert labels.words("method")["gift"] == "Chèque-cadeau"
    with app.test_request_context(), force_locale("en"):
        english = {m.code: gettext(m.word) for m in payment_methods.METHODS.values()}
        short = {m.code: gettext(m.short_word) for m in payment_methods.METHODS.values()}
    builtin = {k: v for k, v in english.items() if k != "gift"}
    assert builtin == {
        "cash": "Cash",
        "card": "Card",
        "cheque": "Cheque",
        "transfer": "Bank transfer",
        "other": "Other",
    }
    assert short["card"] == "Card"


def test_the_per_member_table_names_every_method_in_words(gift, actions, db, client):
    actions.login("Awa")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    actions.post("/sell/cart/act", {"act": "pay:gift", **actions.seen()})
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    actions.post("/sell/cart/act", {"act": "pay:card", **actions.seen()})
    made = actions.post("/till/x", htmx=False)
    html = client.get(made.location).get_data(as_text=True)
    table = re.search(r'data-testid="by-member".*?</table>', html, re.S).group(0)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", table)).replace("\xa0", " ").split())
    assert "Chèque-cadeau 2,50 €" in text and "Carte 2,50 €" in text
    assert "gift" not in text


# --- The accounts: one home each ------------------------------------------------------------


def test_a_methods_account_default_is_its_registry_entry(gift):
    readable = settings.readable({})
    assert readable["account_gift"] == "4191"  # the setting exists, with the entry's default
    for method in payment_methods.METHODS.values():
        assert readable[method.account_setting] == method.account
    accounts = bookkeeping.accounts_from_settings(readable)
    assert accounts["payments"]["gift"] == "4191"
    checked = settings.check_settings({"account_gift": "4193"})
    assert checked.values["account_gift"] == "4193" and not checked.errors
    changed = bookkeeping.accounts_from_settings({**readable, "account_gift": "4193"})
    assert changed["payments"]["gift"] == "4193"


def test_the_fec_defaults_and_the_settings_defaults_are_one(gift):
    readable = settings.readable({})
    from_settings = bookkeeping.accounts_from_settings(readable)
    from_defaults = bookkeeping.accounts_from_settings({})
    assert from_settings == from_defaults
    assert fec.DEFAULT_ACCOUNTS["payments"]["gift"] == "4191"  # read live from the registry
    for key, (group, inner, default) in fec.ACCOUNT_SETTINGS.items():
        assert readable[key] == default
        placed = from_defaults[group] if inner is None else from_defaults[group][inner]
        assert placed == default, key


def test_the_settings_screen_has_each_methods_account_field(gift, actions, client, db):
    actions.login("Awa")
    html = client.get("/admin/settings").get_data(as_text=True)
    for method in payment_methods.METHODS.values():
        field = re.search(rf'<input[^>]*name="{method.account_setting}"[^>]*>', html)
        assert field and f'value="{method.account}"' in field.group(0), method.code
    form = {k: v for k, v in coop.load_settings(db).items() if k.startswith("account_")}
    form |= {"brand": "Les Kokés", "legal_name": "CAE Test", "siret": "90000000100017"}
    saved = actions.post("/admin/settings", {**form, "account_gift": "4195"}, htmx=False)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    assert coop.load_settings(db)["account_gift"] == "4195"


def test_a_registered_code_must_fit_the_tables_check():
    for code in ("Gift", "gift-card", "", "chèque"):
        with pytest.raises(ValueError):
            payment_methods.register(PaymentMethod(code, "X", "account_x", "471"))
        assert code not in payment_methods.METHODS


# --- Deposits at the bank: what of each method may go there ---------------------------------


def deposit_choices(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="method">.*?</select>', html, re.S).group(0)
    return [(v, unescape(t)) for v, t in re.findall(r'<option value="(\w+)">([^<]*)<', select)]


def test_the_deposit_choices_and_their_booking_come_from_the_registry(actions, client, db):
    from dataclasses import replace
    from datetime import date

    from pos import booking
    from pos.db import till as store

    cheque = payment_methods.METHODS["cheque"]
    actions.login("Awa")
    assert deposit_choices(client.get("/till").get_data(as_text=True)) == [
        ("cash", "espèces"),
        ("card", "tickets de carte"),
        ("cheque", "chèques"),
    ]
    day = store.current_day(db)
    before = store.day_status(db, day)["expected_cash"]
    form = {"kind": "deposit", "method": "card", "amount": "5"}
    assert actions.post("/till/movements", form, htmx=False).status_code == 302
    row = db.execute("SELECT kind, method, amount, reason FROM cash_movements").fetchall()[-1]
    assert row == ("deposit", "card", -500, "Dépôt en banque (tickets de carte)")
    assert store.day_status(db, day)["expected_cash"] == before  # no cash left the drawer
    accounts = bookkeeping.accounts_from_settings(settings.readable({"account_card": "51150"}))
    movement = {"id": 1, "kind": "deposit", "method": "card", "amount": -500, "reason": ""}
    lines = booking.movement_entry(date(2026, 12, 1), 1, movement, accounts)
    booked = [(ln.account, ln.debit, ln.credit) for ln in lines]
    assert booked == [("512", 500, 0), ("51150", 0, 500)]  # the card's own account, as set

    payment_methods.register(replace(cheque, deposit=""))  # cheques no longer deposited here
    try:
        html = client.get("/till").get_data(as_text=True)
        assert [code for code, _ in deposit_choices(html)] == ["cash", "card"]
        refused = actions.post("/till/movements", {**form, "method": "cheque"}, htmx=False)
        assert refused.status_code == 422
    finally:
        payment_methods.register(cheque)
    assert db.execute("SELECT count(*) FROM cash_movements").fetchone()[0] == 1


def test_a_deposit_of_a_method_the_movements_table_refuses_needs_a_migration_first():
    from dataclasses import replace

    with pytest.raises(payment_methods.BadCode, match="migration"):
        payment_methods.register(replace(GIFT, deposit="chèques-cadeaux"))
    assert "gift" not in payment_methods.METHODS


def test_a_wrong_account_opens_the_accounts_part_of_the_settings(gift, actions, db):
    actions.login("Awa")
    form = {k: v for k, v in coop.load_settings(db).items() if k.startswith("account_")}
    form |= {"brand": "Les Kokés", "legal_name": "CAE Test", "siret": "90000000100017"}
    for key in ("account_gift", "account_goods", "account_card"):
        answer = actions.post("/admin/settings", {**form, key: "x"}, htmx=False)
        assert answer.status_code == 422, key
        html = answer.get_data(as_text=True)
        assert re.search(r'<details class="accounts" open>', html), key
        assert re.search(rf'<input id="f-{key}"[^>]*aria-invalid="true"', html), key
    assert coop.load_settings(db)["account_gift"] == "4191"  # nothing stored
