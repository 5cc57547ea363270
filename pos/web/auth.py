"""Login by tapping one's name and typing a PIN; roles; idle logout."""

from __future__ import annotations

import functools
import threading
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from pos import clock
from pos import members as rules
from pos.db import coop
from pos.db.events import log_event
from pos.web.db import get_db, get_settings
from pos.web.render import page

bp = Blueprint("auth", __name__)


class FailureWindow:
    """At most `limit` wrong PINs per `seconds` from one device address (in memory)."""

    def __init__(self, limit: int = 5, seconds: int = 60):
        self.limit, self.seconds = limit, seconds
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def fail(self, address: str) -> None:
        """Count a wrong PIN from this address."""
        with self.lock:
            self.failures.setdefault(address, []).append(time.monotonic())

    def wait(self, address: str) -> int:
        """Seconds this address must wait before trying again (0: may try)."""
        with self.lock:
            now = time.monotonic()
            recent = [t for t in self.failures.get(address, []) if now - t < self.seconds]
            self.failures[address] = recent
            if len(recent) < self.limit:
                return 0
            return int(self.seconds - (now - recent[0])) + 1


def device_limit() -> FailureWindow:
    """The app's window of wrong PINs per device address."""
    return current_app.extensions.setdefault("etal_pin_window", FailureWindow())


OPEN_ENDPOINTS = {"auth.login", "auth.pin", "auth.language", "static", "api", "errors"}


@bp.before_app_request
def load_member() -> None:
    """Put the logged-in member in g, logging out after the idle time."""
    g.member = None
    member_id = session.get("member_id")
    if member_id is None or request.endpoint == "static":
        return
    settings = get_settings()
    idle = int(settings["idle_minutes"]) * 60
    if time.time() - session.get("seen", 0) > idle:
        session.pop("member_id", None)
        session.pop("cart", None)
        flash(
            _(
                "Déconnexion automatique après %(n)s minutes sans activité.",
                n=settings["idle_minutes"],
            ),
            "info",
        )
        return
    member = coop.get_member(get_db(), member_id)
    if member and member["active"]:
        g.member = member
        session["seen"] = int(time.time())


def login_required(view):
    """Members only; others go to the login screen."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.member is None:
            if request.htmx:
                return "", 401, {"HX-Redirect": url_for("auth.login")}
            return redirect(url_for("auth.login"))
        return view(*args, **kwargs)

    wrapped.access = "member"
    return wrapped


def admin_required(view):
    """Admins (the animator) only."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.member["role"] != "admin":
            abort(403)
        return view(*args, **kwargs)

    wrapped.access = "admin"
    return wrapped


@bp.get("/login")
def login():
    """Members' names as big buttons."""
    return page("auth/login.html", members=coop.list_members(get_db()))


@bp.route("/login/<int:member_id>", methods=["GET", "POST"])
def pin(member_id: int):
    """The PIN keypad for one member; five wrong PINs lock them for a minute."""
    db = get_db()
    member = coop.get_member(db, member_id)
    if not member or not member["active"]:
        abort(404)
    error, status = None, 200
    locked = rules.seconds_locked(member["locked_until"], clock.now())
    device_wait = device_limit().wait(request.remote_addr or "?")
    if locked:
        error, status = _locked_message(locked), 403
    elif request.method == "POST" and device_wait:
        error, status = (
            _("Trop d'essais depuis cet appareil : réessayez dans %(s)s secondes.", s=device_wait),
            429,
        )
    elif request.method == "POST":
        if rules.pin_matches(member["pin_hash"], request.form.get("pin", "")):
            coop.clear_pin_failures(db, member_id)
            log_event(db, "login", member, address=request.remote_addr)
            session.clear()
            session.update(
                member_id=member_id, seen=int(time.time()), lang=request.cookies.get("lang", "fr")
            )
            return redirect(url_for("sell.index"))
        device_limit().fail(request.remote_addr or "?")
        member = coop.record_pin_failure(db, member_id)
        log_event(db, "pin_failed", member, address=request.remote_addr)
        if member["locked_until"] and member["failed_pins"] % rules.TRIES_BEFORE_LOCK == 0:
            log_event(db, "member_locked", member, until=member["locked_until"])
        locked = rules.seconds_locked(member["locked_until"], clock.now())
        error = _locked_message(locked) if locked else _("Code incorrect. Essayez encore.")
        status = 403 if locked else 422
    return page("auth/pin.html", member=member, error=error, status=status)


def _locked_message(seconds: int) -> str:
    if seconds < 0:
        return _("Trop d'essais : un administrateur doit débloquer ce compte.")
    return _("Trop d'essais : réessayez dans %(s)s secondes.", s=seconds)


@bp.post("/logout")
def logout():
    """Log out on this device."""
    if g.member:
        log_event(get_db(), "logout", g.member)
    lang = session.get("lang", "fr")
    session.clear()
    session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    """Switch this device between French and English."""
    lang = request.form.get("lang", "fr")
    session["lang"] = lang if lang in ("fr", "en") else "fr"
    back = request.form.get("next", "")
    safe = back.startswith("/") and not back.startswith("//")
    response = redirect(back if safe else url_for("auth.login"))
    response.set_cookie(
        "lang", session["lang"], max_age=3600 * 24 * 365, samesite="Lax", httponly=True
    )
    return response
