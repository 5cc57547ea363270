"""`pos serve --workers N`: N processes serve one coop file on one port.

Python runs one thread of a process at a time, so one `pos serve` uses one core: a sell-screen
sale costs it 10-15 ms of CPU on the 2-core benchmark VM (README, Benchmarks), about 90 sales
a second at best. Workers use the other cores: this parent listens on the address, forks each worker
(a whole `pos serve` of its own: its app, threads and turns, taking connections from the
parent's socket in turn with the others, `Acceptor`), starts again a worker that dies, and
stops them all on SIGTERM or Ctrl-C.

What the till must keep single lives in the coop's file, not in a process:
- sales, their numbers, the journal's chain, Idempotency-Keys, stock: SQLite's write lock
  orders every write (`BEGIN IMMEDIATE`), and a worker waits for another's without holding
  its turn (pos.db);
- the clock's correction and the time zone: each request follows the settings (pos.startup);
- the printer: one job at a time across the workers (a lock file, pos.print_queue);
- the session key: its file beside the coop's, made once before the workers start.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import mmap
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable

RESTART_PAUSE = 1.0  # seconds before a worker that died is started again
QUICK_DEATH = 10.0  # a worker that dies within this many seconds of its start...
QUICK_DEATHS_ALLOWED = 5  # ...this many times in a row: something is wrong, stop serving
STOP_SECONDS = 10.0  # what a worker is given to finish its requests when asked to stop
READY_SECONDS = 60.0  # at most this long before the workers' address is said ready
DEFER = 0.2  # seconds a busier worker leaves a new connection to a less busy one


def listen(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """The one listening socket, made by the parent before the workers (a port already taken
    stops the start here) and inherited by each (their `Acceptor`s take its connections).

    :raise OSError: the address is taken or not this machine's.
    """
    sock = _reusable(host)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)  # one file for every worker: each polls it, none waits in accept
    return sock


def stand_in(host: str, port: int) -> socket.socket:
    """What a worker gives waitress as its socket: bound to the same address (so waitress
    reports it) but never listened on, nor polled (the server is made with `_start=False`);
    the connections come from the `Acceptor`."""
    sock = _reusable(host)
    sock.bind((host, port))
    return sock


def _reusable(host: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # the stand-ins share the port
    return sock


class Loads:
    """Each worker's open connections, in memory the workers share (mapped before they fork),
    and the lock under which one of them decides to take a connection.

    A slot reads as NOBODY until its worker takes connections, and again once it has died, so
    no worker leaves a connection to one that cannot take it."""

    NOBODY = 2**62

    def __init__(self, count: int):
        import multiprocessing  # only with workers: a lock the forked processes share

        self.count = count
        self.memory = mmap.mmap(-1, 8 * (count + 1))  # MAP_SHARED: one memory for all
        self.deciding = multiprocessing.Lock()
        for number in range(1, count + 1):
            self.set(number, self.NOBODY)

    def set(self, number: int, connections: int) -> None:
        struct.pack_into("q", self.memory, 8 * number, connections)

    def least_but(self, number: int) -> int:
        """The fewest connections any other worker has."""
        others = (k for k in range(1, self.count + 1) if k != number)
        return min((struct.unpack_from("q", self.memory, 8 * k)[0] for k in others), default=0)


class _Counted(dict):
    """Waitress's map of a worker's channels, saying its size each time a channel comes or
    goes (so the others read it fresh, not as the acceptor last saw it)."""

    def __init__(self, changed: Callable[[], None]):
        super().__init__()
        self.changed = changed

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.changed()

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        self.changed()


class Acceptor:
    """What attaches worker `number`'s waitress server to the shared socket (its `attach`,
    pos.turns, with the channels' `map`): a thread takes the connections and hands each to
    waitress's loop.

    Each connection goes to the worker with fewest: under the workers' lock, one with more
    than another leaves a waiting connection to it, for up to DEFER seconds (then takes it, in
    case that one is stuck). With waitress polling the socket itself, whichever worker woke
    first took the connection, and one could take a whole burst; with a socket per worker
    (SO_REUSEPORT), a hash of the addresses chose, and the four connections of a benchmark
    run all went to one worker in one run out of three."""

    def __init__(
        self, shared: socket.socket, loads: Loads, number: int, listening: Callable[[], None]
    ):
        self.shared, self.loads, self.number, self.listening = shared, loads, number, listening
        self.pending = 0  # accepted, not yet a channel in the loop's map
        self.pending_lock = threading.Lock()  # moved by the acceptor and by the loop
        self.map = _Counted(self.publish)

    def publish(self) -> None:
        self.loads.set(self.number, len(self.map) + self.pending)

    def __call__(self, server) -> None:
        self.server = server
        self.publish()
        threading.Thread(target=self._accept_forever, name="etal-accept", daemon=True).start()
        self.listening()

    def _accept_forever(self) -> None:
        poller = select.poll()
        poller.register(self.shared, select.POLLIN)
        deferred_since = None
        while True:
            if len(self.map) >= self.server.adj.connection_limit:  # full: to the others
                time.sleep(0.1)
                continue
            if not poller.poll(1000):
                deferred_since = None
                continue
            with self.loads.deciding:
                mine = len(self.map) + self.pending
                if mine > self.loads.least_but(self.number):
                    now = time.monotonic()
                    deferred_since = deferred_since or now
                    if now - deferred_since < DEFER:
                        taken = None
                    else:
                        taken = self._take()
                else:
                    taken = self._take()
            if taken is None:
                time.sleep(0.002)
                continue
            deferred_since = None
            self.server.trigger.pull_trigger(functools.partial(self._channel, *taken))

    def _take(self):
        """A waiting connection, or None (another worker took it, or it closed first)."""
        try:
            conn, addr = self.shared.accept()
            self.server.set_socket_options(conn)
        except OSError:
            return None
        with self.pending_lock:
            self.pending += 1
        self.publish()
        return conn, addr

    def _channel(self, conn: socket.socket, addr) -> None:
        """In waitress's loop: the connection becomes one of its channels, as its own accept."""
        server = self.server
        try:
            server.channel_class(server, conn, server.fix_addr(addr), server.adj, self.map)
        finally:
            with self.pending_lock:
                self.pending -= 1  # after: in the map first, never counted nowhere meanwhile
            self.publish()


class Workers:
    """The workers of one `pos serve --workers`, kept running until asked to stop.

    Each is forked from this parent, which never opens the app itself (no thread, no
    connection to copy), so a worker started again is as new as the first: `serve(number,
    attach)` builds its app and serves until it is stopped, its waitress server attached to
    `sock`, the parent's listening socket, by `attach` (`Acceptor`). `ready` is called once
    every worker takes connections (at most READY_SECONDS after their start)."""

    def __init__(
        self,
        sock: socket.socket,
        count: int,
        serve: Callable[[int, Callable[[object], None]], None],
        say: Callable[[str], None] = print,
        ready: Callable[[], None] = lambda: None,
    ):
        self.sock, self.count, self.serve, self.say = sock, count, serve, say
        self.loads = Loads(count)
        self.ready = ready
        self.listening_r, self.listening_w = os.pipe()  # a byte from each worker listening
        self.pids: dict[int, int] = {}  # pid: worker number
        self.started_at: dict[int, float] = {}
        self.quick_deaths = 0
        self.stopping = False
        self.parent = os.getpid()

    def start(self, number: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            os._exit(self._work(number))
        self.pids[pid] = number
        self.started_at[number] = time.monotonic()
        self.say(f"Processus {number} démarré (pid {pid}).")

    def _work(self, number: int) -> int:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handlers
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _end_with(self.parent)
        os.close(self.listening_r)
        try:
            listening = functools.partial(os.write, self.listening_w, b".")
            self.serve(number, Acceptor(self.sock, self.loads, number, listening))
            return 0
        except KeyboardInterrupt:
            return 0
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            return 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()

    def run(self) -> int:
        """Start the workers, keep them running, stop them on SIGTERM or SIGINT; the exit
        status: 0 when asked to stop, 1 when workers kept dying at their start."""
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for number in range(1, self.count + 1):
                self.start(number)
            self._await_listening()
            self.ready()
            while not self.stopping:
                if not self._watch():
                    return 1
                time.sleep(0.2)
            return 0
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.sock.close()
            os.close(self.listening_r)
            os.close(self.listening_w)

    def _await_listening(self) -> None:
        """Until every worker listens (a worker that dies meanwhile is `_watch`'s)."""
        heard, deadline = 0, time.monotonic() + READY_SECONDS
        while heard < self.count and not self.stopping and time.monotonic() < deadline:
            readable, _, _ = select.select([self.listening_r], [], [], 0.2)
            if readable:
                heard += len(os.read(self.listening_r, self.count))

    def _watch(self) -> bool:
        """Start again each worker that died; False once they keep dying."""
        while self.pids and not self.stopping:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return True
            number = self.pids.pop(pid, None)
            if number is None:
                continue
            self.loads.set(number, Loads.NOBODY)  # no connection is left for it meanwhile
            lived = time.monotonic() - self.started_at[number]
            code = os.waitstatus_to_exitcode(status)
            self.say(f"Processus {number} arrêté (code {code}) : il redémarre.")
            self.quick_deaths = self.quick_deaths + 1 if lived < QUICK_DEATH else 0
            if self.quick_deaths >= QUICK_DEATHS_ALLOWED:
                self.say("Les processus s'arrêtent dès leur démarrage : le service s'arrête.")
                return False
            time.sleep(RESTART_PAUSE)
            if not self.stopping:
                self.start(number)
        return True

    def _stop(self, _signum, _frame) -> None:
        self.stopping = True

    def _stop_all(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while self.pids:
            pid, _status = os.waitpid(-1, os.WNOHANG)
            if pid:
                self.pids.pop(pid, None)
                continue
            if time.monotonic() >= deadline:
                for late in self.pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(late, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.05)


PR_SET_PDEATHSIG = 1


def _end_with(parent: int) -> None:
    """A worker ends when its parent does, however it ends (SIGKILL, a power cut of the
    parent alone): no worker is left holding the port with nobody to stop it (Linux's
    PR_SET_PDEATHSIG; elsewhere the parent's own stop is the only one)."""
    libc = ctypes.util.find_library("c")
    if libc and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(libc).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it ended before that was asked
        os._exit(0)
