"""The sell screen: tiles, cart, payment row, the result with change, undo, history."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from pos import clock
from pos.cart import Payment
from pos.catalogue import LIGHT_INK, tile_ink
from pos.db import orders
from pos.db import sales as journal
from pos.db.catalogue import list_categories, list_products
from pos.db.events import log_event
from pos.db.till import current_day
from pos.errors import InvalidInput
from pos.money import InvalidAmount, parse_amount
from pos.numbers import is_digits, query_int
from pos.payment_methods import METHODS, may_exceed
from pos.web import assets, basket
from pos.web.auth import admin_required, login_required
from pos.web.db import get_db, get_settings
from pos.web.printing import open_drawer_after_sale
from pos.web.render import page

bp = Blueprint("sell", __name__)
NOTES = (500, 1000, 2000, 5000)
SPLIT_METHODS = METHODS  # the registry (pos.payment_methods), read live


@bp.get("/")
def home():
    """The sell screen is home."""
    return redirect(url_for("sell.index"))


def _context(result: dict | None = None, message: str | None = None, *, screen: bool = False):
    """What the sell templates show; the tiles (and clock check) only for the whole screen."""
    db = get_db()
    cart = basket.current()
    context = {
        "cart": cart,
        "priced": basket.priced(db, cart),
        "notes": NOTES,
        "result": result,
        "message": message,
        "categories": [],
        "clock_behind": False,
    }
    if screen:  # a tap's fragment never shows the tiles: no catalogue query on the hot path
        products = list_products(db, active_only=True)
        context["categories"] = _group(products, list_categories(db))
        context["tiles_version"] = assets.digest_of(tiles_stylesheet(products).encode())
        context["clock_behind"] = journal.clock_is_behind(db)
    return context


def _group(products: list[dict], categories: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {c["name"]: [] for c in categories}
    for product in products:
        groups.setdefault(product["category"] or _("Autres"), []).append(product)
    return [(name, items) for name, items in groups.items() if items]


@bp.get("/sell")
@login_required
def index():
    """The whole sell screen (the till must be open first)."""
    if current_day(get_db()) is None:
        flash(_("Ouvrez la caisse d'abord : comptez le fond de caisse."), "info")
        return redirect(url_for("till.index"))
    result = None
    if number := request.args.get("done", type=query_int):
        result = _result(number)
    return page("sell/index.html", **_context(result, screen=True))


@bp.get("/sell/tiles")
@login_required
def tiles():
    """The product tiles alone (refreshed when stock changes)."""
    return page("sell/index.html", "tiles", **_context(screen=True))


def _cart_response(status: int = 200, message: str | None = None, clear_result: bool = False):
    if not request.htmx:
        return redirect(url_for("sell.index"))
    return page(
        "sell/index.html",
        "cart",
        status=status,
        clear_result=clear_result,
        **_context(message=message),
    )


@bp.get("/sell/cart/discount")
@bp.get("/sell/cart/line/<int:index>/discount")
@login_required
def discount_form(index: int | None = None):
    """The discount panel for one line or the whole cart (amount, percent or offert)."""
    if index is None:
        action, title = url_for("sell.cart_discount"), _("Remise sur le panier")
    else:
        action = url_for("sell.line", index=index, action="discount")
        title = _("Remise sur la ligne %(n)s", n=index + 1)
    return page("sell/discount.html", "panel", action=action, title=title)


@bp.post("/sell/cart/add/<int:product_id>")
@login_required
def add(product_id: int):
    """A tap on a tile: one more in the cart."""
    basket.add(get_db(), product_id)
    return _cart_response()


@bp.post("/sell/cart/line/<int:index>/<action>")
@login_required
def line(index: int, action: str):
    """−, + or remove on a cart line."""
    if action == "inc":
        basket.change_quantity(get_db(), index, 1)
    elif action == "dec":
        basket.change_quantity(get_db(), index, -1)
    elif action == "remove":
        basket.remove(index)
    elif action == "discount":
        basket.set_line_discount(index, basket.parse_discount(request.form))
        return _cart_response(clear_result=True)
    else:
        raise InvalidInput(_("Action inconnue."))
    return _cart_response()


@bp.post("/sell/cart/discount")
@login_required
def cart_discount():
    """A discount (or offert) on the whole cart, with its reason."""
    basket.set_cart_discount(basket.parse_discount(request.form))
    return _cart_response(clear_result=True)


@bp.post("/sell/cart/channel")
@login_required
def channel():
    """Stall or online sale."""
    basket.set_channel(request.form.get("channel", "stall"), request.form.get("customer", ""))
    return _cart_response()


@bp.post("/sell/cart/clear")
@login_required
def clear():
    """Empty the cart."""
    basket.reset()
    return _cart_response()


@bp.post("/sell/pay")
@login_required
def pay():
    """Record the sale once (its key makes retries harmless) and show the change."""
    return _pay(request.form.get("method", ""))


@bp.post("/sell/cart/act")
@login_required
def act():
    """The cart form's one address: the button tapped ("2:inc", "pay:card"…) says what to do."""
    target, _sep, what = request.form.get("act", "").partition(":")
    if target == "pay":
        return _retarget(_pay(what), "#result")
    if target == "channel":
        return channel()
    if target == "cart" and what == "discount":
        return _retarget(discount_form(), "#result")
    if is_digits(target) and what == "discount":
        return _retarget(discount_form(int(target)), "#result")
    if is_digits(target) and what in ("inc", "dec", "remove"):
        return line(int(target), what)
    raise InvalidInput(_("Action inconnue."))


def _retarget(response, target: str):
    """Send an htmx answer to another region than the cart (the result panel)."""
    if request.htmx and response.status_code == 200:
        response.headers["HX-Retarget"] = target
        response.headers["HX-Reswap"] = "outerHTML"
    return response


def _pay(method: str):
    db = get_db()
    cart = basket.current()
    key = request.form.get("key", "")
    if key and (number := journal.sale_number_for_key(db, key)):
        return _done(number, cart, key)
    if key != cart["key"]:
        raise InvalidInput(_("Le panier a changé : vérifiez-le puis encaissez à nouveau."))
    priced = basket.priced(db, cart)
    if priced is None:
        raise InvalidInput(_("Le panier est vide : touchez un produit pour l'ajouter."))
    payments = _payments(method, request.form, priced.total)
    if cart.get("order"):  # an order's pick-up: collected by this sale, in one transaction
        number, _replayed = orders.collect_with_sale(
            db, cart["order"], priced, payments, member=g.member, key=key
        )
    else:
        number, _replayed = journal.record_sale(
            db,
            priced,
            payments,
            member=g.member,
            channel=cart["channel"],
            customer=cart["customer"],
            key=key,
        )
    open_drawer_after_sale(number)  # after the commit, in the background
    return _done(number, cart, key)


def _payments(method: str, form, total: int) -> list[Payment]:
    if method.startswith("note:"):  # a banknote button: "note:20"
        return [Payment("cash", _amount(method[5:]))]
    if method == "note":
        return [Payment("cash", _amount(form.get("tendered")))]
    if method == "exact":
        return [Payment("cash", total)] if total else []
    if method in METHODS and not may_exceed(method):  # one method, the exact total
        return [Payment(method, total)] if total else []
    if method == "split":
        found = []
        for m in SPLIT_METHODS:
            raw = form.get(f"amount_{m}", "").strip()
            if raw:
                found.append(Payment(m, _amount(raw)))
        return [p for p in found if p.amount]
    raise InvalidInput(_("Choisissez un moyen de paiement."))


def _amount(raw: str | None) -> int:
    try:
        return parse_amount(raw)
    except InvalidAmount as exc:
        raise InvalidInput(
            _("Montant illisible : tapez par exemple 12,50."), field="amount"
        ) from exc


def _done(number: int, cart: dict, key: str):
    if cart.get("key") == key:
        basket.reset()
    if not request.htmx:
        return redirect(url_for("sell.index", done=number))
    response = page("sell/index.html", "after_sale", **_context(_result(number)))
    response.headers["HX-Trigger"] = "stock-changed"
    return response


def _result(number: int) -> dict:
    sale = journal.get_sale(get_db(), number)
    cash = sum(p["amount"] for p in sale["payments"] if p["method"] == "cash")
    undo_minutes = int(get_settings()["undo_minutes"])
    age = clock.now() - datetime.fromisoformat(sale["created_at"])
    return {
        "sale": sale,
        "tendered": cash,
        "can_undo": sale["kind"] == "sale"
        and not sale["voided_by"]
        and g.member
        and sale["member_id"] == g.member["id"]
        and age < timedelta(minutes=undo_minutes),
    }


@bp.get("/sell/split")
@login_required
def split():
    """The split-payment panel: several methods, the amount still due shown live."""
    return page("sell/split.html", "split", **_context(), due=_due(request.args))


@bp.post("/sell/split/due")
@login_required
def split_due():
    """What remains due for the amounts typed so far."""
    return page("sell/split.html", "due", **_context(), due=_due(request.form))


def _due(form) -> dict:
    priced = basket.priced(get_db(), basket.current())
    total = priced.total if priced else 0
    paid, bad = 0, False
    for m in SPLIT_METHODS:
        raw = (form.get(f"amount_{m}") or "").strip()
        if raw:
            try:
                paid += parse_amount(raw)
            except InvalidAmount:
                bad = True
    return {
        "total": total,
        "paid": paid,
        "left": max(total - paid, 0),
        "change": max(paid - total, 0),
        "bad": bad,
    }


@bp.post("/sell/undo/<int:number>")
@login_required
def undo(number: int):
    """Cancel one's last sale within the undo window (a void entry; stock returns)."""
    db = get_db()
    minutes = int(get_settings()["undo_minutes"])
    void = journal.record_void(
        db, number, member=g.member, undo_minutes=minutes, key=f"void-{number}"
    )
    log_event(db, "sale_voided", g.member, sale=number, void=void)
    message = _(
        "Vente n° %(n)s annulée (écriture n° %(v)s). Le stock est rétabli.", n=number, v=void
    )
    if not request.htmx:
        flash(message, "ok")
        return redirect(url_for("sell.index"))
    response = page("sell/index.html", "after_sale", **_context(message=message))
    response.headers["HX-Trigger"] = "stock-changed"
    return response


@bp.get("/sell/history")
@login_required
def history():
    """The day's sales, newest first; search by number."""
    db = get_db()
    number = request.args.get("number", type=query_int)
    since = clock.start_of_local_day(clock.now()).isoformat()
    sales = journal.list_sales(db, number=number) if number else journal.list_sales(db, since=since)
    return page("sell/history.html", "rows", sales=sales, number=number)


@bp.get("/sell/sales/<int:number>")
@login_required
def detail(number: int):
    """One sale: lines, payments, VAT, its receipt on screen, and refunds for an admin."""
    sale = journal.get_sale(get_db(), number)
    return page("sell/detail.html", sale=sale, receipt=_receipt_text(sale))


def _receipt_text(sale: dict) -> str:
    from pos.web.receipt_view import receipt_text

    return receipt_text(get_db(), sale)


@bp.post("/sell/sales/<int:number>/refund")
@admin_required
def refund(number: int):
    """Refund some lines of a past sale by a chosen method."""
    db = get_db()
    sale = journal.get_sale(db, number)
    wanted = []
    for ln in sale["lines"]:
        raw = request.form.get(f"qty_{ln['position']}", "0").strip() or "0"
        if not is_digits(raw):
            raise InvalidInput(_("Quantité illisible : tapez un nombre entier."))
        if int(raw):
            wanted.append((ln["product_id"], int(raw)))
    if not wanted:
        raise InvalidInput(_("Indiquez au moins une quantité à rembourser."))
    method = request.form.get("method", "cash")
    if method not in SPLIT_METHODS:
        raise InvalidInput(_("Moyen de paiement inconnu."))
    refund_number, replayed = journal.record_refund(
        db, number, wanted, method, member=g.member, key=request.form.get("key") or None
    )
    if not replayed:
        log_event(db, "sale_refunded", g.member, sale=number, refund=refund_number, method=method)
    return redirect(url_for("sell.detail", number=refund_number))


@bp.get("/sell/sales/<int:number>/receipt")
@login_required
def receipt(number: int):
    """The receipt on screen, exactly as it would print."""
    sale = journal.get_sale(get_db(), number)
    return page("sell/receipt.html", "receipt", sale=sale, receipt=_receipt_text(sale))


@bp.get("/sell/tiles.css")
def tile_colours():
    """Each product's tile colour as a class (inline styles are barred by the CSP); cached for
    good under the version the sell screen names (`?v=`, the digest of these very rules)."""
    from flask import Response

    css = tiles_stylesheet(list_products(get_db(), active_only=True))
    response = Response(css, mimetype="text/css")
    if request.args.get("v") == assets.digest_of(css.encode()):
        response.headers["Cache-Control"] = assets.IMMUTABLE
    return response


def tiles_stylesheet(products: list[dict]) -> str:
    """The tiles' colour classes."""
    rules = []
    for p in products:
        ink = tile_ink(p["color"])
        shadow = "" if ink == LIGHT_INK else ";text-shadow:none"  # a shadow only helps white
        rules.append(f".c-{p['id']}{{background:{p['color']};color:{ink}{shadow}}}")
    return "\n".join(rules)
