"""The till: a day opened with its float, its movements, counts and handovers, its X, its Z.

The queries live in modules named for what they hold: `pos/db/days.py` (the open day, cash
movements, counts, handovers, the X) and `pos/db/closures.py` (the Z, monthly and yearly
closures); opening a day is here, since it also closes the periods that have ended. Every name
is read from `pos.db.till` too (`store.close_day`, `from pos.db.till import current_day`).
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from pos import till
from pos.db import chains, now_iso, transaction
from pos.db.closures import (
    CLOSURE_KEYS,
    CLOSURE_KINDS,
    close_day,
    close_periods,
    closure_entry,
    day_periods,
    get_closure,
    last_closure,
    list_closures,
    verify_closures,
)
from pos.db.days import (
    add_movement,
    current_count,
    current_day,
    day_counts,
    day_entries,
    day_report,
    day_status,
    get_count,
    get_x_report,
    grand_total,
    handovers_of,
    member_as_stored,
    movements,
    record_count,
    record_handover,
    require_open_day,
    x_report,
)
from pos.db.events import log_event
from pos.errors import TillAlreadyOpen
from pos.i18n import N_

__all__ = [
    "CLOSURE_KEYS",
    "CLOSURE_KINDS",
    "add_movement",
    "close_day",
    "close_periods",
    "closure_entry",
    "current_count",
    "current_day",
    "day_counts",
    "day_entries",
    "day_periods",
    "day_report",
    "day_status",
    "get_closure",
    "get_count",
    "get_x_report",
    "grand_total",
    "handovers_of",
    "last_closure",
    "list_closures",
    "member_as_stored",
    "movements",
    "open_day",
    "record_count",
    "record_handover",
    "require_open_day",
    "verify_closures",
    "x_report",
]


def open_day(db: Database, member: dict | None, counts: dict[int, int]) -> int:
    """Open the till with a float counted by denomination."""
    with transaction(db):
        if current_day(db):
            raise TillAlreadyOpen(N_("La caisse est déjà ouverte."))
        day_id = (
            db["till_days"]
            .insert(
                {
                    "opened_at": now_iso(),
                    "opened_by": member and member["id"],
                    "float_counts": json.dumps({str(k): v for k, v in counts.items()}),
                    "float_total": till.count_total(counts),
                }
            )
            .last_pk
        )
        chains.seal(db, "till_days")
        log_event(db, "till_opened", member, float_total=till.count_total(counts))
        close_periods(db)
        return day_id
