"""`pos serve` and Chromium run as a member would: shared by the tests (conftest's live server
and browser) and by benchmarks/ (which put the repository's top on sys.path to import it)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Headless Chromium in a container or on CI: no sandbox, GPU, QUIC or background chatter.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(db_path: Path, port: int, *extra: str, module: str = "pos.cli") -> list[str]:
    """`pos serve` on 127.0.0.1 and this port, as a member runs it (extra: more options;
    module: what `python -m` runs, `pos.cli` unless a test wraps it)."""
    return [
        sys.executable,
        "-m",
        module,
        "serve",
        "--db",
        str(db_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra,
    ]


def wait_until_listening(
    process: subprocess.Popen, port: int, seconds: float, output: Callable[[], str]
) -> None:
    """Return once the server answers on the port.

    :raise RuntimeError: with the server's output if it stopped, or when `seconds` passed.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(output())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")
