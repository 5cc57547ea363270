"""Other processes on the coop's file (the workers of `pos serve --workers`, another server, a
command): what they save is this one's at its next request (the clock's correction, the zone),
and a write that waits for theirs lets this process's other requests work.

"Another process" is a second connection here: what it saves reaches the app only through the
file, and its write lock is SQLite's, as another worker's would be.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from pos import accounts, clock, print_queue, printing
from pos import db as database
from pos.db import coop
from pos.db.exports import local_iso
from pos.i18n import message_of
from pos.printing import PrinterUnavailable
from pos.receipts import Seller, test_page
from pos.turns import Turns
from tests.conftest import product_id
from tests.test_api import sale_body
from tests.test_turns import Gate, call, wait_for


def saved_elsewhere(db_path, **settings: str) -> None:
    """Settings saved by another process on the same file."""
    other = database.connect(db_path)
    coop.save_settings(other, settings)
    other.close()


def sale_times(db_path) -> list[datetime]:
    conn = database.connect(db_path)
    rows = conn.execute("SELECT created_at FROM sales ORDER BY number").fetchall()
    conn.close()
    return [datetime.fromisoformat(at) for (at,) in rows]


def test_a_clock_correction_saved_elsewhere_stamps_the_next_sale(actions, db_path):
    actions.login()
    assert clock.offset_seconds() == 0
    saved_elsewhere(db_path, clock_offset="7200")  # another worker took a tablet's time
    actions.sell(product_id(database.connect(db_path), "Cookie"), method="card")
    assert clock.offset_seconds() == 7200
    (at,) = sale_times(db_path)
    assert abs((at - datetime.now(UTC)).total_seconds() - 7200) < 60


def test_a_zone_saved_elsewhere_is_the_next_pages(actions, db_path):
    actions.login()
    saved_elsewhere(db_path, timezone="America/Martinique")
    actions.client.get("/sell")
    assert clock.LOCAL.key == "America/Martinique"


def test_an_api_sale_follows_the_clock_saved_elsewhere(
    client, db, db_path, api_token, monkeypatch
):
    """The API's sale reads no settings of its own: a worker among others reads them for
    the clock (alone on its file, its clock is the only one that moves it)."""
    monkeypatch.setattr(database, "OTHER_PROCESSES", True)
    saved_elsewhere(db_path, clock_offset="-3600")
    response = client.post(
        "/api/v1/sales",
        json=sale_body(db, ("Cookie", 1), amount="2.50"),
        headers={"Authorization": f"Bearer {api_token}", "Idempotency-Key": "k-follow"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    (at,) = sale_times(db_path)
    assert abs((at - datetime.now(UTC)).total_seconds() + 3600) < 60


def test_an_unchanged_setting_leaves_a_moved_clock_alone(actions, db_path, till_clock):
    """Following is on change only: a correction made in this process (a test's, or one
    whose save is on its way) is not undone by each request reading the same settings."""
    actions.login()
    till_clock(600)
    actions.client.get("/sell")
    assert clock.offset_seconds() == 600


@pytest.mark.parametrize(
    "zone, offset", [("Europe/Paris", "+02:00"), ("America/Martinique", "-04:00")]
)
def test_an_hour_already_read_reads_again_in_a_new_zone(zone, offset):
    stored = "2026-06-14T08:30:05.000000+00:00"
    assert local_iso(stored) == "2026-06-14T10:30:05+02:00"  # Paris, read and kept
    assert accounts.local_hour(stored[:13]) == (datetime(2026, 6, 14).date(), 10)
    clock.set_zone(zone)
    assert local_iso(stored).endswith(offset)
    hour = 10 if zone == "Europe/Paris" else 4
    assert accounts.local_hour(stored[:13]) == (datetime(2026, 6, 14).date(), hour)


@pytest.mark.parametrize("path", ["transaction", "group commit"])
def test_a_write_waiting_for_another_process_lets_this_ones_requests_work(
    db_path, monkeypatch, path
):
    """A worker whose write waits for another worker's COMMIT (SQLite's lock on the file)
    gives its turn back meanwhile: its other requests go on."""
    monkeypatch.setattr(database, "OTHER_PROCESSES", True)
    other = database.connect(db_path)
    other.execute("BEGIN IMMEDIATE")  # another worker's write, under way
    mine = database.connect(db_path)
    sql = "INSERT INTO settings(key, value) VALUES ('shop_note', ?)"

    def writes():
        if path == "transaction":
            with database.transaction(mine):
                mine.execute(sql, [path])
        else:
            database.group_commit(mine, lambda db: db.execute(sql, [path]))

    gate = Gate(writes)
    app = Turns(gate, 1, patience=5)  # no extra turn: only a turn given back lets it in
    writer = call(app, "/slow")
    assert wait_for(lambda: gate.inside == 1)
    request = call(app)
    assert wait_for(lambda: gate.inside == 2)  # the waiting write gave its turn
    gate.go.set()
    request.join(5)
    other.execute("COMMIT")
    writer.join(5)
    assert not writer.is_alive() and gate.inside == 0
    stored = mine.execute("SELECT value FROM settings WHERE key = 'shop_note'").fetchone()
    assert stored == (path,)
    other.close()
    mine.close()


SELLER = Seller("Kokedamas du quai", "CAE Coopaname", "1 rue du Port", "123", "FR00")


def held_elsewhere(url: str, seconds: float) -> subprocess.Popen:
    """Another process holding the printer's lock for `seconds` (a worker printing)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\n",
            str(print_queue.printer_lock_file(url)),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_job_waits_for_another_process_job_on_the_same_printer(printer_listener):
    config = printing.parse_printer_url(printer_listener.url)
    holder = held_elsewhere(printer_listener.url, 0.5)
    began = time.monotonic()
    print_queue.send(config, test_page(SELLER, config.width))
    waited = time.monotonic() - began
    holder.wait(5)
    holder.stdout.close()
    assert waited >= 0.4  # sent once the other process let go, never beside its job
    (job,) = printer_listener.received(1)
    assert b"Kokedamas du quai" in job


def test_a_printer_held_elsewhere_past_the_job_time_is_said_busy(printer_listener):
    config = printing.parse_printer_url(printer_listener.url)
    holder = held_elsewhere(printer_listener.url, printing.job_seconds() + 2)
    with pytest.raises(PrinterUnavailable) as refused:
        print_queue.send(config, test_page(SELLER, config.width))
    holder.kill()
    holder.wait(5)
    holder.stdout.close()
    assert message_of(refused.value) == "L’imprimante est occupée : réessayez dans un instant."
    assert printer_listener.connections == []  # nothing reached the paper
