"""Turns: how many of the server's requests run their Python at once (one unless told).

Python runs one thread at a time (the GIL). Every SQLite call hands the interpreter over, and a
thread that wants it back while another runs waits, wakes, and waits again: with two requests
at work at once on this 2-core VM, an API sale made 55-75 voluntary context switches and cost
1.7 ms of CPU instead of 1.1, and 8 connections got 460-560 sales a second; with one turn and
nothing overlapping, 11 switches a sale and 590-620 sales a second (the README's Benchmarks).
So waitress keeps its threads (a slow client, a printer that is off, must not stop the
stall), and `Turns` lets only one of them work at a time; the others wait parked, costing
nothing, until the turn is free.

A request that waits for something gives its turn back meanwhile (`released`): for the
database's write lock (pos.db.write_lock), for the COMMIT's flush (the sales that come in
meanwhile share the next group commit), and for the printer (pos.print_queue.send), which may
take its whole timeout when the printer is off. (The flush kept its turn while it was fast, a
fraction of a millisecond, until waitress's loop worked in a turn too: then the kept turn
stopped the loop as well, and giving it back made 630-820 API sales a second at 8 connections
instead of 440-520; the README's Benchmarks.) The rule that keeps this free of deadlock: a
lock whose holder may wait for a turn (after its own `released`) is only ever waited for
inside `released`; the write lock and the printer's lock are the two, and each is taken in
one place.

A request that has waited `patience` seconds for a turn (an export, a long page ahead of it)
goes in anyway: one long request slows the others, it never stops them.

Under `pos serve` the turn covers each request's whole task in waitress's worker thread
(`waitress_dispatcher`: the environ built, the app, the answer written), not only the app's
call, and the app's `Turns` inside sees it held. An answer is written into waitress's buffer,
which its loop thread sends; only one larger than that buffer (16 MB) to a slow client would
hold the turn while it drains, and then `patience` bounds what the others wait.

Waitress's loop thread (reading requests, handing them to the workers, sending answers) works
in a turn as well (`WaitressLoop`): it waits for events outside it, and is handed the turn
before the requests waiting, since they wait for what it reads and sends; behind a long
request it goes on after `LOOP_PATIENCE` (20 ms) with an extra turn.
"""

from __future__ import annotations

import select
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT = 1
PATIENCE = 0.25  # seconds a request waits for a turn before it goes in all the same

_held = threading.local()  # the Turns whose turn this thread holds, if any


class Turns:
    """WSGI middleware: at most `count` requests inside the app at once.

    A freed turn is handed straight to a waiting thread (each waits on a lock of its own, and
    is woken once): first to one coming back from a wait (`released`: a sale just written, or
    its group's leader), which is further along, then to the requests in their order of
    arrival. One that has waited `patience` seconds takes an extra turn, which is not handed
    on when given back: `_free` below zero counts the extra turns at work.
    """

    def __init__(self, wsgi_app, count: int = DEFAULT, patience: float = PATIENCE):
        if count < 1:
            raise ValueError("at least one turn")
        self.wsgi_app = wsgi_app
        self.patience = patience
        self._free = count
        self._coming_back: deque[threading.Lock] = deque()
        self._arriving: deque[threading.Lock] = deque()
        self._mutex = threading.Lock()

    def __call__(self, environ, start_response):
        if getattr(_held, "turns", None) is self:  # its whole task holds the turn already
            return self.wsgi_app(environ, start_response)
        return self.hold(self.wsgi_app, environ, start_response)

    def hold(self, work, *args):
        """`work(*args)` with a turn, given back when it returns or raises."""
        return self._hold(self._arriving, None, work, args)

    def hold_first(self, patience: float, work, *args):
        """`work(*args)` with a turn handed before the requests waiting, or an extra turn after
        `patience` seconds (waitress's loop thread: what it sends and reads is what they wait
        for; it must never wait long behind a long request)."""
        return self._hold(self._coming_back, patience, work, args)

    def _hold(self, line: deque, patience: float | None, work, args: tuple):
        self._take(line, patience)
        _held.turns = self
        try:
            return work(*args)
        finally:
            _held.turns = None
            self._give()

    def _take(self, line: deque, patience: float | None = None) -> None:
        with self._mutex:
            if self._free > 0:
                self._free -= 1
                return
            wake = threading.Lock()
            wake.acquire()
            line.append(wake)
        if patience is None:
            patience = self.patience
        try:
            if wake.acquire(timeout=patience):  # held until `_give` hands this thread the turn
                return
        except BaseException:  # Ctrl-C in waitress's loop thread, the one a signal reaches
            with self._mutex:
                handed = wake not in line
                if not handed:
                    line.remove(wake)  # never to be handed a turn nobody would take
            if handed:
                self._give()  # handed as it was interrupted: passed on
            raise
        with self._mutex:
            if wake in line:  # not handed meanwhile: an extra turn
                line.remove(wake)
                self._free -= 1
                return
        wake.acquire()  # handed just now: released already

    def _give(self) -> None:
        with self._mutex:
            if self._free < 0:  # an extra turn ends here
                self._free += 1
                return
            line = self._coming_back or self._arriving
            if line:
                line.popleft().release()  # the turn passes on, never free in between
            else:
                self._free += 1


@contextmanager
def released() -> Iterator[None]:
    """Give this thread's turn back while it waits (nothing happens outside `Turns`)."""
    turns = getattr(_held, "turns", None)
    if turns is None:
        yield
        return
    _held.turns = None
    turns._give()
    try:
        yield
    finally:
        turns._take(turns._coming_back)
        _held.turns = turns


def waitress_dispatcher(turns: Turns, threads: int):
    """Waitress's task dispatcher, `threads` threads, each request's whole task in a turn.

    Waitress builds a request's environ before calling the app and writes its answer after, in
    the same worker thread: Python that, outside the turn, ran beside the request holding it
    (2-3 ms more CPU a web sale at 8 connections, and twice the context switches of an API
    sale). Inside, the app's own `Turns` sees the turn held and takes none."""
    from waitress.task import ThreadedTaskDispatcher

    class InTurn:
        __slots__ = ("task",)

        def __init__(self, task):
            self.task = task

        def service(self):
            turns.hold(self.task.service)

        def cancel(self):  # at shutdown, for the tasks still queued
            self.task.cancel()

    class TurnsDispatcher(ThreadedTaskDispatcher):
        def add_task(self, task):
            super().add_task(InTurn(task))

    dispatcher = TurnsDispatcher()
    dispatcher.set_thread_count(threads)
    return dispatcher


LOOP_PATIENCE = 0.02  # seconds waitress's loop waits for a turn before it takes an extra one


class WaitressLoop:
    """Waitress's loop (its `asyncore` shim: the `loop` that `server.run()` calls), with the
    thread's Python in a turn: reading requests, queueing their tasks, sending answers.

    Outside a turn, that thread ran beside the request holding one, and the two handed the
    interpreter to each other at every SQLite call: 1.7-2.4 ms of its CPU a web sale at 4
    connections and 34-56 context switches a sale, against 1.0-1.3 ms and 22-27 in a turn (the
    README's Benchmarks). It waits for events outside the turn, and takes one
    for what they ask, before the requests waiting (`Turns.hold_first`): they wait for it. The
    same as waitress's `poll2` otherwise (`asyncore_use_poll`)."""

    def __init__(self, turns: Turns, patience: float = LOOP_PATIENCE):
        from waitress import wasyncore

        self.turns, self.patience, self._wasyncore = turns, patience, wasyncore

    def __getattr__(self, name):  # the rest of waitress's shim is wasyncore's own
        return getattr(self._wasyncore, name)

    def loop(self, timeout=30.0, use_poll=True, map=None, count=None):
        if map is None:
            map = self._wasyncore.socket_map
        milliseconds = None if timeout is None else int(timeout * 1000)
        events: list[tuple[int, int]] = []
        while map and (count is None or count > 0):
            pollster = self.turns.hold_first(self.patience, self._step, map, events)
            events = pollster.poll(milliseconds)  # EINTR is retried by Python (PEP 475)
            if count is not None:
                count -= 1
        if events and map:  # the last pass's events (a loop of `count` passes)
            self.turns.hold_first(self.patience, self._step, map, events)

    def _step(self, map, events):
        """Handle the events of the last poll; the poll object for the next."""
        readwrite = self._wasyncore.readwrite
        for fd, flags in events:
            channel = map.get(fd)
            if channel is not None:  # closed meanwhile
                readwrite(channel, flags)
        pollster = select.poll()
        for fd, channel in list(map.items()):
            flags = 0
            if channel.readable():
                flags |= select.POLLIN | select.POLLPRI
            if channel.writable() and not channel.accepting:  # a listener is never writable
                flags |= select.POLLOUT
            if flags:
                pollster.register(fd, flags)
        return pollster


def waitress_server(turns: Turns, threads: int, attach=None):
    """What `waitress.serve` builds its server with (its `_server`): the tasks in their turn
    (`waitress_dispatcher`), the loop's work in one too (`WaitressLoop`). With `attach`, the
    server does not accept connections itself: `attach(server)` brings them (pos.workers)."""
    from waitress.server import create_server

    def build(app, **options):
        if attach is not None:
            options["_start"] = False
            options["map"] = getattr(attach, "map", None)  # its channels, if it keeps them
        server = create_server(app, _dispatcher=waitress_dispatcher(turns, threads), **options)
        server.asyncore = WaitressLoop(turns)
        if attach is not None:
            attach(server)
        return server

    return build
