"""Consistent copies of the coop database (SQLite's online backup), e.g. onto a USB key."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from pos import clock
from pos.backup_folder import BackupFolderRefused, folder_refusal

PREFIX = "etal-"


def backup_to(db_path: str | Path, folder: str | Path, *, label: str = "", keep: int = 0) -> Path:
    """Write a consistent copy of the database into folder (owner-only); keep the newest `keep`.

    :raise BackupFolderRefused: the folder is served by the web server.
    """
    refused = folder_refusal(folder)
    if refused:
        raise BackupFolderRefused(refused)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{PREFIX}{stamp}{('-' + label) if label else ''}.db"
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # owner-only
    os.chmod(target, 0o600)
    source = sqlite3.connect(str(db_path))
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    if keep:
        prune(folder, keep)
    return target


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` Étal backups in folder; return what was deleted."""
    copies = sorted(folder.glob(f"{PREFIX}*.db"), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = copies[keep:]
    for old in removed:
        old.unlink()
    return removed


def backup_after_closure(db_path: str, settings: dict[str, str], number: int) -> Path | None:
    """The copy made at each closure, if a backup folder is set."""
    folder = settings.get("backup_dir", "").strip()
    if not folder:
        return None
    return backup_to(
        db_path, folder, label=f"Z{number}", keep=int(settings.get("backup_keep") or 0)
    )
