"""The chores before a coop database is served: migrate it, set the process's clock, find the
session key. Called once per process by the app factory (pos.web.app.create_app); no Flask here.
"""

from __future__ import annotations

import os
from pathlib import Path

from pos import clock
from pos import db as database
from pos.clock_window import stored_offset
from pos.db.coop import load_settings


def open_coop(path: Path) -> dict:
    """Migrate the coop database at `path` (the event journal says so), then set this
    process's clock correction and zone from its settings (`follow`); return the settings.

    :raise DatabaseMissing, DatabaseUnusable: no Étal database at this path.
    """
    db = database.open_existing(path)
    try:
        settings = load_settings(db)
    finally:
        db.close()
    follow(settings, again=True)
    return settings


_followed: tuple[str, str] | None = None  # the settings' clock and zone this process is set to


def follow(settings: dict[str, str], *, again: bool = False) -> None:
    """Set this process's clock correction and time zone to what `settings` say, when they
    changed since it last did (or `again`): each request's settings pass here (pos.web.db),
    so a correction or zone saved elsewhere is this process's from its next request: another
    worker of `pos serve --workers`, another server or a command on the same file. A stored
    correction that is not sane is ignored (pos.clock_window): it never stops a start."""
    global _followed
    wanted = (settings["clock_offset"], settings["timezone"])
    if wanted == _followed and not again:
        return
    clock.set_offset(stored_offset(wanted[0]))
    clock.set_zone(wanted[1])
    _followed = wanted


def secret_key_for(db_path: Path) -> str:
    """The session key kept beside the database, owner-only, made once by `pos init`."""
    key_file = db_path.with_name(db_path.name + ".secret")
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(os.urandom(32).hex())
    return key_file.read_text().strip()
