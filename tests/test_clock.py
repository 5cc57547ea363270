"""The people's clock: the coop's zone, French form, whatever the server's own zone."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from pos import clock
from pos.settings import check_settings

WINTER = "2026-12-01T20:30:00.000000+00:00"
SUMMER = "2026-07-01T19:30:00.000000+00:00"


@pytest.fixture
def server_in_tokyo(monkeypatch):
    """The machine's own zone is far from the coop's: it must never show."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.mark.parametrize("moment", [WINTER, SUMMER])
def test_a_moment_reads_in_paris_in_french(moment, server_in_tokyo):
    day = "01/12/2026" if moment == WINTER else "01/07/2026"
    assert clock.for_people(moment) == f"{day} 21:30"
    assert clock.for_people(datetime.fromisoformat(moment)) == f"{day} 21:30"
    assert clock.hour_for_people(moment) == "21:30"
    assert clock.date_for_people(moment) == day


def test_the_local_day_of_a_late_moment_is_the_next_day():
    assert clock.date_for_people("2026-12-01T23:30:00+00:00") == "02/12/2026"


def test_a_calendar_day_takes_no_zone():
    assert clock.date_for_people("2026-12-01") == "01/12/2026"
    assert clock.date_for_people(date(2026, 12, 1)) == "01/12/2026"
    assert clock.for_people(None) == "" and clock.date_for_people("") == ""


def test_periods_read_the_french_way():
    assert clock.period_for_people("2026-12-01") == "01/12/2026"
    assert clock.period_for_people("2026-12") == "12/2026"
    assert clock.period_for_people("2026") == "2026"


def test_the_coop_zone_is_a_setting():
    moment = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)
    assert clock.for_people(moment, "Indian/Reunion") == "02/12/2026 00:30"
    try:
        clock.set_zone("America/Martinique")
        assert clock.for_people(moment) == "01/12/2026 16:30"
        assert clock.start_of_local_day(moment) == datetime(2026, 12, 1, 4, tzinfo=UTC)
    finally:
        clock.set_zone(clock.DEFAULT_ZONE)
    assert clock.for_people(moment) == "01/12/2026 21:30"


BAD_ZONES = ["", "Paris", "Europe/Pariss", "localtime", "../etc/passwd", "UTC+1"]


@pytest.mark.parametrize("name", BAD_ZONES)
def test_an_unknown_zone_is_refused(name):
    assert check_settings({"timezone": name}).errors["timezone"].startswith("Indiquez un fuseau")


def test_a_known_zone_is_kept():
    checked = check_settings({"timezone": "Indian/Reunion"})
    assert "timezone" not in checked.errors and checked.values["timezone"] == "Indian/Reunion"


def test_the_settings_screen_changes_the_zone(client, actions, db):
    actions.login("Awa")
    response = actions.post("/admin/settings", {"timezone": "Indian/Reunion"}, htmx=False)
    assert response.status_code == 302
    try:
        assert db.execute("SELECT value FROM settings WHERE key = 'timezone'").fetchone() == (
            "Indian/Reunion",
        )
        assert clock.for_people(WINTER) == "02/12/2026 00:30"
        response = actions.post("/admin/settings", {"timezone": "Mars/Olympus"}, htmx=False)
        assert response.status_code == 422
        assert "Indiquez un fuseau horaire" in response.get_data(as_text=True)
    finally:
        clock.set_zone(clock.DEFAULT_ZONE)
