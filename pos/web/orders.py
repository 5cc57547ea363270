"""The members' order screens: the day's orders, one order, prepare, take payment, hand over."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from pos import clock
from pos import orders as rules
from pos.db import orders as store
from pos.db.catalogue import list_products
from pos.errors import EtalError
from pos.i18n import Message
from pos.web import basket
from pos.web.auth import login_required
from pos.web.db import get_db, get_settings
from pos.web.render import page

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.get("")
@login_required
def index():
    """Open orders and the day's others (`?state=` keeps one state); what is reserved."""
    db = get_db()
    store.expire_due(db)
    since = clock.start_of_local_day(clock.now()).isoformat()
    products = {p["id"]: p for p in list_products(db)}
    reserved = [(products[pid], n) for pid, n in store.reserved_by_product(db).items()]
    state = request.args.get("state", "")
    found = store.list_orders(db, since=since)
    return page(
        "orders/index.html",
        orders=[o for o in found if o["state"] == state] if state in rules.STATES else found,
        state=state,
        reserved=reserved,
        names=rules.STATE_NAMES,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """An order taken by phone or message: who, when, how many of each product."""
    db = get_db()
    products = list_products(db, active_only=True)
    values = request.form.to_dict() if request.method == "POST" else {"key": uuid.uuid4().hex}
    errors: dict = {}
    if request.method == "POST":
        try:
            checked = rules.check_request(_order_body(request.form, products))
            number, _replayed = store.place_order(
                db,
                checked,
                source="member",
                member=g.member,
                key=request.form.get("key") or None,
                expire_hours=int(get_settings()["orders_expire_hours"] or 0),
            )
        except EtalError as exc:  # the form again, as typed, the message beside the field
            field = "form" if not exc.field or exc.field.startswith("lines") else exc.field
            errors[field] = Message(exc.msgid, **exc.params)
        else:
            flash(_("Commande n° %(n)s enregistrée : son stock est réservé.", n=number), "ok")
            return redirect(url_for("orders.detail", number=number))
    status = 422 if errors else 200
    return page("orders/new.html", products=products, values=values, errors=errors, status=status)


def _order_body(form, products: list[dict]) -> dict:
    """The order form as the API's body: quantities typed per product (empty or 0: none)."""
    lines = []
    for p in products:
        raw = (form.get(f"qty_{p['id']}") or "").strip()
        if raw and raw != "0":
            quantity = int(raw) if raw.isdigit() else -1  # refused with the field's message
            lines.append({"product_id": p["id"], "quantity": quantity})
    return {
        "customer": form.get("customer", ""),
        "contact": form.get("contact", ""),
        "pickup": form.get("pickup", ""),
        "note": form.get("note", ""),
        "lines": lines,
    }


@bp.get("/<int:number>")
@login_required
def detail(number: int):
    """One order: lines, what it reserves, its history, what can be done next."""
    db = get_db()
    store.expire_due(db)
    return page(
        "orders/detail.html",
        order=store.get_order(db, number),
        names=rules.STATE_NAMES,
        event_names=rules.EVENT_NAMES,
        when=lambda at: clock.local(at).strftime("%d/%m %H:%M"),
    )


@bp.post("/<int:number>/<action>")
@login_required
def act(number: int, action: str):
    """Prepare (prête), cancel, or hand over an order paid in advance."""
    if action not in ("prepare", "cancel", "collect"):
        return redirect(url_for("orders.detail", number=number))
    order = store.change_state(get_db(), number, action, g.member)
    messages = {
        "prepare": _("Commande n° %(n)s prête.", n=number),
        "cancel": _("Commande n° %(n)s annulée : son stock est libéré.", n=number),
        "collect": _("Commande n° %(n)s remise au client.", n=number),
    }
    flash(messages[action], "ok")
    return redirect(url_for("orders.detail", number=order["number"]))


@bp.post("/<int:number>/transfer")
@login_required
def transfer(number: int):
    """Paid in advance by transfer: the sale is recorded today, with the transfer's reference."""
    sale = store.pay_by_transfer(get_db(), number, request.form.get("reference", ""), g.member)
    flash(
        _("Virement enregistré : vente n° %(s)s. La commande se remet sans paiement.", s=sale),
        "ok",
    )
    return redirect(url_for("orders.detail", number=number))


@bp.post("/<int:number>/checkout")
@login_required
def checkout(number: int):
    """*Encaisser*: the order goes into this tablet's cart, to be paid like any sale."""
    order = store.get_order(get_db(), number)
    if order["state"] not in rules.OPEN or order["paid_in_advance"]:
        rules.next_state(order["state"], "collect")  # raises, naming its state
        flash(_("Cette commande est déjà payée : remettez-la sans encaisser."), "info")
        return redirect(url_for("orders.detail", number=number))
    basket.put_order(get_db(), order)
    return redirect(url_for("sell.index"))


@bp.get("/flyer")
@login_required
def flyer():
    """A printable page with the public order page's address and its QR code."""
    from pos.qr import svg  # qrcode: only for the flyer

    settings = get_settings()
    url = rules.public_url(settings)
    if not url and settings["orders_public"] == "1":  # the address this tablet reaches it by
        url = url_for("public_orders.form", _external=True)
    return page("orders/flyer.html", url=url, qr=svg(url) if url else "", brand=settings["brand"])
