"""One connection per request, closed at teardown (flaskr's pattern)."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlite_utils import Database

from pos import db as database


def get_db() -> Database:
    """The request's connection to the coop database."""
    if "db" not in g:
        g.db = database.connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's connection if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    """Close connections at the end of each request."""
    app.teardown_appcontext(close_db)
