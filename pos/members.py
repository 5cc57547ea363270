"""Members and their PINs: hashing, checking, and the lock after wrong tries."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

ROLES = ("admin", "member")
TRIES_BEFORE_LOCK = 5
LOCK_SECONDS = 60
TRIES_BEFORE_ADMIN_UNLOCK = 10
LOCKED_FOR_GOOD = "admin"


def pin_is_valid(pin: str) -> bool:
    """A PIN is 4 to 8 digits."""
    return pin.isdigit() and 4 <= len(pin) <= 8


def hash_pin(pin: str) -> str:
    """The stored form of a PIN (salted scrypt)."""
    # scrypt with N=4096 (4 MiB, ~10 ms): memory-hard enough for a PIN, light on a Pi Zero.
    return generate_password_hash(pin, method="scrypt:4096:8:1")


def pin_matches(pin_hash: str, pin: str) -> bool:
    """Whether the PIN typed matches the stored hash."""
    return check_password_hash(pin_hash, pin)


def lock_after_failure(failed: int, now: datetime) -> str | None:
    """When a member with this many failures is locked until (None: not locked)."""
    if failed >= TRIES_BEFORE_ADMIN_UNLOCK:
        return LOCKED_FOR_GOOD
    if failed and failed % TRIES_BEFORE_LOCK == 0:
        return (now + timedelta(seconds=LOCK_SECONDS)).isoformat()
    return None


def seconds_locked(locked_until: str | None, now: datetime) -> int | None:
    """Seconds left on a lock, None when free, -1 when only an admin can unlock."""
    if not locked_until:
        return None
    if locked_until == LOCKED_FOR_GOOD:
        return -1
    left = (datetime.fromisoformat(locked_until) - now).total_seconds()
    return int(left) + 1 if left > 0 else None


def new_token() -> str:
    """A fresh API token (shown once, stored hashed)."""
    return "etal_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of an API token (SHA-256: tokens are long and random)."""
    return hashlib.sha256(token.encode()).hexdigest()
