"""Errors named for what went wrong; one handler turns them into a page, fragment or JSON."""

from __future__ import annotations

import errno

from pos.i18n import N_, format_message
from pos.labels import out_of_stock


class EtalError(Exception):
    """Something a member or a client did that Étal refuses, with a French message."""

    code = "invalid"
    status = 400
    sentence = ""  # the French sentence said when none is given (marked N_), if any

    def __init__(self, message: str = "", *, field: str | None = None, **details: object):
        # The msgid (French, marked N_ where raised) and its %(name)s values, for the web layer
        # to translate; `message` stays the French sentence (the API, logs and tests read it).
        self.msgid = message or self.sentence or self.__doc__ or self.code
        self.params = details
        self.message = format_message(self.msgid, details)
        super().__init__(self.message)
        self.field = field
        self.details = details


class DatabaseMissing(EtalError):
    """No database at this path."""

    code = "database_missing"


class DatabaseUnusable(EtalError):
    """The file is not a usable Étal database."""

    code = "database_unusable"


class InvalidInput(EtalError):
    """The request is not well formed."""

    code = "invalid_input"
    status = 422


class NotFound(EtalError):
    """Nothing here by that name or number."""

    code = "not_found"
    status = 404


class SaleNotFound(NotFound):
    """No sale with this number."""

    code = "sale_not_found"


class OutOfStock(EtalError):
    """Not enough stock left for this sale."""

    code = "out_of_stock"
    status = 422

    def __init__(self, message: str = "", **kw: object):
        # One sentence wherever stock runs short (a tap on a tile, a payment, the API).
        if not message:  # "il n'en reste plus" when none is left (pos.labels)
            message = out_of_stock(str(kw.get("name", "")), int(kw.get("left") or 0)).msgid
        super().__init__(message, **kw)


class PaymentMismatch(EtalError):
    """The payments do not cover the total, or overpay with something other than cash."""

    code = "payment_mismatch"
    status = 422


class IdempotencyConflict(EtalError):
    """This key was already used for another request."""

    code = "idempotency_conflict"
    status = 409


class CartChanged(EtalError):
    """What would be charged is no longer what was shown (a price, a markdown, another tab)."""

    code = "cart_changed"
    status = 409


class NotAllowed(EtalError):
    """This action is reserved for another role or no longer possible."""

    code = "forbidden"
    status = 403


class Unauthorized(EtalError):
    """A valid API token is required."""

    code = "unauthorized"
    status = 401


class MemberLocked(EtalError):
    """Too many wrong PINs: this member is locked for a while."""

    code = "member_locked"
    status = 403


class WrongPin(EtalError):
    """The PIN does not match."""

    code = "wrong_pin"
    status = 422


class ClockBehind(EtalError):
    """The device's clock is earlier than the last recorded sale: selling is stopped."""

    code = "clock_behind"
    status = 409
    sentence = N_(
        "L'horloge de l'appareil retarde sur la dernière vente : la vente est arrêtée. "
        "Un administrateur doit remettre l'heure."
    )


class TillClosed(EtalError):
    """No till day is open: open the till (count the float) before selling."""

    code = "till_closed"
    status = 409
    sentence = N_("La caisse n'est pas ouverte : comptez le fond de caisse pour l'ouvrir.")


class CountOutdated(EtalError):
    """The cash changed (a sale, a movement) since the count was confirmed: count again."""

    code = "count_outdated"
    status = 409
    sentence = N_(
        "Le tiroir a changé depuis votre comptage (une vente ou un mouvement) : "
        "recomptez la caisse."
    )


class ClosingNotAllowed(EtalError):
    """This member may not close the Z: an admin allows it in Réglages."""

    code = "closing_not_allowed"
    status = 403
    sentence = N_(
        "Seul un administrateur, ou un membre qu'il autorise dans les Réglages, "
        "clôture la journée et fait le point de caisse."
    )


class TillAlreadyOpen(EtalError):
    """A till day is already open."""

    code = "till_open"
    status = 409


class DiskFull(EtalError):
    """The disk holding the database is full: nothing was recorded."""

    code = "disk_full"
    status = 507
    sentence = N_(
        "Le disque est plein : libérez de la place (anciennes sauvegardes, photos,"
        " fichiers de la clé) puis recommencez. Rien n'a été enregistré."
    )


SQLITE_FULL = 13
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26


class Unexpected(EtalError):
    """What a client is told of an error Étal did not expect (logged with its traceback)."""

    code = "internal"
    status = 500
    sentence = N_("Erreur inattendue : rien n'a été enregistré. Réessayez.")


def storage_error(exc: BaseException) -> EtalError | None:
    """The Étal error a storage failure means (disk full, damaged file), or None."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF == SQLITE_FULL:
        return DiskFull()
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return DiskFull()
    if code is not None and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return DatabaseUnusable(N_("fichier endommagé (%(why)s)"), why=str(exc))
    return None
