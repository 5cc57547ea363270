"""A payment method added by one registry entry sells end to end, on the real server.

Only the server's process knows the gift voucher (`python -m tests.payment_gift serve`, which
registers tests.payment_gift.GIFT and runs `pos serve`): the button the member taps, the paper
the printer gets, the refund's choice, the Z, the CSV files, the FEC and the API all come from
that one entry.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.request
import zipfile

import pytest
from playwright.sync_api import Page, expect

from pos import clock
from pos import db as database
from tests.conftest import LiveServer, login_in_browser, product_id
from tests.escpos_decode import decode

pytestmark = pytest.mark.e2e


class GiftServer(LiveServer):
    """`pos serve` with the gift voucher registered."""

    module = "tests.payment_gift"


@pytest.fixture
def gift_tablet(browser, db_path, printer_listener):
    """A tablet on the gift-voucher server, with a network printer."""
    server = GiftServer(db_path, "--printer", printer_listener.url).start()
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", base_url=server.url
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab, server
    context.close()
    server.stop()


def api(server: LiveServer, path: str, body: dict | None = None, **headers: str) -> tuple:
    """A call to the live server's API: (status, parsed JSON)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        server.url + path,
        data=data,
        headers={"Content-Type": "application/json", **headers},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def enums_of(spec: object) -> list[list]:
    """Every `enum` list in a JSON schema."""
    if isinstance(spec, dict):
        found = [spec["enum"]] if isinstance(spec.get("enum"), list) else []
        return found + [e for v in spec.values() for e in enums_of(v)]
    if isinstance(spec, list):
        return [e for v in spec for e in enums_of(v)]
    return []


def count(tab: Page, coins: dict[str, int]) -> None:
    """Tap + beside each coin or note as many times as counted."""
    for cents, times in coins.items():
        for _ in range(times):
            tab.locator(f'[data-step="1"][data-for="n_{cents}"]').first.click()


def test_a_gift_voucher_sells_from_the_button_to_the_fec(
    gift_tablet, printer_listener, db_path, api_token
):
    tab, server = gift_tablet
    login_in_browser(tab, "Awa")
    tab.wait_for_url("**/sell")

    # The payment row: its own button, after the cheque, drawn from the entry.
    tab.locator('.tile[data-product="Cookie"]').click()
    expect(tab.get_by_test_id("total")).to_contain_text("2,50")
    row = tab.locator("#cart .payrow")
    expect(row.locator("button.pay").last).to_have_text("Chèque-cadeau")
    row.get_by_role("button", name="Chèque-cadeau", exact=True).click()
    expect(tab.get_by_role("button", name="Ticket ?")).to_be_visible()
    conn = database.connect(db_path)
    assert conn.execute("SELECT method, amount FROM payments").fetchall() == [("gift", 250)]
    conn.close()

    # The receipt, as the printer received it.
    tab.get_by_role("button", name="Ticket ?").click()
    expect(tab.get_by_text("Ticket imprimé")).to_be_visible()
    [job] = printer_listener.received()
    receipt = decode(job).text
    assert any("Chèque-cadeau" in line and "2,50 €" in line for line in receipt), receipt

    # The API: the schema offers the code, a sale takes it.
    status, spec = api(server, "/api/v1/openapi.json")
    assert status == 200 and any("gift" in enum for enum in enums_of(spec))
    conn = database.connect(db_path)
    cookie = product_id(conn, "Cookie")
    conn.close()
    status, answer = api(
        server,
        "/api/v1/sales",
        {
            "lines": [{"product_id": cookie, "quantity": 1}],
            "payments": [{"method": "gift", "amount": "2.50"}],
        },
        Authorization=f"Bearer {api_token}",
        **{"Idempotency-Key": "gift-1"},
    )
    assert status == 201, answer
    assert answer["sale"]["payments"] == [{"method": "gift", "amount": "2.50"}]

    # A refund: the voucher is among the choices, in words.
    tab.goto("/sell/sales/1")
    tab.get_by_label("Quantité à rembourser : Cookie").fill("1")
    tab.get_by_label("Rembourser en").select_option(label="Chèque-cadeau")
    tab.get_by_role("button", name="Rembourser").click()
    expect(tab.get_by_role("heading", name="Remboursement n° 3")).to_be_visible()

    # The Z: the drawer holds the float alone (a voucher is no cash), the gift its own line
    # (two sales by voucher, one refunded by voucher: 2,50 net).
    tab.get_by_role("link", name="Caisse").click()
    tab.get_by_role("link", name="Clôturer la journée (Z)").click()
    count(tab, {"2000": 2, "1000": 2})
    tab.get_by_role("button", name="Valider mon comptage").click()
    expect(tab.get_by_test_id("difference")).to_have_text("0,00 €")
    tab.get_by_role("button", name="Clôturer définitivement").click()
    z_text = tab.get_by_test_id("z-text").inner_text()
    assert any("Chèque-cadeau" in line and "2,50 €" in line for line in z_text.splitlines())
    expect(tab.locator("#messages")).to_contain_text("Z n° 1 imprimé")
    z_paper = decode(printer_listener.received()[-1]).text
    assert any("Chèque-cadeau" in line and "2,50 €" in line for line in z_paper), z_paper

    # The bookkeeping bundle: the payments CSV in words and in codes, the FEC on its account.
    day = clock.local(clock.now()).date()
    files = {}
    for dialect in ("fr", "plain"):
        got = tab.request.get(f"/accounts/bundle.zip?from={day}&to={day}&dialect={dialect}")
        assert got.status == 200, got.text()[:300]
        bundle = zipfile.ZipFile(io.BytesIO(got.body()))
        files[dialect] = {n.split("/", 1)[1]: bundle.read(n) for n in bundle.namelist()}
    fr_text = files["fr"]["payments.csv"].decode("utf-8-sig")
    fr = list(csv.reader(io.StringIO(fr_text), delimiter=";"))
    plain = list(csv.DictReader(io.StringIO(files["plain"]["payments.csv"].decode("utf-8"))))
    assert sum("Chèque-cadeau" in row for row in fr[1:]) == 3, fr
    paid = [(r["method"], r["amount"]) for r in plain]
    assert paid == [("gift", "2.50"), ("gift", "2.50"), ("gift", "-2.50")], plain
    [fec_name] = [name for name in files["plain"] if name.endswith(".txt")]
    fec = [line.split("\t") for line in files["plain"][fec_name].decode().splitlines()]
    header, rows = fec[0], [dict(zip(fec[0], line, strict=True)) for line in fec[1:]]
    assert "CompteNum" in header
    [gift] = [r for r in rows if r["CompteNum"] == "4191"]
    assert gift["Debit"] == "2,50" and gift["CompteLib"] == "Chèque-cadeau", gift
    assert "Chèque-cadeau" in gift["EcritureLib"] and "gift" not in gift["EcritureLib"]
