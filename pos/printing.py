"""Printing adapter: laid-out lines become ESC/POS bytes sent through python-escpos.

Which printer and how it is reached comes from its URL (pos.printer_urls, printers/README.md).
The code page is pinned after ESC @, and what it lacks is replaced (pos.codepages), never garbled.
A job is rendered in memory first, then sent in one write, so that one deadline (about 5 s)
bounds connecting, the paper check, sending and waiting for the printer to take the bytes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import math
import os
import re
import socket
import struct
import termios
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # python-escpos loads its profile database on import: only when printing
    from escpos.escpos import Escpos

from pos.codepages import sanitise
from pos.i18n import N_, Message
from pos.printer_urls import InvalidPrinterUrl, PrinterConfig, device_refusal, parse_printer_url
from pos.receipts import PrintLine, Seller, test_page

__all__ = [
    "InvalidPrinterUrl",
    "PrinterConfig",
    "PrinterUnavailable",
    "parse_printer_url",
    "sanitise",
]

JOB_SECONDS = 5.0  # the default; POS_PRINTER_TIMEOUT changes it (tests shorten it)
CONNECT_SECONDS = 3.0
STATUS_SECONDS = 0.8


def job_seconds() -> float:
    """How long one job may take: POS_PRINTER_TIMEOUT seconds (0.2 to 60), else 5."""
    try:
        seconds = float(os.environ.get("POS_PRINTER_TIMEOUT") or JOB_SECONDS)
    except ValueError:
        return JOB_SECONDS
    return min(60.0, max(0.2, seconds)) if math.isfinite(seconds) else JOB_SECONDS


class PrinterUnavailable(Exception):
    """The printer could not print the job; the message says why, in French.

    Its argument is a `Message` (or an `N_()` msgid) so that the web layer can translate it:
    `message_of(exc)`, while `str(exc)` stays the French sentence (the CLI, the log, the list).
    """


def _fit(text: str, room: int) -> list[str]:
    """Keep a line within the paper when a fallback (œ -> oe) made it longer.

    Spaces are taken back from the widest gap first, so padded columns stay one line;
    words are wrapped only when no gap is left (rather than let the printer cut a word).
    """
    while len(text) > room:
        gaps = list(re.finditer(r" {2,}", text))
        if not gaps:
            return textwrap.wrap(text, room, break_on_hyphens=False) or [text]
        widest = max(gaps, key=lambda gap: len(gap.group()))
        text = text[: widest.start()] + text[widest.start() + 1 :]
    return [text]


def write_lines(
    printer: Escpos,
    lines: Sequence[PrintLine],
    config: PrinterConfig,
    *,
    open_drawer: bool = False,
) -> None:
    """Turn laid-out lines into calls on any python-escpos printer object."""
    printer.hw("INIT")
    # ESC @ puts the printer back on its default code page: make the library send ESC t again.
    printer.magic.encoding = None
    printer.charcode(config.codepage)
    for line in lines:
        if line.kind == "cut":
            _cut(printer, config)
            continue
        if line.kind == "logo":
            _logo(printer, line.text)
            continue
        printer.set(
            align="center" if line.kind == "qr" else line.align,
            bold=line.bold,
            double_width=line.big,
            double_height=line.big,
            normal_textsize=not line.big,
        )
        if line.kind == "qr":
            _qr(printer, line.text, config)
        elif line.kind == "rule":
            printer.textln("-" * config.width)
        else:
            room = config.width // 2 if line.big else config.width
            for part in _fit(sanitise(line.text, config.codepage), room):
                printer.textln(part)
    if open_drawer and config.drawer:
        printer.cashdraw(2)


def _logo(printer: Escpos, path: str) -> None:
    """The coop's logo, centred (a missing or unreadable file is skipped: never block a receipt)."""
    if not path or not Path(path).is_file():
        return
    printer.set(align="center")
    try:
        printer.image(path, center=False)
    except (OSError, ValueError):
        return


def _cut(printer: Escpos, config: PrinterConfig) -> None:
    printer.set(align="left", bold=False, normal_textsize=True)
    if config.cutter:
        printer.cut()
    else:
        printer.print_and_feed(4)  # past the tear bar of a printer without cutter


def _qr(printer: Escpos, text: str, config: PrinterConfig) -> None:
    size = 6 if config.width >= 42 else 4
    if printer.profile.supports("qrCode"):
        printer.qr(text, size=size, native=True)
    else:
        printer.qr(text, size=size, native=False, center=True)


def render_job(
    config: PrinterConfig, lines: Sequence[PrintLine], *, open_drawer: bool = False
) -> bytes:
    """The bytes of a print job, built in memory with the printer's profile."""
    from escpos.printer import Dummy

    dummy = Dummy(profile=config.profile)
    write_lines(dummy, lines, config, open_drawer=open_drawer)
    return dummy.output


def open_printer(config: PrinterConfig, *, timeout: float = CONNECT_SECONDS) -> Escpos:
    """Open the python-escpos printer a config names; PrinterUnavailable if it cannot."""
    from escpos.exceptions import Error as EscposError
    from escpos.printer import Dummy, File, Network, Serial, Usb

    printer: Escpos
    if config.kind in ("serial", "file"):
        # Never anything but a device: a file:// pointing at the database would overwrite it.
        refused = device_refusal(config.target)
        if refused:
            raise PrinterUnavailable(refused)
    if config.kind == "network":
        printer = Network(config.target, port=config.port, timeout=timeout, profile=config.profile)
    elif config.kind == "usb":
        printer = Usb(
            idVendor=config.vendor_id,
            idProduct=config.product_id,
            timeout=int(timeout * 1000),  # pyusb counts milliseconds; 0 would wait forever
            in_ep=config.in_ep,
            out_ep=config.out_ep,
            profile=config.profile,
        )
    elif config.kind == "serial":
        printer = Serial(
            devfile=config.target,
            baudrate=config.baudrate,
            timeout=timeout,
            profile=config.profile,
        )
    elif config.kind == "file":
        printer = File(devfile=config.target, profile=config.profile)
    else:
        printer = Dummy(profile=config.profile)
    try:
        if isinstance(printer, Network):
            # python-escpos 3.1 leaves the socket of a failed connect open: connect here.
            printer.device = socket.create_connection((config.target, config.port), timeout)
        else:
            printer.open()
    except (OSError, EscposError, ValueError) as exc:  # pyusb's NoBackendError is a ValueError
        raise _unavailable(exc, config) from exc
    return printer


def _unavailable(exc: BaseException, config: PrinterConfig) -> PrinterUnavailable:
    """A French reason for a failure, from the OSError behind python-escpos' own errors."""
    from escpos.exceptions import DeviceNotFoundError

    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    code = getattr(cause, "errno", None)
    if isinstance(cause, ConnectionRefusedError):
        why = N_("L’imprimante %(where)s refuse la connexion : vérifiez qu’elle est allumée.")
    elif isinstance(cause, TimeoutError) or code == errno.ETIMEDOUT:
        why = N_("L’imprimante %(where)s ne répond pas : vérifiez qu’elle est allumée et branchée.")
    elif isinstance(cause, PermissionError) or code in (errno.EACCES, errno.EPERM):
        why = N_("Accès refusé à l’imprimante %(where)s : installez la règle udev de printers/.")
    elif isinstance(cause, socket.gaierror):
        why = N_("Imprimante %(where)s introuvable sur le réseau : vérifiez son adresse.")
    elif code == errno.ENOENT or (cause is None and isinstance(exc, DeviceNotFoundError)):
        why = N_("Imprimante %(where)s introuvable : vérifiez le câble ou l’appairage Bluetooth.")
    elif isinstance(cause, (ConnectionResetError, BrokenPipeError)):
        why = N_("L’imprimante %(where)s a coupé la connexion : réimprimez le ticket.")
    else:
        why = N_("Impression impossible sur %(where)s : vérifiez l’imprimante puis réimprimez.")
    return PrinterUnavailable(Message(why, where=config.where))


def _paper_out(printer: Escpos, deadline: float) -> bool:
    """Ask DLE EOT 4; only a clear "paper end" answer counts, silence means "go on"."""
    from escpos.constants import RT_STATUS_PAPER

    sock = printer.device
    sock.settimeout(max(0.05, min(STATUS_SECONDS, deadline - time.monotonic())))
    try:
        answer = printer.query_status(RT_STATUS_PAPER)
    except TimeoutError:
        return False  # many printers never answer status queries
    status = [b for b in answer if b & 0x93 == 0x12]  # the fixed bits of a status byte
    return bool(status) and status[-1] & 0x60 == 0x60


def _wait_taken(sock: socket.socket, deadline: float) -> None:
    """Wait until the printer has acknowledged every byte, or raise TimeoutError."""
    while True:
        try:
            queued = struct.unpack("i", fcntl.ioctl(sock, termios.TIOCOUTQ, b"\0" * 4))[0]
        except (AttributeError, OSError):
            return  # no send-queue probe on this system: trust sendall
        if queued == 0:
            return
        if time.monotonic() >= deadline:
            raise TimeoutError("the printer stopped reading")
        time.sleep(0.02)


def _send_network(
    config: PrinterConfig, job: bytes, deadline: float, *, check_paper: bool = True
) -> None:
    from escpos.exceptions import Error as EscposError

    printer = open_printer(config, timeout=min(CONNECT_SECONDS, deadline - time.monotonic()))
    sock = printer.device
    done = False
    try:
        if check_paper and _paper_out(printer, deadline):
            raise PrinterUnavailable(
                N_(
                    "Plus de papier dans l’imprimante : "
                    "remettez un rouleau puis réimprimez le ticket."
                )
            )
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        printer._raw(job)
        _wait_taken(sock, deadline)
        done = True
    except TimeoutError as exc:
        raise PrinterUnavailable(
            Message(
                N_(
                    "L’imprimante %(where)s ne prend plus les données : vérifiez le papier "
                    "et le capot, puis réimprimez le ticket."
                ),
                where=config.where,
            )
        ) from exc
    except (OSError, EscposError) as exc:
        raise _unavailable(exc, config) from exc
    finally:
        if not done:  # drop what is queued rather than let a stuck printer get it later
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        _close(printer)


def _send_device(config: PrinterConfig, job: bytes) -> None:
    printer = open_printer(config)
    try:
        printer._raw(job)
        printer.close()  # a device file flushes here: its failure is the job's failure
    except Exception as exc:  # pyusb and pyserial raise their own errors as well as OSError
        raise _unavailable(exc, config) from exc
    finally:
        _close(printer)


def _close(printer: Escpos) -> None:
    """Close, whatever state the connection is in (closing twice is harmless)."""
    with contextlib.suppress(Exception):
        printer.close()


def _within(deadline: float, work: Callable[[], None], config: PrinterConfig) -> None:
    """Run work in a thread so that even a device that blocks forever cannot block us."""
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)

    worker = threading.Thread(target=run, name="etal-print", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()) + 0.5)
    if worker.is_alive():
        raise PrinterUnavailable(
            Message(
                N_("L’imprimante %(where)s ne répond pas : vérifiez-la puis réimprimez le ticket."),
                where=config.where,
            )
        )
    if outcome:
        raise outcome[0]


def print_lines(
    config: PrinterConfig, lines: Sequence[PrintLine], *, open_drawer: bool = False
) -> bytes:
    """Print laid-out lines within about 5 s; returns the job's bytes (preview: sends none)."""
    job = render_job(config, lines, open_drawer=open_drawer)
    if config.kind == "preview":
        return job
    deadline = time.monotonic() + job_seconds()
    if config.kind == "network":
        _within(deadline, lambda: _send_network(config, job, deadline), config)
    else:
        _within(deadline, lambda: _send_device(config, job), config)
    return job


def kick_drawer(config: PrinterConfig) -> bytes:
    """Open the cash drawer plugged into the printer, within about 5 s; no paper needed."""
    job = render_job(replace(config, drawer=True), [], open_drawer=True)
    if config.kind == "preview":
        return job
    deadline = time.monotonic() + job_seconds()
    if config.kind == "network":
        send = lambda: _send_network(config, job, deadline, check_paper=False)  # noqa: E731
        _within(deadline, send, config)
    else:
        _within(deadline, lambda: _send_device(config, job), config)
    return job


def print_test(config: PrinterConfig, seller: Seller | None = None) -> bytes:
    """Print the test page (every French character, each style) on a printer."""
    seller = seller or Seller("Étal", "Page de test", "", "", "", vat_franchise=True)
    return print_lines(config, test_page(seller, config.width))
