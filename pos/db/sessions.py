"""Sessions kept on the server: a cookie names one, logging out ends it for good."""

from __future__ import annotations

import hashlib
import secrets

from sqlite_utils import Database

from pos.db import now_iso, query, transaction
from pos.db.coop import _MEMBERS


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: Database, member_id: int) -> str:
    """A new session for a member; return the random id the cookie carries."""
    session_id = secrets.token_urlsafe(32)
    with transaction(db):
        db.execute(
            "INSERT INTO web_sessions(id, member_id, created_at) VALUES (?, ?, ?)",
            [_key(session_id), member_id, now_iso()],
        )
    return session_id


def session_member(db: Database, session_id: str, member_id: int) -> dict | None:
    """The member of this session if it is live and theirs (one query per request), else None."""
    rows = list(
        query(
            db,
            f"{_MEMBERS} JOIN web_sessions s ON s.member_id = m.id"
            " WHERE m.id = ? AND s.id = ? AND s.ended_at IS NULL",
            [member_id, _key(session_id)],
        )
    )
    return rows[0] if rows else None


def end_session(db: Database, session_id: str) -> None:
    """End one session (logout, handover): its cookie is refused from now on."""
    with transaction(db):
        db.execute(
            "UPDATE web_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
            [now_iso(), _key(session_id)],
        )


def end_all_sessions(db: Database) -> int:
    """End every session on every device; return how many were live."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE web_sessions SET ended_at = ? WHERE ended_at IS NULL", [now_iso()]
        )
    return cursor.rowcount
