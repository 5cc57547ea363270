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
from pos.db import coop

IDLE_KEPT = 8  # as many as waitress threads: more would only hold memory


def _idle() -> list[Database]:
    return current_app.extensions.setdefault("etal_idle_connections", [])


def get_db() -> Database:
    """The request's connection to the coop database."""
    try:
        return g.db
    except AttributeError:
        pass
    try:
        g.db = _idle().pop()  # list.pop is atomic: no two requests share a connection
    except IndexError:
        g.db = database.connect(current_app.config["DATABASE"])
        g.db.etal_writer = _writer()
    return g.db


_writer_lock = threading.Lock()


def _writer() -> Database:
    """The app's one connection for group commits (pos.db.group_commit): only the write lock's
    holder uses it, so its page cache stays warm; each request's own connection, which finds
    the journal changed by the others at each new read, would read its pages again."""
    extensions = current_app.extensions
    with _writer_lock:
        if "etal_writer" not in extensions:
            extensions["etal_writer"] = database.connect(current_app.config["DATABASE"])
        return extensions["etal_writer"]


def writes_seen(db: Database) -> int:
    """A count that moves whenever this connection or the app's writer has written: what a
    request's cache of rows it read is keyed on ("read again once something was written")."""
    writer = getattr(db, "etal_writer", None)
    return db.conn.total_changes + (writer.conn.total_changes if writer else 0)


def get_settings() -> dict[str, str]:
    """The coop's settings, read once per request (and again once this request has written)."""
    db = get_db()
    cached = g.get("settings_cache")
    if cached is None or cached[0] != writes_seen(db):
        cached = (writes_seen(db), coop.load_settings(db))
        g.settings_cache = cached
    return dict(cached[1])  # a copy: a caller that edits it never edits the cache


def close_db(_exc: BaseException | None = None) -> None:
    """Hand the request's connection back (never inside a transaction), or close it."""
    db = g.pop("db", None)
    if db is None:
        return
    if db.conn.in_transaction:
        db.conn.rollback()
    idle = _idle()
    if len(idle) < IDLE_KEPT:
        idle.append(db)
    else:
        db.close()


def init_app(app: Flask) -> None:
    """Hand connections back at the end of each request."""
    app.teardown_appcontext(close_db)
