"""The hash chain of the journal: each entry's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    payload = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + "\n" + payload).encode("utf-8")).hexdigest()


def sale_entry(sale: dict[str, Any], lines: list[dict], payments: list[dict]) -> dict[str, Any]:
    """What a sale's hash covers: the sale row, its lines and its payments."""
    keep = (
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
    line_keys = (
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
    return {
        "sale": {k: sale[k] for k in keep},
        "lines": [{k: line[k] for k in line_keys} for line in lines],
        "payments": [{"method": p["method"], "amount": p["amount"]} for p in payments],
    }


def first_break(entries: list[tuple[str, str, dict[str, Any]]]) -> str | None:
    """The label of the first (label, stored hash, entry) whose chained hash does not match."""
    prev = GENESIS
    for label, stored, entry in entries:
        if entry_hash(prev, entry) != stored:
            return label
        prev = stored
    return None
