"""Group commit: writes queued together share one transaction, yet each keeps its own fate."""

from __future__ import annotations

import pytest

from pos import db as database
from pos.db import WRITE_LOCK, group_commit
from pos.errors import OutOfStock
from tests.waiting import Checked, outcomes, wait_until


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "group.db"
    conn = database.connect(path, create=True)
    conn.execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")
    conn.close()
    return path


def rows(path) -> list[int]:
    conn = database.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")]
    finally:
        conn.close()


def insert(x: int):
    def work(db):
        db.execute("INSERT INTO t (x) VALUES (?)", [x])
        return x

    return work


def refuse(db):
    raise OutOfStock("plus rien")


def write_then_refuse(db):
    db.execute("INSERT INTO t (x) VALUES (99)")
    raise OutOfStock("trop tard")


def crash(db):
    db.execute("INSERT INTO t (x) VALUES (98)")
    raise ZeroDivisionError("bug")


def queued_together(path, works) -> tuple[list, int]:
    """Queue every work while the write lock is held, then let them run; outcomes and COMMITs."""
    commits = []

    def call(i: int):
        conn = database.connect(path)
        conn.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
        try:
            return group_commit(conn, works[i])
        except Exception as exc:  # the outcome under test
            return exc
        finally:
            conn.close()

    threads = [Checked(call, i) for i in range(len(works))]
    with WRITE_LOCK:
        for t in threads:
            t.start()
        wait_until(lambda: sum(len(q) for q in database._queued.values()) == len(works))
    return outcomes(threads), len(commits)


def test_writes_queued_together_share_one_commit(path):
    outcomes, commits = queued_together(path, [insert(i) for i in range(1, 7)])

    assert sorted(outcomes) == [1, 2, 3, 4, 5, 6]
    assert commits == 1
    assert rows(path) == [1, 2, 3, 4, 5, 6]


def test_a_refusal_in_the_group_is_its_own_and_the_others_land(path):
    outcomes, commits = queued_together(path, [insert(1), refuse, insert(2)])

    assert isinstance(outcomes[1], OutOfStock)
    assert sorted(o for o in outcomes if isinstance(o, int)) == [1, 2]
    assert commits == 1
    assert rows(path) == [1, 2]


@pytest.mark.parametrize("bad", [write_then_refuse, crash], ids=["refusal-after-write", "bug"])
def test_a_write_that_fails_after_writing_is_undone_alone(path, bad):
    outcomes, _commits = queued_together(path, [insert(1), bad, insert(2)])

    assert isinstance(outcomes[1], OutOfStock | ZeroDivisionError)
    assert sorted(o for o in outcomes if isinstance(o, int)) == [1, 2]
    assert rows(path) == [1, 2]  # nothing of the failed write, everything of the others


def test_a_write_inside_a_callers_transaction_is_part_of_it(path):
    conn = database.connect(path)
    try:
        with pytest.raises(ZeroDivisionError):
            with database.transaction(conn):
                assert group_commit(conn, insert(5)) == 5
                raise ZeroDivisionError
    finally:
        conn.close()
    assert rows(path) == []


def test_a_lone_failure_reaches_its_caller_and_leaves_nothing(path):
    conn = database.connect(path)
    try:
        with pytest.raises(ZeroDivisionError):
            group_commit(conn, crash)
        assert group_commit(conn, insert(7)) == 7
    finally:
        conn.close()
    assert rows(path) == [7]
