"""Queries for the coop itself: settings, members, API tokens."""

from __future__ import annotations

import functools

from sqlite_utils import Database

from pos import members as rules
from pos.db import now_iso, query, transaction
from pos.fec import account_defaults
from pos.settings import readable


def load_settings(db: Database) -> dict[str, str]:
    """All settings, defaults filled in (a copy: the caller may change it)."""
    stored = tuple(db.conn.execute("SELECT key, value FROM settings ORDER BY key"))
    return dict(_readable(stored, tuple(account_defaults().items())))


@functools.lru_cache(maxsize=8)
def _readable(stored: tuple, accounts: tuple) -> dict[str, str]:
    """What `readable` makes of these rows, checked once while they and the payment methods'
    accounts (its defaults) stay the same: every request reads the settings, which change a
    few times a week."""
    return readable(dict(stored))  # a bad stored value never stops a page: its default is used


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
    where = "WHERE m.active = 1" if active_only else ""
    return list(query(db, f"{_MEMBERS} {where} ORDER BY m.name COLLATE NOCASE"))


# A member's wrong PINs (and the delay they earned) come from the throttle, their one home.
_MEMBERS = (
    "SELECT m.id, m.name, m.role, m.pin_hash, m.active, m.created_at,"
    " coalesce(t.failures, 0) AS failed_pins, t.delayed_until AS locked_until"
    " FROM members m LEFT JOIN pin_throttle t ON t.scope = 'member:' || m.id"
)


def get_member(db: Database, member_id: int) -> dict | None:
    """One member by id, or None."""
    rows = list(query(db, f"{_MEMBERS} WHERE m.id = ?", [member_id]))
    return rows[0] if rows else None


def insert_token(
    db: Database, name: str, scopes: tuple[str, ...] = rules.DEFAULT_TOKEN_SCOPES
) -> str:
    """Create an API token with its scopes; return it in clear (the only time it is shown)."""
    token = rules.new_token()
    with transaction(db):
        db.execute(
            "INSERT INTO tokens(name, token_hash, created_at, scopes) VALUES (?, ?, ?, ?)",
            [name, rules.hash_token(token), now_iso(), ",".join(scopes)],
        )
    return token


def token_scopes(db: Database, token: str) -> tuple[str, ...] | None:
    """A live token's scopes, None when unknown or revoked (read each time: a revoked
    token is refused at once, whichever process revoked it)."""
    row = db.execute(
        "SELECT scopes FROM tokens WHERE token_hash = ? AND revoked_at IS NULL",
        [rules.hash_token(token)],
    ).fetchone()
    return tuple(row[0].split(",")) if row else None


def token_is_valid(db: Database, token: str) -> bool:
    """Whether a bearer token is known and not revoked."""
    return token_scopes(db, token) is not None


def list_tokens(db: Database) -> list[dict]:
    """API tokens, without their secret."""
    return list(
        query(db, "SELECT id, name, scopes, created_at, revoked_at FROM tokens ORDER BY id")
    )


def revoke_token(db: Database, token_id: int) -> bool:
    """Revoke a token for good; False when there is no such live token."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [now_iso(), token_id],
        )
    return cursor.rowcount > 0
