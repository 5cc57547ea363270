"""A pretend network printer: a real TCP listener on 127.0.0.1 that keeps what it receives.

Modes:
- "normal": reads every byte, answers DLE EOT 4 with 0x12 (paper present), closes at EOF.
- "paper-out": the same, but answers 0x72 (paper end sensors set).
- "never-read": accepts, never reads, with a tiny receive buffer (a jammed printer).
- "refuse": nothing listens on the port, so a connection is refused.
"""

from __future__ import annotations

import socket
import threading
import time

PAPER_OK = b"\x12"
PAPER_OUT = b"\x72"
STATUS_PAPER = b"\x10\x04\x04"
MODES = ("normal", "paper-out", "never-read", "refuse")


class PrinterListener:
    """A TCP printer on 127.0.0.1 capturing each connection's bytes."""

    def __init__(self, mode: str = "normal") -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self.host = "127.0.0.1"
        self.port = 0
        self.connections: list[bytearray] = []
        self._server: socket.socket | None = None
        self._held: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._served = 0

    @property
    def url(self) -> str:
        """The Étal printer URL that reaches this listener."""
        return f"network://{self.host}:{self.port}"

    def start(self) -> PrinterListener:
        """Bind a free port and start accepting (or, for "refuse", free the port again)."""
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.mode == "never-read":
            # Set before listen() so that accepted sockets inherit it: the window stays tiny.
            server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        server.bind((self.host, 0))
        self.port = server.getsockname()[1]
        if self.mode == "refuse":
            server.close()
            return self
        server.listen(4)
        server.settimeout(0.05)
        self._server = server
        self._spawn(self._accept_loop)
        return self

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            captured = bytearray()
            with self._lock:
                self.connections.append(captured)
            if self.mode == "never-read":
                self._held.append(conn)
            else:
                self._spawn(self._serve, conn, captured)

    def _serve(self, conn: socket.socket, captured: bytearray) -> None:
        answer = PAPER_OUT if self.mode == "paper-out" else PAPER_OK
        conn.settimeout(0.05)
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                before = len(captured)
                captured.extend(chunk)
                # Look across the chunk boundary too: a query may arrive split.
                window = bytes(captured[max(0, before - 2) :])
                for _ in range(window.count(STATUS_PAPER)):
                    try:
                        conn.sendall(answer)
                    except OSError:
                        break
        with self._lock:
            self._served += 1

    def received(self, connections: int = 1, timeout: float = 3.0) -> list[bytes]:
        """Each connection's bytes, once `connections` of them have ended (or timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._served >= connections:
                    break
            time.sleep(0.01)
        with self._lock:
            return [bytes(c) for c in self.connections]

    def stop(self) -> None:
        """Close every socket and wait for the threads."""
        self._stop.set()
        if self._server is not None:
            self._server.close()
        for conn in self._held:
            conn.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> PrinterListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
