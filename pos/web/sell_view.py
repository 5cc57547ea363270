"""What the sell screen shows: the context of its templates, the tiles, a sale's result panel.

The routes (pos/web/sell.py) decide what happens; this module gathers what a template needs
for it, reading only what the fragment being answered shows.
"""

from __future__ import annotations

from flask import g, request, session
from flask_babel import gettext as _

from pos import clock
from pos.cart import PricedCart, changes_since, shown
from pos.catalogue import LIGHT_INK, tile_ink
from pos.db import sales as journal
from pos.db import stock
from pos.db.catalogue import get_products, list_categories, list_products
from pos.db.till import current_day
from pos.undo import undo_refusal
from pos.web import assets, basket
from pos.web.db import get_db, get_settings

NOTES = (500, 1000, 2000, 5000)  # the banknote buttons, in cents
MARKED = "cart_marked"  # the cart on screen shows a refusal or a highlight: redraw it whole


def context(
    result: dict | None = None,
    message: str | None = None,
    *,
    screen: bool = False,
    tiles: bool = False,
    till_open: bool | None = None,
    refusal: str | None = None,
    changed: frozenset = frozenset(),
    link: tuple[str, str] | None = None,
):
    """What the sell templates show. The tiles only for the whole screen (`screen`) or the
    tiles alone (`tiles`); `till_open` when already known (a sale was just recorded in it)."""
    db = get_db()
    cart = basket.current()
    priced = basket.priced(db, cart)
    if refusal or changed:
        session[MARKED] = True
    context = {
        "cart": cart,
        "priced": priced,
        "shown": shown(priced),
        "notes": NOTES,
        "result": result,
        "strip": basket.last_sale() if priced and not result else None,
        "message": message,
        "refusal": refusal,
        "refusal_link": link,  # what to do next, for an admin ("Corriger le stock")
        "changed": changed,
        "categories": [],
        "clock_behind": False,
    }
    if screen or tiles:  # a tap's fragment never shows the tiles: no catalogue query then
        context["till_open"] = current_day(db) is not None if till_open is None else till_open
        products = list_products(db, active_only=True)
        context["categories"] = _group(products, list_categories(db))
    if screen:  # what only the whole page shows: the poller's version, colours, the clock
        context["version"] = journal.sell_version(db)
        context["tiles_version"] = assets.digest_of(tiles_stylesheet(products).encode())
        context["clock_behind"] = journal.clock_is_behind(db)
    return context


def tap(lines_before: list, product_id: int) -> dict | None:
    """What a tap on a tile changed, when the screen shows the cart just before it (its
    `seen`): the context of sell/_tap.html (the line, the total, the payment row only when
    its buttons change). None when the whole cart must be drawn: the first item, a discount
    (its amounts move with the cart), a refusal or a highlight on screen, a screen showing
    another cart than this one (another tab), a request from elsewhere than a tile."""
    marked = session.pop(MARKED, False)
    db, cart = get_db(), basket.current()
    seen = request.form.get("seen")
    if (
        marked
        or not lines_before
        or seen is None
        or request.headers.get("HX-Target") != "cart"
        or cart["discount"]
        or any(line[2] for line in cart["lines"])
    ):
        return None
    before = basket.priced(db, {**cart, "lines": lines_before})
    if changes_since(seen, before):
        return None
    priced = basket.priced(db, cart)
    index = next(i for i, ln in enumerate(priced.lines) if ln.item.product_id == product_id)
    return {
        "line": priced.lines[index],
        "index": index,
        "appended": index == len(lines_before),
        "priced": priced,
        "shown": shown(priced),
        "payrow": _pay_states(before) != _pay_states(priced),
        "notes": NOTES,
        "changed": frozenset(),
    }


def _pay_states(priced: PricedCart) -> tuple[bool, ...]:
    """Which banknote buttons a cart disables (those below its total)."""
    return tuple(note < priced.total for note in NOTES)


def _group(products: list[dict], categories: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {c["name"]: [] for c in categories}
    for product in products:
        groups.setdefault(product["category"] or _("Autres"), []).append(product)
    return [(name, items) for name, items in groups.items() if items]


def result_panel(sale: dict, *, just_written: bool = False) -> dict:
    """A sale's result panel: what was tendered, and whether it may still be undone (the
    server's own rule, so the button never offers what the server would refuse)."""
    cash = sum(p["amount"] for p in sale["payments"] if p["method"] == "cash")
    member_id = g.member["id"] if g.member else None
    if just_written:  # the entry just written is its seller's last sale
        last = sale["number"]
    else:
        last = journal.last_sale_number(get_db(), member_id) if member_id else None
    refusal = undo_refusal(sale, member_id, last, clock.now(), undo_minutes())
    return {"sale": sale, "tendered": cash, "can_undo": refusal is None, "refusal": refusal}


TILES_ALONE = 12  # more tiles changed than that since the screen's: redraw them all


def changed_tiles(shown_version: str | None, version: str) -> list[dict] | None:
    """After a payment, the tiles that changed since those on screen (the version they show,
    `v`, sent with the payment): when only stock moved meanwhile (this sale, another tablet's),
    the products that moved, with their stock now. None when anything else changed (a price,
    a markdown, the catalogue, the till: the version's counter or markdowns) or too many did:
    then the whole tiles, as before."""
    try:
        counter, movement, markdowns = (int(n) for n in (shown_version or "").split("."))
        now_counter, now_movement, now_markdowns = (int(n) for n in version.split("."))
    except ValueError:
        return None
    if (counter, markdowns) != (now_counter, now_markdowns) or movement > now_movement:
        return None
    db = get_db()
    ids = stock.products_moved_since(db, movement, TILES_ALONE)
    if ids is None:
        return None
    products = get_products(db, ids)
    return [products[i] for i in ids if i in products and products[i]["active"]]


def seen_version() -> dict:
    """This tablet's own change, already shown: its poller moves on to the new version (no
    second refresh of the tiles under the member's finger)."""
    return {"version": journal.sell_version(get_db()), "oob_version": True}


def undo_minutes() -> int:
    """The undo window, read once a request (before a sale is written: the settings' cache
    is dropped by any write)."""
    if "undo_minutes" not in g:
        g.undo_minutes = int(get_settings()["undo_minutes"])
    return g.undo_minutes


def tiles_stylesheet(products: list[dict]) -> str:
    """The tiles' colour classes."""
    rules = []
    for p in products:
        ink = tile_ink(p["color"])
        shadow = "" if ink == LIGHT_INK else ";text-shadow:none"  # a shadow only helps white
        rules.append(f".c-{p['id']}{{background:{p['color']};color:{ink}{shadow}}}")
    return "\n".join(rules)
