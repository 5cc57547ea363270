"""Turns (pos.turns): a few requests at work at once, the others parked; a wait for the printer
gives its turn back, and nothing deadlocks under the write lock."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
import requests

from pos.db import write_lock
from pos.turns import Turns, released, waitress_dispatcher, waitress_server
from tests.conftest import LiveServer, product_id


class Gate:
    """A WSGI app whose requests count themselves inside and wait until let go."""

    def __init__(self, inside_work=None):
        self.inside = 0
        self.most = 0
        self.go = threading.Event()
        self.lock = threading.Lock()
        self.inside_work = inside_work

    def __call__(self, environ, start_response):
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            if self.inside_work and environ.get("PATH_INFO") == "/slow":
                self.inside_work()
            else:
                self.go.wait(5)
        finally:
            with self.lock:
                self.inside -= 1
        start_response("200 OK", [])
        return [b"ok"]


def call(app, path: str = "/") -> threading.Thread:
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    thread = threading.Thread(target=lambda: app(environ, lambda *_: None))
    thread.start()
    return thread


def wait_for(condition, seconds: float = 2.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def _at_most_at_once(app, gate: Gate, most: int, requests: int) -> None:
    """`requests` requests at once: `most` of them inside, the others parked; then all go."""
    threads = [call(app) for _ in range(requests)]
    assert wait_for(lambda: gate.inside == most)
    time.sleep(0.1)
    assert gate.inside == most  # the others wait parked
    gate.go.set()
    for thread in threads:
        thread.join(5)


def test_no_more_requests_than_turns_are_at_work_at_once():
    gate = Gate()
    app = Turns(gate, 2)
    _at_most_at_once(app, gate, 2, 6)
    assert gate.most == 2 and gate.inside == 0


def test_a_request_waiting_for_the_printer_lets_another_one_work():
    printer_done = threading.Event()

    def waits_for_the_printer():
        with released():
            printer_done.wait(5)

    gate = Gate(waits_for_the_printer)
    app = Turns(gate, 1)
    slow = call(app, "/slow")
    assert wait_for(lambda: gate.inside == 1)
    sale = call(app)
    assert wait_for(lambda: gate.inside == 2)  # the sale got the turn the printer's wait gave
    gate.go.set()
    sale.join(5)
    printer_done.set()
    slow.join(5)
    assert gate.inside == 0


@contextmanager
def write_lock_held_elsewhere():
    """The write lock held by another thread (a CLI, a till closing) until the block ends."""
    taken, release = threading.Event(), threading.Event()

    def hold():
        with write_lock():
            taken.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(2)
    try:
        yield
    finally:
        release.set()
        holder.join(5)


def test_a_request_waiting_for_the_write_lock_lets_another_one_work():
    def waits_for_the_write_lock():
        with write_lock():
            pass

    with write_lock_held_elsewhere():
        gate = Gate(waits_for_the_write_lock)
        app = Turns(gate, 1)
        writer = call(app, "/slow")
        assert wait_for(lambda: gate.inside == 1)
        other = call(app)
        assert wait_for(lambda: gate.inside == 2)  # the writer's wait gave its turn
        gate.go.set()
        other.join(5)
    writer.join(5)
    assert gate.inside == 0


def test_waiting_for_a_turn_under_the_write_lock_does_not_deadlock():
    """One turn: a request sends to the printer under the write lock (its turn given back),
    and the next one waits for the write lock; each gets what it waits for in turn."""
    printed = threading.Event()
    finished: list[str] = []

    def prints_under_the_write_lock():
        with write_lock():
            with released():  # as pos.print_queue.send does
                printed.wait(0.2)
            finished.append("printer")

    def writes():
        with write_lock():
            finished.append("sale")

    app = Turns(lambda environ, start: (
        prints_under_the_write_lock() if environ["PATH_INFO"] == "/slow" else writes()
    ) or [b""], 1)
    threads = [call(app, "/slow"), call(app), call(app)]
    for thread in threads:
        thread.join(5)
    assert not any(t.is_alive() for t in threads)
    assert sorted(finished) == ["printer", "sale", "sale"]


def _group_sales(began: list[str], arrived: list[int], commit_seconds: float = 0.0):
    """A WSGI app whose request /N writes N through group_commit on a stand-in connection that
    records its statements (a COMMIT takes `commit_seconds`); N is the answer."""
    from pos.db import group_commit

    class Db:  # what group_commit needs of a connection
        class conn:  # noqa: N801
            in_transaction = False
            total_changes = 0

            @staticmethod
            def execute(sql):
                began.append(sql)
                if sql == "COMMIT":
                    time.sleep(commit_seconds)

    def sale(environ, start):
        n = int(environ["PATH_INFO"][1:])
        arrived.append(n)
        return [str(group_commit(Db, lambda db: n)).encode()]

    return sale


def _three_sales(app, pause: float = 0.0):
    """Requests /0, /1 and /2 at once (`pause` between their starts): threads and answers."""
    answers: dict[int, bytes] = {}

    def run(n):
        answers[n] = b"".join(app({"PATH_INFO": f"/{n}"}, lambda *_: None))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
        time.sleep(pause)
    return threads, answers


def test_sales_queued_for_the_write_lock_are_committed_together():
    """Group commit still groups: sales waiting for a group hold no turn, so more of them
    queue while the write lock is held (three at once with two turns here), and the group
    takes every sale queued meanwhile."""
    began: list[str] = []
    arrived: list[int] = []
    with write_lock_held_elsewhere():
        threads, answers = _three_sales(Turns(_group_sales(began, arrived), 2))
        assert wait_for(lambda: len(arrived) == 3)  # all three at work with two turns
        time.sleep(0.05)
    for thread in threads:
        thread.join(5)
    assert answers == {n: str(n).encode() for n in range(3)}
    assert began.count("BEGIN IMMEDIATE") == 1  # the three queued while the lock was held


def test_a_request_that_waited_its_patience_goes_in_and_its_extra_turn_ends_with_it():
    """One long request (an export) slows the others, it never stops them."""
    gate = Gate()
    app = Turns(gate, 1, patience=0.1)
    long_one = call(app)
    assert wait_for(lambda: gate.inside == 1)
    began = time.monotonic()
    other = call(app)
    assert wait_for(lambda: gate.inside == 2)  # in, after its patience
    assert time.monotonic() - began >= 0.09
    app.patience = 5
    third = call(app)
    time.sleep(0.1)
    assert gate.inside == 2  # the extra turn is not a free one: the third waits
    gate.go.set()
    for thread in (long_one, other, third):
        thread.join(5)
    assert app._free == 1  # the extra turn ended: back to one
    gate.go.clear()
    app.patience = 5
    _at_most_at_once(app, gate, 1, 3)  # one at a time again
    assert gate.most == 2 and gate.inside == 0


def test_one_turn_groups_the_sales_that_come_in_during_a_commit():
    """With one turn, the COMMIT's flush gives the turn back: the two sales that came in
    meanwhile share the next COMMIT (three sales, two COMMITs), their answers after it."""
    began: list[str] = []
    app = Turns(_group_sales(began, [], commit_seconds=0.05), 1, patience=30)
    threads, answers = _three_sales(app, pause=0.01)
    for thread in threads:
        thread.join(5)
    assert answers == {n: str(n).encode() for n in range(3)}
    assert began.count("COMMIT") == 2


def test_waitress_tasks_run_whole_in_a_turn_and_the_app_inside_takes_none():
    """Each request's whole task (environ, app, answer) holds the turn: one at a time with one
    turn, and the app's own Turns inside takes no second one (which would never come)."""
    gate = Gate()
    turns = Turns(gate, 1, patience=30)
    dispatcher = waitress_dispatcher(turns, 4)
    inside_task, most, lock = [0], [0], threading.Lock()
    done = threading.Semaphore(0)

    class Task:  # what waitress queues: a channel with a service()
        def service(self):
            with lock:
                inside_task[0] += 1
                most[0] = max(most[0], inside_task[0])
            try:
                b"".join(turns({"PATH_INFO": "/", "REQUEST_METHOD": "GET"}, lambda *_: None))
                time.sleep(0.01)  # the answer written after the app returned, still in turn
            finally:
                with lock:
                    inside_task[0] -= 1
                done.release()

        def cancel(self):
            pass

    gate.go.set()
    try:
        for _ in range(4):
            dispatcher.add_task(Task())
        assert all(done.acquire(timeout=5) for _ in range(4))  # none deadlocked
    finally:
        dispatcher.shutdown()
    assert most[0] == 1 and gate.most == 1
    assert turns._free == 1


@pytest.fixture
def loop_server():
    """A waitress server as `pos serve` builds it (waitress_server), on a free port of
    127.0.0.1, its loop in a thread; yields a function of (app, turns, loop patience)."""
    from waitress import wasyncore

    started = []

    def start(app, turns, patience):
        server = waitress_server(turns, 4)(app, host="127.0.0.1", port=0, threads=4)
        server.asyncore.patience = patience
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started.append((server, thread))
        return f"http://127.0.0.1:{server.effective_port}"

    yield start
    for server, thread in started:
        server.task_dispatcher.shutdown(timeout=1)
        wasyncore.close_all(server._map)
        thread.join(3)


def _one_at_work_one_sent(loop_server, loop_patience: float):
    """A request at work holding the one turn (until `gate.go`), and a second one sent."""
    gate = Gate()
    turns = Turns(gate, 1, patience=30)
    url = loop_server(gate, turns, loop_patience)
    answers: list = []

    def get():
        answers.append(requests.get(url, timeout=10))

    threads = [threading.Thread(target=get)]
    threads[0].start()
    assert wait_for(lambda: gate.inside == 1)
    threads.append(threading.Thread(target=get))
    threads[1].start()
    return gate, turns, threads, answers


def _both_answered(gate, turns, threads, answers) -> None:
    gate.go.set()
    for thread in threads:
        thread.join(10)
    assert [a.status_code for a in answers] == [200, 200] and gate.most == 1
    assert wait_for(lambda: turns._free == 1)  # the loop's turn given back after its work


def test_waitress_loop_works_in_a_turn_handed_to_it_before_the_requests(loop_server):
    """The loop's own Python (reading a request, queueing it, sending an answer) waits for the
    turn of the request at work, and gets it before any request waiting: none overlaps."""
    gate, turns, threads, answers = _one_at_work_one_sent(loop_server, 30)
    assert wait_for(lambda: len(turns._coming_back) == 1)  # the loop, waiting for the turn
    time.sleep(0.1)
    assert not turns._arriving and gate.inside == 1  # the second request not even read yet
    _both_answered(gate, turns, threads, answers)


def test_waitress_loop_waits_only_its_patience_behind_a_long_request(loop_server):
    """Behind a long request (an export), the loop goes on after its patience: the next
    request is read and queued meanwhile, and the loop's extra turn ends with its work."""
    gate, turns, threads, answers = _one_at_work_one_sent(loop_server, 0.05)
    assert wait_for(lambda: len(turns._arriving) == 1)  # read and queued for a turn
    assert turns._free == 0  # no extra turn left behind by the loop
    _both_answered(gate, turns, threads, answers)


def test_waitress_loop_hands_each_event_to_its_channel_within_a_turn():
    """One pass of the loop (`count`): the channel ready to read is handed its event, with the
    turn held; a channel that wants nothing is not even polled."""
    import socket

    from pos.turns import WaitressLoop

    turns = Turns(lambda *_: [], 1)
    seen = []

    class Channel:  # what waitress keeps in its map: a dispatcher
        accepting = False

        def __init__(self, sock, wants):
            self.sock, self.wants = sock, wants

        def readable(self):
            return self.wants

        def writable(self):
            return False

        def handle_read_event(self):
            seen.append((self.sock.recv(1), turns._free))

    ready, other = socket.socketpair()
    idle, idle_other = socket.socketpair()
    try:
        other.send(b"x")
        idle_other.send(b"y")
        channels = {ready.fileno(): Channel(ready, True), idle.fileno(): Channel(idle, False)}
        WaitressLoop(turns).loop(timeout=1, map=channels, count=1)
    finally:
        for sock in (ready, other, idle, idle_other):
            sock.close()
    assert seen == [(b"x", 0)]  # handled once, while the loop held the one turn
    assert turns._free == 1


def test_a_wait_for_a_turn_interrupted_by_a_signal_leaves_no_one_in_line():
    """Ctrl-C reaches waitress's loop thread, maybe while it waits for a turn: it leaves the
    line, so the turn is not handed to a waiter that is gone (and lost for good)."""
    import signal

    class Interrupted(Exception):
        pass

    def interrupt(*_):
        raise Interrupted

    gate = Gate()
    turns = Turns(gate, 1, patience=30)
    holder = call(turns)
    assert wait_for(lambda: gate.inside == 1)
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        with pytest.raises(Interrupted):
            turns.hold_first(30, lambda: None)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not turns._coming_back
    gate.go.set()
    holder.join(5)
    assert turns._free == 1  # the turn came back free, not handed to the one gone
    assert turns.hold(lambda: "in") == "in"


def test_outside_a_request_released_does_nothing():
    with released():
        pass  # the CLI, a test: no turn held, nothing to give back


def test_turns_need_at_least_one():
    with pytest.raises(ValueError):
        Turns(lambda *_: [], 0)


@pytest.mark.e2e
def test_a_sale_is_answered_while_a_receipt_waits_for_a_silent_printer(
    db_path, db, api_token, printer_listener_factory
):
    """With one turn only, a receipt sent to a printer that never reads (it holds the
    request until its timeout, 1 s in tests) does not keep the next sale waiting."""
    silent = printer_listener_factory("never-read")
    server = LiveServer(db_path, "--printer", silent.url, "--turns", "1").start()
    try:
        auth = {"Authorization": f"Bearer {api_token}"}
        cookie = product_id(db, "Cookie")
        body = {  # a long receipt: more than a jammed printer's window takes
            "lines": [{"product_id": cookie, "quantity": 1}] * 40,
            "payments": [{"method": "card", "amount": "100.00"}],
        }
        first = requests.post(
            f"{server.url}/api/v1/sales", json=body, headers={**auth, "Idempotency-Key": "t1"}
        )
        number = first.json()["sale"]["number"]
        done: dict[str, float] = {}

        def print_it():
            answer = requests.post(f"{server.url}/api/v1/sales/{number}/receipt", headers=auth)
            done["print"] = time.monotonic()
            done["status"] = answer.status_code

        printing = threading.Thread(target=print_it)
        printing.start()
        time.sleep(0.3)  # the receipt is being sent: the printer reads nothing
        sale = requests.post(
            f"{server.url}/api/v1/sales", json=body, headers={**auth, "Idempotency-Key": "t2"}
        )
        done["sale"] = time.monotonic()
        printing.join(10)
        assert sale.status_code == 201
        assert done["status"] == 503  # the printer never answered: the job waits in the list
        assert done["sale"] < done["print"] - 0.3  # answered well before the print gave up
    finally:
        server.stop()
