"""Queries for the sales journal: record sales, voids and refunds atomically; read them back."""

from __future__ import annotations

import functools
import sqlite3
from collections import defaultdict
from datetime import datetime, timedelta

from sqlite_utils import Database

from pos import clock, journal
from pos.cart import Payment, PricedCart, check_channel, customer_name, merge_payments, settle
from pos.db import group_commit, query, transaction
from pos.db.catalogue import RESERVED, move_stock
from pos.db.order_history import reopen_after_void
from pos.errors import (
    ClockBehind,
    InvalidInput,
    NotAllowed,
    OutOfStock,
    SaleNotFound,
    TillClosed,
)
from pos.i18n import N_
from pos.money import div_round, vat_table
from pos.undo import undo_refusal

CLOCK_TOLERANCE = timedelta(seconds=5)


def record_sale(
    db: Database,
    cart: PricedCart,
    payments: list[Payment],
    *,
    member: dict | None,
    channel: str = "stall",
    customer: str = "",
    key: str | None = None,
    request_hash: str | None = None,
    recorded: dict | None = None,
) -> tuple[int, bool]:
    """Record a sale, its lines, payments and stock movements in one transaction.

    Returns (number, replayed): a key already used returns the first sale's number (the
    key's UNIQUE index finds it, so the usual, new key costs no look-up under the lock).
    `request_hash` is kept with the entry for the API to tell a retry from a reused key.
    `recorded`, if given, receives the entry as written (as get_sale would read it back).
    """
    check_channel(channel)
    payments = merge_payments(payments)
    change = settle(cart.total, payments)
    lines = [_line_row(i, line) for i, line in enumerate(cart.lines, 1)]
    pays = [{"method": p.method, "amount": p.amount} for p in payments]

    def write(db: Database) -> tuple[int, bool]:
        # Every refusal comes before the first write (group_commit's rule).
        sale = _new_entry(db, "sale", member, cart.total, change, key=key)
        sale.update(
            channel=channel,
            customer=customer_name(customer),
            discount=cart.discount,
            discount_reason=cart.discount_reason,
            request_hash=request_hash,
        )
        tracked = _check_stock(db, lines)
        try:
            sale_id = _insert_entry(db, sale, lines, pays)
        except KeyUsed as used:  # the same key landed first: a double tap, a retry
            return used.number, True
        _take_stock(db, lines, tracked, sale_id, member, sale["created_at"])
        if recorded is not None:
            recorded.update(sale, id=sale_id, lines=lines, payments=pays, vat=list(cart.vat))
        return sale["number"], False

    return group_commit(db, write)


def _line_row(position: int, line) -> dict:
    item = line.item
    return {
        "position": position,
        "product_id": item.product_id,
        "name": item.name,
        "short_name": item.short_name or item.name,
        "quantity": item.quantity,
        "unit_price": item.unit_price,
        "vat_rate": item.vat_rate,
        "unit_cost": item.unit_cost,
        "discount": line.discount,
        "discount_reason": line.discount_reason,
        "total": line.total,
        "cart_share": line.share,
    }


def _check_stock(db: Database, lines: list[dict]) -> set[int]:
    """The tracked products among the lines; OutOfStock, before anything is written, for one
    short of what is sold (the write lock and BEGIN IMMEDIATE keep the figure true until the
    UPDATE). Units that orders reserve are not for sale: only on hand minus reserved is."""
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        wanted[line["product_id"]] += line["quantity"]
    marks = ", ".join("?" for _ in wanted)
    rows = db.execute(
        f"SELECT id, name, stock - {RESERVED} FROM products p"
        f" WHERE track_stock = 1 AND id IN ({marks})",
        list(wanted),
    ).fetchall()
    for product_id, name, left in rows:
        if left < wanted[product_id]:
            index = next(i for i, ln in enumerate(lines) if ln["product_id"] == product_id)
            raise OutOfStock(
                field=f"lines[{index}].quantity",
                product_id=product_id,
                left=max(left, 0),
                name=name,
            )
    return {row[0] for row in rows}


def _take_stock(db, lines: list[dict], tracked: set[int], sale_id: int, member, at: str) -> None:
    """One guarded decrement of the tracked products (checked just before), the ledger's rows."""
    taken: dict[int, int] = defaultdict(int)
    moves = []
    for line in lines:
        if line["product_id"] not in tracked:
            continue
        taken[line["product_id"]] += line["quantity"]
        moves.append(
            {
                "product_id": line["product_id"],
                "kind": "sale",
                "quantity": -line["quantity"],
                "sale_id": sale_id,
                "member_id": member and member["id"],
                "created_at": at,
            }
        )
    if not taken:
        return
    pairs = [v for pair in taken.items() for v in pair]
    cursor = db.execute(_take_sql(len(taken)), [*pairs, *taken, *pairs])
    if cursor.rowcount != len(taken):  # cannot happen under the lock; never sell past the ledger
        raise RuntimeError(f"the stock of products {sorted(taken)} changed during a sale")
    _insert(db, "stock_movements", moves)
    # Not sealed here (the sale's own chain holds its lines; the Z seals these movements with
    # every other entry): the sale path stays within its statement budget.


@functools.lru_cache(maxsize=64)
def _take_sql(count: int) -> str:
    """Every product's decrement in one UPDATE, each guarded: its values are the (id,
    quantity) pairs, the ids, and the pairs again."""
    cases = " ".join("WHEN ? THEN ?" for _ in range(count))
    ids = ", ".join("?" for _ in range(count))
    return (
        f"UPDATE products SET stock = stock - (CASE id {cases} END)"
        f" WHERE id IN ({ids}) AND track_stock = 1 AND stock >= (CASE id {cases} END)"
    )


def _last_entry(db: Database) -> dict | None:
    rows = list(
        query(db, "SELECT number, created_at, hash FROM sales ORDER BY number DESC LIMIT 1")
    )
    return rows[0] if rows else None


def _entry_time(last: dict | None) -> str:
    """Now, never earlier than the entry it follows (a clock gone back stops selling)."""
    now = clock.now()
    if last:
        previous = datetime.fromisoformat(last["created_at"])
        if now < previous - CLOCK_TOLERANCE:
            raise ClockBehind()
        now = max(now, previous)
    return now.isoformat(timespec="microseconds")


def last_entry_time(db: Database) -> datetime | None:
    """When the journal's last entry (sale or closure) was written, or None."""
    row = db.execute(
        "SELECT max(t) FROM (SELECT max(created_at) AS t FROM sales"
        " UNION ALL SELECT max(created_at) FROM closures)"
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def clock_is_behind(db: Database) -> bool:
    """Whether the clock reads earlier than the last entry (selling must stop)."""
    last = _last_entry(db)
    return bool(last) and clock.now() < datetime.fromisoformat(last["created_at"]) - CLOCK_TOLERANCE


# The open till day and the chain's tip in one statement (the sale's hot path, under the lock).
# The tip is found through the UNIQUE index on number (max), not a subquery SQLite would copy
# into a temporary table on each sale.
HEAD = (
    "SELECT d.id, s.number, s.created_at, s.hash FROM till_days d LEFT JOIN sales s"
    " ON s.number = (SELECT max(number) FROM sales) WHERE d.closed_at IS NULL"
)


def _new_entry(db, kind, member, total, change, *, key=None, refers_to=None) -> dict:
    """A journal entry's head: next number, time, the open till day, the chain's tip."""
    head = db.execute(HEAD).fetchall()
    if not head:
        raise TillClosed()
    day_id, number, created_at, tip = head[0]
    last = {"number": number, "created_at": created_at} if number else None
    return {
        "day_id": day_id,
        "number": (number or 0) + 1,
        "kind": kind,
        "refers_to": refers_to,
        "created_at": _entry_time(last),
        "member_id": member and member["id"],
        "seller": member["name"] if member else "API",
        "channel": "stall",
        "customer": "",
        "total": total,
        "discount": 0,
        "discount_reason": "",
        "change": change,
        "idempotency_key": key,
        "prev_hash": tip or journal.GENESIS,
        "chain_version": journal.SALE_VERSION,  # what its hash covers (pos/journal.py)
    }


class KeyUsed(Exception):
    """An entry already carries this idempotency key."""

    def __init__(self, number: int):
        super().__init__(number)
        self.number = number


def _insert_entry(db: Database, sale: dict, lines: list[dict], pays: list[dict]) -> int:
    """The entry (chained to the previous one), its lines and payments; KeyUsed on a retry."""
    sale["hash"] = journal.sale_hash(sale["prev_hash"], journal.sale_entry(sale, lines, pays))
    try:
        sale_id = _insert(db, "sales", [sale])
    except sqlite3.IntegrityError as exc:
        key = sale.get("idempotency_key")
        if key and "idempotency_key" in str(exc) and (number := sale_number_for_key(db, key)):
            raise KeyUsed(number) from exc
        raise
    _insert(db, "sale_lines", [{**line, "sale_id": sale_id} for line in lines])
    _insert(db, "payments", [{**p, "sale_id": sale_id} for p in pays])
    return sale_id


def _insert(db: Database, table: str, rows: list[dict]) -> int | None:
    """All rows in one INSERT (the hot path: no introspection, no savepoint); last row id."""
    if not rows:
        return None
    columns = tuple(rows[0])
    sql = _insert_sql(table, columns, len(rows))
    return db.conn.execute(sql, [row[c] for row in rows for c in columns]).lastrowid


@functools.lru_cache(maxsize=64)
def _insert_sql(table: str, columns: tuple[str, ...], count: int) -> str:
    group = f"({', '.join('?' for _ in columns)})"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([group] * count)}"


def sell_version(db: Database) -> str:
    """What the sell screen shows, as one cheap version: a counter the catalogue and till
    writes bump (migration 0015), the last stock movement (every sale, void, refund or
    correction of a tracked product makes one), and how many markdowns are in force (one
    starts at its time, without a write)."""
    row = db.execute(
        "SELECT (SELECT version FROM sell_version), (SELECT max(id) FROM stock_movements),"
        " (SELECT count(*) FROM markdowns WHERE removed_at IS NULL AND starts_at <= ?)",
        [clock.now().isoformat(timespec="microseconds")],
    ).fetchone()
    return f"{row[0]}.{row[1] or 0}.{row[2]}"


def sale_number_for_key(db: Database, key: str) -> int | None:
    """The number of the entry recorded under this idempotency key, if any."""
    row = db.execute("SELECT number FROM sales WHERE idempotency_key = ?", [key]).fetchone()
    return row[0] if row else None


def keyed_entry(db: Database, key: str) -> tuple[int, str | None] | None:
    """The number and request hash of the entry recorded under this idempotency key, if any."""
    row = db.execute(
        "SELECT number, request_hash FROM sales WHERE idempotency_key = ?", [key]
    ).fetchone()
    return (row[0], row[1]) if row else None


def has_stored_answers(db: Database) -> bool:
    """Whether earlier versions left API answers stored whole (the `idempotency` table)."""
    return db.execute("SELECT EXISTS (SELECT 1 FROM idempotency)").fetchone()[0] == 1


def stored_answer(db: Database, key: str) -> tuple[str, int, str] | None:
    """An API answer stored whole under this key by earlier versions: (hash, status, body)."""
    row = db.execute(
        "SELECT request_hash, status, body FROM idempotency WHERE key = ?", [key]
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def record_void(
    db: Database, number: int, *, member: dict, undo_minutes: int, key: str | None = None
) -> int:
    """Cancel a member's last sale within the undo window: a new entry that reverses it."""
    with transaction(db):
        if key and (done := sale_number_for_key(db, key)):
            return done
        sale = get_sale(db, number)
        _check_voidable(db, sale, member, undo_minutes)
        entry = _new_entry(
            db, "void", member, -sale["total"], -sale["change"], key=key, refers_to=number
        )
        entry.update(
            channel=sale["channel"],
            customer=sale["customer"],
            discount=-sale["discount"],
            discount_reason=sale["discount_reason"],
        )
        lines = [_negated(line) for line in sale["lines"]]
        pays = [{"method": p["method"], "amount": -p["amount"]} for p in sale["payments"]]
        sale_id = _insert_entry(db, entry, lines, pays)
        _return_stock(db, lines, "void", sale_id, member)
        reopen_after_void(db, number, entry["number"], member)  # its order, if any, reopens
        return entry["number"]


def _check_voidable(db: Database, sale: dict, member: dict, undo_minutes: int) -> None:
    refusal = undo_refusal(
        sale, member["id"], last_sale_number(db, member["id"]), clock.now(), undo_minutes
    )
    if refusal:
        raise NotAllowed(refusal.msgid, **refusal.params)


def last_sale_number(db: Database, member_id: int) -> int | None:
    """The number of a member's last sale (kind 'sale'), for the undo rule."""
    return db.execute(
        "SELECT max(number) FROM sales WHERE member_id = ? AND kind = 'sale'", [member_id]
    ).fetchone()[0]


def _negated(line: dict) -> dict:
    keep = (
        "position",
        "product_id",
        "name",
        "short_name",
        "unit_price",
        "vat_rate",
        "unit_cost",
        "discount_reason",
    )
    return {
        **{k: line[k] for k in keep},
        "quantity": -line["quantity"],
        "discount": -line["discount"],
        "total": -line["total"],
        "cart_share": -line.get("cart_share", 0),
    }


def _return_stock(db: Database, lines: list[dict], kind: str, sale_id: int, member) -> None:
    for line in lines:
        tracked = db.execute(
            "SELECT track_stock FROM products WHERE id = ?", [line["product_id"]]
        ).fetchone()[0]
        if tracked:
            move_stock(
                db,
                line["product_id"],
                kind,
                -line["quantity"],
                sale_id=sale_id,
                member_id=member and member["id"],
            )


def record_refund(
    db: Database,
    number: int,
    wanted: list[tuple[int, int]],
    method: str,
    *,
    member: dict | None,
    key: str | None = None,
    request_hash: str | None = None,
) -> tuple[int, bool]:
    """Refund some lines of a past sale by one method: a new entry with negative lines."""
    with transaction(db):
        if key and (done := sale_number_for_key(db, key)):
            return done, True
        sale = get_sale(db, number)
        if sale["kind"] != "sale" or sale["voided_by"]:
            raise NotAllowed(
                N_("Cette vente a été annulée ou n'est pas une vente : rien à rembourser.")
            )
        lines = refund_lines(sale, wanted)
        total = sum(line["total"] for line in lines)
        entry = _new_entry(db, "refund", member, total, 0, key=key, refers_to=number)
        entry.update(channel=sale["channel"], customer=sale["customer"], request_hash=request_hash)
        pays = [{"method": method, "amount": total}] if total else []
        sale_id = _insert_entry(db, entry, lines, pays)
        _return_stock(db, lines, "refund", sale_id, member)
        return entry["number"], False


def refund_lines(sale: dict, wanted: list[tuple[int, int]]) -> list[dict]:
    """Negative lines for the quantities asked, priced as sold (discounts shared exactly)."""
    left = {line["position"]: line["quantity"] - line["refunded"] for line in sale["lines"]}
    out = []
    for index, (product_id, quantity) in enumerate(wanted):
        field = f"lines[{index}].quantity"
        if quantity <= 0:
            raise InvalidInput(N_("La quantité à rembourser doit être positive."), field=field)
        candidates = [ln for ln in sale["lines"] if ln["product_id"] == product_id]
        if not candidates:
            raise InvalidInput(N_("Ce produit n'est pas dans la vente."), field=f"lines[{index}]")
        for line in candidates:
            take = min(quantity, left[line["position"]])
            if take:
                out.append(_refund_line(line, take, line["quantity"] - left[line["position"]]))
                left[line["position"]] -= take
                quantity -= take
        if quantity:
            raise InvalidInput(
                N_("On ne peut pas rembourser plus que ce qui a été vendu."), field=field
            )
    return out


def _refund_line(line: dict, take: int, already: int) -> dict:
    """Cumulative rounding so that successive partial refunds add up to the line exactly."""
    q, t, d = line["quantity"], line["total"], line["discount"]
    total = div_round(t * (already + take), q) - div_round(t * already, q)
    discount = div_round(d * (already + take), q) - div_round(d * already, q)
    s = line.get("cart_share", 0)
    share = div_round(s * (already + take), q) - div_round(s * already, q)
    return {
        **_negated(line),
        "quantity": -take,
        "total": -total,
        "discount": -discount,
        "cart_share": -share,
    }


# An entry and the order it paid, if any (its number is printed on the receipt).
SALE_WITH_ORDER = (
    "SELECT s.*, (SELECT o.number FROM orders o WHERE o.sale_number = s.number) AS order_number"
    " FROM sales s WHERE s.number = ?"
)


def get_sale(db: Database, number: int) -> dict:
    """A journal entry with its lines, payments, VAT table and what refers to it."""
    rows = list(query(db, SALE_WITH_ORDER, [number]))
    if not rows:
        raise SaleNotFound(N_("Aucune vente n° %(number)s."), number=number)
    sale = rows[0]
    sale["lines"] = list(
        query(db, "SELECT * FROM sale_lines WHERE sale_id = ? ORDER BY position", [sale["id"]])
    )
    sale["payments"] = list(
        query(db, "SELECT method, amount FROM payments WHERE sale_id = ? ORDER BY id", [sale["id"]])
    )
    by_rate: dict[int, int] = defaultdict(int)
    for line in sale["lines"]:
        by_rate[line["vat_rate"]] += line["total"]
    sale["vat"] = vat_table(by_rate)
    others = list(query(db, "SELECT id, number, kind FROM sales WHERE refers_to = ?", [number]))
    sale["voided_by"] = next((o["number"] for o in others if o["kind"] == "void"), None)
    sale["refunds"] = [o["number"] for o in others if o["kind"] == "refund"]
    _count_refunded(db, sale, [o["id"] for o in others if o["kind"] == "refund"])
    return sale


def _count_refunded(db: Database, sale: dict, refund_ids: list[int]) -> None:
    """Per line, how many units refunds already took back (matched by product, in order)."""
    taken: dict[int, int] = defaultdict(int)
    for refund_id in refund_ids:
        for row in query(
            db, "SELECT product_id, quantity FROM sale_lines WHERE sale_id = ?", [refund_id]
        ):
            taken[row["product_id"]] += -row["quantity"]
    for line in sale["lines"]:
        used = min(taken[line["product_id"]], line["quantity"])
        line["refunded"] = used
        taken[line["product_id"]] -= used


def list_sales(
    db: Database, *, since: str | None = None, number: int | None = None, limit: int = 200
) -> list[dict]:
    """Journal entries, newest first, optionally since a time or one number."""
    where, args = [], []
    if since:
        where.append("created_at >= ?")
        args.append(since)
    if number is not None:
        where.append("number = ?")
        args.append(number)
    sql = "SELECT * FROM sales " + ("WHERE " + " AND ".join(where) if where else "")
    return list(query(db, sql + " ORDER BY number DESC LIMIT ?", [*args, limit]))


def verify_chain(db: Database) -> str | None:
    """The first sale that does not match, as 'vente n° N', or None (see pos.db.chains)."""
    from pos.db import chains

    return journal.walk(chains.sale_entries(db), "sales")[0]
