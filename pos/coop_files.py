"""Where a coop's files live beside its database (`coop.db` → `coop.db.files/`)."""

from __future__ import annotations

from pathlib import Path


def files_folder(db_path: str | Path) -> Path:
    """The folder of tile and receipt photos and the receipt logo, next to the database."""
    path = Path(db_path)
    return path.with_name(path.name + ".files")
