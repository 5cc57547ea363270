"""A customer orders on a phone; a member sees it on the tablet, prepares it, is paid cash.

Real `pos serve`, real Chromium, a real TCP printer: stock, receipt and export must agree.
"""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from pos import db as database
from pos.db import coop
from tests.conftest import LiveServer, login_in_browser
from tests.escpos_decode import decode

pytestmark = pytest.mark.e2e
PUBLIC_URL = "http://10.42.0.1:8000/commander"


@pytest.fixture
def shop(db_path, printer_listener):
    """The coop with its public page switched on, served with a network printer."""
    conn = database.connect(db_path)
    coop.save_settings(conn, {"orders_public": "1", "orders_public_url": PUBLIC_URL})
    conn.close()
    server = LiveServer(db_path, "--printer", printer_listener.url).start()
    yield server
    server.stop()


def test_order_on_a_phone_prepared_and_paid_cash_at_the_stall(
    browser, shop, db_path, printer_listener, tmp_path
):
    phone_context = browser.new_context(
        viewport={"width": 412, "height": 915}, locale="fr-FR", base_url=shop.url, is_mobile=True
    )
    phone = phone_context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto("/commander")
    expect(phone.get_by_role("heading", name="Les Kokés")).to_be_visible()
    kokedama = phone.locator('.shop-item[data-product="Kokedama"]')
    expect(kokedama).to_contain_text("12,50")
    expect(kokedama).to_contain_text("20 disponibles")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 412
    kokedama.get_by_label("Quantité de Kokedama").fill("2")
    phone.get_by_label("Votre nom").fill("Mme Martin")
    phone.get_by_label("Téléphone ou e-mail (pour vous prévenir)").fill("06 12 34 56 78")
    phone.get_by_label("Retrait : jour et heure souhaités").fill("samedi 10:00")
    phone.get_by_role("button", name="Commander").click()
    expect(phone.get_by_test_id("order-number")).to_have_text(
        "Merci ! Votre commande n° 1 est enregistrée."
    )
    expect(phone.get_by_text("Vous payez au retrait")).to_be_visible()
    phone_context.close()

    tablet_context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", base_url=shop.url
    )
    tablet = tablet_context.new_page()
    tablet.set_default_timeout(10_000)
    login_in_browser(tablet)
    tablet.wait_for_url("**/sell")
    expect(tablet.locator('.tile[data-product="Kokedama"] .stock')).to_have_text(
        "reste 18 · 2 réservés"
    )
    tablet.get_by_role("link", name="Commandes", exact=True).click()
    row = tablet.locator('#orders tr[data-order="1"]')
    expect(row).to_contain_text("Mme Martin")
    expect(row).to_contain_text("2 × Kokedama")
    expect(row).to_contain_text("À préparer")
    row.get_by_role("link", name="Mme Martin").click()
    tablet.get_by_role("button", name="Prête").click()
    expect(tablet.locator("#state")).to_have_text("Prête")

    # The customer comes by: Encaisser, paid with a 50 € note.
    tablet.get_by_role("button", name="Encaisser").click()
    tablet.wait_for_url("**/sell")
    expect(tablet.get_by_test_id("cart-order")).to_have_text("Commande n° 1 · Mme Martin")
    expect(tablet.get_by_test_id("total")).to_contain_text("25,00")
    tablet.locator("#cart .payrow").get_by_role("button", name="50,00 €", exact=True).click()
    expect(tablet.get_by_test_id("change")).to_contain_text("25,00")
    tablet.get_by_role("button", name="Ticket ?").click()
    expect(tablet.get_by_text("Ticket imprimé")).to_be_visible()
    expect(tablet.locator('.tile[data-product="Kokedama"] .stock')).to_have_text("reste 18")

    tablet.goto("/orders/1")
    expect(tablet.locator("#state")).to_have_text("Retirée")
    tablet_context.close()

    # The paper: the order's number, the online channel, cash and change, the page's QR code.
    [job] = printer_listener.received()
    paper = decode(job)
    assert "Commande n° 1" in paper.joined and "Vente en ligne" in paper.joined
    assert "Espèces" in paper.joined and "25,00 €" in paper.joined
    assert paper.qr == [PUBLIC_URL]

    # The stock and the books agree with it.
    conn = database.connect(db_path)
    stock = conn.execute("SELECT stock FROM products WHERE name = 'Kokedama'").fetchone()[0]
    moves = conn.execute(
        "SELECT sum(quantity) FROM stock_movements m JOIN products p ON p.id = m.product_id"
        " WHERE p.name = 'Kokedama' AND m.kind = 'sale'"
    ).fetchone()[0]
    sale = conn.execute("SELECT number, channel, total, change FROM sales").fetchall()
    order = conn.execute("SELECT state, sale_number FROM orders").fetchall()
    conn.close()
    assert (stock, moves) == (18, -2)
    assert sale == [(1, "online", 2500, 2500)] and order == [("collected", 1)]
    out = tmp_path / "export"
    done = subprocess.run(
        [sys.executable, "-m", "pos.cli", "export", "--db", str(db_path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "sales-lines.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    header, [line] = rows[0], rows[1:]
    cells = dict(zip(header, line, strict=True))
    assert cells["Canal"] == "En ligne" and cells["N° de commande"] == "1"
    assert cells["Quantité"] == "2" and cells["Total TTC"] == "25,00"


STICKING_OUT = """[...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth)
    .slice(0, 5).map(e => e.tagName + ' ' + (e.name || e.className))"""


def test_order_screens_never_scroll_sideways_on_a_phone(browser, shop, db_path):
    conn = database.connect(db_path)
    from pos import orders as rules
    from pos.db import orders as store

    request = rules.check_request(
        {"customer": "Mme Martin", "lines": [{"product_id": 1, "quantity": 2}], "pickup": "samedi"}
    )
    store.place_order(conn, request, source="member")
    conn.close()
    context = browser.new_context(
        viewport={"width": 412, "height": 915}, locale="fr-FR", base_url=shop.url, is_mobile=True
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    wide = {}
    for url in ("/commander",):
        assert tab.goto(url).status == 200
        if tab.evaluate("document.documentElement.scrollWidth") > 412:
            wide[url] = tab.evaluate(STICKING_OUT)
    login_in_browser(tab)
    tab.wait_for_url("**/sell")
    for url in ("/orders", "/orders/1", "/orders/new", "/orders/flyer"):
        assert tab.goto(url).status == 200, url
        if tab.evaluate("document.documentElement.scrollWidth") > 412:
            wide[url] = tab.evaluate(STICKING_OUT)
    context.close()
    assert wide == {}


def test_over_http_an_order_and_a_sale_never_both_get_the_last_unit(
    live_server, api_token, db_path
):
    import threading
    import uuid

    import requests

    from pos.db.catalogue import move_stock
    from tests.conftest import product_id

    conn = database.connect(db_path)
    pot = product_id(conn, "Dernier pot")
    auth = {"Authorization": f"Bearer {api_token}"}
    line = [{"product_id": pot, "quantity": 1}]
    requests_of = {
        "order": ("/api/v1/orders", {"customer": "Mme Martin", "lines": line}),
        "sale": (
            "/api/v1/sales",
            {"lines": line, "payments": [{"method": "card", "amount": "9.00"}]},
        ),
    }
    wins = {"order": 0, "sale": 0}
    for i in range(12):
        if conn.execute("SELECT stock FROM products WHERE id = ?", [pot]).fetchone()[0] == 0:
            move_stock(conn, pot, "production", 1)
        answers: dict[str, requests.Response] = {}
        start = threading.Barrier(2)

        def send(kind: str, start=start, answers=answers) -> None:
            path, body = requests_of[kind]
            headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
            start.wait(timeout=10)
            answers[kind] = requests.post(
                live_server.url + path, json=body, headers=headers, timeout=10
            )

        threads = [threading.Thread(target=send, args=(k,)) for k in requests_of]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads)
        statuses = sorted((k, r.status_code) for k, r in answers.items())
        winners = [k for k, r in answers.items() if r.status_code == 201]
        assert len(winners) == 1, (i, statuses)
        loser = next(r for r in answers.values() if r.status_code != 201)
        assert loser.status_code == 422 and loser.json()["error"]["code"] == "out_of_stock"
        wins[winners[0]] += 1
        if winners == ["order"]:  # free the unit again for the next round
            number = answers["order"].json()["order"]["number"]
            cancel = requests.post(f"{live_server.url}/api/v1/orders/{number}/cancel", headers=auth)
            assert cancel.json()["order"]["state"] == "cancelled"
    stock = conn.execute("SELECT stock FROM products WHERE id = ?", [pot]).fetchone()[0]
    sold = conn.execute("SELECT count(*) FROM sales").fetchone()[0]
    conn.close()
    assert sold == wins["sale"] and stock in (0, 1)
    print(f"\nlast-unit races over HTTP: {wins}")
