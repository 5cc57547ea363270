"""Queries for the closures: the Z of a till day, the monthly and yearly closures, their
chain and signature.

A Z is refused here, before anything is written, when `till.close_refusals` says so: who may
close it and a second Z in one calendar day are the store's rule, whatever path asks.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from pos import clock, journal, till
from pos.db import chains, coop, now_iso, query, transaction
from pos.db.days import (
    current_count,
    day_counts,
    day_report,
    day_status,
    grand_total,
    member_as_stored,
    record_count,
    require_open_day,
)
from pos.db.events import log_event
from pos.errors import ClosingNotAllowed, InvalidInput
from pos.i18n import N_


def last_closure(db: Database) -> dict | None:
    """The most recent closure of any kind (the chain's tip)."""
    rows = list(query(db, "SELECT * FROM closures ORDER BY number DESC LIMIT 1"))
    return rows[0] if rows else None


CLOSURE_KEYS = journal.CLOSURE_KEYS  # what a closure's hash covers lives in pos/journal.py
CLOSURE_KINDS = {"day": "Z du jour", "month": "Clôture mensuelle", "year": "Clôture annuelle"}


def day_periods(db: Database) -> list[str]:
    """The calendar days (periods) of the Zs closed so far."""
    return [r[0] for r in db.execute("SELECT period FROM closures WHERE kind = 'day'")]


def close_day(
    db: Database,
    member: dict,
    counts: dict[int, int] | None,
    reason: str,
    threshold: int,
    signer=None,
    *,
    count_id: int | None = None,
    same_day_ok: bool = False,
    same_day_reason: str = "",
) -> int:
    """The Z: the count confirmed (`count_id`, or `counts` counted now), its difference
    explained above the threshold, and the day's totals fixed for good.

    Whoever asks (a screen, the CLI, a script), `till.close_refusals` decides first, from the
    members table and the settings as stored: an admin or an allowed member closes it, and a
    second Z on one calendar day needs `same_day_ok` and a `same_day_reason`.
    The Z keeps the last count and the first difference seen (a recount does not erase it).
    :raise ClosingNotAllowed: this member may not close the Z (nothing is written).
    :raise InvalidInput: a difference to explain, or a second Z of the day unconfirmed
        (`same_day_reason`); CountOutdated: the cash changed since the count.
    """
    reason = " ".join(reason.split())
    with transaction(db):
        day = require_open_day(db)
        _check_closer(db, member, day, same_day_ok, same_day_reason)
        status = day_status(db, day)
        if count_id is None:
            count_id = record_count(db, member, "close", counts or {})["id"]
        count = current_count(db, day, count_id, "close")
        counts = count["count_data"]
        gap = till.cash_difference(count["counted"], status["expected_cash"], threshold)
        if gap.needs_reason and not reason:
            raise InvalidInput(N_("Expliquez l'écart de caisse avant de clôturer."), field="reason")
        counted, difference = gap.counted, gap.amount
        made = day_counts(db, day["id"], "close")
        close = {
            "member_id": member["id"],
            "member": member["name"],
            "created_at": now_iso(),
            "counted": counted,
            "expected": status["expected_cash"],
            "first_counted": made[0]["counted"],
            "first_expected": made[0]["expected"],
        }
        totals = {
            **day_report(db, day, close),
            "cash_up": {
                "first_counted": made[0]["counted"],
                "first_difference": till.cash_difference(
                    made[0]["counted"], made[0]["expected"]
                ).amount,
                "recounts": len(made) - 1,
                "same_day_reason": " ".join(same_day_reason.split())[:200],
                "x_reports": _x_reports_since(db, day["opened_at"]),
            },
        }
        number = _insert_closure(
            db,
            {
                "kind": "day",
                "period": clock.local(day["opened_at"]).date().isoformat(),
                "day_id": day["id"],
                "member_id": member["id"],
                "member": member["name"],
                "totals": json.dumps(totals),
                "float_total": day["float_total"],
                "expected_cash": status["expected_cash"],
                "counted_cash": counted,
                "counts": json.dumps({str(k): v for k, v in counts.items()}),
                "difference": difference,
                "reason": reason[:200],
                "grand_total": grand_total(db),
            },
            signer,
        )
        db.execute("UPDATE till_days SET closed_at = ? WHERE id = ?", [now_iso(), day["id"]])
        log_event(
            db,
            "closure",
            member,
            number=number,
            period_kind="day",
            difference=difference,
            first_difference=totals["cash_up"]["first_difference"],
            same_day_reason=totals["cash_up"]["same_day_reason"],
        )
        close_periods(db, signer)
        return number


def _check_closer(db: Database, member: dict, day: dict, ok: bool, why: str) -> None:
    """Refuse this Z before anything is written (the rule is `till.close_refusals`)."""
    refusals = till.close_refusals(
        member_as_stored(db, member),
        coop.load_settings(db),
        till.closures_on_day(clock.local(day["opened_at"]).date().isoformat(), day_periods(db)),
        ok,
        why,
    )
    if "member" in refusals:
        raise ClosingNotAllowed()
    if "same_day_reason" in refusals:
        raise InvalidInput(refusals["same_day_reason"], field="same_day_reason")


def _x_reports_since(db: Database, opened_at: str) -> int:
    """How many X reports were made since the day opened (the Z says so)."""
    return db.execute(
        "SELECT count(*) FROM events WHERE kind = 'x_report' AND created_at >= ?", [opened_at]
    ).fetchone()[0]


def _insert_closure(db: Database, closure: dict, signer) -> int:
    """Number, date, chain and sign a closure; insert it."""
    tip = last_closure(db)
    closure.setdefault("member_id", None)
    closure.setdefault("member", "")
    for key in ("day_id", "expected_cash", "counted_cash", "counts", "difference"):
        closure.setdefault(key, None)
    closure.setdefault("float_total", 0)
    closure.setdefault("reason", "")
    closure.update(
        number=(tip["number"] if tip else 0) + 1,
        created_at=now_iso(),
        prev_hash=tip["hash"] if tip else journal.GENESIS,
        tips=json.dumps(chains.tips(db), sort_keys=True),  # signed with the totals
    )
    closure["hash"] = journal.entry_hash(closure["prev_hash"], closure_entry(closure))
    closure["signature"] = (signer or _coop_signer(db))(closure["hash"].encode())
    db["closures"].insert(closure)
    return closure["number"]


def _coop_signer(db: Database):
    """Sign with the key pair kept beside this database file."""
    from pos import signing

    path = db.execute("PRAGMA database_list").fetchone()[2]
    return lambda data: signing.sign(path, data)


def close_periods(db: Database, signer=None) -> list[int]:
    """Close every finished month, then every finished year, that has days and no closure yet."""
    made = []
    with transaction(db):
        this_month = clock.local(clock.now()).strftime("%Y-%m")
        for kind, source, width, current in (
            ("month", "day", 7, this_month),
            ("year", "month", 4, this_month[:4]),
        ):
            done = {
                row[0] for row in db.execute("SELECT period FROM closures WHERE kind = ?", [kind])
            }
            parts: dict[str, list[dict]] = {}
            for row in query(
                db,
                "SELECT period, totals, grand_total FROM closures WHERE kind = ? ORDER BY number",
                [source],
            ):
                parts.setdefault(row["period"][:width], []).append(row)
            for period, rows in sorted(parts.items()):
                if period >= current or period in done:
                    continue
                totals = till.sum_totals([json.loads(r["totals"]) for r in rows])
                made.append(
                    _insert_closure(
                        db,
                        {
                            "kind": kind,
                            "period": period,
                            "totals": json.dumps(totals),
                            "grand_total": rows[-1]["grand_total"],
                        },
                        signer,
                    )
                )
                log_event(db, "closure", None, number=made[-1], period_kind=kind, period=period)
    return made


closure_entry = journal.closure_entry


def get_closure(db: Database, number: int) -> dict | None:
    """One closure with its totals decoded."""
    rows = list(query(db, "SELECT * FROM closures WHERE number = ?", [number]))
    if not rows:
        return None
    closure = rows[0]
    closure["data"] = json.loads(closure["totals"])
    closure["count_data"] = json.loads(closure["counts"] or "{}")
    closure["key_fingerprint"] = _key_fingerprint(db)
    return closure


def _key_fingerprint(db: Database) -> str:
    """The fingerprint of the public key beside this database ('' when there is none)."""
    from pos import signing

    public = signing.key_paths(db.execute("PRAGMA database_list").fetchone()[2])[1]
    return signing.fingerprint(public.read_bytes()) if public.is_file() else ""


def list_closures(db: Database) -> list[dict]:
    """Closures, newest first."""
    return list(query(db, "SELECT * FROM closures ORDER BY number DESC"))


def verify_closures(db: Database) -> str | None:
    """The first closure whose chained hash does not match, or None (see pos.db.chains)."""
    return chains.verify_closure_chain(db)
