"""Queries for orders: place one (reserving its stock at once), move it on, pay it, read it.

Every write runs under the write lock with BEGIN IMMEDIATE (`transaction`), as sales do, and
every refusal comes before the first write: an order and a stall sale racing for the last unit
are serialised, and the second one sees the first's effect. Reserved units are not stored twice:
they are the lines of open, unpaid, unexpired orders (`RESERVED`), summed when read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from pos import clock
from pos import orders as rules
from pos.cart import Item, Payment, PricedCart, price_cart
from pos.db import now_iso, query, transaction
from pos.db import sales as journal
from pos.db.catalogue import RESERVED, get_products
from pos.db.order_history import derive, get_order, record_event
from pos.errors import InvalidInput, OutOfStock
from pos.i18n import N_


def reserved_by_product(db: Database) -> dict[int, int]:
    """Units reserved per product (only products with some)."""
    rows = db.execute(f"SELECT p.id, {RESERVED} FROM products p").fetchall()
    return {pid: n for pid, n in rows if n}


def place_order(
    db: Database,
    request: rules.OrderRequest,
    *,
    source: str,
    member: dict | None = None,
    key: str | None = None,
    request_hash: str | None = None,
    client: str = "",
    expire_hours: int = 0,
    per_hour: int = 0,
) -> tuple[int, bool]:
    """Record an order and reserve its lines, atomically; return (number, replayed).

    :raise OutOfStock: a line asks more than is available (on hand minus reserved).
    :raise InvalidInput: an unknown or archived product.
    :raise TooManyOrders: `client` already placed `per_hour` orders within the hour.
    """
    with transaction(db):
        if key and (found := _number_for_key(db, key)):
            return found, True
        expire_due(db)
        if client and per_hour:
            _check_rate(db, client, per_hour)
        lines = _priced_lines(db, request.lines)
        now = clock.now()
        expires = rules.expires_at(clock.local(now), expire_hours, request.pickup)
        expires = expires and expires.astimezone(UTC)  # stored UTC, compared as text
        number = db.execute("SELECT coalesce(max(number), 0) + 1 FROM orders").fetchone()[0]
        order_id = db.execute(
            "INSERT INTO orders(number, source, customer, contact, pickup, note, total, created_at,"
            " expires_at, member_id, client, idempotency_key, request_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                number,
                source,
                request.customer,
                request.contact,
                request.pickup,
                request.note,
                sum(line["total"] for line in lines),
                now.isoformat(timespec="microseconds"),
                expires and expires.isoformat(timespec="microseconds"),
                member and member["id"],
                client,
                key,
                request_hash,
            ],
        ).lastrowid
        for line in lines:
            db.execute(
                "INSERT INTO order_lines(order_id, position, product_id, name, quantity,"
                " unit_price, vat_rate, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [order_id, *line.values()],
            )
        record_event(db, order_id, "placed", member, source=source)
        return number, False


def _number_for_key(db: Database, key: str) -> int | None:
    row = db.execute("SELECT number FROM orders WHERE idempotency_key = ?", [key]).fetchone()
    return row[0] if row else None


def order_for_key(db: Database, key: str) -> tuple[int, str | None] | None:
    """(number, request hash) of the order placed under this idempotency key, if any."""
    row = db.execute(
        "SELECT number, request_hash FROM orders WHERE idempotency_key = ?", [key]
    ).fetchone()
    return (row[0], row[1]) if row else None


def _check_rate(db: Database, client: str, per_hour: int) -> None:
    since = (clock.now() - timedelta(hours=1)).isoformat(timespec="microseconds")
    count = db.execute(
        "SELECT count(*) FROM orders WHERE client = ? AND created_at > ?", [client, since]
    ).fetchone()[0]
    if count >= per_hour:
        raise rules.TooManyOrders(
            N_("Trop de commandes depuis cette adresse : réessayez dans une heure."),
            field="lines",
        )


def _priced_lines(db: Database, wanted: tuple[tuple[int, int], ...]) -> list[dict]:
    """Each line at today's price, checked against what is available now (under the lock)."""
    products = get_products(db, [pid for pid, _q in wanted])
    left = _available(db, [pid for pid, _q in wanted])
    lines = []
    for index, (product_id, quantity) in enumerate(wanted):
        product = products.get(product_id)
        if not product or not product["active"]:
            raise InvalidInput(
                N_("Produit inconnu ou archivé."), field=f"lines[{index}].product_id"
            )
        if product["track_stock"] and left[product_id] < quantity:
            raise OutOfStock(
                N_("Stock insuffisant pour « %(name)s » : il n'en reste que %(left)s."),
                field=f"lines[{index}].quantity",
                product_id=product_id,
                left=left[product_id],
                name=product["name"],
            )
        lines.append(
            {
                "position": index + 1,
                "product_id": product_id,
                "name": product["name"],
                "quantity": quantity,
                "unit_price": product["price"],
                "vat_rate": product["vat_rate"],
                "total": product["price"] * quantity,
            }
        )
    return lines


def _available(db: Database, product_ids: list[int]) -> dict[int, int]:
    marks = ", ".join("?" for _ in product_ids)
    rows = db.execute(
        f"SELECT p.id, p.stock, {RESERVED} FROM products p WHERE p.id IN ({marks})", product_ids
    ).fetchall()
    return {pid: rules.available(stock, reserved) for pid, stock, reserved in rows}


def list_orders(db: Database, *, since: str | None = None, open_only: bool = False) -> list[dict]:
    """Orders, the open ones first then newest first, with their lines; optionally only those
    placed since a time, or still open."""
    where, args = [], []
    if since:
        where.append("(created_at >= ? OR state IN ('to_prepare', 'ready'))")
        args.append(since)
    if open_only:
        where.append("state IN ('to_prepare', 'ready')")
    sql = "SELECT * FROM orders" + (" WHERE " + " AND ".join(where) if where else "")
    orders = list(
        query(
            db,
            sql + " ORDER BY state NOT IN ('to_prepare', 'ready'), number DESC LIMIT 500",
            args,
        )
    )
    by_id = {o["id"]: {**o, "lines": []} for o in orders}
    if by_id:
        marks = ", ".join("?" for _ in by_id)
        for line in query(
            db,
            f"SELECT * FROM order_lines WHERE order_id IN ({marks}) ORDER BY position",
            list(by_id),
        ):
            by_id[line["order_id"]]["lines"].append(line)
    for order in by_id.values():
        derive(order)
    return list(by_id.values())


def change_state(db: Database, number: int, action: str, member: dict | None) -> dict:
    """Prepare, cancel, or hand over (collect) an order paid in advance; return the order.

    A collect here needs no payment: only an order already paid (by transfer) may be handed
    over without one; others are collected by their sale (`collect_with_sale`).
    :raise OrderStateError: the move is not possible from the order's state.
    """
    with transaction(db):
        order = get_order(db, number)
        if action == "collect" and not order["paid_in_advance"]:
            raise rules.OrderStateError(
                N_("Cette commande n'est pas payée : encaissez-la pour la remettre.")
            )
        to = rules.next_state(order["state"], action, paid_by=_paid_by(db, order))
        db.execute("UPDATE orders SET state = ? WHERE id = ?", [to, order["id"]])
        record_event(db, order["id"], _EVENT_OF[action], member)
        return get_order(db, number)


_EVENT_OF = {
    "prepare": "prepared",
    "collect": "collected",
    "cancel": "cancelled",
    "expire": "expired",
}


def _paid_by(db: Database, order: dict) -> int | None:
    """The sale that paid the order in advance, unless it was voided or refunded since."""
    if not order["paid_in_advance"]:
        return None
    sale = journal.get_sale(db, order["sale_number"])
    return None if sale["voided_by"] or sale["refunds"] else sale["number"]


def expire_due(db: Database) -> list[int]:
    """Mark expired the open, unpaid orders whose delay has passed; their numbers."""
    now = now_iso()
    due = [
        row[0]
        for row in db.execute(
            "SELECT number FROM orders WHERE state IN ('to_prepare', 'ready')"
            " AND paid_in_advance = 0 AND expires_at IS NOT NULL AND expires_at <= ?",
            [now],
        )
    ]
    if not due:
        return []
    with transaction(db):
        for number in due:
            order = get_order(db, number)
            if not rules.is_due_to_expire(
                order["state"],
                bool(order["paid_in_advance"]),
                datetime.fromisoformat(order["expires_at"]),
                clock.now(),
            ):
                continue
            db.execute("UPDATE orders SET state = 'expired' WHERE id = ?", [order["id"]])
            record_event(db, order["id"], "expired", None, who="Étal")
    return due


def _cart_of(order: dict) -> PricedCart:
    """The order's lines at the prices the customer was told."""
    return price_cart(
        [
            Item(
                product_id=ln["product_id"],
                name=ln["name"],
                short_name=ln["name"],
                unit_price=ln["unit_price"],
                vat_rate=ln["vat_rate"],
                quantity=ln["quantity"],
            )
            for ln in order["lines"]
        ]
    )


def pay_by_transfer(db: Database, number: int, reference: str, member: dict | None) -> int:
    """Record an order paid in advance by transfer: a sale « en ligne » paid « virement »
    today (its revenue is today's), its reference kept; the sale takes the reserved stock.

    :raise OrderStateError: the order is no longer open, or already paid.
    :raise InvalidInput: no transfer reference.
    """
    reference = " ".join(str(reference).split())[:80]
    if not reference:
        raise InvalidInput(
            N_("Indiquez la référence du virement (elle figure sur le relevé)."),
            field="reference",
        )
    with transaction(db):
        order = _open_unpaid(db, number)
        # Released first so that the sale's stock check sees these units as its own.
        db.execute("UPDATE orders SET paid_in_advance = 1 WHERE id = ?", [order["id"]])
        cart = _cart_of(order)
        sale, _replayed = journal.record_sale(
            db,
            cart,
            [Payment("transfer", cart.total)] if cart.total else [],
            member=member,
            channel="online",
            customer=_customer(order, reference),
            key=f"order-{number}-transfer",
        )
        db.execute(
            "UPDATE orders SET sale_number = ?, transfer_reference = ? WHERE id = ?",
            [sale, reference, order["id"]],
        )
        record_event(
            db, order["id"], "paid", member, sale=sale, method="transfer", reference=reference
        )
        return sale


def _customer(order: dict, reference: str = "") -> str:
    """The customer as the journal entry keeps it (hash-chained): name, order, transfer."""
    transfer = f", virement {reference}" if reference else ""
    suffix = f" (commande n° {order['number']}{transfer})"[:60]
    return order["customer"][: 80 - len(suffix)] + suffix


def _open_unpaid(db: Database, number: int) -> dict:
    order = get_order(db, number)
    if order["state"] not in rules.OPEN:
        rules.next_state(order["state"], "collect")  # raises, naming the state it is in
    if order["paid_in_advance"]:
        raise rules.OrderStateError(
            N_("Cette commande est déjà payée (vente n° %(sale)s)."), sale=order["sale_number"]
        )
    return order


def collect_with_sale(
    db: Database,
    number: int,
    cart: PricedCart,
    payments: list[Payment],
    *,
    member: dict | None,
    key: str | None = None,
    recorded: dict | None = None,
) -> tuple[int, bool]:
    """Pick-up paid at the stall: the order is collected and its sale recorded, atomically
    (the sale is an ordinary one, channel « en ligne », that may hold more than the order).

    :raise OrderStateError: the order is no longer open or was paid in advance.
    :raise OutOfStock: the cart takes more than is available once the order is released.
    """
    with transaction(db):
        if key and (done := journal.sale_number_for_key(db, key)):
            return done, True
        order = _open_unpaid(db, number)
        db.execute("UPDATE orders SET state = 'collected' WHERE id = ?", [order["id"]])
        sale, _replayed = journal.record_sale(
            db,
            cart,
            payments,
            member=member,
            channel="online",
            customer=_customer(order),
            key=key,
            recorded=recorded,
        )
        db.execute("UPDATE orders SET sale_number = ? WHERE id = ?", [sale, order["id"]])
        record_event(db, order["id"], "collected", member, sale=sale)
        return sale, False


def order_number_of_sale(db: Database, sale_number: int) -> int | None:
    """The order a journal entry paid, if any (printed on its receipt)."""
    row = db.execute("SELECT number FROM orders WHERE sale_number = ?", [sale_number]).fetchone()
    return row[0] if row else None


def orders_summary(db: Database, since: str) -> dict:
    """The day's orders by state and the units reserved now (the dashboard's box)."""
    counts = dict(
        db.execute(
            "SELECT state, count(*) FROM orders WHERE created_at >= ? OR state IN"
            " ('to_prepare', 'ready') GROUP BY state",
            [since],
        ).fetchall()
    )
    return {"counts": counts, "reserved": sum(reserved_by_product(db).values())}
