"""The till screens: open with a counted float, cash movements, handover, close the day (Z)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from pos import booking, clock, till
from pos.db import coop
from pos.db import till as store
from pos.db.events import log_event
from pos.errors import InvalidInput
from pos.i18n import translate
from pos.money import InvalidAmount, parse_amount
from pos.web import eur
from pos.web.auth import admin_required, login_required
from pos.web.db import get_db, get_settings
from pos.web.render import page

bp = Blueprint("till", __name__, url_prefix="/till")


def _counts_or_422() -> dict[int, int]:
    counts, errors = till.parse_counts(request.form)
    if errors:
        raise InvalidInput(_("Indiquez des nombres entiers de pièces et de billets."))
    return counts


@bp.get("")
@login_required
def index():
    """The day's till: float, expected cash, movements; or the opening count."""
    db = get_db()
    day = store.current_day(db)
    if day is None:
        return page("till/open.html", denominations=till.DENOMINATIONS, counts={})
    status = store.day_status(db, day)
    return page(
        "till/index.html",
        state=status,
        members=coop.list_members(db),
        denominations=till.DENOMINATIONS,
        settings=get_settings(),
    )


@bp.post("/count")
@login_required
def count():
    """The live total of a counting pad."""
    counts, errors = till.parse_counts(request.form)
    expected = None
    if request.form.get("compare"):
        day = store.current_day(get_db())
        expected = store.day_status(get_db(), day)["expected_cash"] if day else None
    return page(
        "till/_count.html",
        "total",
        total=till.count_total(counts),
        count_errors=errors,
        expected=expected,
        threshold=_threshold(),
    )


def _threshold() -> int:
    return int(get_settings()["cash_difference_threshold"])


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
        party = coop.get_member(get_db(), form.get("party_id", type=int) or 0)
        if party is None:
            raise InvalidInput(
                _("Choisissez le membre qui apporte ou prend l'argent."), field="party_id"
            )
    method = form.get("method", "cash") if kind == "deposit" else "cash"
    if method not in booking.DEPOSIT_METHODS:
        raise InvalidInput(_("Choisissez ce qui part à la banque."), field="method")
    reason = form.get("reason", "").strip() or _movement_reason(kind, method, party)
    store.add_movement(
        get_db(), signed, reason, g.member, kind=kind, method=method, party_id=party and party["id"]
    )
    flash(_("Mouvement de caisse enregistré."), "ok")
    return redirect(url_for("till.index"))


def _movement_reason(kind: str, method: str, party: dict | None) -> str:
    """The reason a movement gets when none is typed (kept in French, as the journal is)."""
    deposit = {"cash": "espèces", "cheque": "chèques", "card": "tickets de carte"}[method]
    return {
        "swap": "Échange de monnaie",
        "deposit": f"Dépôt en banque ({deposit})",
        "member_in": f"Apport de {party['name'] if party else ''}",
        "member_out": f"Retrait par {party['name'] if party else ''}",
        "float": "Complément du fond de caisse (banque)",
    }.get(kind, "")


@bp.post("/handover")
@login_required
def handover():
    """Hand the till to another member (optional count); they log in next."""
    db = get_db()
    to_id = request.form.get("to_member", type=int)
    successor = coop.get_member(db, to_id) if to_id else None
    if successor is None:
        raise InvalidInput(_("Choisissez le membre qui prend la caisse."), field="to_member")
    counts, errors = till.parse_counts(request.form)
    if errors:
        raise InvalidInput(_("Indiquez des nombres entiers de pièces et de billets."))
    result = store.record_handover(db, g.member, successor, counts or None)
    lang = session.get("lang", "fr")
    session.clear()
    session["lang"] = lang
    message = _(
        "%(a)s passe la caisse à %(b)s. Espèces attendues : %(e)s.",
        a=g.member["name"],
        b=successor["name"],
        e=eur(result["expected"]),
    )
    if result["counted"] is not None:
        message += " " + _("Compté : %(c)s.", c=eur(result["counted"]))
    flash(message, "ok")
    return redirect(url_for("auth.pin", member_id=successor["id"]))


@bp.get("/close")
@login_required
def close_form():
    """Count the drawer to close the day."""
    db = get_db()
    day = store.current_day(db)
    if day is None:
        return redirect(url_for("till.index"))
    return page(
        "till/close.html",
        day=store.day_status(db, day),
        denominations=till.DENOMINATIONS,
        counts={},
        reason="",
        errors={},
        threshold=_threshold(),
        total=0,
    )


@bp.post("/close")
@login_required
def close():
    """The Z: final, numbered, chained; the day takes no more sales."""
    db = get_db()
    counts, errors = till.parse_counts(request.form)
    reason = request.form.get("reason", "")
    day = store.current_day(db)
    if day is None:
        return redirect(url_for("till.index"))
    status = store.day_status(db, day)
    difference = till.count_total(counts) - status["expected_cash"]
    if not errors and till.difference_needs_reason(difference, _threshold()) and not reason.strip():
        errors["reason"] = _("Expliquez l'écart de caisse avant de clôturer.")
    if errors:
        return page(
            "till/close.html",
            status=422,
            day=status,
            denominations=till.DENOMINATIONS,
            counts=counts,
            reason=reason,
            errors=errors,
            threshold=_threshold(),
            total=till.count_total(counts),
            count_errors={k: v for k, v in errors.items() if k.startswith("n_")},
        )
    number = store.close_day(db, g.member, counts, reason, _threshold())
    _after_closure(number)
    return redirect(url_for("till.closure", number=number))


def _after_closure(number: int) -> None:
    """After the Z is committed: print it if there is a printer, then a backup copy."""
    _print_closure(number)
    from flask import current_app

    from pos.backup import backup_after_closure

    settings = get_settings()
    try:
        path = backup_after_closure(current_app.config["DATABASE"], settings, number)
    except OSError as exc:
        flash(_("Sauvegarde impossible : %(e)s", e=str(exc)), "error")
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
    return page("till/closure.html", closure=found, text=_closure_text(found))


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
    if not raw.isdigit():
        raise InvalidInput(_("L'heure de la tablette n'a pas été transmise."))
    tablet = int(raw) / 1000
    offset = tablet - (clock.now().timestamp() - clock.offset_seconds())
    clock.set_offset(offset)
    coop.save_settings(get_db(), {"clock_offset": f"{offset:.3f}"})
    log_event(get_db(), "clock_corrected", g.member, offset_seconds=round(offset, 3))
    flash(_("Heure corrigée : %(t)s.", t=clock.local(clock.now()).strftime("%d/%m/%Y %H:%M")), "ok")
    return redirect(url_for("sell.index"))
