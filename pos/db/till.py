"""Queries for the till: open a day, cash movements, handovers, the Z closure."""

from __future__ import annotations

import json

from sqlite_utils import Database

from pos import booking, clock, journal, till
from pos.db import now_iso, query, transaction
from pos.db.events import log_event
from pos.errors import InvalidInput, TillAlreadyOpen, TillClosed
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
        log_event(db, "till_opened", member, float_total=till.count_total(counts))
        close_periods(db)
        return day_id


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
        return (
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


def record_handover(
    db: Database, from_member: dict | None, to_member: dict, counts: dict[int, int] | None
) -> dict:
    """A member hands the till to another; an optional count is kept beside the expected cash."""
    with transaction(db):
        day = require_open_day(db)
        expected = day_status(db, day)["expected_cash"]
        counted = till.count_total(counts) if counts else None
        db["handovers"].insert(
            {
                "day_id": day["id"],
                "from_member": from_member and from_member["id"],
                "to_member": to_member["id"],
                "expected": expected,
                "counted": counted,
                "counts": json.dumps({str(k): v for k, v in counts.items()}) if counts else None,
                "created_at": now_iso(),
            }
        )
        return {"expected": expected, "counted": counted}


def last_closure(db: Database) -> dict | None:
    """The most recent closure of any kind (the chain's tip)."""
    rows = list(query(db, "SELECT * FROM closures ORDER BY number DESC LIMIT 1"))
    return rows[0] if rows else None


def grand_total(db: Database) -> int:
    """The perpetual grand total: every sale's net total since the coop began."""
    return db.execute("SELECT coalesce(sum(total), 0) FROM sales").fetchone()[0]


CLOSURE_KEYS = (
    "number",
    "kind",
    "period",
    "day_id",
    "created_at",
    "member_id",
    "member",
    "totals",
    "float_total",
    "expected_cash",
    "counted_cash",
    "counts",
    "difference",
    "reason",
    "grand_total",
)
CLOSURE_KINDS = {"day": "Z du jour", "month": "Clôture mensuelle", "year": "Clôture annuelle"}


def close_day(
    db: Database, member: dict, counts: dict[int, int], reason: str, threshold: int, signer=None
) -> int:
    """The Z: count, compare, explain a difference, and fix the day's totals for good."""
    reason = " ".join(reason.split())
    with transaction(db):
        day = require_open_day(db)
        status = day_status(db, day)
        counted = till.count_total(counts)
        difference = counted - status["expected_cash"]
        if till.difference_needs_reason(difference, threshold) and not reason:
            raise InvalidInput(N_("Expliquez l'écart de caisse avant de clôturer."), field="reason")
        number = _insert_closure(
            db,
            {
                "kind": "day",
                "period": clock.local(day["opened_at"]).date().isoformat(),
                "day_id": day["id"],
                "member_id": member["id"],
                "member": member["name"],
                "totals": json.dumps(status["totals"].as_dict()),
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
        log_event(db, "closure", member, number=number, period_kind="day", difference=difference)
        close_periods(db, signer)
        return number


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


def closure_entry(closure: dict) -> dict:
    """What a closure's hash covers."""
    return {k: closure[k] for k in CLOSURE_KEYS}


def get_closure(db: Database, number: int) -> dict | None:
    """One closure with its totals decoded."""
    rows = list(query(db, "SELECT * FROM closures WHERE number = ?", [number]))
    if not rows:
        return None
    closure = rows[0]
    closure["data"] = json.loads(closure["totals"])
    closure["count_data"] = json.loads(closure["counts"] or "{}")
    return closure


def list_closures(db: Database) -> list[dict]:
    """Closures, newest first."""
    return list(query(db, "SELECT * FROM closures ORDER BY number DESC"))


def verify_signatures(db: Database, db_path) -> str | None:
    """The first closure whose Ed25519 signature does not match the coop's public key."""
    from pos import signing

    public = signing.key_paths(db_path)[1]
    rows = list(query(db, "SELECT number, hash, signature FROM closures ORDER BY number"))
    if not rows:
        return None
    if not public.exists():
        return f"clôture n° {rows[0]['number']} (clé publique {public.name} introuvable)"
    pem = public.read_bytes()
    for row in rows:
        if not signing.verify(pem, row["hash"].encode(), row["signature"]):
            return f"clôture n° {row['number']} (signature invalide)"
    return None


def verify_closures(db: Database) -> str | None:
    """The first closure whose chained hash does not match, or None."""
    entries = (
        (f"clôture n° {c['number']}", c["hash"], closure_entry(c))
        for c in query(db, "SELECT * FROM closures ORDER BY number")
    )
    return journal.first_break(entries)
