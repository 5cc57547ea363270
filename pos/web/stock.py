"""Stock screens: levels, production batches, losses and gifts, inventory, ledger, expenses."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _

from pos import clock, pricing
from pos import settings as coop_settings
from pos import stock as rules
from pos.coop_files import files_folder
from pos.db import coop
from pos.db import stock as store
from pos.db.catalogue import get_product
from pos.db.orders import reserved_by_product
from pos.db.till import current_day
from pos.errors import InvalidInput, TillClosed
from pos.i18n import ngettext, translate
from pos.money import form_text
from pos.web.auth import admin_required, login_required
from pos.web.db import get_db, get_settings
from pos.web.render import page

bp = Blueprint("stock", __name__, url_prefix="/stock")


def _today() -> str:
    return clock.local(clock.now()).date().isoformat()


def _tracked_ids() -> set[int]:
    return {p["id"] for p in store.tracked_products(get_db())}


def files_dir() -> Path:
    """Where this app's photos and logo live: the `<db>.files/` folder next to its database."""
    return files_folder(current_app.config["DATABASE"])


@bp.get("")
@login_required
def index():
    """Per product: produced, sold, refunded, voided, lost, corrected, left; low stock flagged."""
    db = get_db()
    return page("stock/index.html", levels=store.stock_levels(db), reserved=reserved_by_product(db))


@bp.get("/<int:product_id>")
@login_required
def product_ledger(product_id: int):
    """Every movement of one product's stock, with the running balance."""
    db = get_db()
    product = get_product(db, product_id)
    if product is None:
        abort(404)
    return page(
        "stock/ledger.html",
        product=product,
        moves=store.ledger(db, product_id),
        batches=store.list_batches(db, product_id),
    )


def _batch_page(values: dict, errors: dict, status: int = 200):
    db = get_db()
    return page(
        "stock/batches.html",
        values=values,
        errors=errors,
        products=store.tracked_products(db),
        batches=store.list_batches(db),
        status=status,
    )


@bp.route("/batches", methods=["GET", "POST"])
@login_required
def batches():
    """Record a production batch: stock goes up, the batch's unit cost is worked out."""
    if request.method == "GET":
        return _batch_page({"made_on": _today(), "product_id": request.args.get("product", "")}, {})
    form = request.form.to_dict()
    checked = rules.check_batch(form, products=_tracked_ids(), today=_today())
    if checked.errors:
        return _batch_page(form, checked.errors, 422)
    store.record_batch(get_db(), checked.values, member_id=g.member["id"])
    product = get_product(get_db(), checked.values["product_id"])
    flash(
        _(
            "Lot enregistré : %(n)s × %(name)s. Stock : %(stock)s.",
            n=checked.values["quantity"],
            name=product["name"],
            stock=product["stock"],
        ),
        "ok",
    )
    return redirect(url_for("stock.batches"))


@bp.get("/batches/unit-cost")
@login_required
def batch_unit_cost():
    """The batch's unit cost as the member types (materials ÷ units)."""
    checked = rules.check_batch(request.args.to_dict(), products=set(), today=_today())
    v = checked.values
    cost = None
    if v["quantity"] and not checked.errors.get("materials_cost"):
        cost = pricing.unit_cost(v["materials_cost"], v["quantity"])
    return page(
        "stock/batches.html",
        "unit_cost",
        values=request.args.to_dict(),
        errors=checked.errors,
        unit_cost=cost,
    )


def _write_off_page(values: dict, errors: dict, status: int = 200):
    return page(
        "stock/write_off.html",
        values=values,
        errors=errors,
        products=store.tracked_products(get_db()),
        status=status,
    )


@bp.route("/write-offs", methods=["GET", "POST"])
@login_required
def write_off():
    """A loss (breakage) or a gift (tasting) with its reason."""
    if request.method == "GET":
        return _write_off_page(
            {
                "kind": request.args.get("kind", "loss"),
                "product_id": request.args.get("product", ""),
            },
            {},
        )
    form = request.form.to_dict()
    checked = rules.check_write_off(form, products=_tracked_ids())
    if not checked.errors:
        v = checked.values
        try:
            store.record_write_off(
                get_db(),
                v["product_id"],
                v["kind"],
                v["quantity"],
                v["reason"],
                member_id=g.member["id"],
            )
        except InvalidInput as exc:
            checked.errors[exc.field or "quantity"] = translate(exc.msgid, exc.params)
    if checked.errors:
        return _write_off_page(form, checked.errors, 422)
    flash(_("Sortie de stock enregistrée."), "ok")
    return redirect(url_for("stock.index"))


@bp.route("/inventory", methods=["GET", "POST"])
@admin_required
def inventory():
    """Inventory mode: type what you count; each difference becomes a correction.

    Admins only, as the per-product correction: both set the stock to a count.
    """
    db = get_db()
    products = store.tracked_products(db)
    if request.method == "GET":
        return page("stock/inventory.html", products=products, values={}, errors={})
    form = request.form.to_dict()
    checked = rules.check_inventory(form, stocks={p["id"]: p["stock"] for p in products})
    if checked.errors:
        return page(
            "stock/inventory.html",
            products=products,
            values=form,
            errors=checked.errors,
            status=422,
        )
    done = store.record_inventory(
        db, checked.values["counts"], checked.values["reason"], member_id=g.member["id"]
    )
    if done:
        flash(
            ngettext(
                "Inventaire enregistré : %(num)s correction.",
                "Inventaire enregistré : %(num)s corrections.",
                len(done),
            ),
            "ok",
        )
    else:
        flash(_("Inventaire : aucun écart, rien à corriger."), "ok")
    return redirect(url_for("stock.index"))


def _expense_page(values: dict, errors: dict, status: int = 200):
    db = get_db()
    return page(
        "stock/expenses.html",
        values=values,
        errors=errors,
        expenses=store.list_expenses(db),
        till_open=current_day(db) is not None,
        members=coop.list_members(db),
        vat_rates=coop_settings.vat_rates(get_settings()),
        status=status,
    )


@bp.route("/expenses", methods=["GET", "POST"])
@login_required
def expenses():
    """Purchases and expenses; paid from the till they leave the drawer at once."""
    db = get_db()
    if request.method == "GET":
        return _expense_page(
            {
                "spent_on": _today(),
                "category": "materials",
                "paid_from": request.args.get("paid_from", "")
                if request.args.get("paid_from") in rules.PAID_FROM
                else ("till" if current_day(db) else "bank"),
            },
            {},
        )
    form = request.form.to_dict()
    rates = coop_settings.vat_rates(get_settings())
    members = tuple(m["id"] for m in coop.list_members(db))
    checked = rules.check_expense(form, vat_rates=rates, today=_today(), member_ids=members)
    photo = _photo(checked.errors)
    if checked.errors:
        return _expense_page(form, checked.errors, 422)
    try:
        store.record_expense(
            db, checked.values, member=g.member, photo=photo, files_dir=files_dir()
        )
    except TillClosed as exc:
        return _expense_page(form, {"paid_from": translate(exc.msgid, exc.params)}, exc.status)
    except InvalidInput as exc:  # not enough cash in the drawer
        return _expense_page(form, {"total": translate(exc.msgid, exc.params)}, 422)
    amount = form_text(checked.values["total"])
    flash(_("Dépense de %(amount)s € enregistrée.", amount=amount), "ok")
    return redirect(url_for("stock.expenses"))


def _photo(errors: dict) -> bytes | None:
    """The receipt's photo, reduced; a message on the field if it is not a picture."""
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    try:
        return rules.reduce_photo(upload.stream)
    except rules.InvalidPhoto as exc:
        errors["photo"] = translate(exc.msgid, exc.params)
        return None


@bp.get("/expenses/<int:expense_id>/photo")
@login_required
def expense_photo(expense_id: int):
    """The photo of a paper receipt, for logged-in members only."""
    expense = store.get_expense(get_db(), expense_id)
    if expense is None or not expense["photo"]:
        abort(404)
    g.no_store = True
    return send_from_directory(files_dir(), expense["photo"], mimetype="image/jpeg")
