"""The journal's hash chains: the one home of what each chain covers, how it is hashed and checked.

Every journal table is chained: each entry's SHA-256 covers its content and the previous
entry's hash. Sales (with their lines and payments), events and closures carry their
`prev_hash`/`hash` on the row; stock movements, cash movements, floats (till days) and
expenses are chained through `chain_links` rows, one per entry, so that their tables (which
other parts of Étal extend) keep their shape. Each Z signs the tips of every chain at its
closing (`tips`: chain → [position, hash]) with its totals, so that a journal rewritten and
re-hashed, or cut short, no longer meets the tips its signed Zs hold.

Pure: no SQL here (pos/db/chains.py reads and writes), so the archive check uses it too.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

GENESIS = "0" * 64

# --- What each chain covers (explicit lists: add a column here to cover it) -----------------

SALE_KEYS = (
    "number",
    "kind",
    "refers_to",
    "created_at",
    "member_id",
    "seller",
    "channel",
    "customer",
    "total",
    "discount",
    "discount_reason",
    "change",
)
LINE_KEYS = (
    "position",
    "product_id",
    "name",
    "short_name",
    "quantity",
    "unit_price",
    "vat_rate",
    "unit_cost",
    "discount",
    "discount_reason",
    "total",
)
# The sale chain's coverage, versioned: each sale keeps the version it was hashed with
# (`sales.chain_version`, covered too from version 2), so older entries verify as they were.
# Version 2 (migration 0022) adds each line's share of the cart discount, which version 1 left
# out while covering the totals it splits.
SALE_VERSION = 2
LINE_KEYS_SINCE: dict[int, tuple[str, ...]] = {2: ("cart_share",)}
PAYMENT_KEYS = ("method", "amount")
EVENT_KEYS = ("number", "kind", "created_at", "member_id", "member", "details")
CLOSURE_KEYS = (
    "number",
    "kind",
    "period",
    "day_id",
    "created_at",
    "member_id",
    "member",
    "totals",
    "float_total",
    "expected_cash",
    "counted_cash",
    "counts",
    "difference",
    "reason",
    "grand_total",
)
# Columns added to closures later (a new Z field): covered when set, so older Zs still verify.
CLOSURE_EXTRA: tuple[str, ...] = ()


@dataclass(frozen=True)
class Linked:
    """A table chained through chain_links: its label and the columns each link covers.

    `keys` is what a new link covers; `required` what any link must cover (a link made
    before a column was added covers what it listed then, never less than `required`).
    """

    table: str
    label: str
    keys: tuple[str, ...]
    required: tuple[str, ...]


LINKED = {
    linked.table: linked
    for linked in (
        Linked(
            "stock_movements",
            "mouvement de stock n° {id}",
            ("product_id", "kind", "quantity", "sale_id", "reason", "member_id", "created_at"),
            ("product_id", "kind", "quantity", "sale_id", "created_at"),
        ),
        Linked(
            "cash_movements",
            "mouvement de caisse n° {id}",
            ("day_id", "amount", "reason", "member_id", "created_at"),
            ("day_id", "amount", "created_at"),
        ),
        Linked(
            "till_days",
            "fond de caisse du jour n° {id}",
            ("opened_at", "opened_by", "float_counts", "float_total"),
            ("opened_at", "float_counts", "float_total"),
        ),
        Linked(
            "expenses",
            "dépense n° {id}",
            (
                "spent_on",
                "supplier",
                "category",
                "total",
                "vat_rate",
                "paid_from",
                "cash_movement_id",
                "label",
                "photo",
                "member_id",
                "created_at",
            ),
            ("spent_on", "supplier", "total", "vat_rate", "paid_from", "created_at"),
        ),
    )
}
# Every chain a Z signs the tip of, and how its entries are named.
CHAINS = ("sales", "events", *LINKED)
LABELS = {
    "sales": "vente n° {n}",
    "events": "événement n° {n}",
    "closures": "clôture n° {n}",
    **{t: linked.label.replace("{id}", "{n}") for t, linked in LINKED.items()},
}
CHAIN_NAMES = {
    "sales": "ventes",
    "events": "événements",
    "stock_movements": "mouvements de stock",
    "cash_movements": "mouvements de caisse",
    "till_days": "fonds de caisse",
    "expenses": "dépenses",
}


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    payload = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + "\n" + payload).encode("utf-8")).hexdigest()


def sale_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """`entry_hash` of a sale's entry, as the sale path writes it: the same bytes from orjson
    (keys sorted, no spaces, UTF-8 as is), several times faster than json on the hot path.

    Only for entries of text, integers and nulls under text keys, which sale_entry builds
    from the journal's columns: there the two agree byte for byte (tests/test_journal_hash.py
    checks it on random entries); `pos verify` recomputes every hash with `entry_hash`.
    """
    payload = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(prev_hash.encode("utf-8") + b"\n" + payload).hexdigest()


@functools.cache  # LINE_KEYS_SINCE is fixed: a version's columns never change
def line_keys(version: int) -> tuple[str, ...]:
    """The line columns a sale of this chain version covers."""
    added = (k for v, keys in sorted(LINE_KEYS_SINCE.items()) if v <= version for k in keys)
    return (*LINE_KEYS, *added)


def sale_entry(sale: dict[str, Any], lines: list[dict], payments: list[dict]) -> dict[str, Any]:
    """What a sale's hash covers: the sale row, its lines and its payments, as its chain
    version (`chain_version`, 1 when absent: an entry or archive from before) lists them."""
    version = sale.get("chain_version") or 1
    keys = line_keys(version)
    entry = {
        "sale": {k: sale[k] for k in SALE_KEYS},
        "lines": [{k: line[k] for k in keys} for line in lines],
        "payments": [{k: p[k] for k in PAYMENT_KEYS} for p in payments],
    }
    if version > 1:  # a version changed back to 1 no longer hashes to what was stored
        entry["version"] = version
    return entry


def event_entry(event: dict) -> dict:
    """What an event's hash covers."""
    return {k: event[k] for k in EVENT_KEYS}


def closure_entry(closure: dict) -> dict:
    """What a closure's hash (and so its signature) covers: its totals and the chains' tips.

    Closures made before the tips existed have none and are hashed as they were.
    """
    entry = {k: closure[k] for k in CLOSURE_KEYS}
    entry.update({k: closure[k] for k in CLOSURE_EXTRA if closure.get(k) not in (None, "")})
    if closure.get("tips"):
        entry["tips"] = closure["tips"]
    return entry


def link_entry(table: str, row_id: int, covers: tuple[str, ...], row: dict) -> dict:
    """What a chain link covers: the table, the row's id and the listed columns."""
    return {
        "table": table,
        "id": row_id,
        "covers": list(covers),
        "row": {k: row[k] for k in covers},
    }


def linked_content(table: str, link: dict, row: dict | None) -> dict | None:
    """What a chain link's hash must cover, read back: None when its row is gone, an
    "incomplete" mark when the link covers less than the table requires or columns the row
    lacks (it then hashes to nothing stored), else the link's entry. `pos verify` and the
    archive's check read every link through here."""
    if row is None:
        return None
    covers = tuple(c for c in link["covers"].split(",") if c)
    if set(LINKED[table].required) - set(covers) or set(covers) - set(row):
        return {"incomplete": True}
    return link_entry(table, link["row_id"], covers, row)


def label(chain: str, n: object) -> str:
    """How an entry of a chain is named in a report ("vente n° 12")."""
    return LABELS[chain].format(n=n)


# --- Checking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One entry as stored: its position, its name, prev_hash and hash as stored, what it covers."""

    position: int
    name: str
    prev_hash: str
    stored: str
    content: dict | None  # None: the row it covered is gone


def walk(
    entries: Iterable[Entry],
    chain: str | None = None,
    names: dict[int, str] | None = None,
    *,
    prev: str = GENESIS,
    first: int = 1,
) -> tuple[str | None, dict[int, str]]:
    """(the first entry that does not match, or None; position → hash up to there).

    An entry matches when it follows the one before (positions 1, 2, 3… without a gap, its
    prev_hash the previous hash) and its content hashes to its stored hash.
    """
    hashes: dict[int, str] = {}
    expected = first  # an archive's period starts mid-chain: from its first entry's prev_hash
    for entry in entries:
        if entry.position != expected:
            missing = (
                label(chain, expected)
                if chain in ("sales", "events", "closures")
                else f"{CHAIN_NAMES.get(chain or '', '')} : maillon n° {expected} ({entry.name})"
            )
            return f"{missing} (manquante : la numérotation saute à {entry.position})", hashes
        if entry.content is None:
            return f"{entry.name} (supprimé)", hashes
        if entry.prev_hash != prev or entry_hash(prev, entry.content) != entry.stored:
            return entry.name, hashes
        hashes[entry.position] = prev = entry.stored
        if names is not None:
            names[entry.position] = entry.name
        expected += 1
    return None, hashes


STEP = 8  # hex digits of each entry's hash a Z keeps, to name the first entry changed


def tips_of(closure: dict) -> dict[str, list]:
    """The chain tips a closure holds ({} for a closure made before tips existed).

    Each tip is [position, hash, steps]: the chain's length and last hash at the closing, and
    the first 8 hex digits of each entry's hash since the previous closure's tip.
    """
    try:
        tips = json.loads(closure.get("tips") or "{}")
    except ValueError:
        return {"?": [0, ""]}  # unreadable: never matches
    return tips if isinstance(tips, dict) else {"?": [0, ""]}


def check_tips(
    closures: Iterable[dict], hashes: dict[str, dict[int, str]], names: dict[str, dict[int, str]]
) -> Iterator[str]:
    """Each way the chains no longer meet the tips the (signed) closures hold, first first.

    The entry named is the first whose hash no longer starts as the closure kept it (or the
    first missing); a closure that kept no steps names the entries since the previous tip.
    """
    since: dict[str, int] = {}
    for closure in closures:
        for chain, tip in tips_of(closure).items():
            if chain not in hashes or not isinstance(tip, list) or len(tip) not in (2, 3):
                yield f"clôture n° {closure['number']} (pointe de chaîne illisible : {chain})"
                continue
            position, digest, steps = (tip + [""])[:3]
            start = since.get(chain, 0) + 1
            since[chain] = position
            if not position or hashes[chain].get(position) == digest:
                continue
            where, why = _first_changed(chain, start, position, steps, hashes[chain], names[chain])
            yield (
                f"{where} ({why} : la clôture signée n° {closure['number']} tenait"
                f" {position} {CHAIN_NAMES[chain]} jusque-là)"
            )


def _first_changed(chain, start, position, steps, hashes, names) -> tuple[str, str]:
    for offset, p in enumerate(range(start, position + 1)):
        kept = steps[offset * STEP : (offset + 1) * STEP] if steps else ""
        if p not in hashes:
            return names.get(p) or label(chain, p), "manquante"
        if kept and not hashes[p].startswith(kept):
            return names.get(p) or label(chain, p), "réécrite"
    first = names.get(start) or label(chain, start)
    return (first if start >= position else f"{first} à {position}"), "réécrite"
