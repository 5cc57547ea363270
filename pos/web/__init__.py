"""The web layer: extensions, blueprints, template helpers, errors and security headers."""

from __future__ import annotations

import mimetypes

from flask import Flask, g, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from pos.db.request import init_app as init_db
from pos.i18n import tr
from pos.money import format_eur, format_rate, rate_to_decimal

csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()

LANGUAGES = ("fr", "en")
mimetypes.add_type("application/manifest+json", ".webmanifest")
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def select_locale() -> str:
    """French unless the member chose English on this device."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "fr"


def register(app: Flask) -> None:
    """Wire extensions, blueprints and helpers into the app."""
    init_db(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    htmx.init_app(app)
    from pos.web import accounts, admin, api, auth, errors, prices, printing, sell, stock, till

    for module in (auth, sell, till, admin, api, printing, stock, prices, accounts):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    errors.register(app)
    app.jinja_env.trim_blocks = True  # no blank lines left by {% %} tags: lighter fragments
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["eur"] = eur
    app.jinja_env.filters["rate"] = lambda bp: format_rate(bp, _locale())
    app.jinja_env.filters["rate_value"] = lambda bp: str(rate_to_decimal(bp))
    app.jinja_env.filters["tr"] = tr  # a domain message in the member's language
    app.jinja_env.globals["languages"] = LANGUAGES
    app.after_request(_security_headers)


def eur(cents: int) -> str:
    """Cents shown in the member's language ("12,50 €" or "€12.50")."""
    return format_eur(cents, _locale())


def _locale() -> str:
    return "fr_FR" if select_locale() == "fr" else "en_GB"


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/api/") or getattr(g, "no_store", False):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
