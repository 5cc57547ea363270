"""The API against the real server (waitress, 8 threads): concurrent clients, no lost update."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from pos import db as database
from pos.db.catalogue import insert_product, stock_from_ledger
from pos.db.sales import verify_chain
from tests.conftest import product_id

pytestmark = pytest.mark.e2e

CLIENTS = 8
SALES_EACH = 50
JAM = {"name": "Confiture", "short_name": "Conf", "price": 450, "vat_rate": 550, "unit_cost": 150}


@pytest.fixture
def jam_server(db_path, request):
    """The live server on a coop that also sells jam, 1000 jars in stock (added before start)."""
    conn = database.connect(db_path)
    insert_product(conn, JAM, stock=1000)
    conn.close()
    return request.getfixturevalue("live_server")


def post_sale(
    session, url: str, token: str, lines: list[tuple[int, int]], amount: str, key: str | None = None
) -> requests.Response:
    """One sale through the API, paid by card."""
    body = {
        "lines": [{"product_id": p, "quantity": q} for p, q in lines],
        "payments": [{"method": "card", "amount": amount}],
        "channel": "online",
    }
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key or uuid.uuid4().hex}
    return session.post(f"{url}/api/v1/sales", json=body, headers=headers, timeout=30)


def at_once(count: int, work):
    """Run work(i) in `count` threads released together by a barrier; return their results."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait(timeout=10)
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def server_log(server) -> str:
    """Stop the server and return everything it printed."""
    server.process.terminate()
    server.process.wait(10)
    return server.process.stdout.read().decode(errors="replace")


def test_eight_clients_record_four_hundred_sales_without_a_gap(jam_server, api_token, db_path):
    conn = database.connect(db_path)
    jam = product_id(conn, "Confiture")
    conn.close()

    def client(i: int):
        outcome = []
        with requests.Session() as session:
            for n in range(SALES_EACH):
                quantity = n % 3 + 1
                response = post_sale(
                    session, jam_server.url, api_token, [(jam, quantity)], f"{4.5 * quantity:.2f}"
                )
                outcome.append((response.status_code, response.json(), quantity))
        return outcome

    started = time.monotonic()
    results = [r for outcome in at_once(CLIENTS, client) for r in outcome]
    elapsed = time.monotonic() - started
    log = server_log(jam_server)

    refused = [(status, body) for status, body, _q in results if status != 201]
    assert refused == []
    assert "locked" not in log and "Traceback" not in log
    numbers = sorted(body["sale"]["number"] for _s, body, _q in results)
    assert numbers == list(range(1, CLIENTS * SALES_EACH + 1))
    sold = sum(q for _s, _b, q in results)
    assert sold == CLIENTS * (17 * 1 + 17 * 2 + 16 * 3)
    conn = database.connect(db_path)
    try:
        assert conn.execute("SELECT count(*), min(number), max(number) FROM sales").fetchone() == (
            400,
            1,
            400,
        )
        assert conn.execute("SELECT stock FROM products WHERE id = ?", [jam]).fetchone()[0] == (
            1000 - sold
        )
        assert stock_from_ledger(conn)[jam] == 1000 - sold
        assert conn.execute("SELECT sum(quantity) FROM sale_lines").fetchone()[0] == sold
        assert verify_chain(conn) is None
    finally:
        conn.close()
    print(f"\n{CLIENTS * SALES_EACH} API sales from {CLIENTS} clients in {elapsed:.2f} s")
    assert elapsed < 45


def test_the_same_request_sent_twice_at_once_is_recorded_once(live_server, api_token, db_path):
    conn = database.connect(db_path)
    koke = product_id(conn, "Kokedama")
    conn.close()
    key = uuid.uuid4().hex

    def send(_i: int):
        with requests.Session() as session:
            return post_sale(session, live_server.url, api_token, [(koke, 2)], "25.00", key)

    together = at_once(2, send)
    later = send(0)

    assert [r.status_code for r in [*together, later]] == [201, 201, 201]
    bodies = {r.content for r in [*together, later]}
    assert len(bodies) == 1
    assert together[0].json()["sale"]["number"] == 1
    conn = database.connect(db_path)
    try:
        assert conn.execute("SELECT count(*) FROM sales").fetchone()[0] == 1
        assert conn.execute("SELECT idempotency_key FROM sales").fetchone()[0] == key
        assert conn.execute("SELECT stock FROM products WHERE id = ?", [koke]).fetchone()[0] == 18
    finally:
        conn.close()


def test_eight_clients_race_for_the_last_jar(live_server, api_token, db_path):
    conn = database.connect(db_path)
    pot = product_id(conn, "Dernier pot")
    conn.close()

    def buy(_i: int):
        with requests.Session() as session:
            return post_sale(session, live_server.url, api_token, [(pot, 1)], "9.00")

    responses = at_once(CLIENTS, buy)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [422] * (CLIENTS - 1)
    for r in responses:
        if r.status_code == 422:
            error = r.json()["error"]
            assert error["code"] == "out_of_stock"
            assert "Dernier pot" in error["message"] and "il n'en reste plus" in error["message"]
    conn = database.connect(db_path)
    try:
        assert conn.execute("SELECT stock FROM products WHERE id = ?", [pot]).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM sales").fetchone()[0] == 1
        assert (
            conn.execute("SELECT count(*) FROM stock_movements WHERE kind = 'sale'").fetchone()[0]
            == 1
        )
    finally:
        conn.close()
