"""Queries for the open till day: cash movements, what the drawer should hold, counts and
handovers, the day's figures and the X report.

Opening a day is `pos/db/till.py` (it closes finished periods, `pos/db/closures.py`); every
name here is also read from `pos.db.till`, as callers always have.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from pos import booking, clock, till
from pos.db import chains, coop, now_iso, query, transaction
from pos.db.events import log_event
from pos.errors import (
    ClosingNotAllowed,
    CountOutdated,
    InvalidInput,
    TillClosed,
)
from pos.i18n import N_


def current_day(db: Database) -> dict | None:
    """The open till day, if any."""
    rows = list(query(db, "SELECT * FROM till_days WHERE closed_at IS NULL"))
    return rows[0] if rows else None


def require_open_day(db: Database) -> dict:
    """The open day, or TillClosed."""
    day = current_day(db)
    if day is None:
        raise TillClosed()
    return day


def add_movement(
    db: Database,
    amount: int,
    reason: str,
    member: dict | None,
    *,
    kind: str = "other",
    method: str = "cash",
    party_id: int | None = None,
) -> int:
    """Cash in (positive) or out (negative) of the drawer, with its reason and kind.

    kind (pos.booking): expense, swap (no effect), deposit (cash, cheque or card slips to the
    bank), member_in / member_out (party_id: the member), float, repayment, other.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(
            N_("Indiquez la raison du mouvement (ex. : paiement de la place)."), field="reason"
        )
    if not amount:
        raise InvalidInput(N_("Indiquez un montant différent de zéro."), field="amount")
    with transaction(db):
        day = require_open_day(db)
        effect = booking.drawer_effect(kind, method, amount)
        if effect < 0 and day_status(db, day)["expected_cash"] + effect < 0:
            raise InvalidInput(
                N_("Il n'y a pas assez d'espèces dans la caisse pour cette sortie."),
                field="amount",
            )
        movement_id = (
            db["cash_movements"]
            .insert(
                {
                    "day_id": day["id"],
                    "amount": amount,
                    "reason": reason[:120],
                    "member_id": member and member["id"],
                    "created_at": now_iso(),
                    "kind": kind,
                    "method": method,
                    "party_id": party_id,
                }
            )
            .last_pk
        )
        chains.seal(db, "cash_movements")
        return movement_id


def movements(db: Database, day_id: int) -> list[dict]:
    """The day's cash movements."""
    return list(
        query(
            db,
            "SELECT m.*, coalesce(mb.name, '') AS member FROM cash_movements m "
            "LEFT JOIN members mb ON mb.id = m.member_id WHERE day_id = ? ORDER BY m.id",
            [day_id],
        )
    )


def day_entries(db: Database, day_id: int) -> list[dict]:
    """The day's journal entries with their lines and payments."""
    entries = list(query(db, "SELECT * FROM sales WHERE day_id = ? ORDER BY number", [day_id]))
    by_id = {e["id"]: e for e in entries}
    for e in entries:
        e["lines"], e["payments"] = [], []
    for line in query(
        db,
        "SELECT l.* FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
        "WHERE s.day_id = ? ORDER BY l.sale_id, l.position",
        [day_id],
    ):
        by_id[line["sale_id"]]["lines"].append(line)
    for pay in query(
        db,
        "SELECT p.* FROM payments p JOIN sales s ON s.id = p.sale_id "
        "WHERE s.day_id = ? ORDER BY p.id",
        [day_id],
    ):
        by_id[pay["sale_id"]]["payments"].append(pay)
    return entries


def day_status(db: Database, day: dict) -> dict:
    """Float, movements, totals and the cash expected in the drawer now."""
    entries = day_entries(db, day["id"])
    moves = movements(db, day["id"])
    return {
        "day": day,
        "movements": moves,
        "totals": till.day_totals(entries),
        "expected_cash": till.expected_cash(
            day["float_total"],
            entries,
            [booking.drawer_effect(m["kind"], m["method"], m["amount"]) for m in moves],
        ),
    }


def handovers_of(db: Database, day_id: int) -> list[dict]:
    """The day's handovers in order, with the members' names and, for a counted one, the first
    count made for it (a recount after seeing the difference does not erase it)."""
    rows = list(
        query(
            db,
            "SELECT h.*, coalesce(f.name, '') AS from_name, coalesce(t.name, '') AS to_name "
            "FROM handovers h LEFT JOIN members f ON f.id = h.from_member "
            "LEFT JOIN members t ON t.id = h.to_member WHERE h.day_id = ? ORDER BY h.id",
            [day_id],
        )
    )
    counts = day_counts(db, day_id, "handover")
    after = 0
    for row in rows:
        if row["count_id"]:
            made = [c for c in counts if after < c["id"] <= row["count_id"]]
            row["first_counted"], row["first_expected"] = made[0]["counted"], made[0]["expected"]
            after = row["count_id"]
    return rows


def record_count(db: Database, member: dict | None, purpose: str, counts: dict[int, int]) -> dict:
    """A count confirmed at a handover or at the close, beside the cash expected right now."""
    with transaction(db):
        day = require_open_day(db)
        row = {
            "day_id": day["id"],
            "purpose": purpose,
            "member_id": member and member["id"],
            "counts": json.dumps({str(k): v for k, v in counts.items()}),
            "counted": till.count_total(counts),
            "expected": day_status(db, day)["expected_cash"],
            "created_at": now_iso(),
        }
        row["id"] = db["cash_counts"].insert(row).last_pk
        return row


def get_count(db: Database, count_id: int) -> dict | None:
    """One confirmed count, its denominations decoded."""
    rows = list(query(db, "SELECT * FROM cash_counts WHERE id = ?", [count_id]))
    if not rows:
        return None
    return {**rows[0], "count_data": {int(k): v for k, v in json.loads(rows[0]["counts"]).items()}}


def day_counts(db: Database, day_id: int, purpose: str) -> list[dict]:
    """The day's confirmed counts for a handover or the close, oldest first."""
    return list(
        query(
            db,
            "SELECT * FROM cash_counts WHERE day_id = ? AND purpose = ? ORDER BY id",
            [day_id, purpose],
        )
    )


def current_count(db: Database, day: dict, count_id: int, purpose: str) -> dict:
    """A count of this day still true: no sale nor movement changed the cash since."""
    found = get_count(db, count_id)
    if found is None or found["day_id"] != day["id"] or found["purpose"] != purpose:
        raise InvalidInput(N_("Ce comptage n'est pas celui de la caisse ouverte : recomptez."))
    if found["expected"] != day_status(db, day)["expected_cash"]:
        raise CountOutdated()
    return found


def record_handover(
    db: Database,
    from_member: dict | None,
    to_member: dict,
    counts: dict[int, int] | None,
    *,
    count_id: int | None = None,
) -> dict:
    """A member hands the till to another, with the count they confirmed (or counts, or none)."""
    with transaction(db):
        day = require_open_day(db)
        if count_id is None and counts:
            count_id = record_count(db, from_member, "handover", counts)["id"]
        count = current_count(db, day, count_id, "handover") if count_id else None
        expected = day_status(db, day)["expected_cash"]
        db["handovers"].insert(
            {
                "day_id": day["id"],
                "from_member": from_member and from_member["id"],
                "to_member": to_member["id"],
                "expected": expected,
                "counted": count and count["counted"],
                "counts": count and count["counts"],
                "created_at": now_iso(),
                "count_id": count_id,
            }
        )
        return {"expected": expected, "counted": count and count["counted"]}


def day_report(db: Database, day: dict, close: dict | None = None) -> dict:
    """The day's figures as the Z keeps them and the X prints them (pos.till.day_report)."""
    opener = db.execute("SELECT name FROM members WHERE id = ?", [day["opened_by"]]).fetchone()
    return till.day_report(
        {**day, "opener": opener[0] if opener else ""},
        day_entries(db, day["id"]),
        movements(db, day["id"]),
        handovers_of(db, day["id"]),
        close,
    )


def x_report(db: Database, member: dict) -> int:
    """A point de caisse (X): the open day's figures now, as the Z would state them, kept as an
    event (its number is the X's); the day stays open."""
    with transaction(db):
        day = require_open_day(db)
        if not till.may_close_day(member_as_stored(db, member), coop.load_settings(db)):
            raise ClosingNotAllowed()
        report = {
            "kind": "x",
            "period": clock.local(day["opened_at"]).date().isoformat(),
            "day_id": day["id"],
            "created_at": now_iso(),
            "member": member["name"],
            "data": day_report(db, day),
            "float_total": day["float_total"],
            "expected_cash": day_status(db, day)["expected_cash"],
            "grand_total": grand_total(db),
        }
        return log_event(db, "x_report", member, report=report)


def get_x_report(db: Database, number: int) -> dict | None:
    """One X as it was made (from its event), numbered by its event."""
    row = db.execute(
        "SELECT details FROM events WHERE number = ? AND kind = 'x_report'", [number]
    ).fetchone()
    return {**json.loads(row[0])["report"], "number": number} if row else None


def grand_total(db: Database) -> int:
    """The perpetual grand total: every sale's net total since the coop began."""
    return db.execute("SELECT coalesce(sum(total), 0) FROM sales").fetchone()[0]


def member_as_stored(db: Database, member: dict | None) -> dict:
    """The member as the members table knows them (a caller's dict never grants a role)."""
    found = coop.get_member(db, member["id"]) if member and member.get("id") else None
    return found or {"id": None, "role": ""}
