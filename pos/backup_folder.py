"""Where backups may go: never inside a folder the web server serves (pure rule, no database).

A backup holds every sale and the PIN and token hashes; inside static/ anyone on the stall's
Wi-Fi could download it.
"""

from __future__ import annotations

from pathlib import Path

from pos.i18n import N_, Message


class BackupFolderRefused(ValueError):
    """The backup folder would let anyone on the Wi-Fi download the backups."""


def served_folders() -> list[Path]:
    """The folders the web server hands out files from (static/) or reads pages from."""
    package = Path(__file__).resolve().parent  # as pos.web.app.asset_dir finds them
    found = []
    for name in ("static", "templates"):
        inside = package / name
        found.append((inside if inside.is_dir() else package.parent / name).resolve())
    return found


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
