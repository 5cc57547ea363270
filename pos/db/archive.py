"""Queries that gather a period's journal for a signed archive."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from pos import archives, clock
from pos.db import chains
from pos.db.coop import load_settings


def _linked(db: Database, period: str | None) -> dict:
    """The linked chains (stock and cash movements, floats, expenses) and their links.

    They are archived whole, whatever the period: their chains start at their first entry,
    and a period's slice could not be checked on its own.
    """
    from pos import journal

    chains.seal(db)
    tables = {f"{t}.jsonl": db.query(f"SELECT * FROM {t} ORDER BY id") for t in journal.LINKED}
    tables["chain_links.jsonl"] = db.query("SELECT * FROM chain_links ORDER BY chain, seq")
    return tables


def create_archive(db: Database, db_path: str, folder: Path, period: str | None):
    """Write the archive of a period (or of everything); return (path, manifest)."""
    start, end = archives.period_bounds(period)
    in_period = "created_at >= ? AND created_at < ?"
    sale_ids = f"SELECT id FROM sales WHERE {in_period}"
    tables = {
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
        **_linked(db, period),
    }
    settings = load_settings(db)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M%S")
    out = folder / f"etal-archive-{period or 'tout'}-{stamp}.zip"
    meta = {
        "period": period or "",
        "created_at": clock.now().isoformat(),
        "brand": settings["brand"],
        "legal_name": settings["legal_name"],
        "siret": settings["siret"],
    }
    archives.write_archive(out, tables, meta, db_path)
    from pos.archives import verify_archive

    return out, verify_archive(out)[1]
