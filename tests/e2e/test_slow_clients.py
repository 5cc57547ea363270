"""200 idle or slow connections from one address do not shut the tablets out (#15, item 5)."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from tests.conftest import product_id

pytestmark = pytest.mark.e2e


def test_a_sale_goes_through_while_200_slow_connections_hang_on(live_server, api_token, db):
    hogs = []
    try:
        for i in range(200):
            hog = socket.create_connection(("127.0.0.1", live_server.port), timeout=5)
            if i % 2:  # half send a request's first line and then crawl, half send nothing
                hog.sendall(b"GET /login HTTP/1.1\r\nHost: etal\r\n")
            hogs.append(hog)
        time.sleep(0.5)
        for hog in hogs[1::2]:
            hog.sendall(b"X")  # the slowloris byte that keeps each alive
        koke = product_id(db, "Kokedama")
        body = {
            "lines": [{"product_id": koke, "quantity": 1}],
            "payments": [{"method": "card", "amount": "12.50"}],
        }
        headers = {"Authorization": f"Bearer {api_token}", "Idempotency-Key": "slow-1"}
        with requests.Session() as tablet:  # a tablet gives up after 5 s (the server: none)
            answer = tablet.post(
                f"{live_server.url}/api/v1/sales", json=body, headers=headers, timeout=5
            )
            assert tablet.get(f"{live_server.url}/login", timeout=5).status_code == 200
        assert answer.status_code == 201
        assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1
    finally:
        for hog in hogs:
            hog.close()
