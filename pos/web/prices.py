"""Prices: the pricing helper members learn from, what-if, price changes, category markdowns."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from pos import prices as rules
from pos import pricing
from pos import settings as coop_settings
from pos.db import plan as plan_store
from pos.db import prices as store
from pos.db.catalogue import get_product, list_categories, list_products
from pos.db.stock import latest_batch_cost
from pos.errors import InvalidInput
from pos.i18n import translate
from pos.money import InvalidAmount, form_text, parse_amount, rate_to_decimal
from pos.web.auth import admin_required, login_required
from pos.web.db import get_db, get_settings
from pos.web.render import page

bp = Blueprint("prices", __name__, url_prefix="/prices")


@bp.app_template_filter("decimal")
def decimal(value: Decimal) -> str:
    """A coefficient the local way, two places ("2,75" in French)."""
    from pos.web import select_locale

    return format_decimal(
        value, format="#,##0.00", locale="fr_FR" if select_locale() == "fr" else "en_GB"
    )


@bp.app_template_filter("points")
def points(bp: int | None) -> str:
    """A change of rate in percentage points, signed ("-1 pt", "+0,23 pt")."""
    from pos.web import select_locale

    if bp is None:
        return "—"
    text = format_decimal(
        Decimal(bp).scaleb(-2),
        format="+#,##0.##;-#,##0.##",
        locale="fr_FR" if select_locale() == "fr" else "en_GB",
    )
    return text + "\u00a0pt"


def _typed(cents: int | None) -> str:
    return form_text(cents)


def _fixed_costs() -> int:
    """The week's fixed costs as the prévisionnel has them: the three settings and other lines."""
    return plan_store.fixed_costs(get_db(), get_settings()).total


@bp.get("")
@login_required
def index():
    """Every product's price and margin; markdowns and the latest price changes."""
    db = get_db()
    rows = []
    for p in list_products(db, active_only=True):
        sheet = None
        if p["unit_cost"] is not None:
            sheet = pricing.from_price_ttc(p["unit_cost"], p["vat_rate"], p["base_price"])
        rows.append({**p, "sheet": sheet})
    return _index_page(rows, {}, {})


def _index_page(rows: list[dict] | None, values: dict, errors: dict, status: int = 200):
    db = get_db()
    if rows is None:
        rows = [{**p, "sheet": None} for p in list_products(db, active_only=True)]
    return page(
        "prices/index.html",
        products=rows,
        markdowns=store.list_markdowns(db),
        changes=store.price_history(db, limit=30),
        categories=list_categories(db),
        values=values,
        errors=errors,
        status=status,
    )


def _helper_values(product: dict) -> dict:
    """What the helper starts from: the product's cost and its current price."""
    cost = product["unit_cost"]
    if cost is None:
        cost = latest_batch_cost(get_db(), product["id"])
    values = {
        "cost": _typed(cost),
        "vat": str(rate_to_decimal(product["vat_rate"])),
        "mode": "price",
        "value": _typed(product["base_price"]),
        "new_price": _typed(product["base_price"]),
        "step": "0,10",
    }
    values.update({k: v for k, v in request.args.items() if k in values})
    return values


def _what_if(product: dict, checked: dict, new_price: int, fixed: int) -> dict:
    sales = store.product_sales(get_db(), product["id"])
    left = max(product["stock"], 0) if product["track_stock"] else 0
    units, cost = max(sales["units"], 0), checked["cost"]
    sold_cost = max(sales["cost"], 0)
    result = pricing.what_if(
        new_price,
        checked["vat"],
        cost,
        left,
        units,
        max(sales["revenue_ht"], 0),
        sold_cost + left * cost,
        fixed,
        revenue_so_far_ttc=max(sales["revenue_ttc"], 0),
        sold_cost=sold_cost,
    )
    return {"result": result, "sales": sales, "contribution": result.projected_result + fixed}


def _helper(product: dict, status: int = 200, apply_error: str | None = None):
    settings = get_settings()
    rates = coop_settings.vat_rates(settings)
    values = _helper_values(product)
    checked = rules.check_helper(values, vat_rates=rates)
    errors, fixed = dict(checked.errors), _fixed_costs()
    sheet = what = signs = None
    if not errors:
        try:
            sheet = rules.sheet_for(checked.values, fixed)
            signs = pricing.sign_prices(
                sheet.unit_cost, sheet.vat_rate, sheet.price_ttc, checked.values["step"], fixed
            )
        except pricing.InvalidPricing as exc:
            errors["cost" if "coût" in str(exc) else "value"] = str(exc)
    if "cost" not in errors and "vat" not in errors and values["new_price"].strip():
        try:
            new_price = parse_amount(values["new_price"])
            what = _what_if(product, checked.values, new_price, fixed)
        except (InvalidAmount, pricing.InvalidPricing):
            errors["new_price"] = _("Indiquez un prix TTC à essayer, par exemple 11,00.")
    if errors and status == 200:
        status = 422
    return page(
        "prices/helper.html",
        "results",
        status=status,
        product=product,
        values=values,
        errors=errors,
        sheet=sheet,
        signs=signs,
        steps=[(step, _typed(step)) for step in pricing.SIGN_STEPS],
        what=what,
        fixed=fixed,
        vat_rates=rates,
        history=store.price_history(get_db(), product["id"]),
        batch_cost=latest_batch_cost(get_db(), product["id"]),
        apply_error=apply_error,
    )


def _product_or_404(product_id: int) -> dict:
    product = get_product(get_db(), product_id)
    if product is None:
        abort(404)
    return product


@bp.get("/<int:product_id>")
@login_required
def helper(product_id: int):
    """The pricing helper: cost, a rate or a price, and everything side by side, live."""
    return _helper(_product_or_404(product_id))


@bp.post("/<int:product_id>/apply")
@admin_required
def apply(product_id: int):
    """Apply a new price TTC: new sales use it at once; past sales keep theirs."""
    product = _product_or_404(product_id)
    try:
        new_price = parse_amount(request.form.get("new_price", ""))
        store.change_price(get_db(), product_id, new_price, member_id=g.member["id"])
    except InvalidAmount:
        return _helper(product, 422, _("Indiquez un prix TTC, par exemple 11,00."))
    except InvalidInput as exc:
        return _helper(product, 422, translate(exc.msgid, exc.params))
    flash(
        _(
            "Nouveau prix de « %(name)s » : %(old)s → %(new)s TTC.",
            name=product["name"],
            old=_typed(product["base_price"]) + " €",
            new=_typed(new_price) + " €",
        ),
        "ok",
    )
    return redirect(url_for("prices.helper", product_id=product_id))


@bp.post("/markdowns")
@admin_required
def add_markdown():
    """A markdown on a whole category (e.g. −30 % from Sunday 14:00)."""
    form = request.form.to_dict()
    checked = rules.check_markdown(form, categories={c["id"] for c in list_categories(get_db())})
    if checked.errors:
        return _index_page(None, form, checked.errors, 422)
    v = checked.values
    store.add_markdown(
        get_db(), v["category_id"], v["percent"], v["starts_at"], member_id=g.member["id"]
    )
    flash(_("Démarque enregistrée."), "ok")
    return redirect(url_for("prices.index"))


@bp.post("/markdowns/<int:markdown_id>/remove")
@admin_required
def remove_markdown(markdown_id: int):
    """End a markdown: prices go back to the catalogue's."""
    store.remove_markdown(get_db(), markdown_id)
    flash(_("Démarque retirée : les prix du catalogue reviennent."), "ok")
    return redirect(url_for("prices.index"))
