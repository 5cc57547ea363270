"""Queries for the coop itself: settings, members, API tokens."""

from __future__ import annotations

import time

from sqlite_utils import Database

from pos import clock
from pos import members as rules
from pos.db import now_iso, query, transaction
from pos.settings import DEFAULTS


def load_settings(db: Database) -> dict[str, str]:
    """All settings, defaults filled in."""
    stored = dict(db.conn.execute("SELECT key, value FROM settings"))  # one statement
    return {**DEFAULTS, **stored}


def save_settings(db: Database, values: dict[str, str]) -> None:
    """Store settings (upsert each key)."""
    with transaction(db):
        for key, value in values.items():
            db.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, str(value)],
            )


def insert_member(db: Database, name: str, pin: str, role: str = "member") -> int:
    """Add a member with a hashed PIN; return its id."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO members(name, role, pin_hash, created_at) VALUES (?, ?, ?, ?)",
            [name.strip(), role, rules.hash_pin(pin), now_iso()],
        )
        return cursor.lastrowid


def list_members(db: Database, *, active_only: bool = True) -> list[dict]:
    """Members by name (the login screen's buttons)."""
    where = "WHERE active = 1" if active_only else ""
    return list(query(db, f"SELECT * FROM members {where} ORDER BY name COLLATE NOCASE"))


def get_member(db: Database, member_id: int) -> dict | None:
    """One member by id, or None."""
    rows = list(query(db, "SELECT * FROM members WHERE id = ?", [member_id]))
    return rows[0] if rows else None


def record_pin_failure(db: Database, member_id: int) -> dict:
    """Count a wrong PIN and lock the member when the rule says so; return the member."""
    with transaction(db):
        db.execute("UPDATE members SET failed_pins = failed_pins + 1 WHERE id = ?", [member_id])
        member = get_member(db, member_id)
        locked = rules.lock_after_failure(member["failed_pins"], clock.now())
        if locked:
            db.execute("UPDATE members SET locked_until = ? WHERE id = ?", [locked, member_id])
        return get_member(db, member_id)


def clear_pin_failures(db: Database, member_id: int) -> None:
    """A right PIN (or an admin) clears the failures and any lock."""
    with transaction(db):
        db.execute(
            "UPDATE members SET failed_pins = 0, locked_until = NULL WHERE id = ?", [member_id]
        )


def insert_token(db: Database, name: str) -> str:
    """Create an API token; return it in clear (the only time it is shown)."""
    token = rules.new_token()
    with transaction(db):
        db.execute(
            "INSERT INTO tokens(name, token_hash, created_at) VALUES (?, ?, ?)",
            [name, rules.hash_token(token), now_iso()],
        )
    return token


TOKEN_CACHE_SECONDS = 10.0
_known_tokens: dict[str, float] = {}  # token hash -> until when it is taken as valid


def token_is_valid(db: Database, token: str) -> bool:
    """Whether a bearer token is known and not revoked (remembered for a few seconds)."""
    digest = rules.hash_token(token)
    if _known_tokens.get(digest, 0.0) > time.monotonic():
        return True
    row = db.execute(
        "SELECT 1 FROM tokens WHERE token_hash = ? AND revoked_at IS NULL", [digest]
    ).fetchone()
    if row:
        _known_tokens[digest] = time.monotonic() + TOKEN_CACHE_SECONDS
    return row is not None


def list_tokens(db: Database) -> list[dict]:
    """API tokens, without their secret."""
    return list(query(db, "SELECT id, name, created_at, revoked_at FROM tokens ORDER BY id"))


def revoke_token(db: Database, token_id: int) -> None:
    """Revoke a token for good."""
    with transaction(db):
        db.execute("UPDATE tokens SET revoked_at = ? WHERE id = ?", [now_iso(), token_id])
    _known_tokens.clear()  # revoked here: refused at once (another process: within 10 s)
