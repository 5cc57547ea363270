"""The till screens: open with a counted float, cash movements, handover, close the day (Z)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from pos import booking, clock, clock_window, payment_methods, till
from pos.db import coop
from pos.db import sales as sales_store
from pos.db import till as store
from pos.db.events import log_event
from pos.errors import ClosingNotAllowed, CountOutdated, InvalidInput
from pos.i18n import message_of, translate
from pos.money import InvalidAmount, parse_amount
from pos.numbers import query_int
from pos.web import eur
from pos.web.auth import admin_required, end_session, login_required
from pos.web.db import get_db, get_settings
from pos.web.render import page

bp = Blueprint("till", __name__, url_prefix="/till")


def _counts_or_422() -> dict[int, int]:
    counts, errors = till.parse_counts(request.form)
    if errors:
        raise InvalidInput(_("Indiquez des nombres entiers de pièces et de billets."))
    return counts


@bp.context_processor
def counting_pad() -> dict:
    """The counting pad's groups, in the order a drawer is read; « Ventes » of a report row."""
    return {
        "notes": till.NOTES,
        "coins": till.COINS,
        "rare_notes": till.RARE_NOTES,
        "sales_count_of": till.sales_count_of,
    }


def _require_closer() -> None:
    """Only an admin, or a member an admin allowed, closes the Z or makes an X.

    :raise ClosingNotAllowed: (403) for anyone else.
    """
    if not till.may_close_day(g.member, get_settings()):
        raise ClosingNotAllowed()


def _threshold() -> int:
    return int(get_settings()["cash_difference_threshold"])


def _gap(count: dict) -> till.CashDifference:
    """A confirmed count against the cash it expected (the one difference rule)."""
    return till.cash_difference(count["counted"], count["expected"], _threshold())


@bp.get("")
@login_required
def index():
    """The day's till: float, movements, handover, X and Z; or the opening count."""
    db = get_db()
    day = store.current_day(db)
    if day is None:
        return page("till/open.html", denominations=till.DENOMINATIONS, counts={})
    settings = get_settings()
    return page(
        "till/index.html",
        state=store.day_status(db, day),
        members=coop.list_members(db),
        denominations=till.DENOMINATIONS,
        show_expected=till.shows_expected_cash(settings),
        may_close=till.may_close_day(g.member, settings),
        threshold=_threshold(),
    )


@bp.post("/count")
@login_required
def count():
    """The live total of a counting pad (the expected cash only if Réglages shows it)."""
    counts, errors = till.parse_counts(request.form)
    gap = None
    day = store.current_day(get_db())
    if request.form.get("compare") and day and till.shows_expected_cash(get_settings()):
        expected = store.day_status(get_db(), day)["expected_cash"]
        gap = till.cash_difference(till.count_total(counts), expected, _threshold())
    return page(
        "till/_count.html",
        "total",
        total=till.count_total(counts),
        count_errors=errors,
        gap=gap,
    )


@bp.post("/open")
@login_required
def open_till():
    """Open the day with the float counted by denomination."""
    counts = _counts_or_422()
    store.open_day(get_db(), g.member, counts)
    flash(
        _("Caisse ouverte avec un fond de %(amount)s.", amount=eur(till.count_total(counts))), "ok"
    )
    return redirect(url_for("sell.index"))


@bp.post("/movements")
@login_required
def movement():
    """Money in or out of the drawer during the day, by kind (pos.booking), with a reason."""
    form = request.form
    kind = form.get("kind") or "other"
    if kind == "expense":  # an expense paid from the till is an expense: its own form
        return redirect(url_for("stock.expenses", paid_from="till"))
    if kind not in (*booking.TILL_FORM_KINDS, "other"):
        raise InvalidInput(_("Choisissez le genre de mouvement."), field="kind")
    try:
        amount = parse_amount(form.get("amount", ""))
    except InvalidAmount as exc:
        raise InvalidInput(
            _("Montant illisible : tapez par exemple 12,50."), field="amount"
        ) from exc
    sign = -1 if form.get("direction") == "out" else 1
    signed = amount * (booking.movement_sign(kind) or 1) if kind != "other" else sign * amount
    party = None
    if kind in ("member_in", "member_out"):
        party = coop.get_member(get_db(), form.get("party_id", type=query_int) or 0)
        if party is None:
            raise InvalidInput(
                _("Choisissez le membre qui apporte ou prend l'argent."), field="party_id"
            )
    method = form.get("method", "cash") if kind == "deposit" else "cash"
    if not payment_methods.may_deposit(method):
        raise InvalidInput(_("Choisissez ce qui part à la banque."), field="method")
    reason = form.get("reason", "").strip() or _movement_reason(kind, method, party)
    store.add_movement(
        get_db(), signed, reason, g.member, kind=kind, method=method, party_id=party and party["id"]
    )
    flash(_("Mouvement de caisse enregistré."), "ok")
    return redirect(url_for("till.index"))


def _movement_reason(kind: str, method: str, party: dict | None) -> str:
    """The reason a movement gets when none is typed (kept in French, as the journal is)."""
    deposit = payment_methods.METHODS[method].deposit
    return {
        "swap": "Échange de monnaie",
        "deposit": f"Dépôt en banque ({deposit})",
        "member_in": f"Apport de {party['name'] if party else ''}",
        "member_out": f"Retrait par {party['name'] if party else ''}",
        "float": "Complément du fond de caisse (banque)",
    }.get(kind, "")


def _successor() -> dict:
    to_id = request.form.get("to_member", type=query_int)
    successor = coop.get_member(get_db(), to_id) if to_id else None
    if successor is None or not successor["active"]:
        raise InvalidInput(_("Choisissez le membre qui prend la caisse."), field="to_member")
    return successor


@bp.post("/handover/count")
@login_required
def handover_count():
    """Confirm the handover count (blind): only then are the expected cash and difference shown."""
    successor = _successor()
    counted = store.record_count(get_db(), g.member, "handover", _counts_or_422())
    return redirect(url_for("till.handover_result", count_id=counted["id"], to=successor["id"]))


@bp.get("/handover/<int:count_id>")
@login_required
def handover_result(count_id: int):
    """The confirmed handover count against the cash expected, the day per member, and go."""
    db = get_db()
    day = store.current_day(db)
    found = store.get_count(db, count_id)
    if day is None or found is None or found["day_id"] != day["id"]:
        return redirect(url_for("till.index"))
    successor = coop.get_member(db, request.args.get("to", type=query_int) or 0)
    return page(
        "till/handover.html",
        found=found,
        gap=_gap(found),
        successor=successor,
        report=store.day_report(db, day, _as_shift_end(found)),
    )


def _as_shift_end(found: dict) -> dict:
    """A confirmed handover count as the end of the current shift, for the day per member."""
    return {
        "member_id": g.member["id"],
        "member": g.member["name"],
        "created_at": found["created_at"],
        "counted": found["counted"],
        "expected": found["expected"],
    }


@bp.post("/handover")
@login_required
def handover():
    """Hand the till to another member, with the count confirmed (or none); they log in next."""
    db = get_db()
    successor = _successor()
    counts, errors = till.parse_counts(request.form)
    if errors:
        raise InvalidInput(_("Indiquez des nombres entiers de pièces et de billets."))
    count_id = request.form.get("count_id", type=query_int)
    if request.form.get("no_count"):  # "Passer sans compter": what the pad holds is no count
        counts, count_id = {}, None
    result = store.record_handover(db, g.member, successor, counts or None, count_id=count_id)
    end_session()  # the one who hands over is logged out on the server too
    message = _("%(a)s passe la main à %(b)s.", a=g.member["name"], b=successor["name"])
    if result["counted"] is not None:
        message += " " + _(
            "Compté : %(c)s, attendu : %(e)s.", c=eur(result["counted"]), e=eur(result["expected"])
        )
    flash(message, "ok")
    return redirect(url_for("auth.pin", member_id=successor["id"]))


@bp.get("/x")
@login_required
def x_new():
    """No X is made by a GET: back to the Caisse screen, where the button is."""
    return redirect(url_for("till.index"))


@bp.post("/x")
@login_required
def x_report():
    """A point de caisse (X): the day's figures now, as the Z would print them; an event."""
    _require_closer()
    number = store.x_report(get_db(), g.member)
    return redirect(url_for("till.x_show", number=number))


@bp.get("/x/<int:number>")
@login_required
def x_show(number: int):
    """One X on screen, with the very text that prints."""
    found = _x_or_404(number)
    return page(
        "till/x.html",
        report=found,
        count=till.sales_count_of(found["data"]),
        text=_closure_text(found),
    )


@bp.post("/x/<int:number>/print")
@login_required
def x_print(number: int):
    """Print an X as it was made (marked X: it closes nothing)."""
    _print_x(_x_or_404(number))
    return redirect(url_for("till.x_show", number=number))


def _x_or_404(number: int) -> dict:
    """The X numbered `number`, for a member who may make one; 404 if there is none."""
    _require_closer()
    found = store.get_x_report(get_db(), number)
    if found is None:
        abort(404)
    return found


def _close_page(db, day: dict, *, status: int = 200, reason: str = "", errors=None, **extra):
    """The close screen: the blind pad, or the confirmed count with its difference."""
    counts_made = store.day_counts(db, day["id"], "close")
    last = store.get_count(db, counts_made[-1]["id"]) if counts_made else None
    expected = store.day_status(db, day)["expected_cash"]
    outdated = last is not None and last["expected"] != expected
    counting = last is None or outdated or request.args.get("recount")
    period = clock.local(day["opened_at"]).date().isoformat()
    return page(
        "till/close.html",
        status=status,
        denominations=till.DENOMINATIONS,
        counting=counting,
        outdated=outdated,
        last=last,
        gap=_gap(last) if last else None,
        first=counts_made[0] if counts_made else None,
        first_gap=_gap(counts_made[0]) if counts_made else None,
        counts=last["count_data"] if last else {},
        show_expected=till.shows_expected_cash(get_settings()),
        expected=expected,
        earlier=till.closures_on_day(period, store.day_periods(db)),
        period=period,
        reason=reason,
        errors=errors or {},
        threshold=_threshold(),
        total=last["counted"] if last else 0,
        **extra,
    )


@bp.get("/close")
@login_required
def close_form():
    """Count the drawer (blind) to close the day; once confirmed, the difference and the Z."""
    _require_closer()
    db = get_db()
    day = store.current_day(db)
    if day is None:
        return redirect(url_for("till.index"))
    return _close_page(db, day)


@bp.post("/close/count")
@login_required
def close_count():
    """Confirm the closing count: only now does the member see what was expected."""
    _require_closer()
    store.record_count(get_db(), g.member, "close", _counts_or_422())
    return redirect(url_for("till.close_form"))


@bp.post("/close")
@login_required
def close():
    """The Z: final, numbered, chained; the day takes no more sales."""
    _require_closer()
    db = get_db()
    day = store.current_day(db)
    if day is None:
        return redirect(url_for("till.index"))
    count_id = request.form.get("count_id", type=query_int)
    if count_id is None:  # counts sent with the Z itself: confirmed now, blind all the same
        store.record_count(db, g.member, "close", _counts_or_422())
    counts_made = store.day_counts(db, day["id"], "close")
    count_id = count_id or counts_made[-1]["id"]
    reason, same_day = request.form.get("reason", ""), request.form.get("same_day_reason", "")
    errors = _close_refusals(db, day, store.get_count(db, count_id), reason, same_day)
    if errors:
        return _close_page(db, day, status=422, reason=reason, errors=errors, same_day=same_day)
    try:
        number = store.close_day(
            db,
            g.member,
            None,
            reason,
            _threshold(),
            count_id=count_id,
            same_day_ok=bool(request.form.get("same_day_ok")),
            same_day_reason=same_day,
        )
    except CountOutdated as exc:
        flash(translate(exc.msgid), "error")
        return redirect(url_for("till.close_form"))
    _after_closure(number)
    return redirect(url_for("till.closure", number=number))


def _close_refusals(db, day: dict, found: dict | None, reason: str, same_day: str) -> dict:
    """What stops this Z, per field: a difference to explain, a second Z of the day unconfirmed."""
    errors = {}
    if found is not None and _gap(found).needs_reason and not reason.strip():
        errors["reason"] = _("Expliquez l'écart de caisse avant de clôturer.")
    period = clock.local(day["opened_at"]).date().isoformat()
    earlier = till.closures_on_day(period, store.day_periods(db))
    refusals = till.close_refusals(
        g.member, get_settings(), earlier, bool(request.form.get("same_day_ok")), same_day
    )
    if "same_day_reason" in refusals:  # `member` was refused first, by _require_closer
        errors["same_day_reason"] = translate(refusals["same_day_reason"])
    return errors


def _after_closure(number: int) -> None:
    """After the Z is committed: print it if there is a printer, then a backup copy."""
    _print_closure(number)
    from flask import current_app

    from pos.backup import backup_after_closure

    settings = get_settings()
    try:
        path = backup_after_closure(current_app.config["DATABASE"], settings, number)
    except (OSError, ValueError) as exc:  # the Z is kept whatever happens to its copy
        flash(_("Sauvegarde impossible : %(e)s", e=translate(message_of(exc))), "error")
    else:
        if path:
            log_event(get_db(), "backup", g.member, path=str(path), closure=number)
            flash(_("Sauvegarde écrite : %(p)s", p=str(path)), "ok")


@bp.get("/closures")
@login_required
def closures():
    """Every closure, newest first."""
    return page("till/closures.html", closures=store.list_closures(get_db()))


@bp.get("/closures/<int:number>")
@login_required
def closure(number: int):
    """One Z on screen, with the very text the printer prints."""
    found = store.get_closure(get_db(), number)
    if found is None:
        abort(404)
    return page(
        "till/closure.html",
        closure=found,
        count=till.sales_count_of(found["data"]),
        text=_closure_text(found),
    )


def _closure_text(found: dict) -> str:
    from pos.print_queue import config_of
    from pos.receipts import seller_of
    from pos.web.printing import printer_url
    from pos.web.receipt_view import DEFAULT_WIDTH
    from pos.z_report import closure_text

    settings = get_settings()
    width = int(settings.get("paper_width") or 0) or DEFAULT_WIDTH
    if printer_url():
        width = config_of(printer_url(), settings).width
    return closure_text(found, seller_of(settings), width)


def _print_x(report: dict) -> None:
    """Print an X now (it is not queued: a later X tells the figures of its own moment)."""
    from pos.print_queue import config_of, send
    from pos.printing import InvalidPrinterUrl, PrinterUnavailable
    from pos.receipts import seller_of
    from pos.web.printing import printer_url
    from pos.z_report import closure_layout

    url, settings = printer_url(), get_settings()
    if not url:
        flash(_("Aucune imprimante n'est réglée : le X reste à l'écran."), "info")
        return
    try:
        config = config_of(url, settings)
        send(config, closure_layout(report, seller_of(settings), config.width))
    except (PrinterUnavailable, InvalidPrinterUrl) as exc:
        flash(_("Imprimante injoignable : %(e)s Réessayez.", e=translate(message_of(exc))), "error")
        return
    flash(_("X n° %(n)s imprimé.", n=report["number"]), "ok")


def _print_closure(number: int) -> bool | None:
    """Print a closure; a refusal is said plainly and the Z waits in the list."""
    from pos.print_queue import print_closure
    from pos.web.printing import printer_url

    url = printer_url()
    if not url:
        return None
    outcome = print_closure(get_db(), url, number, g.member["name"])
    if outcome.printed:
        flash(_("Z n° %(n)s imprimé.", n=number), "ok")
    else:
        flash(
            _(
                "Imprimante injoignable : le Z attend dans la liste « À imprimer ». %(e)s",
                e=translate(outcome.error),
            ),
            "error",
        )
    return outcome.printed


@bp.post("/closures/<int:number>/print")
@login_required
def print_closure_again(number: int):
    """Print a closure again (from its page)."""
    if store.get_closure(get_db(), number) is None:
        abort(404)
    if _print_closure(number) is None:
        flash(_("Aucune imprimante n'est réglée : le Z reste à l'écran."), "info")
    return redirect(url_for("till.closure", number=number))


@bp.post("/clock")
@admin_required
def set_clock():
    """Set the till's time from the tablet's own clock (no battery clock on a Pi)."""
    raw = request.form.get("tablet_ms", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 15:
        raise InvalidInput(_("L'heure de la tablette n'a pas été transmise."))
    tablet = int(raw) / 1000
    try:
        moment = datetime.fromtimestamp(tablet, UTC)
    except (OverflowError, ValueError, OSError):  # past year 9999: no plausible time
        moment = datetime.max.replace(tzinfo=UTC)
    try:
        refused = clock_window.check_correction(
            moment,
            sales_store.last_entry_time(get_db()),
            confirmed=bool(request.form.get("confirm")),
        )
    except clock_window.NeedsConfirmation as asked:
        return page(
            "till/clock_confirm.html", message=translate(asked.message), tablet_ms=raw, status=409
        )
    if refused:
        raise InvalidInput(refused.msgid, **refused.params)
    offset = tablet - (clock.now().timestamp() - clock.offset_seconds())
    coop.save_settings(get_db(), {"clock_offset": f"{offset:.3f}"})
    get_settings()  # read again once written: this process's clock from now on
    log_event(get_db(), "clock_corrected", g.member, offset_seconds=round(offset, 3))
    flash(_("Heure corrigée : %(t)s.", t=clock.for_people(clock.now())), "ok")
    return redirect(url_for("sell.index"))
