"""One place turns errors into a French page, an htmx fragment, or the API's JSON error."""

from __future__ import annotations

import orjson
from flask import Flask, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from pos.errors import EtalError, OutOfStock, Unexpected, storage_error
from pos.i18n import translate
from pos.web.render import page

HTTP_MESSAGES = {
    400: lazy_gettext("La demande est mal formée."),
    401: lazy_gettext("Connectez-vous d'abord."),
    403: lazy_gettext("Cette action est réservée à un administrateur."),
    404: lazy_gettext("Cette page n'existe pas."),
    405: lazy_gettext("Cette action ne se fait pas ainsi."),
    413: lazy_gettext("Le fichier envoyé est trop gros."),
}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


JSON = {"Content-Type": "application/json", "Cache-Control": "no-store"}  # never cached


def json_error(code: str, message: str, status: int, field: str | None = None):
    """The API's one error shape: its body, status and headers (pos.web.sale_lane's too)."""
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return orjson.dumps({"error": error}), status, JSON


def api_error(exc: EtalError):
    """An Étal error as the API says it: the French sentence."""
    return json_error(exc.code, exc.message, exc.status, exc.field)


def unexpected(app: Flask, exc: Exception) -> EtalError:
    """What an error Étal did not expect is said to be, logged: a full disk or a damaged file
    by name (no traceback), anything else as « Erreur inattendue » with its traceback."""
    known = storage_error(exc)
    if known is not None:
        app.logger.error("storage: %s", exc)
        return known
    app.logger.exception("unexpected error")
    return Unexpected()


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def show(message: str, status: int, link: tuple[str, str] | None = None):
    """A message (and what to do next, as a link) as a fragment for htmx, a page otherwise."""
    if request.htmx:
        return page("_message.html", message=message, link=link, status=status), {
            "HX-Retarget": "#messages",
            "HX-Reswap": "innerHTML",
        }
    return page("error.html", message=message, link=link, status=status)


def _next_step(exc: EtalError) -> tuple[str, str] | None:
    """For an admin, a refusal for lack of stock links to the product's stock correction."""
    member = g.get("member")
    product_id = exc.details.get("product_id")
    if isinstance(exc, OutOfStock) and product_id and member and member["role"] == "admin":
        return url_for("admin.edit_product", product_id=product_id), _("Corriger le stock")
    return None


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(EtalError)
    def etal_error(exc: EtalError):
        if _wants_json():
            return api_error(exc)
        return show(translate(exc.msgid, exc.params), exc.status, _next_step(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return show(_("La page a expiré : rechargez-la puis recommencez."), 400)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = str(HTTP_MESSAGES.get(status) or _("Erreur."))
        if _wants_json():
            return json_error(HTTP_CODES.get(status, "error"), message, status)
        return show(message, status)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        return etal_error(unexpected(app, exc))
