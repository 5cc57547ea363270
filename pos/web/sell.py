"""The sell screen: tiles, cart, payment row, the result with change, undo, history."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from pos import clock
from pos.cart import Change, changes_since
from pos.db import orders
from pos.db import sales as journal
from pos.db.catalogue import list_products
from pos.db.events import log_event
from pos.db.till import current_day
from pos.errors import CartChanged, EtalError, InvalidInput, NotAllowed, TillClosed
from pos.i18n import translate
from pos.numbers import is_digits, query_int
from pos.payment_methods import accepts
from pos.web import assets, basket
from pos.web import sell_payment as paying
from pos.web import sell_view as view
from pos.web.auth import admin_required, login_required
from pos.web.db import get_db, get_settings
from pos.web.errors import _next_step as next_step
from pos.web.errors import show
from pos.web.printing import open_drawer_after_sale
from pos.web.render import page

bp = Blueprint("sell", __name__)


@bp.get("/")
def home():
    """The sell screen is home."""
    return redirect(url_for("sell.index"))


@bp.get("/sell")
@login_required
def index():
    """The whole sell screen (the till must be open first); `?done=N` shows sale N's result."""
    if current_day(get_db()) is None:
        flash(_("Ouvrez la caisse d'abord : comptez le fond de caisse."), "info")
        return redirect(url_for("till.index"))
    result = None
    number = request.args.get("done", type=query_int)
    if number and not basket.current()["lines"]:
        result = view.result_panel(journal.get_sale(get_db(), number))
    return page("sell/index.html", **view.context(result, screen=True))


@bp.get("/sell/result/<int:number>")
@login_required
def result(number: int):
    """A sale's result panel again ("Non, la garder" after *Annuler la vente*)."""
    sale = journal.get_sale(get_db(), number)
    return page("sell/index.html", "after_sale", **view.context(view.result_panel(sale)))


@bp.get("/sell/tiles")
@login_required
def tiles():
    """The product tiles alone (refreshed when stock, prices or the till change), out of band:
    the screen applies them in place (js/tiles.js)."""
    return page("sell/index.html", "tiles", **view.context(tiles=True), oob_tiles=True)


@bp.get("/sell/changes")
@login_required
def changes():
    """Polled every second by each tablet: an empty 204 while nothing changed; else the new
    version, and `stock-changed` for the tiles to refresh (stock, prices, the till)."""
    version = journal.sell_version(get_db())
    if request.args.get("v") == version:
        return "", 204
    if not request.htmx:  # only a sell screen asks this; a person gets the screen itself
        return redirect(url_for("sell.index"))
    response = page("sell/index.html", "changes", version=version)
    response.headers["HX-Trigger"] = "stock-changed"
    return response


def _cart_response(status: int = 200, clear_result: bool = False, strip: bool = False, **extra):
    """The cart after a tap; `strip`: the first item of a new cart turns the last result into
    its one-line strip."""
    if not request.htmx:
        return redirect(url_for("sell.index"))
    response = page(
        "sell/index.html",
        "cart",
        status=status,
        clear_result=clear_result,
        strip_result=strip,
        **view.context(**extra),
    )
    if strip:  # the address no longer names the last sale: a reload shows the new cart
        response.headers["HX-Replace-Url"] = url_for("sell.index")
    response.headers["HX-Trigger"] = "cart-changed"  # an open split panel re-renders
    return response


@bp.errorhandler(EtalError)
def refused(exc: EtalError):
    """A refusal on the sell screen shows beside the cart, in the region the tap targets."""
    target = request.headers.get("HX-Target") if request.htmx else None
    if target not in ("cart", "result"):
        return show(translate(exc.msgid, exc.params), exc.status, next_step(exc))
    message = translate(exc.msgid, exc.params)
    product = exc.details.get("product_id")
    changed = frozenset([product]) if product else frozenset()
    if target == "cart":
        return _cart_response(exc.status, refusal=message, changed=changed, link=next_step(exc))
    context = view.context(refusal=message, changed=changed, link=next_step(exc))
    return page("sell/index.html", "after_sale", status=exc.status, **context)


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
    """A tap on a tile: one more in the cart (the first one of a cart clears the last result)."""
    db = get_db()
    if current_day(db) is None:  # closed on another tablet: say so before anything is added
        raise TillClosed()
    lines_before = [list(line) for line in basket.current()["lines"]]
    basket.add(db, product_id)
    if request.htmx and (changed := view.tap(lines_before, product_id)):
        response = page("sell/_tap.html", **changed)
        response.headers["HX-Reswap"] = "none"  # every part swaps itself, out of band
        response.headers["HX-Trigger"] = "cart-changed"
        return response
    return _cart_response(strip=not lines_before)


@bp.post("/sell/cart/line/<int:index>/<action>")
@login_required
def line(index: int, action: str):
    """−, + or remove on a cart line."""
    _same_cart()
    if action == "inc":
        basket.change_quantity(get_db(), index, 1)
    elif action == "dec":
        basket.change_quantity(get_db(), index, -1)
    elif action == "remove":
        basket.remove(index)
    elif action == "discount":
        basket.set_line_discount(get_db(), index, basket.parse_discount(request.form))
        return _cart_response(clear_result=True)
    else:
        raise InvalidInput(_("Action inconnue."))
    return _cart_response()


def _same_cart() -> None:
    """A line's buttons name it by position: refuse them on a cart changed elsewhere."""
    seen = request.form.get("seen")
    if seen is None:  # a discount panel's form, or a client without the cart's view
        return
    priced = basket.priced(get_db(), basket.current())
    if changes_since(seen, priced):
        raise CartChanged(
            _(
                "Ce panier a changé dans un autre onglet ou sur un autre appareil : "
                "voici le panier à jour."
            )
        )


@bp.post("/sell/cart/discount")
@login_required
def cart_discount():
    """A discount (or offert) on the whole cart, with its reason."""
    basket.set_cart_discount(get_db(), basket.parse_discount(request.form))
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
    """The cart form's one address: the button tapped ("2:inc", "pay:card"…) says what to do.

    With htmx each button posts here itself and names its own target; without JavaScript the
    form posts here and the answer is a page.
    """
    target, _sep, what = request.form.get("act", "").partition(":")
    if target == "pay":
        return _pay(what)
    if target == "channel":
        return channel()
    if target == "cash" and what == "pad":
        return cash()
    if target == "cart" and what == "discount":
        return discount_form()
    if is_digits(target) and what == "discount":
        return discount_form(int(target))
    if is_digits(target) and what in ("inc", "dec", "remove"):
        return line(int(target), what)
    raise InvalidInput(_("Action inconnue."))


def _pay(method: str):
    db = get_db()
    cart = basket.current()
    key = request.form.get("key", "")
    if key and (number := journal.sale_number_for_key(db, key)):
        return _done(journal.get_sale(db, number), cart, key)  # a retry: read what was written
    priced = basket.priced(db, cart)
    found = changes_since(request.form.get("seen", ""), priced)
    if key != cart["key"] and not found:
        found = [Change("lines")]
    if found:
        return _conflict(found)
    if priced is None:
        raise InvalidInput(_("Le panier est vide : touchez un produit pour l'ajouter."))
    payments = paying.payments(method, request.form, priced.total)
    settings = get_settings()  # for the drawer, and the undo window for the answer: read
    view.undo_minutes()  # before the write (a write drops the request's settings cache)
    entry: dict = {}
    if cart.get("order"):  # an order's pick-up: collected by this sale, in one transaction
        orders.collect_with_sale(
            db, cart["order"], priced, payments, member=g.member, key=key, recorded=entry
        )
    else:
        journal.record_sale(
            db,
            priced,
            payments,
            member=g.member,
            channel=cart["channel"],
            customer=cart["customer"],
            key=key,
            recorded=entry,
        )
    if not entry:  # the same key landed first (a double tap): show that sale
        return _done(journal.get_sale(db, journal.sale_number_for_key(db, key)), cart, key)
    open_drawer_after_sale(entry, settings)  # after the commit, in the background
    return _done({**entry, "voided_by": None, "refunds": []}, cart, key, just_written=True)


def _conflict(found: list[Change]):
    """Nothing recorded: the cart as it would be charged now, what changed highlighted."""
    message = " ".join(
        [*(paying.change_text(c) for c in found), _("Vérifiez le total puis encaissez.")]
    )
    changed = frozenset(c.product_id for c in found if c.product_id) | (
        {"total"} if any(c.kind != "lines" for c in found) else set()
    )
    if not request.htmx:
        flash(message, "error")
        return redirect(url_for("sell.index"))
    context = view.context(refusal=message, changed=frozenset(changed))
    return page("sell/index.html", "after_sale", status=409, **context)


def _done(sale: dict, cart: dict, key: str, *, just_written: bool = False):
    """The answer to a payment, from the entry as written; the address names the sale, so
    Back and a reload show its result again."""
    if cart.get("key") == key:
        basket.reset()
    basket.remember_sale(sale)
    done = url_for("sell.index", done=sale["number"])
    if not request.htmx:
        return redirect(done)
    # The tiles' new stock comes with the answer (out of band): no second request for them;
    # only those whose stock moved since the screen's when nothing else changed. A sale just
    # written was recorded in the open till day.
    version = view.seen_version()
    sold = None
    if just_written:
        sold = view.changed_tiles(request.form.get("v"), version["version"])
    context = view.context(
        view.result_panel(sale, just_written=just_written),
        tiles=sold is None,
        till_open=True if just_written else None,
    )
    response = page(
        "sell/index.html",
        "after_sale",
        **context,
        **version,
        oob_tiles=sold is None,
        sold_tiles=sold,
    )
    response.headers["HX-Replace-Url"] = done
    return response


@bp.get("/sell/cash")
@login_required
def cash():
    """The cash keypad, for an odd amount tendered (23 €) beside the note buttons."""
    return page("sell/cash.html", "pad", **view.context())


@bp.get("/sell/split")
@login_required
def split():
    """The split-payment panel: several methods, the amount still due shown live."""
    typed = {f"amount_{m}": request.args.get(f"amount_{m}", "")[:20] for m in paying.SPLIT_METHODS}
    return page("sell/split.html", "split", **_with_due(request.args), typed=typed)


@bp.post("/sell/split/due")
@login_required
def split_due():
    """What remains due for the amounts typed so far."""
    return page("sell/split.html", "due", **_with_due(request.form))


def _with_due(form) -> dict:
    """The split panel's context: the cart, and what remains due for the amounts typed."""
    context = view.context()
    total = context["priced"].total if context["priced"] else 0
    return {**context, "due": paying.due(form, total)}


@bp.post("/sell/undo/<int:number>")
@login_required
def undo(number: int):
    """Cancel one's last sale within the undo window (a void entry; stock returns).

    The button names the sale (`sale`) and a second tap confirms it (`confirm=yes`); a request
    naming another sale than the address is refused.
    """
    if request.form.get("sale", "").strip() != str(number):
        raise InvalidInput(
            _("Ce bouton ne nomme pas la vente n° %(n)s : rien n'est annulé.", n=number)
        )
    db = get_db()
    if request.form.get("confirm") != "yes":
        result = view.result_panel(journal.get_sale(db, number))
        if result["refusal"]:
            raise NotAllowed(result["refusal"].msgid, **result["refusal"].params)
        return page("sell/index.html", "after_sale", **view.context({**result, "confirm": True}))
    void = journal.record_void(
        db, number, member=g.member, undo_minutes=view.undo_minutes(), key=f"void-{number}"
    )
    log_event(db, "sale_voided", g.member, sale=number, void=void)
    basket.forget_sale(number)
    message = _(
        "Vente n° %(n)s annulée (écriture n° %(v)s). Le stock est rétabli.", n=number, v=void
    )
    if not request.htmx:
        flash(message, "ok")
        return redirect(url_for("sell.index"))
    response = page(
        "sell/index.html", "after_sale", **view.context(message=message), **view.seen_version()
    )
    response.headers["HX-Trigger"] = "stock-changed"
    response.headers["HX-Replace-Url"] = url_for("sell.index")
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
    if not accepts(method):
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

    css = view.tiles_stylesheet(list_products(get_db(), active_only=True))
    response = Response(css, mimetype="text/css")
    if request.args.get("v") == assets.digest_of(css.encode()):
        response.headers["Cache-Control"] = assets.IMMUTABLE
    return response
