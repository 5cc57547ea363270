"""Login by tapping one's name and typing a PIN; roles; idle logout."""

from __future__ import annotations

import functools
import time

from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from pos import clock
from pos import members as rules
from pos.db import coop
from pos.db.request import get_db
from pos.web.render import page

bp = Blueprint("auth", __name__)
OPEN_ENDPOINTS = {"auth.login", "auth.pin", "auth.language", "static", "api", "errors"}


@bp.before_app_request
def load_member() -> None:
    """Put the logged-in member in g, logging out after the idle time."""
    g.member = None
    member_id = session.get("member_id")
    if member_id is None or request.endpoint == "static":
        return
    settings = coop.load_settings(get_db())
    idle = int(settings["idle_minutes"]) * 60
    if time.time() - session.get("seen", 0) > idle:
        session.pop("member_id", None)
        session.pop("cart", None)
        flash(_("Déconnexion automatique après %(n)s minutes sans activité.",
                n=settings["idle_minutes"]), "info")
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
    return wrapped


def admin_required(view):
    """Admins (the animator) only."""
    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.member["role"] != "admin":
            abort(403)
        return view(*args, **kwargs)
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
    if locked:
        error, status = _locked_message(locked), 403
    elif request.method == "POST":
        if rules.pin_matches(member["pin_hash"], request.form.get("pin", "")):
            coop.clear_pin_failures(db, member_id)
            session.clear()
            session.update(member_id=member_id, seen=int(time.time()),
                           lang=request.cookies.get("lang", "fr"))
            return redirect(url_for("sell.index"))
        member = coop.record_pin_failure(db, member_id)
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
    response.set_cookie("lang", session["lang"], max_age=3600 * 24 * 365, samesite="Lax",
                        httponly=True)
    return response
