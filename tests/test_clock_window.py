"""The clock correction stays within a sane window; a bad stored offset never stops Étal (#15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pos import clock
from pos.clock_window import NeedsConfirmation, check_correction, stored_offset
from pos.db import coop
from pos.web.app import create_app


@pytest.fixture(autouse=True)
def _clock_back():
    yield
    clock.set_offset(0)


def ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def offset(db) -> str:
    row = db.execute("SELECT value FROM settings WHERE key = 'clock_offset'").fetchone()
    return row[0] if row else "0"


@pytest.mark.parametrize("year", [1, 1999, 2100, 9999])
def test_a_tablet_out_of_any_plausible_year_is_refused(year):
    assert check_correction(datetime(year, 6, 1, tzinfo=UTC), None, confirmed=True)


def test_not_before_the_last_entry_and_not_far_ahead_without_confirmation():
    last = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert "avant la dernière écriture" in check_correction(
        last - timedelta(hours=1), last, confirmed=True
    )
    assert check_correction(last + timedelta(hours=2), last, confirmed=False) is None
    with pytest.raises(NeedsConfirmation):
        check_correction(last + timedelta(days=5), last, confirmed=False)
    assert check_correction(last + timedelta(days=5), last, confirmed=True) is None


def test_year_10000_from_a_tablet_is_refused_and_nothing_changes(actions, client, db):
    actions.login("Awa")
    answer = actions.post("/till/clock", {"tablet_ms": "253402300800000"}, htmx=False)
    assert answer.status_code in (400, 422) and "plausible" in answer.get_data(as_text=True)
    assert offset(db) == "0" and clock.offset_seconds() == 0
    assert client.get("/sell").status_code == 200


def test_a_time_before_the_last_sale_is_refused(actions, db):
    actions.login("Awa")
    actions.sell(1)
    answer = actions.post(
        "/till/clock", {"tablet_ms": ms(clock.now() - timedelta(hours=3))}, htmx=False
    )
    assert answer.status_code in (400, 422) and "avant la dernière écriture" in answer.get_data(
        True
    )
    assert offset(db) == "0"


def test_days_ahead_of_the_last_sale_need_a_confirmation(actions, db):
    actions.login("Awa")
    actions.sell(1)
    later = ms(clock.now() + timedelta(days=5))
    asked = actions.post("/till/clock", {"tablet_ms": later}, htmx=False)
    assert asked.status_code == 409 and "Je confirme" in asked.get_data(as_text=True)
    assert offset(db) == "0"
    done = actions.post("/till/clock", {"tablet_ms": later, "confirm": "1"}, htmx=False)
    assert done.status_code == 302 and abs(float(offset(db)) - 5 * 86400) < 60


@pytest.mark.parametrize("stored", ["abc", "nan", "inf", "-inf", "1e300", "99999999999999"])
def test_a_bad_stored_offset_never_stops_the_server(db, db_path, stored):
    coop.save_settings(db, {"clock_offset": stored})
    assert stored_offset(stored) == 0
    app = create_app(db_path, TESTING=True)
    assert app.test_client().get("/login").status_code == 200
    assert clock.offset_seconds() == 0
