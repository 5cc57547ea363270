"""The app factory: one Flask app for one coop database, its blueprints wired by pos.web.

The chores before serving (migrating, the process's clock, the session key's file) are
pos.startup's; the factory calls it once and otherwise only builds the app from its mapping.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from pos import startup
from pos.web import register

HERE = Path(__file__).resolve().parent.parent  # the pos package


def asset_dir(name: str) -> Path:
    """Where templates/, static/ or printers/ are: inside the wheel, or at the repo's top."""
    inside = HERE / name
    return inside if inside.is_dir() else HERE.parent / name


class EtalFlask(Flask):
    """Flask, minus the check for async views on every hook and view of every request."""

    def ensure_sync(self, func):
        """Étal has no async views or hooks: every function is called as it is."""
        return func


def create_app(db_path: str | Path | None = None, **overrides: object) -> Flask:
    """Build the Flask app for one coop database (pos.startup prepares it first)."""
    app = EtalFlask(
        __name__,
        template_folder=str(asset_dir("templates")),
        static_folder=str(asset_dir("static")),
    )
    path = Path(db_path or os.environ.get("POS_DB", "etal.db")).resolve()
    startup.open_coop(path)
    app.config.update(
        DATABASE=str(path),
        SECRET_KEY=startup.secret_key_for(path),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(HERE / "translations"),
        WTF_CSRF_TIME_LIMIT=None,
        PRINTER=os.environ.get("POS_PRINTER", ""),
    )
    app.config.update(overrides)
    register(app)
    return app
