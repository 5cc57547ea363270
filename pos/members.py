"""Members and their PINs: hashing, checking, and the growing delays after wrong tries."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from werkzeug.security import check_password_hash, generate_password_hash

ROLES = ("admin", "member")
# Wrong PINs slow an attacker down but never lock anyone out: after the free tries each
# failure doubles the wait, which never exceeds a minute, so a member who stops typing wrong
# PINs can always log in within a minute. Failures are forgotten after a quiet quarter hour.
FREE_TRIES = 5  # per member (or per member on a device they logged in from before)
DEVICE_FREE_TRIES = 10  # per device, all members together: one member does not block others
FIRST_DELAY = 5
MAX_DELAY = 60
FORGET_AFTER = 15 * 60
TOKEN_SCOPES = ("sell", "refund", "read")
DEFAULT_TOKEN_SCOPES = ("sell", "read")
# scrypt with N=4096 (4 MiB, ~10 ms): memory-hard enough for a PIN, light on a Pi Zero.
# A stored hash carries its own cost; the tests store theirs at a lower one.
PIN_HASH_METHOD = "scrypt:4096:8:1"


def pin_is_valid(pin: str) -> bool:
    """A PIN is 4 to 8 ASCII digits."""
    return isinstance(pin, str) and pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8


def hash_pin(pin: str) -> str:
    """The stored form of a PIN (salted scrypt)."""
    return generate_password_hash(pin, method=PIN_HASH_METHOD)


def pin_matches(pin_hash: str, pin: str) -> bool:
    """Whether the PIN typed matches the stored hash."""
    return check_password_hash(pin_hash, pin)


def delay_after(failures: int, free: int) -> int:
    """Seconds to wait after this many failures: none within the free tries, then doubling, ≤ 60."""
    if failures < free:
        return 0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - free, 8))


def tries_left(failures: int, free: int) -> int:
    """Tries left before a delay."""
    return max(0, free - failures)


def seconds_until(moment: str | None, now: datetime) -> int:
    """Whole seconds (rounded up) until an ISO moment; 0 when it is past or unset."""
    if not moment:
        return 0
    try:
        left = (datetime.fromisoformat(moment) - now).total_seconds()
    except (ValueError, TypeError, OverflowError):
        return 0
    return min(MAX_DELAY, int(left) + 1) if left > 0 else 0


def forgotten(last_failure_at: str | None, now: datetime) -> bool:
    """Whether failures this old no longer count."""
    try:
        return (now - datetime.fromisoformat(last_failure_at)).total_seconds() > FORGET_AFTER
    except (ValueError, TypeError, OverflowError):
        return True


def parse_scopes(text: str) -> tuple[str, ...]:
    """Token scopes from "sell,read"; ValueError naming an unknown one."""
    scopes = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    unknown = [s for s in scopes if s not in TOKEN_SCOPES]
    if unknown or not scopes:
        raise ValueError(
            f"portée inconnue : {', '.join(unknown) or '(vide)'} (au choix : sell, refund, read)"
        )
    return scopes


def new_token() -> str:
    """A fresh API token (shown once, stored hashed)."""
    return "etal_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of an API token (SHA-256: tokens are long and random)."""
    return hashlib.sha256(token.encode()).hexdigest()
