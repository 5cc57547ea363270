"""Consistent copies of the coop database (SQLite's online backup), e.g. onto a USB key."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from pos import clock
from pos.i18n import N_, Message

PREFIX = "etal-"


class BackupFolderRefused(ValueError):
    """The backup folder would let anyone on the Wi-Fi download the backups."""


def served_folders() -> list[Path]:
    """The folders the web server hands out files from (static/) or reads pages from."""
    from pos import asset_dir

    return [asset_dir("static").resolve(), asset_dir("templates").resolve()]


def folder_refusal(folder: str | Path) -> Message | None:
    """Why backups may not go to this folder (None: they may).

    A backup holds every sale, the PIN and token hashes: never inside a folder the web
    server serves, where anyone on the stall's Wi-Fi could download it.
    """
    try:
        where = Path(folder).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return Message(N_("Dossier de sauvegarde illisible : %(folder)s"), folder=str(folder))
    for served in served_folders():
        if where == served or served in where.parents:
            return Message(
                N_(
                    "Le dossier de sauvegarde ne peut pas être dans %(served)s : tout le Wi-Fi"
                    " du stand pourrait télécharger les sauvegardes. Choisissez la clé USB."
                ),
                served=str(served),
            )
    return None


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
