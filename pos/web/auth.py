"""Login by tapping one's name and typing a PIN; roles; idle logout."""

from __future__ import annotations

import functools
import secrets
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
from itsdangerous import BadSignature, URLSafeSerializer

from pos import members as rules
from pos.db import coop, pins, sessions
from pos.db.events import log_event
from pos.errors import InvalidInput
from pos.i18n import ngettext
from pos.web.db import get_db, get_settings
from pos.web.render import page


def local_path(target: object) -> str | None:
    """`target` if it is a path on this server ("/stock"), else None (no open redirect)."""
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return None
    if target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


bp = Blueprint("auth", __name__)


DEVICE_COOKIE = "etal_device"
POLL_HEADER = "X-Etal-Poll"  # a screen's own refresh: it does not count as activity


def _device_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="etal-device")


def _device() -> dict:
    """This browser's signed device cookie: its id and the members who logged in on it."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    try:
        value = _device_signer().loads(raw) if raw else {}
    except BadSignature:
        value = {}
    if not isinstance(value, dict) or not isinstance(value.get("d"), str):
        return {}
    members = value.get("m") if isinstance(value.get("m"), list) else []
    return {"d": value["d"], "m": [m for m in members if isinstance(m, int)][-20:]}


def _scopes(member_id: int) -> tuple[pins.Scope, pins.Scope]:
    """The member's own count (per device they logged in from before) and the device's."""
    device = _device()
    trusted = device["d"] if member_id in device.get("m", []) else None
    return pins.member_scope(member_id, trusted), pins.device_scope(request.remote_addr or "?")


def _remember_device(response, member_id: int):
    device = _device() or {"d": secrets.token_urlsafe(16), "m": []}
    device["m"] = [m for m in device["m"] if m != member_id] + [member_id]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_signer().dumps(device),
        max_age=3600 * 24 * 365,
        samesite="Lax",
        httponly=True,
    )
    return response


PASSIVE_ENDPOINTS = {"sell.changes"}
OPEN_ENDPOINTS = {"auth.login", "auth.pin", "auth.language", "static", "api", "errors"}


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")  # what Werkzeug parses


@bp.before_app_request
def refuse_control_characters() -> None:
    """No form or query value may hold a NUL byte: no name, reason or number has one."""
    if request.path.startswith("/static"):
        return
    # Only a form body is read as one (a JSON body has no form; its type is not parsed for it).
    form = request.method == "POST" and (request.content_type or "").lower().startswith(FORM_TYPES)
    if not form and not request.query_string:  # nothing to parse (an API call, most GETs)
        return
    sources = [request.args, request.form] if form else [request.args]
    for values in sources:
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise InvalidInput(_("Caractère invalide dans ce qui a été envoyé."))


@bp.before_app_request
def load_member() -> None:
    """Put the logged-in member in g, logging out after the idle time."""
    # The request's own objects, looked up once (each use of a proxy finds them again).
    state, cookie, req = (
        g._get_current_object(),
        session._get_current_object(),
        request._get_current_object(),
    )
    state.member = None
    if req.endpoint == "static":
        return
    settings = get_settings()  # every request's: the process's clock follows them (pos.web.db)
    member_id = cookie.get("member_id")
    if member_id is None:
        return
    idle = int(settings["idle_minutes"]) * 60
    now = time.time()
    if now - cookie.get("seen", 0) > idle:
        cookie.pop("member_id", None)  # the cart stays, for the same member only (basket)
        flash(
            ngettext(
                "Déconnexion automatique après %(num)s minute sans activité.",
                "Déconnexion automatique après %(num)s minutes sans activité.",
                int(settings["idle_minutes"]),
            ),
            "info",
        )
        return
    member = sessions.session_member(get_db(), str(cookie.get("sid", "")), member_id)
    if member is None:
        cookie.pop("member_id", None)  # logged out, handed over or ended by an admin
        return
    if member["active"]:
        state.member = member
        state.no_store = True  # a logged-in page is never kept by the browser or a proxy
        if POLL_HEADER not in req.headers and req.endpoint not in PASSIVE_ENDPOINTS:
            cookie["seen"] = int(now)


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
    """The PIN keypad for one member: wrong PINs earn growing delays, never a lock-out."""
    db = get_db()
    member = coop.get_member(db, member_id)
    if not member or not member["active"]:
        abort(404)
    own, device = _scopes(member_id)
    wait, left = pins.wait_and_tries(db, [own, device])
    error, status = None, 200
    if request.method == "POST":
        wait, left, delay = pins.reserve_try(db, [own, device])
        if not wait and rules.pin_matches(member["pin_hash"], str(request.form.get("pin", ""))):
            pins.give_back(db, own, device)
            return _logged_in(db, member)
        if not wait:
            log_event(db, "pin_failed", member, address=request.remote_addr)
            if delay:
                log_event(db, "member_locked", member, seconds=delay)
            wait = delay
        error = _wait_message(wait) if wait else _("Code incorrect. Essayez encore.")
        status = 429 if wait else 422
    elif wait:
        error = _wait_message(wait)
    return page(
        "auth/pin.html", member=member, error=error, status=status, wait=wait, tries_left=left
    )


def _logged_in(db, member: dict):
    """Start a server-side session for the member and remember this device for them."""
    log_event(db, "login", member, address=request.remote_addr)
    cart = session.get("cart")  # left by an idle logout: kept if it is this member's
    session.clear()
    session.update(
        member_id=member["id"],
        sid=sessions.start_session(db, member["id"]),
        seen=int(time.time()),
        lang=request.cookies.get("lang", "fr"),
    )
    if cart and cart.get("member_id") == member["id"]:
        session["cart"] = cart
    return _remember_device(redirect(url_for("sell.index")), member["id"])


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Trop d'essais : réessayez dans %(num)s seconde.",
        "Trop d'essais : réessayez dans %(num)s secondes.",
        seconds,
    )


def end_session() -> None:
    """End this device's session on the server and in its cookie, keeping the language."""
    sid = session.get("sid")
    if sid:
        sessions.end_session(get_db(), str(sid))
    lang = session.get("lang", "fr")
    session.clear()
    session["lang"] = lang


@bp.post("/logout")
def logout():
    """Log out on this device."""
    if g.member:
        log_event(get_db(), "logout", g.member)
    end_session()
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    """Switch this device between French and English."""
    lang = request.form.get("lang", "fr")
    session["lang"] = lang if lang in ("fr", "en") else "fr"
    response = redirect(local_path(request.form.get("next")) or url_for("auth.login"))
    response.set_cookie(
        "lang", session["lang"], max_age=3600 * 24 * 365, samesite="Lax", httponly=True
    )
    return response
