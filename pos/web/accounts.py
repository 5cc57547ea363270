"""The bookkeeping screens: the live dashboard, the week's accounts, profit sharing, the bundle."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from pos import accounts, bookkeeping, charts, clock, labels
from pos.db import accounts as ledger
from pos.db import coop
from pos.db.orders import orders_summary
from pos.db.till import current_day
from pos.errors import InvalidInput
from pos.i18n import translate
from pos.money import InvalidAmount, form_text, parse_amount, rate_form_text
from pos.numbers import is_decimal, is_digits, parse_day, query_int
from pos.shares import RULES
from pos.web.auth import admin_required, login_required
from pos.web.db import get_db, get_settings
from pos.web.render import page

bp = Blueprint("accounts", __name__)


def _eur(cents: int) -> str:
    return current_app.jinja_env.filters["eur"](cents)


def _today() -> date:
    return clock.local(clock.now()).date()


def _week(settings: dict) -> accounts.Period:
    return accounts.week_of(settings["week_start"], ledger.first_day(get_db()), _today())


def _period(settings: dict) -> accounts.Period:
    """The period asked for (?from=&to=), the coop's week otherwise."""
    week = _week(settings)
    try:
        start = parse_day(request.args.get("from") or week.start.isoformat())
        end = parse_day(request.args.get("to") or week.end.isoformat())
    except ValueError as exc:
        raise InvalidInput(_("Dates illisibles : utilisez le calendrier (AAAA-MM-JJ).")) from exc
    if end < start:
        raise InvalidInput(_("La date de fin précède la date de début."))
    return accounts.Period(start, end)


# --- The dashboard (every member) -------------------------------------------------------------


def dashboard_figures(settings: dict) -> accounts.Dashboard:
    """Today's and the week's figures, from the database."""
    db, today = get_db(), _today()
    open_day = current_day(db)  # a night market after midnight is still its day
    if open_day:
        today = clock.local(open_day["opened_at"]).date()
    week, day = _week(settings), accounts.Period(today, today)
    week_figures = accounts.figures(*ledger.sales_counts(db, week))
    goal = int(settings["sales_goal"] or 0)
    by_hour = ledger.revenue_by_hour(db, week)
    return accounts.Dashboard(
        today=today,
        week=week,
        day=accounts.figures(*ledger.sales_counts(db, day)),
        week_figures=week_figures,
        hours_today=accounts.by_local_hour(ledger.revenue_by_hour(db, day)),
        hours_week=accounts.by_local_hour(by_hour),
        top_products=tuple(ledger.top_products(db, week)),
        stock=tuple(ledger.stock_figures(db)),
        goal=goal,
        goal_bp=accounts.goal_progress(week_figures.revenue, goal),
    )


def _charts(board: accounts.Dashboard) -> dict[str, Markup]:
    def hours(bars, title):
        shown = [_eur(v) for _, v in bars]
        return Markup(charts.column_chart([(f"{h}h", v) for h, v in bars], title, shown))

    top = board.top_products
    stock = board.stock
    return {
        "hours_today": hours(board.hours_today, _("Ventes du jour par heure")),
        "hours_week": hours(board.hours_week, _("Ventes de la semaine par heure")),
        "top": Markup(
            charts.bar_list(
                [(p.name, p.revenue, None) for p in top],
                _("Meilleures ventes de la semaine"),
                [f"{p.quantity} · {_eur(p.revenue)}" for p in top],
            )
        ),
        "stock": Markup(
            charts.bar_list(
                [(s.name, s.left, s.produced) for s in stock],
                _("Stock restant sur stock produit"),
                [f"{s.left} / {s.produced}" for s in stock],
            )
        ),
        "goal": Markup(
            charts.progress_bar(
                board.week_figures.revenue,
                board.goal,
                _("Objectif de ventes de la semaine"),
                f"{board.goal_percent} %",
            )
        ),
    }


@bp.get("/dashboard")
@login_required
def dashboard():
    """The live dashboard: today, the week, by hour, best sellers, stock, the goal."""
    board = dashboard_figures(get_settings())
    now_text = clock.hour_for_people(clock.now())
    return page(
        "accounts/dashboard.html",
        "live",
        board=board,
        charts=_charts(board),
        now_text=now_text,
        orders_box=_orders_box(),
    )


def _orders_box() -> dict:
    """The day's orders by state and what open orders reserve (pos.db.orders)."""
    return orders_summary(get_db(), clock.start_of_local_day(clock.now()).isoformat())


# --- The week's accounts (admin) ----------------------------------------------------------


@bp.get("/accounts")
@admin_required
def index():
    """The bilan of the week (or of ?from=&to=), printable, with its reconciliation."""
    db = get_db()
    settings = get_settings()
    period = _period(settings)
    members = bookkeeping.advances_now(db, period, settings)
    return page(
        "accounts/index.html",
        bilan=ledger.bilan(db, period, settings),
        period=period,
        week=_week(settings),
        check=bookkeeping.reconcile(db, period, settings),
        settings=settings,
        categories=_category_names(),
        advances=members,
        owed_text={a.member_id: form_text(a.owed) for a in members},
        accounts_names={
            "products": _("701 Ventes de produits finis (fabriqués)"),
            "goods": _("707 Ventes de marchandises (revendues)"),
        },
        categories_rows=ledger.categories_revenue(db),
    )


@bp.post("/accounts/books")
@admin_required
def set_books():
    """Each category's sales account (701 or 707) and whether unsold stock enters the result."""
    db = get_db()
    revenue = {}
    for row in ledger.categories_revenue(db):
        kind = request.form.get(f"revenue_{row['id']}")
        if kind is not None:
            if kind not in ("products", "goods"):
                raise InvalidInput(_("Choisissez 701 ou 707."), field=f"revenue_{row['id']}")
            revenue[row["id"]] = kind
    ledger.save_categories_revenue(db, revenue)
    stock = "1" if request.form.get("stock_in_result") == "1" else "0"
    coop.save_settings(db, {"stock_in_result": stock})
    flash(_("Comptes enregistrés."), "ok")
    return redirect(url_for("accounts.index"))


@bp.post("/accounts/repayments")
@admin_required
def repay():
    """Pay a member back what they advanced, from the till or the bank (a recorded step)."""
    db, settings = get_db(), get_settings()
    member = coop.get_member(db, request.form.get("member_id", type=query_int) or 0)
    if member is None:
        raise InvalidInput(_("Choisissez le membre à rembourser."), field="member_id")
    paid_from = request.form.get("paid_from", "")
    if paid_from not in ("till", "bank"):
        raise InvalidInput(_("Remboursé par la caisse ou par la banque ?"), field="paid_from")
    try:
        amount = parse_amount(request.form.get("amount", ""))
    except InvalidAmount as exc:
        raise InvalidInput(
            _("Montant illisible : tapez par exemple 12,50."), field="amount"
        ) from exc
    members = bookkeeping.advances_now(db, accounts.Period(), settings)
    owed = next((a.owed for a in members if a.member_id == member["id"]), 0)
    if not 0 < amount <= owed:
        raise InvalidInput(
            _(
                "Le remboursement doit être entre 0,01 € et ce qui est dû (%(owed)s).",
                owed=_eur(owed),
            ),
            field="amount",
        )
    ledger.record_repayment(db, member["id"], amount, paid_from, g.member)
    flash(_("Remboursement de %(a)s à %(m)s enregistré.", a=_eur(amount), m=member["name"]), "ok")
    return redirect(url_for("accounts.index"))


def _category_names() -> dict[str, str]:
    return {code: translate(word) for code, word in labels.words("expense").items()}


@bp.post("/accounts/week")
@admin_required
def set_week():
    """Set the first day of the Flashcoop week (empty: the day the till first opened)."""
    raw = request.form.get("week_start", "").strip()
    if raw:
        try:
            parse_day(raw)
        except ValueError as exc:
            raise InvalidInput(
                _("Date illisible : utilisez le calendrier."), field="week_start"
            ) from exc
    coop.save_settings(get_db(), {"week_start": raw})
    flash(_("Semaine enregistrée."), "ok")
    return redirect(url_for("accounts.index"))


@bp.get("/accounts/bundle.zip")
@admin_required
def bundle():
    """The bookkeeping bundle: every CSV and the FEC in one zip, streamed into a temp file."""
    db = get_db()
    settings = get_settings()
    period = _period(settings)
    dialect = request.args.get("dialect", "fr")
    if dialect not in ("fr", "plain"):
        raise InvalidInput(_("Format inconnu : « fr » ou « plain »."), field="dialect")
    files = bookkeeping.export_files(db, period, dialect, settings, period.end)
    name = f"etal-comptes-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    with tempfile.TemporaryFile() as spool:
        bookkeeping.write_zip(files, spool, folder=name)
        size = spool.tell()
        handle = _Spool(os.dup(spool.fileno()))  # the file outlives this block, unnamed
    response = Response(
        handle.chunks(),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.zip"',
            "Content-Length": str(size),
            "Cache-Control": "no-store",
        },
    )
    response.call_on_close(handle.close)
    return response


class _Spool:
    """A temporary file kept as a bare descriptor, read from the start, closed exactly once.

    A bare descriptor rather than a file object: a response dropped unread leaks no
    half-closed Python file, and the zip never sits whole in memory.
    """

    def __init__(self, fd: int):
        self.fd: int | None = fd
        os.lseek(fd, 0, os.SEEK_SET)

    def chunks(self) -> Iterator[bytes]:
        """The file in 64 KiB blocks; closed at the end."""
        try:
            while self.fd is not None and (block := os.read(self.fd, 64 * 1024)):
                yield block
        finally:
            self.close()

    def close(self) -> None:
        """Close the descriptor (the file then disappears)."""
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)


# --- Profit sharing (admin) ---------------------------------------------------------------


def _shares_context(
    settings: dict,
    errors: dict | None = None,
    values: dict | None = None,
    typed: dict | None = None,
) -> dict:
    db = get_db()
    week = _week(settings)
    members = ledger.sharing_members(db, week)
    result = ledger.bilan(db, week).result
    return {
        "week": week,
        "days": week.days(),
        "members": coop.list_members(db),
        "sharing": members,
        "grid": ledger.hours_in(db, week),
        "result": result,
        "sheet": bookkeeping.share_sheet(db, week, settings),
        "rules": RULES,
        "values": values or _rule_values(settings),
        "errors": errors or {},
        "fmt": accounts.format_minutes,
        "typed": typed or {},
    }


def _rule_values(settings: dict) -> dict:
    def pct(bp: str) -> str:
        return rate_form_text(int(bp or 0))

    return {
        "share_rule": settings["share_rule"],
        "share_kept_back": pct(settings["share_kept_back"]),
        "share_hours_weight": pct(settings["share_hours_weight"]),
    }


@bp.get("/accounts/shares")
@admin_required
def shares():
    """Hours grid (members x days), the rule chosen, and each share to the cent."""
    return page("accounts/shares.html", **_shares_context(get_settings()))


@bp.get("/accounts/shares/sheet")
@admin_required
def share_sheet():
    """The shares alone (refreshed when hours or the rule change)."""
    return page("accounts/shares.html", "sheet", **_shares_context(get_settings()))


def _read_grid(form, week: accounts.Period, known: dict[int, str]):
    """The cells sent: [(member id, day, typed, minutes or None)] and a field -> message dict."""
    cells, errors = [], {}
    for key, raw in form.items():
        parts = key.split("_")
        if len(parts) != 3 or parts[0] != "h" or not is_digits(parts[1]):
            continue
        member_id, day = int(parts[1]), _grid_day(parts[2], week)
        if member_id not in known or day is None:
            continue
        try:
            cells.append((member_id, day, raw, accounts.parse_minutes(raw)))
        except accounts.InvalidHours:
            cells.append((member_id, day, raw, None))
            errors[key] = _("Tapez 3, 3,5 ou 3h30 (24 h au plus).")
    return cells, errors


@bp.post("/accounts/hours")
@admin_required
def save_hours():
    """Save hours: one cell (htmx, on change) or the whole grid (the plain form)."""
    db = get_db()
    settings = get_settings()
    known = {m["id"]: m["name"] for m in coop.list_members(db)}
    cells, errors = _read_grid(request.form, _week(settings), known)
    if request.htmx and len(cells) == 1:
        member_id, day, raw, minutes = cells[0]
        context = {"member_id": member_id, "member_name": known[member_id], "day": day}
        if minutes is None:
            return page(
                "accounts/_hours_cell.html",
                status=422,
                value=raw,
                error=next(iter(errors.values())),
                **context,
            )
        ledger.save_hours(db, member_id, day, minutes)
        response = page(
            "accounts/_hours_cell.html",
            value=accounts.format_minutes(minutes),
            error=None,
            **context,
        )
        response.headers["HX-Trigger"] = "shares-changed"
        return response
    if errors:
        typed = {f"h_{m}_{d.isoformat()}": raw for m, d, raw, _minutes in cells}
        return page(
            "accounts/shares.html",
            status=422,
            **_shares_context(settings, errors=errors, typed=typed),
        )
    for member_id, day, _raw, minutes in cells:
        ledger.save_hours(db, member_id, day, minutes)
    flash(_("Heures enregistrées."), "ok")
    return redirect(url_for("accounts.shares"))


def _grid_day(text: str, week: accounts.Period) -> date | None:
    try:
        day = parse_day(text)
    except ValueError:
        return None
    return day if week.start <= day <= week.start + timedelta(days=accounts.WEEK_DAYS - 1) else None


@bp.post("/accounts/shares")
@admin_required
def save_rule():
    """The rule the members chose, the part kept back, the part shared by hours (mix)."""
    db = get_db()
    settings = get_settings()
    form = {
        k: request.form.get(k, "").strip()
        for k in ("share_rule", "share_kept_back", "share_hours_weight")
    }
    values, errors = _check_rule(form)
    if errors:
        context = _shares_context(settings, errors, form)
        return page("accounts/shares.html", "rule", status=422, **context)
    coop.save_settings(db, values)
    settings.update(values)
    if request.htmx:
        response = page("accounts/shares.html", "rule", **_shares_context(settings))
        response.headers["HX-Trigger"] = "shares-changed"
        return response
    flash(_("Règle de partage enregistrée."), "ok")
    return redirect(url_for("accounts.shares"))


def _check_rule(form: dict) -> tuple[dict, dict]:
    values, errors = {}, {}
    if form["share_rule"] not in RULES:
        errors["share_rule"] = _("Choisissez une règle : à parts égales, aux heures ou mixte.")
    values["share_rule"] = form["share_rule"]
    for key in ("share_kept_back", "share_hours_weight"):
        bp = _percent(form[key])
        if not 0 <= bp <= 10_000:
            errors[key] = _("Indiquez un pourcentage entre 0 et 100, par exemple 10.")
        values[key] = str(bp)
    return values, errors


def _percent(text: str) -> int:
    """A percent typed as "10", "12,5" or "100" in basis points; -1 when unreadable."""
    raw = text.replace("%", "").replace(" ", "").replace(",", ".") or "0"
    if not is_decimal(raw):  # no NaN, Infinity, exponent or sign
        return -1
    try:
        bp = Decimal(raw) * 100
    except InvalidOperation:
        return -1
    return int(bp) if bp == bp.to_integral_value() else -1
