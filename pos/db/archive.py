"""Queries that gather a period's journal for a signed archive (pos.archives writes it)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from pos import journal
from pos.db import chains


def _linked(db: Database) -> dict[str, Iterable[dict]]:
    """The linked chains (stock and cash movements, floats, expenses) and their links.

    They are archived whole, whatever the period: their chains start at their first entry,
    and a period's slice could not be checked on its own.
    """
    chains.seal(db)
    tables = {f"{t}.jsonl": db.query(f"SELECT * FROM {t} ORDER BY id") for t in journal.LINKED}
    tables["chain_links.jsonl"] = db.query("SELECT * FROM chain_links ORDER BY chain, seq")
    return tables


def archive_tables(db: Database, start: str, end: str) -> dict[str, Iterable[dict]]:
    """Every archived file's rows: the journal created in [start, end), the linked chains whole."""
    in_period = "created_at >= ? AND created_at < ?"
    sale_ids = f"SELECT id FROM sales WHERE {in_period}"
    return {
        "sales.jsonl": db.query(
            f"SELECT * FROM sales WHERE {in_period} ORDER BY number", [start, end]
        ),
        "sale_lines.jsonl": db.query(
            f"SELECT * FROM sale_lines WHERE sale_id IN ({sale_ids}) ORDER BY sale_id, position",
            [start, end],
        ),
        "payments.jsonl": db.query(
            f"SELECT * FROM payments WHERE sale_id IN ({sale_ids}) ORDER BY id", [start, end]
        ),
        "closures.jsonl": db.query(
            f"SELECT * FROM closures WHERE {in_period} ORDER BY number", [start, end]
        ),
        "events.jsonl": db.query(
            f"SELECT * FROM events WHERE {in_period} ORDER BY number", [start, end]
        ),
        **_linked(db),
    }
