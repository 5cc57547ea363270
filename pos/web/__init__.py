"""The web layer: extensions, blueprints, template helpers, errors and security headers."""

from __future__ import annotations

import functools
import json
import mimetypes
import zlib
from contextvars import ContextVar

from flask import Flask, current_app, g, request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from jinja2 import BytecodeCache
from werkzeug.routing import IntegerConverter

from pos import clock, labels, payment_methods
from pos.catalogue import initials
from pos.i18n import plural_text, tr
from pos.money import format_eur, format_rate, rate_to_decimal, signed
from pos.web import assets
from pos.web.db import init_app as init_db
from pos.web.render import cached_url_for
from pos.web.words import cached_gettext, cached_tr, template_gettext


class CSRF(CSRFProtect):
    """Flask-WTF's CSRF protection, unchanged; a request's token, once checked, is the one its
    answer's forms carry.

    Flask-WTF signs a fresh token for every answer; both sign the session's same secret and,
    with no time limit (WTF_CSRF_TIME_LIMIT=None), neither expires, so signing again buys
    nothing. With a time limit set, a fresh one is signed as Flask-WTF does.
    """

    def protect(self, apply_exemptions=False):
        super().protect(apply_exemptions)
        if g.get("csrf_valid") and current_app.config.get("WTF_CSRF_TIME_LIMIT") is None:
            field = current_app.config["WTF_CSRF_FIELD_NAME"]
            if field not in g:
                setattr(g, field, self._get_csrf_token())


csrf = CSRF()
babel = Babel()
htmx = Htmx()

LANGUAGES = ("fr", "en")
MAX_PATH_INT = 10**12 - 1
mimetypes.add_type("application/manifest+json", ".webmanifest")
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


class SessionJSON:
    """The session's JSON: plain on the way out, Flask's tagged reader on the way in.

    The session holds only JSON's own types (a flash's (category, message) pair comes back as
    a list, which `get_flashed_messages` reads alike); tagging every value on each answer, as
    Flask does for tuples, bytes or dates the session never holds, cost more than the rest of
    the cookie. Reading stays Flask's, so a cookie written before still opens.
    """

    _tagged = TaggedJSONSerializer()

    @staticmethod
    def dumps(value: dict) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def loads(self, text: str | bytes) -> dict:
        return json.loads(text, object_hook=self._tagged.untag)


COMPRESS_ABOVE = 1024  # bytes of JSON: a small session is not worth zlib, a big cart is


class SessionSerializer(URLSafeTimedSerializer):
    """itsdangerous' signed, timed cookie value, compressed only when it is big (a long cart
    with discounts), so that it stays well under a browser's 4 KB; reading is unchanged."""

    def dump_payload(self, obj) -> bytes:
        data = self.serializer.dumps(obj).encode()
        if len(data) <= COMPRESS_ABOVE:
            return base64_encode(data)
        return b"." + base64_encode(zlib.compress(data))


class CookieSession(SecureCookieSessionInterface):
    """Flask's signed-cookie session (HMAC-SHA1 of the app's secret key, as Flask signs it),
    with its signer made once, a plain JSON payload, and none on the API.

    The API authenticates by bearer token: it neither reads nor sets a cookie, so its calls
    skip the session (a NullSession) instead of verifying and re-signing one each time.
    """

    serializer = SessionJSON()
    _signer = None

    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return None
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._signer is None or self._signer[0] != key:
            signer = SessionSerializer(
                [*key[1], key[0]],  # itsdangerous signs with the last, accepts any
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            )
            self._signer = (key, signer)
        return self._signer[1]


class SecurityHeaders:
    """WSGI middleware adding the security headers an answer does not set itself.

    At the WSGI level it is a list append per answer (static files included), cheaper than
    editing each Response's header object.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            headers.extend(h for h in SECURITY_HEADERS if h[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


class BoundedInt(IntegerConverter):
    """A path integer: ASCII digits only, at most 12 of them (never past SQLite's 2^63)."""

    regex = r"[0-9]{1,12}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_PATH_INT)
        super().__init__(map, *args, **kwargs)


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per process and shared by every app it builds (tests build
    hundreds; compiling the sell screen's templates anew costs more than the rest of an app).

    Keyed by template name and checked against the source's checksum, as Jinja does.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


_language: ContextVar[str | None] = ContextVar("etal_language", default=None)


def select_locale() -> str:
    """French unless the member chose English on this device (read from the session once a
    request, at its first use: every price and word of a page asks; an API call never does)."""
    lang = _language.get()
    if lang is None:
        lang = session.get("lang")
        lang = lang if lang in LANGUAGES else "fr"
        _language.set(lang)
    return lang


def _forget_language(_exc: BaseException | None = None) -> None:
    """Each request reads the session's language afresh (set at the start and the end)."""
    _language.set(None)


def register(app: Flask) -> None:
    """Wire extensions, blueprints and helpers into the app."""
    init_db(app)
    app.session_interface = CookieSession()
    assets.init_app(app)  # hashed, compressed static files, before the security headers
    from pos.web.sale_lane import SaleLane  # the API's plain sale, in front of Flask

    app.wsgi_app = SecurityHeaders(SaleLane(app, app.wsgi_app))
    csrf.init_app(app)
    app.before_request(_forget_language)
    app.teardown_request(_forget_language)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # ngettext with French's rule: 0 and 1 singular
        gettext=cached_gettext(select_locale), ngettext=plural_text, newstyle=True
    )
    fast_gettext = template_gettext(select_locale)  # `_()` straight to it, one call less
    app.jinja_env.globals.update(gettext=fast_gettext, _=fast_gettext)
    app.jinja_env.globals["url_for"] = cached_url_for(app)
    htmx.init_app(app)
    # Before any route: every <int:…> in a path is ASCII digits and bounded (2^63 is a 404).
    app.url_map.converters["int"] = BoundedInt
    from pos.web import accounts, admin, api, auth, errors, prices, printing, sell, stock, till
    from pos.web import plan as plan_screens

    for module in (auth, sell, till, admin, api, printing, stock, prices, accounts):
        app.register_blueprint(module.bp)
    app.register_blueprint(plan_screens.bp)
    csrf.exempt(api.bp)
    from pos.web import api_orders, orders, public_orders  # orders: members', API, public page

    for module in (api_orders, orders, public_orders):
        app.register_blueprint(module.bp)
    csrf.exempt(api_orders.bp)
    errors.register(app)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    app.jinja_env.trim_blocks = True  # no blank lines left by {% %} tags: lighter fragments
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["eur"] = eur
    app.jinja_env.filters["rate"] = lambda bp: format_rate(bp, _locale())
    app.jinja_env.filters["signed"] = signed  # "+3", "−2": a count's change, U+2212
    app.jinja_env.filters["rate_value"] = lambda bp: str(rate_to_decimal(bp))
    app.jinja_env.filters["tr"] = cached_tr(select_locale, tr)  # a domain word, translated
    app.jinja_env.filters["initials"] = functools.lru_cache(maxsize=4096)(initials)  # pure
    # Moments for people: the coop's zone, French form (pos.clock); codes as words (pos.labels).
    app.jinja_env.filters["when"] = clock.for_people
    app.jinja_env.filters["day"] = clock.date_for_people
    app.jinja_env.filters["hour"] = clock.hour_for_people
    app.jinja_env.filters["period"] = clock.period_for_people
    app.jinja_env.filters["label"] = lambda code, group: tr(labels.word(group, code))
    app.jinja_env.filters["detail"] = event_detail
    app.jinja_env.globals["choices"] = lambda group: {
        code: tr(word) for code, word in labels.words(group).items()
    }
    app.jinja_env.globals["payment_methods"] = payment_methods.offered
    app.jinja_env.globals["method_word"] = payment_methods.word
    app.jinja_env.globals["method_short"] = payment_methods.short_word
    app.jinja_env.globals["registered_methods"] = payment_methods.METHODS.values
    app.jinja_env.globals["languages"] = LANGUAGES
    app.after_request(_no_store)


def event_detail(value: object, key: str) -> str:
    """One detail of the event journal as people read it: its key and value in words."""
    how = labels.DETAIL_VALUES.get(key, "")
    if how == "money" and isinstance(value, int):
        text = eur(value)
    elif how == "moment" and isinstance(value, str):
        text = clock.for_people(value)
    elif how:
        text = tr(labels.word(how, value))
    elif key == "keys" and isinstance(value, list):  # the settings changed
        text = ", ".join(dict.fromkeys(tr(labels.field_word(k)) for k in value))
    elif key == "changes" and isinstance(value, dict):  # a product's new values
        text = ", ".join(_change(k, v) for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return f"{tr(labels.word('detail', key))} : {text}"


def _change(field: str, value: object) -> str:
    money = field in labels.FIELD_MONEY and isinstance(value, int)
    return f"{tr(labels.field_word(field))} {eur(value) if money else value}"


def eur(cents: int) -> str:
    """Cents shown in the member's language ("12,50 €" or "€12.50")."""
    return format_eur(cents, _locale())


def _locale() -> str:
    return "fr_FR" if select_locale() == "fr" else "en_GB"


def _no_store(response):
    """API answers and logged-in pages (g.no_store) are never cached."""
    if request.path.startswith("/api/") or getattr(g, "no_store", False):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
