"""The print queue: each job is in the "to print" list first, sent within about 5 s, one at a
time, and leaves the list only once the printer took it.

Printing always comes after the sale is committed, never inside its transaction: a printer
that is off, out of paper or jammed costs the member a message, never a sale.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from sqlite_utils import Database

from pos import printing
from pos.coop_files import files_folder
from pos.db import coop, file_of, transaction
from pos.db import print_jobs as jobs
from pos.db.events import log_event
from pos.db.sales import get_sale
from pos.db.till import get_closure
from pos.i18n import N_, message_of
from pos.printing import InvalidPrinterUrl, PrinterConfig, PrinterUnavailable
from pos.receipts import PrintLine, layout, receipt_of, seller_of, test_page
from pos.turns import released
from pos.z_report import closure_layout

WAITING_MESSAGE = N_("Imprimante injoignable : le ticket attend dans la liste « À imprimer ».")
NO_PRINTER = N_("Aucune imprimante n’est réglée : choisissez-en une dans Réglages, puis réessayez.")
# Many printers take one connection at a time: one job at a time in this process, and one at a
# time among the processes sending to the same printer (the workers of `pos serve --workers`).
PRINTER_LOCK = threading.Lock()
_last_failure: dict[str, tuple[float, str]] = {}
BUSY = N_("L’imprimante est occupée : réessayez dans un instant.")


@dataclass(frozen=True)
class Outcome:
    """What became of a job: printed, or waiting in the list with the printer's reason.

    `error` is the French reason as a `Message` (or an N_() msgid): the web layer translates it
    with `translate()`; the list in the database keeps the French sentence.
    """

    job_id: int
    printed: bool
    error: str = ""
    duplicate: int = 0


def printer_url_of(server_url: str, settings: dict[str, str]) -> str:
    """The printer in use: the setting when set, else `pos serve --printer`; "" for none."""
    url = (settings.get("printer_url") or server_url or "").strip()
    return "" if url.lower().startswith("preview:") else url


def config_of(url: str, settings: dict[str, str]) -> PrinterConfig:
    """The printer's config, with the paper width the settings choose (if any)."""
    if not url:
        raise PrinterUnavailable(NO_PRINTER)
    config = printing.parse_printer_url(url)
    if settings.get("paper_width"):
        config = replace(config, width=int(settings["paper_width"]))
    return config


def send(config: PrinterConfig, lines: Sequence[PrintLine], *, drawer: bool = False) -> None:
    """Send one job on its own connection, after any job already being sent (about 5 s each).

    The request gives its turn back meanwhile (pos.turns): a printer that is off holds it for
    its timeout, and the other tablets' sales must go on. The printer's lock is taken only
    here, inside `released`, as pos.turns requires."""
    with released():
        _send(config, lines, drawer=drawer)


def _send(config: PrinterConfig, lines: Sequence[PrintLine], *, drawer: bool) -> None:
    asked = time.monotonic()
    deadline = asked + printing.job_seconds() + 1
    if not PRINTER_LOCK.acquire(timeout=deadline - asked):
        raise PrinterUnavailable(BUSY)
    try:
        with _among_processes(config.url, deadline):
            _send_alone(config, lines, drawer=drawer, asked=asked)
    finally:
        PRINTER_LOCK.release()


def printer_lock_file(url: str) -> Path:
    """The file whose lock (flock) every process sending to this printer takes: in the
    machine's temporary folder, named for the printer."""
    name = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"etal-printer-{name}.lock"


@contextmanager
def _among_processes(url: str, deadline: float) -> Iterator[None]:
    """Hold the printer's lock file until the job is sent, waiting for another process's job
    until `deadline` (then the printer is said busy, as within the process)."""
    fd = os.open(printer_lock_file(url), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PrinterUnavailable(BUSY) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing it lets go of the lock


def _send_alone(
    config: PrinterConfig, lines: Sequence[PrintLine], *, drawer: bool, asked: float
) -> None:
    """Send, with the printer to this job alone."""
    failed = _last_failure.get(config.url)
    if failed and failed[0] > asked:  # it failed while we waited: spare the member 5 s more
        raise PrinterUnavailable(failed[1])
    try:
        if drawer:
            printing.kick_drawer(config)
        else:
            printing.print_lines(config, lines)
    except PrinterUnavailable as exc:
        _last_failure[config.url] = (time.monotonic(), message_of(exc))
        raise


def job_lines(db: Database, job: dict, settings: dict[str, str], width: int) -> list[PrintLine]:
    """The laid-out lines a job prints."""
    if job["kind"] in ("receipt", "duplicate"):
        sale = get_sale(db, job["sale_number"])
        return _with_logo(db, settings, layout(receipt_of(sale, settings, job["duplicate"]), width))
    if job["kind"] == "test":
        return test_page(seller_of(settings), width)
    if job["kind"] == "drawer":
        return []
    if job["kind"] == "closure":
        closure = get_closure(db, job["closure_number"])
        return closure_layout(closure, seller_of(settings), width)
    raise PrinterUnavailable(N_("Ce document ne s’imprime pas encore depuis la liste."))


def _with_logo(db: Database, settings: dict[str, str], lines: list[PrintLine]) -> list[PrintLine]:
    """The coop's logo on top of a receipt, when one was uploaded in the settings."""
    if not settings.get("receipt_logo"):
        return lines
    path = logo_path(file_of(db))
    return [PrintLine(text=str(path), kind="logo"), *lines] if path.is_file() else lines


def logo_path(db_path: str) -> Path:
    """Where the receipt logo is kept: beside the database, in its files folder."""
    return files_folder(db_path) / "logo.png"


def run_job(db: Database, url: str, job_id: int) -> Outcome:
    """Try a job now; record whether it printed or why not."""
    job = jobs.get_job(db, job_id)
    if job is None:
        raise ValueError(f"no print job {job_id}")
    settings = coop.load_settings(db)
    try:
        config = config_of(url, settings)
        lines = job_lines(db, job, settings, config.width)
        send(config, lines, drawer=job["kind"] == "drawer")
    except (PrinterUnavailable, InvalidPrinterUrl) as exc:
        jobs.mark_failed(db, job_id, str(exc))
        log_event(
            db,
            "printer_failed",
            None,
            job=job_id,
            job_kind=job["kind"],
            error=str(exc),
            sale=job["sale_number"],
            closure=job["closure_number"],
            by=job["member"],
        )
        return Outcome(job_id, False, message_of(exc), job["duplicate"])
    jobs.mark_printed(db, job_id)
    if job["kind"] == "duplicate":
        log_event(
            db,
            "receipt_reprinted",
            None,
            sale=job["sale_number"],
            duplicate=job["duplicate"],
            by=job["member"],
        )
    return Outcome(job_id, True, "", job["duplicate"])


def receipt_job(db: Database, number: int, member: str = "") -> int:
    """The job for "Ticket ?": the original while it has not printed, else a DUPLICATA."""
    get_sale(db, number)  # SaleNotFound before anything is queued
    with transaction(db):
        job = jobs.receipt_job_of(db, number)
        if job is None:
            return jobs.insert_job(db, "receipt", sale_number=number, member=member)
        if job["status"] == "printed":
            return jobs.insert_duplicate(db, number, member=member)
        return job["id"]


def print_receipt(db: Database, url: str, number: int, member: str = "") -> Outcome:
    """Print a sale's receipt (a DUPLICATA once the original has printed)."""
    return run_job(db, url, receipt_job(db, number, member))


def print_duplicate(db: Database, url: str, number: int, member: str = "") -> Outcome:
    """Reprint a past receipt, marked DUPLICATA with its reprint count."""
    get_sale(db, number)
    return run_job(db, url, jobs.insert_duplicate(db, number, member=member))


def print_closure(db: Database, url: str, number: int, member: str = "") -> Outcome:
    """Print a Z or period closure (it waits in the list if the printer cannot take it)."""
    job = jobs.insert_job(db, "closure", closure_number=number, member=member)
    return run_job(db, url, job)


def print_test_page(db: Database, url: str, member: str = "") -> Outcome:
    """Print the test page, as a job of the list."""
    return run_job(db, url, jobs.insert_job(db, "test", member=member))


def retry(db: Database, url: str, job_id: int) -> Outcome | None:
    """Retry one waiting job; None if it is not waiting (printed twice would be no DUPLICATA)."""
    job = jobs.get_job(db, job_id)
    if job is None or job["status"] not in jobs.WAITING:
        return None
    return run_job(db, url, job_id)


def retry_all(db: Database, url: str) -> list[Outcome]:
    """Retry the waiting jobs oldest first, stopping at the first failure (the printer is off)."""
    outcomes = []
    for job in jobs.list_waiting(db):
        outcomes.append(run_job(db, url, job["id"]))
        if not outcomes[-1].printed:
            break
    return outcomes


def open_drawer(db: Database, url: str, number: int, member: str = "") -> Outcome | None:
    """Open the cash drawer for a cash sale if the settings say so; a failure joins the list."""
    settings = coop.load_settings(db)
    if settings.get("drawer_on_cash") != "1" or not url:
        return None
    try:
        send(config_of(url, settings), [], drawer=True)
    except (PrinterUnavailable, InvalidPrinterUrl) as exc:
        job_id = jobs.insert_job(
            db, "drawer", sale_number=number, member=member, status="failed", error=str(exc)
        )
        return Outcome(job_id, False, message_of(exc))
    return Outcome(0, True)
