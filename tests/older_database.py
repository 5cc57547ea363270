"""A coop database as an older Étal left it: migrated up to a given number only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pos import db as database
from tests.conftest import seed


@contextmanager
def migrated_up_to(last: int) -> Iterator[None]:
    """Inside the block, `migrate` applies the migrations up to `last` and none after."""
    every = database._migrations
    database._migrations = lambda: [m for m in every() if m[0] <= last]
    try:
        yield
    finally:
        database._migrations = every


def seeded_at(path: Path, last: int):
    """The test coop (till open) seeded at migration `last`; its connection, left there."""
    with migrated_up_to(last):
        seed(path)
    return database.connect(path)
