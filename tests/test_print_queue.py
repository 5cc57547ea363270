"""Printing in use: "Ticket ?", reprints, the "to print" list, the drawer, the API and the CLI.

Every printer here is a real TCP listener on 127.0.0.1; its bytes are decoded as the customer
would read them on the paper.
"""

from __future__ import annotations

import re
import threading
import time

import pytest

from pos import db as database
from pos import print_queue
from pos.cli import main
from pos.db import coop
from tests.conftest import PRINTER_SECONDS, Actions, product_id
from tests.escpos_decode import decode
from tests.waiting import Checked, outcomes, wait_until

FAILURE_MESSAGE = "Imprimante injoignable : le ticket attend dans la liste « À imprimer »."


def use_printer(db_path, url: str, **settings: str) -> None:
    """Choose the printer (and any printing setting) on the admin screen's behalf."""
    conn = database.connect(db_path)
    coop.save_settings(conn, {"printer_url": url, **settings})
    conn.close()


def sell_cash(actions: Actions, db_path) -> int:
    """A Kokedama and a Cookie (15,00 €) paid with a 20 € note; returns the sale number."""
    conn = database.connect(db_path)
    ids = product_id(conn, "Kokedama"), product_id(conn, "Cookie")
    conn.close()
    response = actions.sell(*ids, method="note", tendered="20")
    number = re.search(r"Vente n° (\d+) enregistrée", response.get_data(as_text=True))
    assert number, response.get_data(as_text=True)
    return int(number.group(1))


def jobs_of(db_path) -> list[dict]:
    """Every print job, oldest first."""
    conn = database.connect(db_path)
    rows = list(conn.query("SELECT * FROM print_jobs ORDER BY id"))
    conn.close()
    return rows


def printed_text(job: bytes) -> str:
    """What the customer reads on the paper, one line per line."""
    return decode(job).joined


def queue_link(actions: Actions) -> tuple[bool, str]:
    """Whether the top bar shows the "À imprimer" link, and its words."""
    html = actions.client.get("/sell").get_data(as_text=True)
    link = re.search(r'<a id="print-queue-link"([^>]*)>([^<]*)</a>', html)
    return "hidden" not in link.group(1), link.group(2)


def drawers_done(timeout: float = 10) -> None:
    """Wait for every cash drawer opening started in the background (a deadline, then fail)."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name == "etal-drawer":
            thread.join(max(0.0, deadline - time.monotonic()))
            assert not thread.is_alive(), "a cash drawer opening never finished"


@pytest.fixture
def seller(actions) -> Actions:
    """Léo, logged in on a tablet."""
    actions.login()
    return actions


def test_ticket_prints_the_receipt_after_the_sale(seller, db_path, printer_listener):
    use_printer(db_path, printer_listener.url)
    number = sell_cash(seller, db_path)

    response = seller.post(f"/print/sales/{number}/receipt")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ticket imprimé" in html
    assert f"Ticket n° {number}" in html  # the on-screen preview too
    [job] = printer_listener.received()
    paper = printed_text(job)
    assert "Les Kokés" in paper
    assert f"Ticket n° {number}" in paper
    assert "1 x Koke" in paper and "1 x Cookie" in paper  # the short names
    assert re.search(r"TOTAL TTC +15,00 €", paper)
    assert re.search(r"Taux +HT +TVA +TTC", paper)
    assert re.search(r"20 % +10,42 +2,08 +12,50", paper)
    assert re.search(r"5,5 % +2,37 +0,13 +2,50", paper)
    assert re.search(r"Espèces +20,00 €", paper)
    assert re.search(r"Rendu +5,00 €", paper)
    assert "DUPLICATA" not in paper
    assert decode(job).cuts == 1
    [row] = jobs_of(db_path)
    assert (row["kind"], row["status"], row["attempts"]) == ("receipt", "printed", 1)


def test_reprints_are_duplicates_counted_per_sale(seller, db_path, printer_listener):
    use_printer(db_path, printer_listener.url)
    number = sell_cash(seller, db_path)
    seller.post(f"/print/sales/{number}/receipt")

    first = seller.post(f"/print/sales/{number}/duplicate").get_data(as_text=True)
    second = seller.post(f"/print/sales/{number}/duplicate").get_data(as_text=True)

    assert "DUPLICATA n° 1" in first and "DUPLICATA n° 2" in second
    original, dup1, dup2 = printer_listener.received(connections=3)
    assert "DUPLICATA" not in printed_text(original)
    assert "DUPLICATA (n° 1)" in printed_text(dup1)
    assert "DUPLICATA (n° 2)" in printed_text(dup2)
    assert f"Ticket n° {number}" in printed_text(dup2)
    assert [(j["kind"], j["duplicate"]) for j in jobs_of(db_path)] == [
        ("receipt", 0),
        ("duplicate", 1),
        ("duplicate", 2),
    ]


def test_ticket_twice_prints_a_duplicate_the_second_time(seller, db_path, printer_listener):
    use_printer(db_path, printer_listener.url)
    number = sell_cash(seller, db_path)
    seller.post(f"/print/sales/{number}/receipt")
    seller.post(f"/print/sales/{number}/receipt")
    _original, again = printer_listener.received(connections=2)
    assert "DUPLICATA (n° 1)" in printed_text(again)


def test_without_printer_the_receipt_is_only_shown(seller, db_path):
    number = sell_cash(seller, db_path)
    html = seller.post(f"/print/sales/{number}/receipt").get_data(as_text=True)
    assert f"Ticket n° {number}" in html
    assert "Ticket imprimé" not in html
    assert jobs_of(db_path) == []


@pytest.mark.parametrize("mode", ["refuse", "never-read", "paper-out"])
def test_a_failing_printer_never_holds_up_the_sale(mode, seller, db_path, printer_listener_factory):
    broken = printer_listener_factory(mode)
    use_printer(db_path, broken.url)
    number = sell_cash(seller, db_path)

    started = time.monotonic()
    response = seller.post(f"/print/sales/{number}/receipt")
    elapsed = time.monotonic() - started

    html = response.get_data(as_text=True)
    assert elapsed < PRINTER_SECONDS + 2, f"{mode}: {elapsed:.1f} s"
    print(f"\n{mode}: failure message after {elapsed:.2f} s")
    assert FAILURE_MESSAGE in html
    conn = database.connect(db_path)
    assert conn.execute("SELECT count(*) FROM sales WHERE number = ?", [number]).fetchone()[0]
    conn.close()
    [job] = jobs_of(db_path)
    assert (job["status"], job["sale_number"], job["attempts"]) == ("failed", number, 1)
    queue = seller.client.get("/print/queue").get_data(as_text=True)
    assert f"Ticket n° {number}" in queue and "Réessayer" in queue
    assert job["last_error"] in queue.replace("&#39;", "'")
    assert queue_link(seller) == (True, "À imprimer (1)")

    fixed = printer_listener_factory("normal")
    use_printer(db_path, fixed.url)
    retried = seller.post(f"/print/jobs/{job['id']}/retry").get_data(as_text=True)

    assert "Ticket imprimé" in retried
    [paper] = fixed.received()
    assert f"Ticket n° {number}" in printed_text(paper)
    assert "DUPLICATA" not in printed_text(paper)  # the original never reached the customer
    [job] = jobs_of(db_path)
    assert (job["status"], job["attempts"]) == ("printed", 2)
    assert queue_link(seller)[0] is False


def test_retry_all_stops_at_the_first_failure_then_prints_everything(
    seller, db_path, printer_listener_factory
):
    use_printer(db_path, printer_listener_factory("refuse").url)
    numbers = [sell_cash(seller, db_path) for _ in range(3)]
    for number in numbers:
        seller.post(f"/print/sales/{number}/receipt")
    seller.post("/print/queue/retry")
    assert [j["attempts"] for j in jobs_of(db_path)] == [2, 1, 1]

    fixed = printer_listener_factory("normal")
    use_printer(db_path, fixed.url)
    html = seller.post("/print/queue/retry").get_data(as_text=True)

    assert "Rien à imprimer" in html
    papers = fixed.received(connections=3)
    assert [f"Ticket n° {n}" in printed_text(p) for n, p in zip(numbers, papers, strict=True)] == [
        True,
        True,
        True,
    ]
    assert {j["status"] for j in jobs_of(db_path)} == {"printed"}


def test_a_printed_job_is_not_retried(seller, db_path, printer_listener):
    use_printer(db_path, printer_listener.url)
    number = sell_cash(seller, db_path)
    seller.post(f"/print/sales/{number}/receipt")
    [job] = jobs_of(db_path)
    assert seller.post(f"/print/jobs/{job['id']}/retry").status_code == 404
    assert len(printer_listener.received()) == 1


def test_two_tablets_printing_at_once_both_get_their_receipts(app, db_path, printer_listener):
    use_printer(db_path, printer_listener.url)
    tablets = []
    for name in ("Léo", "Awa"):
        tablet = Actions(app.test_client(), db_path)
        tablet.login(name)
        tablets.append((tablet, sell_cash(tablet, db_path)))
    start = threading.Barrier(2)
    answers: dict[int, str] = {}

    def tap(tablet: Actions, number: int) -> None:
        start.wait(10)
        answers[number] = tablet.post(f"/print/sales/{number}/receipt").get_data(as_text=True)

    threads = [Checked(tap, *pair) for pair in tablets]
    for thread in threads:
        thread.start()
    outcomes(threads)

    assert all("Ticket imprimé" in html for html in answers.values())
    papers = [printed_text(p) for p in printer_listener.received(connections=2)]
    assert len(papers) == 2
    for _tablet, number in tablets:
        assert sum(f"Ticket n° {number}" in paper for paper in papers) == 1


def test_cash_sale_opens_the_drawer_when_set(seller, db_path, printer_listener):
    use_printer(db_path, printer_listener.url, drawer_on_cash="1")
    sell_cash(seller, db_path)
    [kick] = printer_listener.received()
    assert decode(kick).drawer_kicks and decode(kick).text == []


def test_card_sale_or_unset_setting_leaves_the_drawer_shut(seller, db_path, printer_listener):
    use_printer(db_path, printer_listener.url, drawer_on_cash="1")
    conn = database.connect(db_path)
    cookie = product_id(conn, "Cookie")
    conn.close()
    seller.sell(cookie, method="card")
    use_printer(db_path, printer_listener.url, drawer_on_cash="0")
    sell_cash(seller, db_path)
    use_printer(db_path, printer_listener.url, drawer_on_cash="1")
    sell_cash(seller, db_path)  # the one sale that opens it
    drawers_done()
    conn = database.connect(db_path)
    assert print_queue.print_test_page(conn, printer_listener.url).printed  # a marker, last
    conn.close()
    # Connections are taken in order: any drawer opened by the first two sales comes before.
    kick, page = printer_listener.received(connections=2)[:2]
    assert decode(kick).drawer_kicks and decode(kick).text == []
    assert not decode(page).drawer_kicks and "PAGE DE TEST" in printed_text(page)


def test_a_drawer_that_fails_never_delays_the_sale_and_joins_the_list(
    seller, db_path, printer_listener_factory
):
    use_printer(db_path, printer_listener_factory("refuse").url, drawer_on_cash="1")
    started = time.monotonic()
    number = sell_cash(seller, db_path)
    assert time.monotonic() - started < 2
    [job] = wait_until(lambda: jobs_of(db_path), what="the failed drawer in the list")
    assert (job["kind"], job["status"], job["sale_number"]) == ("drawer", "failed", number)


# --- API ------------------------------------------------------------------------------------


def api_receipt(client, token: str, number: int):
    """POST /api/v1/sales/{number}/receipt with a bearer token."""
    return client.post(
        f"/api/v1/sales/{number}/receipt", headers={"Authorization": f"Bearer {token}"}
    )


def test_api_prints_a_receipt(seller, client, db_path, api_token, printer_listener):
    use_printer(db_path, printer_listener.url)
    number = sell_cash(seller, db_path)
    response = api_receipt(client, api_token, number)
    assert response.status_code == 200
    [job] = jobs_of(db_path)
    assert response.get_json() == {"printed": True, "job": job["id"]}
    [paper] = printer_listener.received()
    assert f"Ticket n° {number}" in printed_text(paper)


def test_api_says_503_and_keeps_the_job(
    seller, client, db_path, api_token, printer_listener_factory
):
    use_printer(db_path, printer_listener_factory("refuse").url)
    number = sell_cash(seller, db_path)
    response = api_receipt(client, api_token, number)
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"]["code"] == "printer_unavailable"
    assert body["error"]["message"].startswith(FAILURE_MESSAGE)
    assert "refuse la connexion" in body["error"]["message"]
    [job] = jobs_of(db_path)
    assert (body["job"], job["status"]) == (job["id"], "failed")


def test_api_unknown_sale_is_404(client, api_token, db_path, printer_listener):
    use_printer(db_path, printer_listener.url)
    response = api_receipt(client, api_token, 999)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "sale_not_found"
    assert jobs_of(db_path) == []


def test_api_receipt_needs_a_token(client):
    assert client.post("/api/v1/sales/1/receipt").status_code == 401


def test_openapi_documents_the_receipt_endpoint(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    responses = spec["paths"]["/api/v1/sales/{number}/receipt"]["post"]["responses"]
    assert {"200", "404", "503"} <= set(responses)


# --- CLI ------------------------------------------------------------------------------------


def test_cli_printer_test_prints_every_french_character(runner, db_path, printer_listener):
    result = runner.invoke(
        main, ["printer", "test", "--printer", printer_listener.url, "--db", str(db_path)]
    )
    assert result.exit_code == 0, result.output
    assert "Page de test envoyée à 127.0.0.1" in result.output
    [paper] = printer_listener.received()
    text = printed_text(paper)
    assert "€" in text and "é" in text and "Œ" in text
    assert "Les Kokés" in text  # the coop's own header


def test_cli_printer_test_takes_the_coops_setting(runner, db_path, printer_listener):
    use_printer(db_path, printer_listener.url)
    result = runner.invoke(main, ["printer", "test", "--db", str(db_path)], env={"POS_PRINTER": ""})
    assert result.exit_code == 0, result.output
    assert "PAGE DE TEST" in printed_text(printer_listener.received()[0])


def test_cli_printer_test_says_why_in_one_line(runner, db_path, printer_listener_factory):
    refused = printer_listener_factory("refuse")
    result = runner.invoke(
        main, ["printer", "test", "--printer", refused.url, "--db", str(db_path)]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Échec : L’imprimante 127.0.0.1:{refused.port} refuse la connexion : "
        "vérifiez qu’elle est allumée."
    ]


@pytest.mark.parametrize("url", ["", "preview://", "bluetooth://x"])
def test_cli_printer_test_without_a_usable_printer(runner, tmp_path, url):
    result = runner.invoke(
        main,
        ["printer", "test", "--printer", url, "--db", str(tmp_path / "none.db")],
        env={"POS_PRINTER": ""},
    )
    assert result.exit_code == 1
    assert result.output.startswith("Échec : ")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


# --- Settings -------------------------------------------------------------------------------


@pytest.fixture
def admin(actions) -> Actions:
    """Awa, the animator, logged in."""
    actions.login("Awa")
    return actions


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("printer_url", "imprimante", "le type doit être network"),
        ("printer_url", "network://192.168.1.50:99999", "le port doit être un nombre"),
        ("printer_url", "usb://0416:5011?width=40", "la largeur doit être 32"),
        ("paper_width", "40", "Choisissez 32 (58 mm)"),
    ],
)
def test_settings_reject_a_bad_printer(admin, db_path, field, value, message):
    form = {"printer_url": "", "paper_width": "", field: value}
    response = admin.post("/admin/settings", form, htmx=False)
    html = response.get_data(as_text=True).replace("&#39;", "'").replace("&lt;", "<")
    assert response.status_code == 422
    error = re.search(rf'<p class="field-error" id="e-{field}">([^<]*)</p>', html) or re.search(
        r'<p class="field-error">([^<]*)</p>', html
    )
    assert error and message in error.group(1)
    if field == "printer_url":  # what was typed is kept
        assert f'value="{value}"' in html
    conn = database.connect(db_path)
    assert coop.load_settings(conn)["printer_url"] == ""
    conn.close()


def test_settings_keep_a_good_printer_and_its_options(admin, db_path):
    form = {
        "printer_url": " network://192.168.1.50 ",
        "paper_width": "32",
        "drawer_on_cash": "1",
        "receipt_qr": "https://kokes.example",
    }
    response = admin.post("/admin/settings", form, htmx=False)
    assert response.status_code == 302
    conn = database.connect(db_path)
    settings = coop.load_settings(conn)
    conn.close()
    assert settings["printer_url"] == "network://192.168.1.50"
    assert (settings["paper_width"], settings["drawer_on_cash"]) == ("32", "1")
    assert settings["receipt_qr"] == "https://kokes.example"


def test_paper_width_and_qr_settings_reach_the_paper(seller, db_path, printer_listener):
    use_printer(db_path, printer_listener.url, paper_width="32", receipt_qr="https://kokes.example")
    number = sell_cash(seller, db_path)
    seller.post(f"/print/sales/{number}/receipt")
    decoded = decode(printer_listener.received()[0])
    assert max(len(line) for line in decoded.text) == 32
    assert decoded.qr == ["https://kokes.example"]


def test_setting_wins_over_the_server_flag(db_path):
    assert print_queue.printer_url_of("network://a", {"printer_url": "usb://0416:5011"}) == (
        "usb://0416:5011"
    )
    assert print_queue.printer_url_of("network://a", {"printer_url": ""}) == "network://a"
    assert print_queue.printer_url_of("network://a", {"printer_url": "preview://"}) == ""


# --- Docs -----------------------------------------------------------------------------------


def test_readme_and_api_docs_tell_how_to_print():
    from pathlib import Path

    top = Path(__file__).resolve().parent.parent
    readme = (top / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Printing receipts", 1)[1].split("\n## ", 1)[0]
    for words in (
        "pos printer test",
        "--printer",
        "POS_PRINTER",
        "preview://",
        "printers/",
        "À imprimer",
        "Réessayer",
        "DUPLICATA",
        FAILURE_MESSAGE.split(" :")[0],
    ):
        assert words in section, words
    api = (top / "docs" / "api.md").read_text(encoding="utf-8")
    assert "POST /api/v1/sales/{number}/receipt" in api and "printer_unavailable" in api


def test_a_logo_uploaded_in_the_settings_prints_on_top(actions, client, db_path, printer_listener):
    import io

    from PIL import Image

    actions.login("Awa")
    big = io.BytesIO()
    Image.new("RGB", (1200, 600), "black").save(big, "PNG")
    form = {
        "brand": "Les Kokés",
        "legal_name": "CAE Test",
        "siret": "90000000100017",
        "logo": (io.BytesIO(big.getvalue()), "logo.png"),
    }
    saved = client.post(
        "/admin/settings",
        data=form,
        headers={"X-CSRFToken": actions.token},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    logo = print_queue.logo_path(str(db_path))
    with Image.open(logo) as image:
        assert image.width <= 384 and image.mode == "L"
    use_printer(db_path, printer_listener.url)
    number = sell_cash(actions, db_path)
    actions.post(f"/print/sales/{number}/receipt")
    decoded = decode(printer_listener.received()[0])
    assert decoded.images and decoded.images[0][0] <= 384
    assert "Ticket n°" in decoded.joined
    bad = client.post(
        "/admin/settings",
        data={**form, "logo": (io.BytesIO(b"nope"), "x.png")},
        headers={"X-CSRFToken": actions.token},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "image lisible" in bad.get_data(as_text=True)


def test_reprints_and_printer_failures_are_in_the_event_journal(
    seller, db_path, printer_listener, printer_listener_factory
):
    use_printer(db_path, printer_listener.url)
    number = sell_cash(seller, db_path)
    seller.post(f"/print/sales/{number}/receipt")
    seller.post(f"/print/sales/{number}/duplicate")
    use_printer(db_path, printer_listener_factory("refuse").url)
    seller.post(f"/print/sales/{number}/duplicate")
    conn = database.connect(db_path)
    kinds = [row[0] for row in conn.execute("SELECT kind FROM events ORDER BY number")]
    conn.close()
    assert "receipt_reprinted" in kinds and kinds[-1] == "printer_failed"
