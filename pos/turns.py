"""Turns: how many of the server's requests run their Python at once (two unless told).

Python runs one thread at a time (the GIL). Every SQLite call hands the interpreter to another
thread and must then wait to get it back; with eight requests at work at once, the one holding
the write lock waited behind the others at each of its statements. With the machine loaded,
two turns made 316–396 API sales a second at 8 connections against 228–274 with eight; on an
idle machine the two were within each other's spread, and on a 5 ms flush two made 290 against
263 (the README's Benchmarks). So waitress keeps its threads (a slow
client, a printer that is off, must not stop the stall), and `Turns` lets only a few of them
work at once; the others wait parked, costing nothing, until a turn is free.

A request that waits for something slow gives its turn back meanwhile (`released`): for the
database's write lock (pos.db.write_lock), where the sales of a rush queue for the next group
commit, and for the printer (pos.print_queue.send), which may take its whole timeout when the
printer is off. The rule that keeps this free of deadlock: a lock whose holder may wait for a
turn (after its own `released`) is only ever waited for inside `released`; the write lock and
the printer's lock are the two, and each is taken in one place.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT = 2

_held = threading.local()  # the Turns whose turn this thread holds, if any


class Turns:
    """WSGI middleware: at most `count` requests inside the app at once.

    A freed turn is handed straight to a waiting thread (each waits on a lock of its own, and
    is woken once): first to one coming back from a wait (`released`: a sale just written, or
    its group's leader), which is further along, then to the requests in their order of
    arrival.
    """

    def __init__(self, wsgi_app, count: int = DEFAULT):
        if count < 1:
            raise ValueError("at least one turn")
        self.wsgi_app = wsgi_app
        self._free = count
        self._coming_back: deque[threading.Lock] = deque()
        self._arriving: deque[threading.Lock] = deque()
        self._mutex = threading.Lock()

    def __call__(self, environ, start_response):
        self._take(self._arriving)
        _held.turns = self
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            _held.turns = None
            self._give()

    def _take(self, line: deque) -> None:
        with self._mutex:
            if self._free:
                self._free -= 1
                return
            wake = threading.Lock()
            wake.acquire()
            line.append(wake)
        wake.acquire()  # held until `_give` hands this thread the turn

    def _give(self) -> None:
        with self._mutex:
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
