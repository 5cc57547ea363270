"""Turns (pos.turns): a few requests at work at once, the others parked; a wait for the printer
gives its turn back, and nothing deadlocks under the write lock."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from pos.db import WRITE_LOCK
from pos.turns import Turns, released
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


def test_no_more_requests_than_turns_are_at_work_at_once():
    gate = Gate()
    app = Turns(gate, 2)
    threads = [call(app) for _ in range(6)]
    assert wait_for(lambda: gate.inside == 2)
    time.sleep(0.05)
    assert gate.inside == 2  # the four others wait parked
    gate.go.set()
    for thread in threads:
        thread.join(5)
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


def test_no_turn_is_given_back_under_the_write_lock():
    def waits_under_the_write_lock():
        with WRITE_LOCK, released():  # its holder must never wait for a turn
            time.sleep(0.2)

    gate = Gate(waits_under_the_write_lock)
    app = Turns(gate, 1)
    slow = call(app, "/slow")
    assert wait_for(lambda: gate.inside == 1)
    other = call(app)
    time.sleep(0.1)
    assert gate.inside == 1  # still the slow one alone: it kept its turn
    gate.go.set()
    slow.join(5)
    other.join(5)
    assert gate.most == 1


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
