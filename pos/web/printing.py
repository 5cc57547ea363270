"""Printing in use: "Ticket ?" after a sale, reprints, the "to print" list, the cash drawer."""

from __future__ import annotations

import logging
import threading

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from pos import db as database
from pos import print_queue
from pos.db import print_jobs as jobs
from pos.db import sales as journal
from pos.errors import NotFound
from pos.i18n import translate
from pos.payment_methods import moves_drawer
from pos.print_queue import Outcome
from pos.web.auth import admin_required, login_required
from pos.web.db import get_db, get_settings
from pos.web.receipt_view import receipt_text
from pos.web.render import page

bp = Blueprint("printing", __name__, url_prefix="/print")
log = logging.getLogger(__name__)
QUEUE_CHANGED = "print-queue-changed"


def printer_url(settings: dict | None = None) -> str:
    """The printer in use: the setting when set, else `pos serve --printer`; "" for none."""
    settings = get_settings() if settings is None else settings
    return print_queue.printer_url_of(current_app.config.get("PRINTER", ""), settings)


def _member() -> str:
    return g.member["name"] if g.get("member") else ""


class _Waiting:
    """How many jobs wait, counted when a template first reads it (the top bar's link): the
    fragments a tap or a payment answers with never show it, so they never count."""

    def __init__(self) -> None:
        self._count: int | None = None

    def __int__(self) -> int:
        if self._count is None:
            self._count = jobs.count_waiting(get_db())
        return self._count

    def __bool__(self) -> bool:
        return int(self) > 0

    def __str__(self) -> str:
        return str(int(self))

    def __eq__(self, other: object) -> bool:
        return int(self) == other

    __hash__ = None


@bp.app_context_processor
def waiting_jobs() -> dict:
    """How many jobs wait, for the "À imprimer" link of the top bar."""
    if not g.get("member"):
        return {"print_waiting": 0}
    return {"print_waiting": _Waiting()}


@bp.post("/sales/<int:number>/receipt")
@login_required
def receipt(number: int):
    """ "Ticket ?": print the receipt when a printer is set (else show it), after the sale."""
    sale = journal.get_sale(get_db(), number)
    url = printer_url()
    outcome = print_queue.print_receipt(get_db(), url, number, _member()) if url else None
    return _shown(sale, outcome)


@bp.post("/sales/<int:number>/duplicate")
@login_required
def duplicate(number: int):
    """Reprint a past receipt, marked DUPLICATA with its reprint count."""
    sale = journal.get_sale(get_db(), number)
    url = printer_url()
    outcome = print_queue.print_duplicate(get_db(), url, number, _member()) if url else None
    return _shown(sale, outcome)


def _message(outcome: Outcome | None) -> tuple[str, str]:
    if outcome is None:
        return "info", _("Pas d’imprimante réglée : montrez le ticket à l’écran.")
    if not outcome.printed:
        return "error", translate(print_queue.WAITING_MESSAGE)
    if outcome.duplicate:
        return "ok", _("Ticket imprimé (DUPLICATA n° %(n)s).", n=outcome.duplicate)
    return "ok", _("Ticket imprimé")


def _shown(sale: dict, outcome: Outcome | None):
    category, message = _message(outcome)
    if not request.htmx:
        flash(message, category)
        if outcome and outcome.error:
            flash(translate(outcome.error), "error")
        return redirect(url_for("sell.detail", number=sale["number"]))
    duplicate = outcome.duplicate if outcome else 0
    text = receipt_text(get_db(), sale, duplicate=duplicate)
    response = page(
        "print/receipt.html",
        "printed",
        sale=sale,
        receipt=text,
        outcome=outcome,
        category=category,
        message=message,
    )
    response.headers["HX-Trigger"] = QUEUE_CHANGED
    return response


@bp.get("/queue")
@login_required
def queue():
    """The "to print" list: receipts the printer did not take, with "Réessayer"."""
    return _queue_page()


def _queue_page(outcomes: list[Outcome] | None = None):
    db = get_db()
    response = page(
        "print/queue.html",
        "queue",
        jobs=jobs.list_waiting(db),
        printer=printer_url(),
        outcomes=outcomes or [],
    )
    response.headers["HX-Trigger"] = QUEUE_CHANGED
    return response


def _after_retry(outcomes: list[Outcome]):
    if request.htmx:
        return _queue_page(outcomes)
    for outcome in outcomes:
        category, message = _message(outcome)
        flash(f"{message} {translate(outcome.error)}".strip(), category)
    return redirect(url_for("printing.queue"))


@bp.post("/jobs/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    """ "Réessayer": send one waiting job again."""
    outcome = print_queue.retry(get_db(), printer_url(), job_id)
    if outcome is None:
        raise NotFound(_("Ce ticket n’attend plus : il a été imprimé ou retiré."))
    return _after_retry([outcome])


@bp.post("/queue/retry")
@login_required
def retry_all():
    """ "Tout réessayer": the waiting jobs oldest first, until the printer fails."""
    return _after_retry(print_queue.retry_all(get_db(), printer_url()))


@bp.post("/jobs/<int:job_id>/cancel")
@login_required
def cancel(job_id: int):
    """Take a job off the list (the customer has gone without the ticket)."""
    jobs.cancel_job(get_db(), job_id)
    return _after_retry([]) if request.htmx else redirect(url_for("printing.queue"))


@bp.get("/link")
@login_required
def link():
    """The top bar's "À imprimer" link alone, refreshed when the list changes."""
    return page("print/_link.html")


@bp.post("/test")
@admin_required
def test():
    """Print the test page on the printer in use."""
    outcome = print_queue.print_test_page(get_db(), printer_url(), _member())
    if outcome.printed:
        flash(_("Page de test imprimée : vérifiez les accents et le signe €."), "ok")
    else:
        waiting = translate(print_queue.WAITING_MESSAGE)
        flash(f"{waiting} {translate(outcome.error)}", "error")
    return redirect(url_for("admin.settings"))


def open_drawer_after_sale(sale: dict, settings: dict | None = None) -> None:
    """After a cash sale is committed, open the drawer in the background: never delays it.

    `sale` is the entry as just written (its payments), not read back; `settings`, if given,
    as read before the sale (a sale changes none, so they need not be read again).
    """
    number = sale["number"]
    if not any(moves_drawer(p["method"]) and p["amount"] > 0 for p in sale["payments"]):
        return
    settings = get_settings() if settings is None else settings
    if settings.get("drawer_on_cash") != "1" or not (url := printer_url(settings)):
        return
    args = (current_app.config["DATABASE"], url, number, _member())
    threading.Thread(target=_drawer, args=args, name="etal-drawer", daemon=True).start()


def _drawer(path: str, url: str, number: int, member: str) -> None:
    db = database.connect(path)
    try:
        outcome = print_queue.open_drawer(db, url, number, member)
        if outcome and not outcome.printed:
            log.warning("cash drawer for sale %s: %s", number, outcome.error)
    except Exception:  # a background thread has nobody to tell but the log
        log.exception("cash drawer for sale %s", number)
    finally:
        db.close()
