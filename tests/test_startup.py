"""The chores before serving (pos.startup) run without Flask: migrate, the clock, the key."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pos import clock, startup
from pos import db as database
from pos.db import coop
from pos.errors import DatabaseMissing


def test_opening_a_coop_sets_the_process_clock_from_its_settings(db, db_path):
    coop.save_settings(db, {"clock_offset": "120", "timezone": "Europe/Brussels"})
    settings = startup.open_coop(db_path)
    assert settings["timezone"] == "Europe/Brussels"
    assert clock.offset_seconds() == 120
    assert clock.LOCAL.key == "Europe/Brussels"


def test_opening_a_coop_migrates_it_and_says_so(tmp_path):
    path = tmp_path / "old.db"
    old = database.connect(path, create=True)
    *earlier, (last, name, _sql) = database._migrations()
    for number, _name, sql in earlier:  # a coop made before the latest migration
        for statement in database._split_sql(sql):
            old.execute(statement)
        old.execute(f"PRAGMA user_version = {number}")
    old.conn.commit()
    startup.open_coop(path)
    assert database.schema_version(old) == last
    event = old.execute("SELECT kind, details FROM events ORDER BY number DESC LIMIT 1").fetchone()
    assert event[0] == "migration" and name in event[1]
    old.close()


def test_no_database_is_named(tmp_path):
    with pytest.raises(DatabaseMissing):
        startup.open_coop(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


def test_the_session_key_is_made_once_owner_only(tmp_path):
    path = tmp_path / "coop.db"
    first = startup.secret_key_for(path)
    key_file = Path(str(path) + ".secret")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) == 64 and startup.secret_key_for(path) == first


def test_the_start_up_chores_load_no_flask():
    probe = "import sys, pos.startup; print('flask' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
