"""The animator's screens: coop settings, catalogue, stock corrections, members, tokens."""

from __future__ import annotations

import secrets

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

from pos import catalogue as rules
from pos import members as member_rules
from pos import settings as coop_settings
from pos import till
from pos.db import catalogue as store
from pos.db import coop, pins, sessions
from pos.db.events import KINDS, list_events, log_event
from pos.errors import InvalidInput
from pos.forms import Checked
from pos.i18n import translate
from pos.images import InvalidImage, shrink
from pos.money import form_text, rate_to_decimal
from pos.numbers import is_digits
from pos.print_queue import logo_path
from pos.stock import InvalidPhoto, reduce_photo
from pos.web.auth import admin_required, local_path
from pos.web.db import get_db, get_settings
from pos.web.render import page
from pos.web.stock import files_dir

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """Brand, legal identity, VAT regime, receipt footer, goals."""
    db = get_db()
    values, errors = coop.load_settings(db), {}
    before = dict(values)
    if request.method == "POST":
        form = request.form.to_dict()
        if "cash_difference_threshold" in form:  # the till part: its boxes, ticked or not
            form["z_closers"] = ",".join(request.form.getlist("z_closers"))
        checked = coop_settings.check_settings(form)
        values.update(checked.values)
        errors = checked.errors
        if not errors:
            _take_logo(checked.values, errors)
        if not errors:
            coop.save_settings(db, checked.values)
            get_settings()  # read again once written: the zone in force from now on
            changed = sorted(k for k, v in checked.values.items() if before.get(k) != v)
            log_event(db, "settings_changed", g.member, keys=changed)
            flash(_("Réglages enregistrés."), "ok")
            return redirect(url_for("admin.settings"))
    if not errors:
        for key in ("sales_goal", "cash_difference_threshold", *coop_settings.FIXED_COSTS):
            if is_digits(str(values.get(key, "")).lstrip("-")):
                values[key] = form_text(int(values[key]))
    return page(
        "admin/settings.html",
        values=values,
        errors=errors,
        members=coop.list_members(db),
        closers=till.allowed_closers(values),
        status=422 if errors else 200,
    )


LOGO_MAX = (384, 160)  # dots: fits the narrowest (58 mm) printer


def _take_logo(values: dict, errors: dict) -> None:
    """A receipt logo: grey levels, at most 384 dots wide, kept beside the database."""
    target = logo_path(current_app.config["DATABASE"])
    if request.form.get("remove_logo"):
        target.unlink(missing_ok=True)
        values["receipt_logo"] = ""
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        return
    try:
        image = shrink(upload.stream, LOGO_MAX, "L")
    except InvalidImage as exc:
        errors["logo"] = translate(exc.msgid, exc.params)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, "PNG")
    values["receipt_logo"] = "logo.png"


@bp.get("/catalogue")
@admin_required
def catalogue():
    """Categories and products, archived ones apart."""
    db = get_db()
    return page(
        "admin/catalogue.html",
        products=store.list_products(db),
        categories=store.list_categories(db),
        category_error=None,
    )


@bp.post("/categories")
@admin_required
def add_category():
    """A new category."""
    db = get_db()
    name = request.form.get("name", "")
    error = rules.check_category(name, {c["name"] for c in store.list_categories(db)})
    if error:
        return page(
            "admin/catalogue.html",
            products=store.list_products(db),
            categories=store.list_categories(db),
            category_error=error,
            category_name=name,
            status=422,
        )
    store.insert_category(db, name)
    log_event(db, "catalogue_changed", g.member, action="category_added", name=name)
    flash(_("Catégorie ajoutée."), "ok")
    return redirect(url_for("admin.catalogue"))


def _product_form(product: dict | None, values: dict, errors: dict, status: int = 200):
    db = get_db()
    settings = get_settings()
    return page(
        "admin/product.html",
        product=product,
        values=values,
        errors=errors,
        categories=store.list_categories(db),
        vat_rates=coop_settings.vat_rates(settings),
        status=status,
    )


TILE_PHOTO_PX = 480


def _take_photo(checked: Checked) -> None:
    """A tile photo, reduced to 480 px and kept beside the database; an error if unreadable."""
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return
    try:
        data = reduce_photo(upload.stream, TILE_PHOTO_PX)
    except InvalidPhoto as exc:
        checked.errors["photo"] = translate(exc.msgid, exc.params)
        return
    folder = files_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"product-{secrets.token_hex(8)}.jpg"
    (folder / name).write_bytes(data)
    checked.values["photo"] = name


@bp.get("/products/<int:product_id>/photo")
def product_photo(product_id: int):
    """A product's tile photo (members see it on the sell screen)."""
    if g.member is None:
        abort(401)
    product = store.get_product(get_db(), product_id)
    if not product or not product["photo"]:
        abort(404)
    return send_from_directory(files_dir(), product["photo"], mimetype="image/jpeg", max_age=3600)


def _as_typed(product: dict) -> dict:
    """A stored product as the form shows it ("12,50", "5.5")."""
    return {
        **product,
        "price": form_text(product["base_price"]),
        "unit_cost": form_text(product["unit_cost"]),
        "vat_rate": str(rate_to_decimal(product["vat_rate"])),
    }


def _check(form: dict, product_id: int | None) -> Checked:
    db = get_db()
    return rules.check_product(
        form,
        vat_rates=coop_settings.vat_rates(get_settings()),
        taken_names=store.product_names(db, except_id=product_id),
        categories={c["id"] for c in store.list_categories(db)},
    )


@bp.route("/products/new", methods=["GET", "POST"])
@admin_required
def new_product():
    """Create a product; errors beside each field, what was typed kept."""
    if request.method == "GET":
        return _product_form(None, {"track_stock": 1, "vat_rate": "", "low_stock": 5}, {})
    form = request.form.to_dict()
    checked = _check(form, None)
    stock = form.get("stock", "0").strip() or "0"
    if not is_digits(stock, 6):  # at most 999 999 units
        checked.errors["stock"] = _("Indiquez un nombre entier d'unités, par exemple 40.")
    _take_photo(checked)
    if checked.errors:
        return _product_form(None, form, checked.errors, 422)
    product_id = store.insert_product(
        get_db(), checked.values, stock=int(stock), member_id=g.member["id"]
    )
    log_event(
        get_db(),
        "catalogue_changed",
        g.member,
        action="product_added",
        product_id=product_id,
        name=checked.values["name"],
    )
    flash(_("Produit « %(name)s » ajouté.", name=checked.values["name"]), "ok")
    return redirect(url_for("admin.catalogue"))


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@admin_required
def edit_product(product_id: int):
    """Change a product (new sales use the new values; past sales keep theirs)."""
    db = get_db()
    product = store.get_product(db, product_id)
    if product is None:
        raise InvalidInput(_("Ce produit n'existe pas."))
    if request.method == "GET":
        return _product_form(product, _as_typed(product), {})
    form = request.form.to_dict()
    checked = _check(form, product_id)
    if checked.errors:
        return _product_form(product, form, checked.errors, 422)
    _take_photo(checked)
    if checked.errors:
        return _product_form(product, form, checked.errors, 422)
    if request.form.get("remove_photo"):
        checked.values["photo"] = None
    store.update_product(db, product_id, checked.values)
    log_event(
        db,
        "catalogue_changed",
        g.member,
        action="product_changed",
        product_id=product_id,
        changes={
            k: v
            for k, v in checked.values.items()
            if {**product, "price": product["base_price"]}.get(k) != v
        },
    )
    flash(_("Produit « %(name)s » modifié.", name=checked.values["name"]), "ok")
    return redirect(url_for("admin.catalogue"))


@bp.post("/products/<int:product_id>/active")
@admin_required
def toggle_product(product_id: int):
    """Archive a product (never deleted once sold) or bring it back."""
    active = request.form.get("active") == "1"
    store.set_product_active(get_db(), product_id, active)
    log_event(
        get_db(),
        "catalogue_changed",
        g.member,
        product_id=product_id,
        action="product_restored" if active else "product_archived",
    )
    return redirect(url_for("admin.catalogue"))


@bp.post("/products/<int:product_id>/stock")
@admin_required
def correct_stock(product_id: int):
    """Set the stock to what was counted: the difference goes in the ledger as a correction."""
    db = get_db()
    product = store.get_product(db, product_id)
    counted = request.form.get("counted", "").strip()
    reason = " ".join(request.form.get("reason", "").split()) or _("correction")
    if product is None or not is_digits(counted, 6):
        raise InvalidInput(
            _("Indiquez le nombre d'unités comptées, par exemple 12."), field="counted"
        )
    diff = int(counted) - product["stock"]
    if diff:
        store.move_stock(
            db, product_id, "correction", diff, reason=reason, member_id=g.member["id"]
        )
    flash(_("Stock de « %(name)s » : %(n)s.", name=product["name"], n=counted), "ok")
    return redirect(local_path(request.form.get("next")) or url_for("admin.catalogue"))


@bp.route("/members", methods=["GET", "POST"])
@admin_required
def members():
    """Members: add one, unlock one; API tokens listed and revoked."""
    db = get_db()
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        name = " ".join(values.get("name", "").split())
        if not name:
            errors["name"] = _("Donnez le prénom du membre.")
        elif name.casefold() in {
            m["name"].casefold() for m in coop.list_members(db, active_only=False)
        }:
            errors["name"] = _("Ce prénom est déjà pris : ajoutez une initiale.")
        if not member_rules.pin_is_valid(values.get("pin", "")):
            errors["pin"] = _("Le code doit compter 4 à 8 chiffres.")
        role = values.get("role", "member")
        if role not in member_rules.ROLES:
            errors["role"] = _("Rôle inconnu.")
        if not errors:
            coop.insert_member(db, name, values["pin"], role)
            log_event(db, "member_added", g.member, name=name, role=role)
            flash(_("%(name)s peut maintenant se connecter.", name=name), "ok")
            return redirect(url_for("admin.members"))
    return page(
        "admin/members.html",
        members=coop.list_members(db, active_only=False),
        tokens=coop.list_tokens(db),
        errors=errors,
        values=values,
        status=422 if errors else 200,
    )


@bp.post("/members/<int:member_id>/unlock")
@admin_required
def unlock(member_id: int):
    """Clear a member's wrong PINs and delays, on every device."""
    pins.unlock_member(get_db(), member_id)
    log_event(get_db(), "member_unlocked", g.member, member_id=member_id)
    flash(_("Compte débloqué."), "ok")
    return redirect(url_for("admin.members"))


@bp.post("/members/sign-out-everywhere")
@admin_required
def sign_out_everywhere():
    """End every session on every device (a lost tablet, a PIN seen over a shoulder)."""
    ended = sessions.end_all_sessions(get_db())
    log_event(get_db(), "sessions_ended", g.member, count=ended)
    flash(_("Tous les appareils sont déconnectés : chacun retape son code."), "ok")
    return redirect(url_for("auth.login"))


@bp.post("/tokens/<int:token_id>/revoke")
@admin_required
def revoke(token_id: int):
    """Revoke an API token."""
    coop.revoke_token(get_db(), token_id)
    log_event(get_db(), "token_revoked", g.member, token_id=token_id)
    flash(_("Jeton révoqué."), "ok")
    return redirect(url_for("admin.members"))


@bp.get("/events")
@admin_required
def events():
    """The event journal, newest first, filtered by kind."""
    kind = request.args.get("kind") or None
    return page(
        "admin/events.html", "rows", events=list_events(get_db(), kind=kind), kinds=KINDS, kind=kind
    )
