"""The till's clock: the machine's time plus a correction an admin can set from a tablet.

A Raspberry Pi has no battery clock: after a night unplugged it may believe it is yesterday.
Rather than touching the system clock, Étal keeps an offset (a setting) and reads time here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_offset = timedelta(0)
LOCAL = ZoneInfo("Europe/Paris")


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


def local(moment: datetime | str) -> datetime:
    """A moment in the stall's time zone."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(LOCAL)


def start_of_local_day(moment: datetime) -> datetime:
    """Midnight of the moment's local day, in UTC."""
    day = local(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.astimezone(UTC)
