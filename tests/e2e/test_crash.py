"""A power cut during a market rush: SIGKILL the real server while 8 clients record sales.

After each restart on the same file: every answered sale is there once with the answer it
gave, retrying the unanswered requests with their keys records each at most once, the
numbering has no gap, `pos verify` passes, SQLite's integrity check is ok and each product's
stock equals the sum of its ledger.

The last-unit race (8 clients, one jar: one sale, seven clear refusals) is
tests/e2e/test_api_live.py::test_eight_clients_race_for_the_last_jar.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests
from click.testing import CliRunner

from pos import db as database
from pos.cli import main as pos_command
from pos.db.catalogue import insert_product
from tests.conftest import LiveServer
from tests.waiting import Checked, outcomes

pytestmark = pytest.mark.e2e

CLIENTS = 8
ROUNDS = 3
SEED = 20240615
HONEY = {"name": "Miel", "short_name": "Miel", "price": 700, "vat_rate": 550, "unit_cost": 300}
JAM = {"name": "Confiture", "short_name": "Conf", "price": 450, "vat_rate": 550, "unit_cost": 150}
STOCK = 100_000


@dataclass
class Attempt:
    """One sale sent under its key; `answer` stays None when no response arrived."""

    key: str
    body: dict
    answer: dict | None = None


@dataclass
class Client:
    """What one till sent during a round, in order."""

    attempts: list[Attempt] = field(default_factory=list)


def sale_body(rng: random.Random, honey: int, jam: int) -> dict:
    """One or two lines paid exactly by card."""
    lines = [(jam, rng.randint(1, 3))]
    if rng.random() < 0.5:
        lines.append((honey, rng.randint(1, 2)))
    total = sum(q * (JAM["price"] if p == jam else HONEY["price"]) for p, q in lines)
    return {
        "lines": [{"product_id": p, "quantity": q} for p, q in lines],
        "payments": [{"method": "card", "amount": f"{total // 100}.{total % 100:02d}"}],
    }


def post(session: requests.Session, url: str, token: str, attempt: Attempt) -> requests.Response:
    """Send one attempt with its idempotency key."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": attempt.key}
    return session.post(f"{url}/api/v1/sales", json=attempt.body, headers=headers, timeout=15)


def rush(
    server: LiveServer, token: str, round_no: int, products: tuple[int, int], kill_after: float
) -> list[Client]:
    """8 clients sell until the server is SIGKILLed `kill_after` seconds in."""
    clients = [Client() for _ in range(CLIENTS)]
    go = threading.Barrier(CLIENTS + 1)

    def till(i: int) -> None:
        rng = random.Random(f"{SEED}-{round_no}-{i}")
        with requests.Session() as session:
            go.wait(10)
            for n in range(10_000):
                attempt = Attempt(f"r{round_no}-c{i}-s{n}", sale_body(rng, *products))
                clients[i].attempts.append(attempt)
                try:
                    response = post(session, server.url, token, attempt)
                except requests.RequestException:
                    return  # the server is gone: this one is unanswered
                assert response.status_code == 201, response.text
                attempt.answer = response.json()

    threads = [Checked(till, i) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    go.wait(10)
    time.sleep(kill_after)
    server.kill()
    outcomes(threads, timeout=20)  # each client ended, none on a failed assertion
    server.stop()
    return clients


def check_books(db_path) -> list[int]:
    """Integrity, stock = ledger, and the journal's numbers (returned)."""
    conn = database.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        drift = conn.execute(
            "SELECT p.id, p.stock, coalesce(sum(m.quantity), 0) AS ledger FROM products p"
            " LEFT JOIN stock_movements m ON m.product_id = p.id WHERE p.track_stock = 1"
            " GROUP BY p.id HAVING p.stock != ledger"
        ).fetchall()
        assert drift == []
        return [row[0] for row in conn.execute("SELECT number FROM sales ORDER BY number")]
    finally:
        conn.close()


def test_sales_survive_sigkill_and_retries_record_each_once(db_path, api_token):
    conn = database.connect(db_path)
    products = (insert_product(conn, HONEY, stock=STOCK), insert_product(conn, JAM, stock=STOCK))
    conn.close()
    timing = random.Random(SEED)
    number_of: dict[str, int] = {}  # key → the sale number finally recorded for it
    started = time.monotonic()
    server = LiveServer(db_path).start()
    try:
        for round_no in range(ROUNDS):
            clients = rush(server, api_token, round_no, products, timing.uniform(0.4, 1.6))
            server = LiveServer(db_path).start()
            attempts = [a for c in clients for a in c.attempts]
            answered = [a for a in attempts if a.answer]
            unanswered = [a for a in attempts if not a.answer]
            assert answered and unanswered

            with requests.Session() as session:
                for a in answered:  # present exactly as answered before the cut
                    again = session.get(
                        f"{server.url}/api/v1/sales/{a.answer['sale']['number']}",
                        headers={"Authorization": f"Bearer {api_token}"},
                        timeout=10,
                    )
                    assert again.json() == a.answer
                    number_of[a.key] = a.answer["sale"]["number"]
                for a in unanswered:  # a retry either replays the sale or records it now
                    for _twice in range(2):
                        retried = post(session, server.url, api_token, a)
                        assert retried.status_code == 201, retried.text
                        number = retried.json()["sale"]["number"]
                        assert number_of.setdefault(a.key, number) == number
                replay = post(session, server.url, api_token, answered[0])
                assert replay.headers.get("Idempotent-Replay") == "true"
                assert replay.json() == answered[0].answer

            numbers = check_books(db_path)
            assert numbers == list(range(1, len(numbers) + 1))  # no gap
            assert sorted(number_of.values()) == numbers  # one sale per key, none other
            verified = CliRunner().invoke(pos_command, ["verify", "--db", str(db_path)])
            assert verified.exit_code == 0, verified.output
            print(
                f"\nround {round_no}: {len(answered)} answered, {len(unanswered)} unanswered,"
                f" {len(numbers)} sales in the journal"
            )
    finally:
        server.stop()
    assert time.monotonic() - started < 60
