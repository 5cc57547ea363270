"""The API's sale, `POST /api/v1/sales`, answered in front of Flask by the view's own functions.

It is the API's busiest call (an online shop's checkout, a script replaying a day) and Flask's
request machinery cost as much as the sale's own work: a request context, routing, the
session's interface, eight hooks, a Response object. This WSGI layer answers the plain case
of that one call with what the Flask view calls (pos.web.api: the token's scopes, the body's
JSON, `sale_call`; pos.web.errors: the API's error shape; pos.web.db: the app's connections).
Everything else goes on to Flask untouched: another path or method, a query string, a body
that is not JSON or has no length or is too big; so each of those keeps Flask's own answer.

What Flask's hooks do for this call is done here, or has nothing to do: `HOOKS_ACCOUNTED`
names each one, and tests/test_sale_lane.py fails when the app gains a hook this file has not
accounted for, and when an answer differs from the Flask view's for the same request.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from pos import db as database
from pos import startup
from pos.db import coop
from pos.errors import EtalError
from pos.web import api
from pos.web.db import give_back, take
from pos.web.errors import api_error, unexpected

# Each hook the app runs for a request, and why this lane may do without it.
HOOKS_ACCOUNTED = {
    "check_token": "done here: api.token_scopes and api.require_scope, first",
    "refuse_control_characters": "no query string and no form here: it would return at once",
    "load_member": "no session (CookieSession), no member; the clock follows the settings here",
    "csrf_protect": "the API's blueprints are exempt (bearer tokens, no cookie)",
    "_forget_language": "no locale is read: the API speaks French",
    "_no_store": "api.JSON carries Cache-Control: no-store",
    "close_db": "done here: the connection is given back (pos.web.db.give_back)",
    "hashed_static": "builds static URLs: an API answer has none",
}
STATUS = {code: f"{code} {phrase.upper()}" for code, phrase in HTTP_STATUS_CODES.items()}


class SaleLane:
    """WSGI middleware: the plain API sale, else the app behind it."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        length = self._plain_sale(environ)
        if length is None:
            return self.wsgi_app(environ, start_response)
        body, status, headers = self.answer(environ, length)
        start_response(
            STATUS[status], [*headers.items(), ("Content-Length", str(len(body)))]
        )
        return [body]

    def _plain_sale(self, environ) -> int | None:
        """The body's length when this request is the plain case of the call, else None."""
        if (
            environ.get("PATH_INFO") != api.SALES_PATH
            or environ.get("REQUEST_METHOD") != "POST"
            or environ.get("QUERY_STRING")
        ):
            return None
        mimetype = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        length = environ.get("CONTENT_LENGTH", "")
        if mimetype != "application/json" or not length.isdigit():
            return None
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        return int(length) if limit is None or int(length) <= limit else None

    def answer(self, environ, length: int) -> tuple[bytes, int, dict]:
        """What the Flask view answers: the sale recorded once, or the API's error."""
        app, db = self.app, None
        try:
            db = take(app)
            if database.OTHER_PROCESSES:  # a clock another worker corrected (pos.startup)
                startup.follow(coop.load_settings(db))
            scopes = api.token_scopes(db, environ.get("HTTP_AUTHORIZATION", ""))
            api.require_scope(scopes, api.SCOPE_OF["api.create_sale"])
            body = api.json_object(environ["wsgi.input"].read(length))
            key = environ.get("HTTP_IDEMPOTENCY_KEY", "")
            return api.sale_call(app.extensions, db, key, body)
        except EtalError as exc:
            return api_error(exc)
        except Exception as exc:  # as Flask's handler would: logged, and said in French
            return api_error(unexpected(app, exc))
        finally:
            if db is not None:
                give_back(app, db)
