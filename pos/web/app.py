"""The app factory: one Flask app for one coop database, its blueprints wired by pos.web."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from pos import db as database

HERE = Path(__file__).resolve().parent.parent  # the pos package


def asset_dir(name: str) -> Path:
    """Where templates/, static/ or printers/ are: inside the wheel, or at the repo's top."""
    inside = HERE / name
    return inside if inside.is_dir() else HERE.parent / name


def secret_key_for(db_path: Path) -> str:
    """The session key kept beside the database, owner-only, made once by `pos init`."""
    key_file = db_path.with_name(db_path.name + ".secret")
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(os.urandom(32).hex())
    return key_file.read_text().strip()


class EtalFlask(Flask):
    """Flask, minus the check for async views on every hook and view of every request."""

    def ensure_sync(self, func):
        """Étal has no async views or hooks: every function is called as it is."""
        return func


def create_app(db_path: str | Path | None = None, **overrides: object) -> Flask:
    """Build the Flask app for one coop database (migrated on start)."""
    app = EtalFlask(
        __name__,
        template_folder=str(asset_dir("templates")),
        static_folder=str(asset_dir("static")),
    )
    path = Path(db_path or os.environ.get("POS_DB", "etal.db")).resolve()
    db = database.open_existing(path)
    from pos import clock
    from pos.clock_window import stored_offset
    from pos.db.coop import load_settings

    settings = load_settings(db)
    clock.set_offset(stored_offset(settings["clock_offset"]))  # never stops a start
    clock.set_zone(settings["timezone"])
    db.close()
    app.config.update(
        DATABASE=str(path),
        SECRET_KEY=secret_key_for(path),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(HERE / "translations"),
        WTF_CSRF_TIME_LIMIT=None,
        PRINTER=os.environ.get("POS_PRINTER", ""),
    )
    app.config.update(overrides)
    from pos.web import register

    register(app)
    return app
