"""Settings: only known keys, each checked; a setting never stops the server or a page (#15)."""

from __future__ import annotations

import pytest

from pos import clock
from pos.db import coop
from pos.settings import DEFAULTS, check_settings, readable
from pos.web.app import create_app

BASE = {"brand": "Kokés", "legal_name": "CAE", "siret": "90000000100017"}


@pytest.fixture(autouse=True)
def _clock_back():
    yield
    clock.set_offset(0)


def stored(db, key):
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row and row[0]


@pytest.mark.parametrize("value", ["abc", "nan", "1e300", "inf"])
def test_the_form_never_stores_a_clock_offset(actions, db, value):
    actions.login("Awa")
    actions.post("/admin/settings", {**BASE, "clock_offset": value}, htmx=False)
    assert stored(db, "clock_offset") in (None, "0")


def test_unknown_keys_are_dropped_and_bad_values_refused():
    checked = check_settings({**BASE, "is_admin": "1", "week_start": "soon", "language": "klingon"})
    assert "is_admin" not in checked.values
    assert {"week_start", "language"} <= set(checked.errors)
    assert check_settings({**BASE, "receipt_footer": "x" * 600}).errors["receipt_footer"]


def test_a_bad_stored_setting_falls_back_to_its_default():
    values = readable({"week_start": "soon", "idle_minutes": "abc", "vat_rates": "x", "zz": "1"})
    assert values["week_start"] == "" and values["idle_minutes"] == DEFAULTS["idle_minutes"]
    assert values["vat_rates"] == DEFAULTS["vat_rates"] and "zz" not in values


BAD = {
    "week_start": "soon",
    "idle_minutes": "abc",
    "undo_minutes": "-3",
    "clock_offset": "1e300",
    "sales_goal": "Infinity",
    "share_kept_back": "NaN",
    "vat_rates": "vingt",
    "cash_difference_threshold": "²",
    "paper_width": "9999999999",
    "backup_keep": "lots",
}


def test_no_stored_setting_stops_the_server_or_a_page(db, db_path):
    coop.save_settings(db, BAD)  # as if written behind Étal's back
    app = create_app(db_path, TESTING=True)
    from tests.conftest import Actions

    actions = Actions(app.test_client(), db_path)
    actions.login("Awa")
    for url in (
        "/sell",
        "/till",
        "/dashboard",
        "/accounts",
        "/accounts/shares",
        "/prices",
        "/stock",
        "/admin/settings",
        "/admin/catalogue",
    ):
        assert actions.client.get(url).status_code == 200, url


def test_settings_read_again_see_every_change_and_are_the_callers_own(db):
    """The checked settings are kept while their rows stay the same (pos.db.coop._readable):
    a change is seen at the next read, a caller's edit never reaches another caller, and a
    payment method registered meanwhile brings its account's default."""
    from pos import payment_methods
    from pos.payment_methods import PaymentMethod

    first = coop.load_settings(db)
    first["brand"] = "changed by a caller"
    assert coop.load_settings(db)["brand"] != "changed by a caller"
    coop.save_settings(db, {"brand": "Les Kokedamas"})
    assert coop.load_settings(db)["brand"] == "Les Kokedamas"
    coop.save_settings(db, {"idle_minutes": "not a number"})
    assert coop.load_settings(db)["idle_minutes"] == DEFAULTS["idle_minutes"]
    assert "account_token_test" not in coop.load_settings(db)
    payment_methods.register(PaymentMethod("token_test", "Jeton", "account_token_test", "4192"))
    try:
        assert coop.load_settings(db)["account_token_test"] == "4192"
    finally:
        payment_methods.unregister("token_test")
    assert "account_token_test" not in coop.load_settings(db)
