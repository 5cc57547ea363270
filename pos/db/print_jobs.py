"""Queries for the "to print" list: print jobs, their attempts and outcomes."""

from __future__ import annotations

from sqlite_utils import Database

from pos.db import now_iso, transaction

WAITING = ("pending", "failed")


def insert_job(
    db: Database,
    kind: str,
    *,
    sale_number: int | None = None,
    closure_number: int | None = None,
    member: str = "",
    status: str = "pending",
    error: str = "",
) -> int:
    """Add a job to the list; return its id."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO print_jobs(kind, sale_number, closure_number, status, last_error, "
            "member, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [kind, sale_number, closure_number, status, error, member, now_iso()],
        )
        return cursor.lastrowid


def insert_duplicate(db: Database, sale_number: int, *, member: str = "") -> int:
    """Add a reprint of a sale's receipt, numbered after the sale's earlier reprints."""
    with transaction(db):
        count = next_duplicate(db, sale_number)
        cursor = db.execute(
            "INSERT INTO print_jobs(kind, sale_number, duplicate, member, created_at) "
            "VALUES ('duplicate', ?, ?, ?, ?)",
            [sale_number, count, member, now_iso()],
        )
        return cursor.lastrowid


def next_duplicate(db: Database, sale_number: int) -> int:
    """The number the next DUPLICATA of this sale will carry (1 for the first)."""
    row = db.execute(
        "SELECT coalesce(max(duplicate), 0) FROM print_jobs "
        "WHERE kind = 'duplicate' AND sale_number = ?",
        [sale_number],
    ).fetchone()
    return row[0] + 1


def get_job(db: Database, job_id: int) -> dict | None:
    """One job by id, or None."""
    rows = list(db.query("SELECT * FROM print_jobs WHERE id = ?", [job_id]))
    return rows[0] if rows else None


def receipt_job_of(db: Database, sale_number: int) -> dict | None:
    """The job of a sale's original receipt, if one was ever asked."""
    rows = db.query(
        "SELECT * FROM print_jobs WHERE kind = 'receipt' AND sale_number = ? ORDER BY id LIMIT 1",
        [sale_number],
    )
    return next(iter(rows), None)


def mark_printed(db: Database, job_id: int) -> None:
    """The printer took the job."""
    at = now_iso()
    with transaction(db):
        db.execute(
            "UPDATE print_jobs SET status = 'printed', attempts = attempts + 1, last_error = '', "
            "tried_at = ?, printed_at = ? WHERE id = ?",
            [at, at, job_id],
        )


def mark_failed(db: Database, job_id: int, error: str) -> None:
    """The printer did not take the job: keep it in the list with the reason."""
    with transaction(db):
        db.execute(
            "UPDATE print_jobs SET status = 'failed', attempts = attempts + 1, last_error = ?, "
            "tried_at = ? WHERE id = ?",
            [error, now_iso(), job_id],
        )


def cancel_job(db: Database, job_id: int) -> None:
    """Take a waiting job off the list (the customer has gone)."""
    with transaction(db):
        db.execute(
            "UPDATE print_jobs SET status = 'cancelled' WHERE id = ? AND status IN (?, ?)",
            [job_id, *WAITING],
        )


def list_waiting(db: Database) -> list[dict]:
    """Jobs not printed yet, oldest first."""
    return list(
        db.query("SELECT * FROM print_jobs WHERE status IN (?, ?) ORDER BY id", list(WAITING))
    )


def count_waiting(db: Database) -> int:
    """How many jobs wait in the list."""
    sql = "SELECT count(*) FROM print_jobs WHERE status IN (?, ?)"
    return db.execute(sql, list(WAITING)).fetchone()[0]
