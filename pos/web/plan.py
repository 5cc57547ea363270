"""The prévisionnel: admins build the week's plan with the members, every member reads it.

Also what the dashboard and the bilan show of it: two template globals
(``plan_on_dashboard``, ``plan_against_bilan``) used by small partials, so the accounts' own
routes and templates need only an include.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from pos import accounts, clock, plan, plan_gaps
from pos import plan_form as rules
from pos.db import plan as store
from pos.db.accounts import first_day
from pos.db.catalogue import get_products
from pos.db.events import log_event
from pos.db.stock import latest_batch_cost
from pos.i18n import translate
from pos.money import div_round, form_text
from pos.projection import ESTIMATE, clearance, project
from pos.web.auth import admin_required, login_required
from pos.web.db import get_db, get_settings
from pos.web.render import page

bp = Blueprint("plan", __name__, url_prefix="/plan")


def _today() -> date:
    return clock.local(clock.now()).date()


def _week(settings: dict) -> accounts.Period:
    return accounts.week_of(settings["week_start"], first_day(get_db()), _today())


def _locale() -> str:
    from pos.web import select_locale

    return "fr_FR" if select_locale() == "fr" else "en_GB"


@bp.app_template_filter("weekday")
def weekday(day: date) -> str:
    """A day's name in the member's language ("dimanche")."""
    return format_date(day, "EEEE", locale=_locale())


@bp.app_template_filter("day_month")
def day_month(day: date) -> str:
    """A day as members say it: "dimanche 14/06"."""
    return f"{weekday(day)} {day:%d/%m}"


def say(message) -> str:
    """A domain message translated, its amounts in cents shown as euros."""
    eur = current_app.jinja_env.filters["eur"]
    params = {k: eur(v) if k == "amount" else v for k, v in message.params.items()}
    return translate(message.msgid, params)


def plan_figures() -> dict:
    """The plan, its forecast income statement, break-even and financing plan."""
    db, settings = get_db(), get_settings()
    forecast = plan.forecast(store.planned_products(db), store.fixed_costs(db, settings))
    facts = store.plan_facts(db)
    money = plan.financing(
        forecast, facts["float"], store.plan_lines(db, "own"), store.plan_lines(db, "loan")
    )
    current = _week(settings)
    week = store.plan_week(db) or current  # the week the plan was made for
    return {
        "forecast": forecast,
        "money": money,
        "facts": facts,
        "market_days": [date.fromisoformat(d) for d in facts["market_days"]],
        "week": week,
        "current_week": current,
        "settings": settings,
        "planned": store.has_plan(db),
    }


@bp.get("")
@login_required
def index():
    """The plan as every member reads it."""
    return page("plan/index.html", **plan_figures())


@bp.get("/bank")
@login_required
def bank():
    """« Présentation à la banque »: one printable page, each figure with its formula."""
    return page("plan/bank.html", **plan_figures())


def _form_values() -> dict:
    """What the edit form starts from: the stored plan, else each product's cost and price."""
    db, settings = get_db(), get_settings()
    values: dict[str, str] = {}
    for row in store.planned_rows(db):
        pid = row["id"]
        planned = row["units_made"] is not None
        cost = row["unit_cost"] if planned else row["product_cost"]
        if cost is None:
            cost = latest_batch_cost(db, pid)
        values[f"made_{pid}"] = str(row["units_made"]) if planned else ""
        values[f"sell_{pid}"] = str(row["units_to_sell"]) if planned else ""
        values[f"cost_{pid}"] = form_text(cost)
        values[f"price_{pid}"] = form_text(row["price"] if planned else row["base_price"])
    for key in rules.FIXED_SETTINGS:
        values[key] = form_text(int(settings.get(key) or 0))
    facts = store.plan_facts(db)
    values["float"] = form_text(facts["float"])
    values["market_hours"] = str(facts["market_hours"] or "")
    for day in facts["market_days"]:
        values[f"day_{day}"] = "1"
    for kind in rules.LINE_KINDS:
        for n, line in enumerate(store.plan_lines(db, kind)):
            values[f"{kind}_label_{n}"] = line.label
            values[f"{kind}_amount_{n}"] = form_text(line.amount)
            if kind == "fixed" and not line.upfront:
                values[f"fixed_later_{n}"] = "1"
    return values


def _line_numbers(values: dict, kind: str) -> list[int]:
    """The line numbers to show for a kind: those typed, then two empty ones."""
    used = sorted({int(k.rsplit("_", 1)[1]) for k in values if k.startswith(f"{kind}_label_")})
    last = used[-1] if used else -1
    return [*used, last + 1, last + 2]


def _edit_page(values: dict, errors: dict, status: int = 200):
    db = get_db()
    rows = store.planned_rows(db)
    return page(
        "plan/edit.html",
        status=status,
        rows=rows,
        batch_costs={r["id"]: latest_batch_cost(db, r["id"]) for r in rows},
        values=values,
        errors=errors,
        lines={kind: _line_numbers(values, kind) for kind in rules.LINE_KINDS},
        week=_week(get_settings()),
    )


@bp.get("/edit")
@admin_required
def edit():
    """The plan's form; ?cost_<id>=&price_<id>= (from the pricing helper) fill a product in."""
    values = _form_values()
    values.update(
        {k: v for k, v in request.args.items() if k in values and k.startswith(("cost_", "price_"))}
    )
    return _edit_page(values, {})


@bp.post("/edit")
@admin_required
def save():
    """Save the whole plan (Post/Redirect/Get); wrong fields come back with their message."""
    db = get_db()
    form = request.form.to_dict()
    ids = [r["id"] for r in store.planned_rows(db)]
    checked = rules.check_plan(form, ids, _week(get_settings()).days())
    if checked.errors:
        return _edit_page(form, checked.errors, 422)
    store.save_plan(db, checked.values, week=_week(get_settings()))
    log_event(db, "settings_changed", g.member, keys=["prévisionnel", *rules.FIXED_SETTINGS])
    flash(_("Prévisionnel enregistré."), "ok")
    return redirect(url_for("plan.index"))


# --- On the dashboard and the bilan -------------------------------------------------------


def _projections(forecast: plan.Forecast, week: accounts.Period, facts: dict) -> list[dict]:
    """Per tracked planned product: the sell-through projection and what would clear it."""
    db, today = get_db(), _today()
    market = sorted(date.fromisoformat(d) for d in facts["market_days"])
    if not market:
        return []
    closed = store.closed_days(db, week)
    behind = [d for d in market if d < today or d in closed]
    ahead = [d for d in market if d not in behind]
    by_day = store.units_by_day(db, week)
    stock = store.stock_now(db)
    actual = {a.product_id: a for a in store.product_actuals(db, week)}
    ids = [line.product.product_id for line in forecast.products]
    current = get_products(db, [i for i in ids if i in stock])
    out = []
    for line in forecast.products:
        pid = line.product.product_id
        if pid not in current:
            continue
        days = by_day.get(pid, {})
        projection = project(
            max(stock[pid], 0),
            [max(days.get(d, 0), 0) for d in behind],
            max(days.get(today, 0), 0) if today in ahead else 0,
            len(ahead),
        )
        done = actual.get(pid, plan_gaps.ProductActual(line.product.name, 0, 0, 0, 0, pid))
        product = current[pid]
        out.append(
            {
                "id": pid,
                "name": product["name"],
                "price": product["price"],
                "projection": projection,
                "clearance": clearance(
                    projection,
                    product["price"],
                    product["vat_rate"],
                    product["unit_cost"] or line.product.unit_cost,
                    max(done.sold, 0),
                    max(done.revenue_ht, 0),
                    max(done.cost_of_goods, 0),
                    hours_a_day=facts["market_hours"],
                ),
            }
        )
    return out


def _last_day(facts: dict) -> date | None:
    days = facts["market_days"]
    return date.fromisoformat(max(days)) if days else None


def _other_plan(db, shown: accounts.Period) -> dict | None:
    """None when the plan is the one of the period shown (`plan.plan_cover`); otherwise what
    to say instead of comparing: no plan for it, or the week the plan is for."""
    week = store.plan_week(db) or _week(get_settings())
    cover = plan.plan_cover(week, shown)
    return None if cover == "same" else {"cover": cover, "plan_week": week}


@bp.app_template_global("plan_on_dashboard")
def plan_on_dashboard() -> dict | None:
    """The dashboard's plan section: planned against actual, the projection; None: no plan."""
    db, settings = get_db(), get_settings()
    if not store.has_plan(db):
        return None
    week = _week(settings)
    if (other := _other_plan(db, week)) is not None:
        return other
    forecast = plan.forecast(store.planned_products(db), store.fixed_costs(db, settings))
    facts = store.plan_facts(db)
    rows = plan_gaps.product_gaps(forecast.products, store.product_actuals(db, week))
    projections = _projections(forecast, week, facts)
    estimates = [p for p in projections if p["projection"].state == ESTIMATE]
    rough = any(p["projection"].step > 1 for p in estimates)
    left = sum(p["projection"].left for p in estimates)
    return {
        "rows": rows,
        "total": plan_gaps.total_gaps(rows),
        "projections": projections,
        "estimates": estimates,
        "total_left": div_round(left, 5) * 5 if rough else left,
        "last_day": _last_day(facts),
        "market_days": facts["market_days"],
    }


@bp.app_template_global("plan_against_bilan")
def plan_against_bilan(bilan: accounts.Bilan) -> dict | None:
    """The bilan's « prévu / réalisé / écart » and a short reading of the gaps; None: no plan."""
    db, settings = get_db(), get_settings()
    if not store.has_plan(db):
        return None
    if (other := _other_plan(db, bilan.period)) is not None:
        return other
    forecast = plan.forecast(store.planned_products(db), store.fixed_costs(db, settings))
    gaps = plan_gaps.bilan_gaps(
        forecast,
        bilan.revenue_ht,
        bilan.cost_of_goods,
        {e.category: e.ht for e in bilan.expenses},
        {v.rate: (v.base, v.total) for v in bilan.revenue},
        bilan.result,
    )
    rows = plan_gaps.product_gaps(forecast.products, store.product_actuals(db, bilan.period))
    sold = plan_gaps.total_gaps(rows).sold
    cuts = [
        (name, day_month(clock.local(at).date())) for name, at in store.price_cuts(db, bilan.period)
    ]
    return {
        "gaps": gaps,
        "rows": rows,
        "reading": [say(m) for m in plan_gaps.reading(gaps, sold, cuts)],
    }
