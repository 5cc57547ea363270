"""The till's clock, and the one way moments are shown to people.

A Raspberry Pi has no battery clock: after a night unplugged it may believe it is yesterday.
Rather than touching the system clock, Étal keeps an offset (a setting) and reads time here.

Moments are stored in UTC (ISO 8601). People read them in the coop's time zone (the `timezone`
setting, Europe/Paris by default), never the server's own, in French form: 01/12/2026 21:30.
Every screen (the `when`, `day` and `hour` filters) and every paper (receipts, Z) goes through
`for_people`, `date_for_people` or `hour_for_people`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_ZONE = "Europe/Paris"
_offset = timedelta(0)
LOCAL = ZoneInfo(DEFAULT_ZONE)  # the coop's zone in force (set_zone); read as clock.LOCAL


def now() -> datetime:
    """The corrected current time, in UTC."""
    return datetime.now(UTC) + _offset


def set_offset(seconds: float) -> None:
    """Apply a correction (seconds to add to the machine's clock)."""
    global _offset
    _offset = timedelta(seconds=seconds)


def offset_seconds() -> float:
    """The correction in force."""
    return _offset.total_seconds()


@cache
def _zone_names() -> frozenset[str]:
    # "localtime" would be the server's own zone, which people never read.
    return frozenset(available_timezones()) - {"localtime", "Factory", "posixrules"}


def is_zone(name: str) -> bool:
    """Whether a name is an IANA time zone ("Europe/Paris", "Indian/Reunion")."""
    return name in _zone_names()


def zone_of(name: str | None) -> ZoneInfo:
    """The zone of a setting's value; the zone in force for an empty or unknown name."""
    return ZoneInfo(name) if name and is_zone(name) else LOCAL


def set_zone(name: str | None) -> None:
    """Make the coop's time zone (its setting) the one days and moments are read in."""
    global LOCAL
    LOCAL = ZoneInfo(name) if name and is_zone(name) else ZoneInfo(DEFAULT_ZONE)


def local_hour(utc_hour: str, zone: ZoneInfo | None = None) -> datetime:
    """The start of a stored UTC hour ("2025-06-14T08") in `zone`, by default the coop's zone
    in force: what day sums and exports read a stored time's local day and offset from (a
    zone's rules change on the hour at most). Kept per hour and zone: a zone changed in the
    settings is read anew (aware moments alone would not do as keys: the same instant in two
    zones is one key)."""
    return _hour_in(utc_hour, zone or LOCAL)


@lru_cache(maxsize=16_384)  # a market week is 168 hours
def _hour_in(utc_hour: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(utc_hour + ":00:00+00:00").astimezone(zone)


def local(moment: datetime | str, zone: str | None = None) -> datetime:
    """A moment in the coop's time zone (a naive moment is taken as UTC, as stored)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone_of(zone))


def start_of_local_day(moment: datetime) -> datetime:
    """Midnight of the moment's local day, in UTC."""
    day = local(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.astimezone(UTC)


def for_people(moment: datetime | str | None, zone: str | None = None) -> str:
    """A moment as people read it: "01/12/2026 21:30" in the coop's zone ("" for none)."""
    if not moment:
        return ""
    return local(moment, zone).strftime("%d/%m/%Y %H:%M")


def hour_for_people(moment: datetime | str | None, zone: str | None = None) -> str:
    """The time of day of a moment, for lists of one day: "21:30" ("" for none)."""
    if not moment:
        return ""
    return local(moment, zone).strftime("%H:%M")


def date_for_people(value: date | datetime | str | None, zone: str | None = None) -> str:
    """A day as people read it: "01/12/2026"; a moment gives its local day ("" for none).

    A plain day ("2026-12-01", a date) is a calendar day already: no zone applies to it.
    """
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = local(value, zone).date()
    return value.strftime("%d/%m/%Y")


def period_for_people(period: str | date) -> str:
    """A closure's period as people read it: a day "01/12/2026", a month "12/2026", a year."""
    if isinstance(period, date):
        return date_for_people(period)
    period = str(period or "")
    if len(period) == 10:
        return date_for_people(period)
    if len(period) == 7 and period[4] == "-":
        return f"{period[5:]}/{period[:4]}"
    return period
