"""French that reads right: codes as words, plurals, one minus sign, French dates, neutral words."""

from __future__ import annotations

import csv
import io
import time

import pytest

from pos.db import coop
from pos.exports import PAYMENTS_COLUMNS, write_csv
from pos.labels import WORDS, out_of_stock, word
from pos.money import format_eur
from tests.conftest import product_id

MINUS = "\u2212"  # the one minus sign of amounts
CODES = ("card", "cash", "cheque", "stall", "online", "sale", "day", "production", "stall_fee")


def cells_of(html: str) -> list[str]:
    """The text of every table cell of a page."""
    import re

    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html)]


def english(actions) -> None:
    """Switch this device to English."""
    actions.post("/language", {"lang": "en", "next": "/sell"}, htmx=False)


def test_every_code_has_a_word_and_an_unknown_code_shows_as_it_is():
    assert word("method", "card") == "Carte bancaire" and word("channel", "stall") == "Stand"
    assert word("expense", "stall_fee") == "Place de marché"
    assert word("stock", "production") == "Production"
    assert word("method", "bitcoin") == "bitcoin" and word("nope", "x") == "x"
    assert all(w and w not in CODES for group in WORDS.values() for w in group.values())


@pytest.fixture
def a_day_closed(actions, db):
    """A cash sale, a card sale and a Z."""
    actions.login("Awa")
    actions.sell(product_id(db, "Kokedama"))
    actions.sell(product_id(db, "Cookie"), method="card")
    actions.post("/till/close", {"n_2000": "3", "reason": "compté vite"}, htmx=False)
    return actions


def test_the_z_on_screen_names_methods_and_kinds_in_words(a_day_closed, client):
    html = client.get("/till/closures/1").get_data(as_text=True)
    cells = cells_of(html)
    assert "Carte bancaire" in cells and "Espèces" in cells and "Stand" in cells
    assert not set(CODES) & set(cells), set(CODES) & set(cells)
    z_text = html.split('data-testid="z-text">')[1]
    assert "Carte bancaire" in z_text and "Espèces" in z_text
    listing = cells_of(client.get("/till/closures").get_data(as_text=True))
    assert "Z du jour" in listing and "day" not in listing


def test_the_z_and_the_history_read_in_english_too(a_day_closed, client):
    english(a_day_closed)
    cells = cells_of(client.get("/till/closures/1").get_data(as_text=True))
    assert "Card" in cells and "Cash" in cells and "Stall" in cells
    history = client.get("/sell/history").get_data(as_text=True)
    assert "Sold by" in history


def test_the_french_csv_writes_words_and_the_plain_one_keeps_codes():
    row = {"sale_number": 1, "paid_at": "2026-12-01T20:30:00+00:00", "kind": "sale",
           "method": "card", "amount": 250, "change": 0}  # fmt: skip
    french, plain = io.StringIO(newline=""), io.StringIO(newline="")
    write_csv(french, PAYMENTS_COLUMNS, [row], "fr")
    write_csv(plain, PAYMENTS_COLUMNS, [row], "plain")
    text = french.getvalue().lstrip("\ufeff")
    [fr_row] = csv.DictReader(io.StringIO(text), delimiter=";")
    assert fr_row["Type (vente, annulation, remboursement)"] == "Vente"
    assert fr_row["Moyen de paiement"] == "Carte bancaire"
    [plain_row] = csv.DictReader(io.StringIO(plain.getvalue()))
    assert (plain_row["kind"], plain_row["method"]) == ("sale", "card")


def test_one_minus_sign_in_every_amount_on_screen():
    assert format_eur(-350) == f"{MINUS}3,50\u00a0€"
    assert format_eur(-350, "en_GB") == f"{MINUS}€3.50"
    assert format_eur(350) == "3,50\u00a0€" and "-" not in format_eur(-123456)


def test_a_negative_difference_shows_the_minus_sign(a_day_closed, client):
    html = client.get("/till/closures/1").get_data(as_text=True)
    difference = html.split('data-testid="z-difference">')[1].split("<")[0]
    assert difference.startswith(MINUS) and "-" not in difference


def test_none_left_is_said_plainly(actions, db):
    actions.login("Léo")
    pot = product_id(db, "Dernier pot")
    actions.sell(pot)
    refused = actions.post(f"/sell/cart/add/{pot}")
    assert "il n&#39;en reste plus" in refused.get_data(as_text=True)
    assert str(out_of_stock("Pot", 0)) == "Stock insuffisant pour « Pot » : il n'en reste plus."
    assert str(out_of_stock("Pot", 2)).endswith("il n'en reste que 2.")


def test_counts_take_the_right_plural(actions, db, client):
    actions.login("Awa")
    pot, koke = product_id(db, "Dernier pot"), product_id(db, "Kokedama")
    helper = client.get(f"/prices/{pot}").get_data(as_text=True)
    assert ">1 unité<" in helper
    response = actions.post(
        "/stock/inventory", {f"count_{koke}": "19", "reason": "casse"}, htmx=False
    )
    assert "Inventaire enregistré : 1 correction." in client.get(response.location).get_data(
        as_text=True
    )
    actions.sell(pot)
    assert ">0 unité<" in client.get(f"/prices/{pot}").get_data(as_text=True)
    english(actions)
    assert ">0 units<" in client.get(f"/prices/{pot}").get_data(as_text=True)


def test_a_minute_is_singular(actions, client, db):
    coop.save_settings(db, {"idle_minutes": "1"})
    actions.login("Léo")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - 120
    page = client.get("/sell", follow_redirects=True).get_data(as_text=True)
    assert "Déconnexion automatique après 1 minute sans activité." in page


def test_neutral_and_single_wording(a_day_closed, client):
    a_day_closed.post("/till/open", {"n_2000": "3"}, htmx=False)
    assert "Passer la main" in client.get("/till").get_data(as_text=True)
    assert "Passer la caisse" not in client.get("/till").get_data(as_text=True)
    receipt = client.get("/sell/sales/1").get_data(as_text=True)
    assert "Vendu par Awa" in receipt and "Vendeur" not in receipt


def test_dates_read_the_french_way(a_day_closed, client, db):
    koke = product_id(db, "Kokedama")
    batch = {"product_id": koke, "quantity": "10", "made_on": "2026-11-30",
             "materials": "Mousse", "materials_cost": "20"}  # fmt: skip
    a_day_closed.post("/stock/batches", batch, htmx=False)
    expense = {"supplier": "Jardinerie", "spent_on": "2026-11-29", "total": "12,00",
               "vat_rate": "20", "category": "materials", "paid_from": "bank"}  # fmt: skip
    a_day_closed.post("/stock/expenses", expense, htmx=False)
    assert "30/11/2026" in cells_of(client.get("/stock/batches").get_data(as_text=True))
    expenses = cells_of(client.get("/stock/expenses").get_data(as_text=True))
    assert "29/11/2026" in expenses and "Matières et fournitures" in expenses
    for url in ("/till/closures", "/till/closures/1", "/accounts", "/stock/batches"):
        html = client.get(url).get_data(as_text=True)
        assert not any(c[:4] == "2026" and c[4:5] == "-" for c in cells_of(html)), url


def test_the_event_journal_reads_in_words(a_day_closed, client):
    html = client.get("/admin/events").get_data(as_text=True)
    assert "type : Z du jour" in html and "period_kind" not in html
    assert "fond de caisse : 60,00" in html and "float_total" not in html


def test_settings_and_product_changes_read_in_words(actions, client, db):
    actions.login("Awa")
    actions.post("/admin/settings", {"timezone": "Indian/Reunion", "sales_goal": "900"}, htmx=False)
    html = client.get("/admin/events").get_data(as_text=True)
    assert "réglages : " in html and "fuseau horaire" in html and "objectif de ventes" in html
    assert "timezone" not in html and "sales_goal" not in html
