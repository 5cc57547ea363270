"""One connection per request, handed back to a small pool at teardown (flaskr's pattern).

Each request still has a connection of its own. Connections are reused rather than closed:
closing the last connection to a WAL database checkpoints and deletes the log, and opening
one re-reads it; under a rush that cost a millisecond or two per sale. Sales themselves are
written through the app's one writer connection (`_writer`, used by pos.db.group_commit).
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, g
from sqlite_utils import Database

from pos import db as database
from pos import startup
from pos.db import coop

IDLE_KEPT = 8  # as many as waitress threads: more would only hold memory


def _idle(app: Flask) -> list[Database]:
    return app.extensions.setdefault("etal_idle_connections", [])


def get_db() -> Database:
    """The request's connection to the coop database."""
    try:
        return g.db
    except AttributeError:
        pass
    g.db = take(current_app)
    return g.db


def take(app: Flask) -> Database:
    """An idle connection of the app's (list.pop is atomic: no two requests share one), or a
    new one; each knows the app's writer. Handed back by `give_back`."""
    try:
        return _idle(app).pop()
    except IndexError:
        db = database.connect(app.config["DATABASE"])
        db.etal_writer = _writer(app)
        return db


_writer_lock = threading.Lock()


def _writer(app: Flask) -> Database:
    """The app's one connection for group commits (pos.db.group_commit): only the write lock's
    holder uses it, so its page cache stays warm; each request's own connection, which finds
    the journal changed by the others at each new read, would read its pages again."""
    extensions = app.extensions
    with _writer_lock:
        if "etal_writer" not in extensions:
            extensions["etal_writer"] = database.connect(app.config["DATABASE"])
        return extensions["etal_writer"]


def writes_seen(db: Database) -> int:
    """A count that moves whenever this connection or the app's writer has written: what a
    request's cache of rows it read is keyed on ("read again once something was written")."""
    writer = getattr(db, "etal_writer", None)
    return db.conn.total_changes + (writer.conn.total_changes if writer else 0)


def get_settings() -> dict[str, str]:
    """The coop's settings, read once per request (and again once this request has written);
    this process's clock and zone follow them (pos.startup.follow)."""
    db = get_db()
    cached = g.get("settings_cache")
    if cached is None or cached[0] != writes_seen(db):
        cached = (writes_seen(db), coop.load_settings(db))
        g.settings_cache = cached
        startup.follow(cached[1])  # a clock or zone saved by another process is ours now
    return dict(cached[1])  # a copy: a caller that edits it never edits the cache


def close_db(_exc: BaseException | None = None) -> None:
    """Hand the request's connection back at its teardown."""
    db = g.pop("db", None)
    if db is not None:
        give_back(current_app, db)


def give_back(app: Flask, db: Database) -> None:
    """Keep a connection for the next request (never inside a transaction), or close it."""
    if db.conn.in_transaction:
        db.conn.rollback()
    idle = _idle(app)
    if len(idle) < IDLE_KEPT:
        idle.append(db)
    else:
        db.close()


def init_app(app: Flask) -> None:
    """Hand connections back at the end of each request."""
    app.teardown_appcontext(close_db)
