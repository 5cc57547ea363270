"""An order's history: the order read with its lines and events, each step written as an
event, and the reopening a voided sale makes.

Nothing here records a sale (pos/db/orders.py does), so the journal's void can reopen an order
in its own transaction (pos/db/sales.py imports this module, and orders imports the journal).
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from pos import orders as rules
from pos.db import now_iso, query
from pos.i18n import N_


def record_event(db: Database, order_id: int, kind: str, member: dict | None, **details) -> None:
    """One step of an order's history (never rewritten: migration 0018's triggers)."""
    db.execute(
        "INSERT INTO order_events(order_id, kind, created_at, member_id, member, details)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            order_id,
            kind,
            now_iso(),
            member and member["id"],
            member["name"] if member else details.pop("who", ""),
            json.dumps(details, ensure_ascii=False, sort_keys=True),
        ],
    )


def get_order(db: Database, number: int) -> dict:
    """An order with its lines and events.

    :raise OrderNotFound: no order with this number.
    """
    rows = list(query(db, "SELECT * FROM orders WHERE number = ?", [number]))
    if not rows:
        raise rules.OrderNotFound(N_("Aucune commande n° %(number)s."), number=number)
    order = rows[0]
    order["lines"] = list(
        query(db, "SELECT * FROM order_lines WHERE order_id = ? ORDER BY position", [order["id"]])
    )
    order["events"] = [
        {**e, "details": json.loads(e["details"])}
        for e in query(
            db, "SELECT * FROM order_events WHERE order_id = ? ORDER BY id", [order["id"]]
        )
    ]
    derive(order)
    return order


def derive(order: dict) -> None:
    """What is read from the stored row: whether it reserves, and the sale (and transfer) that
    paid it: none while it is open and unpaid, since the columns still name a voided sale after
    a reopening (its history keeps them)."""
    order["reserving"] = rules.holds_stock(order["state"], bool(order["paid_in_advance"]))
    if order["state"] in rules.OPEN and not order["paid_in_advance"]:
        order["sale_number"] = None
    if not order["paid_in_advance"]:
        order["transfer_reference"] = ""


def reopen_after_void(db: Database, sale_number: int, void_number: int, member) -> int | None:
    """The order a voided sale paid (at pick-up or by transfer) is open and unpaid again, in
    the state `state_after_void` gives, its lines reserved; its number, or None.

    Runs inside the void's transaction. A 'reopened' event is written first: the triggers of
    migration 0021 let the state (and the paid flag) move back only after that row.
    """
    row = db.execute(
        "SELECT number FROM orders WHERE sale_number = ? AND (state = 'collected'"
        " OR (state IN ('to_prepare', 'ready') AND paid_in_advance = 1))",
        [sale_number],
    ).fetchone()
    if not row:
        return None
    order = get_order(db, row[0])
    to = rules.state_after_void([e["kind"] for e in order["events"]])
    record_event(db, order["id"], "reopened", member, sale=sale_number, void=void_number)
    db.execute(
        "UPDATE orders SET state = ?, paid_in_advance = 0 WHERE id = ?",
        [to, order["id"]],
    )
    return order["number"]
