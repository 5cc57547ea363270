"""Wrong PINs, per scope: a try is counted and checked in one atomic step.

A try is reserved (counted as a failure) inside the write transaction that checks the delay,
before the PIN itself is compared; a right PIN then gives the try back. So a burst of
concurrent wrong PINs can never get more tries than the rule allows, and the slow PIN hash
is never computed under the write lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from pos import clock
from pos import members as rules
from pos.db import transaction

Scope = tuple[str, int]  # (scope, free tries)


def member_scope(member_id: int, device: str | None) -> Scope:
    """The member's own count: on a device they logged in from before, that device's count."""
    if device:
        return (f"trusted:{member_id}:{device}", rules.FREE_TRIES)
    return (f"member:{member_id}", rules.FREE_TRIES)


def device_scope(address: str) -> Scope:
    """The count of a device address, all members together."""
    return (f"device:{address}", rules.DEVICE_FREE_TRIES)


def _state(db: Database, scope: str, now: datetime) -> tuple[int, str | None]:
    row = db.execute(
        "SELECT failures, delayed_until, last_failure_at FROM pin_throttle WHERE scope = ?",
        [scope],
    ).fetchone()
    if row is None or rules.forgotten(row[2], now):
        return 0, None
    return row[0], row[1]


def wait_and_tries(db: Database, scopes: list[Scope]) -> tuple[int, int]:
    """(seconds to wait, tries left before a delay) for these scopes, without counting a try."""
    now = clock.now()
    states = [(_state(db, scope, now), free) for scope, free in scopes]
    wait = max(rules.seconds_until(until, now) for (_f, until), _free in states)
    left = min(rules.tries_left(failures, free) for (failures, _u), free in states)
    return wait, left


def reserve_try(db: Database, scopes: list[Scope]) -> tuple[int, int, int]:
    """Atomically: (wait, 0, 0) if a scope must wait, else count a failure on each scope and
    return (0, tries left, seconds of delay) as they stand should this PIN be wrong."""
    with transaction(db):
        now = clock.now()
        wait, _left = wait_and_tries(db, scopes)
        if wait:
            return wait, 0, 0
        left, longest = rules.MAX_DELAY, 0
        for scope, free in scopes:
            failures = _state(db, scope, now)[0] + 1
            delay = rules.delay_after(failures, free)
            until = (now + timedelta(seconds=delay)).isoformat() if delay else None
            db.execute(
                "INSERT INTO pin_throttle(scope, failures, delayed_until, last_failure_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET"
                " failures = excluded.failures, delayed_until = excluded.delayed_until,"
                " last_failure_at = excluded.last_failure_at",
                [scope, failures, until, now.isoformat()],
            )
            left, longest = min(left, rules.tries_left(failures, free)), max(longest, delay)
        return 0, left, longest


def give_back(db: Database, member: Scope, device: Scope) -> None:
    """A right PIN: the member's count starts again; the device gets its try back."""
    with transaction(db):
        db.execute("DELETE FROM pin_throttle WHERE scope = ?", [member[0]])
        failures = db.execute(
            "SELECT failures FROM pin_throttle WHERE scope = ?", [device[0]]
        ).fetchone()
        if failures:
            left = max(0, failures[0] - 1)
            clear = rules.delay_after(left, device[1]) == 0
            db.execute(
                "UPDATE pin_throttle SET failures = ?,"
                " delayed_until = CASE WHEN ? THEN NULL ELSE delayed_until END WHERE scope = ?",
                [left, clear, device[0]],
            )


def unlock_member(db: Database, member_id: int) -> None:
    """An admin (or `pos member unlock`) clears a member's delays on every device."""
    with transaction(db):
        db.execute(
            "DELETE FROM pin_throttle WHERE scope = ? OR scope LIKE ?",
            [f"member:{member_id}", f"trusted:{member_id}:%"],
        )


def unlock_all_devices(db: Database) -> None:
    """Clear every device's delay (an admin who knows the tablets are safe again)."""
    with transaction(db):
        db.execute("DELETE FROM pin_throttle WHERE scope LIKE 'device:%'")
