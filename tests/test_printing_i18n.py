"""A printer's failure reads in the member's language; the list, the CLI and the API stay French.

The printer here refuses connections (nothing listens on its port, see tests/printer_listener.py).
"""

from __future__ import annotations

import re

import pytest

from pos import db as database
from pos.db import coop
from tests.conftest import Actions, product_id

WAITING = {
    "fr": "Imprimante injoignable : le ticket attend dans la liste « À imprimer ».",
    "en": "Printer unreachable: the receipt is waiting in the “To print” list.",
}
REFUSED = {
    "fr": "L’imprimante {where} refuse la connexion : vérifiez qu’elle est allumée.",
    "en": "The printer {where} refuses the connection: check that it is switched on.",
}
Z_WAITING = {
    "fr": "Imprimante injoignable : le Z attend dans la liste « À imprimer ».",
    "en": "Printer unreachable: the Z is waiting in the “To print” list.",
}
OTHER = {"fr": "en", "en": "fr"}


def speak(actions: Actions, lang: str) -> None:
    """Choose the language as a member does, from the language switch."""
    response = actions.client.post("/language", data={"lang": lang, "csrf_token": actions.token})
    assert response.status_code == 302


def flashed(actions: Actions, response) -> str:
    """The messages flashed on the page a redirect leads to, one a line."""
    assert response.status_code == 302, response.get_data(as_text=True)
    page = actions.client.get(response.headers["Location"]).get_data(as_text=True)
    return "\n".join(re.findall(r'<p class="msg (?:ok|info|error)">([^<]*)</p>', page))


def refusing_printer(db_path, printer_listener_factory) -> str:
    """A printer that refuses connections, set on the admin screen; returns its address."""
    refused = printer_listener_factory("refuse")
    conn = database.connect(db_path)
    coop.save_settings(conn, {"printer_url": refused.url})
    conn.close()
    return f"127.0.0.1:{refused.port}"


def sell(actions: Actions, db_path) -> int:
    conn = database.connect(db_path)
    cookie = product_id(conn, "Cookie")
    conn.close()
    html = actions.sell(cookie, method="note", tendered="20").get_data(as_text=True)
    return int(re.search(r"(?:Vente n°|Sale no\.?) ?(\d+)", html).group(1))


def last_error(db_path) -> str:
    conn = database.connect(db_path)
    error = conn.execute("SELECT last_error FROM print_jobs ORDER BY id DESC").fetchone()[0]
    conn.close()
    return error


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_refused_receipt_is_explained_in_the_members_language(
    lang, actions, db_path, printer_listener_factory
):
    where = refusing_printer(db_path, printer_listener_factory)
    actions.login("Léo")
    number = sell(actions, db_path)
    speak(actions, lang)
    said, unsaid = REFUSED[lang].format(where=where), REFUSED[OTHER[lang]].format(where=where)

    # "Ticket ?" from the sale screen (htmx): the outcome fragment.
    shown = actions.post(f"/print/sales/{number}/receipt").get_data(as_text=True)
    assert WAITING[lang] in shown and said in shown
    assert WAITING[OTHER[lang]] not in shown and unsaid not in shown

    # A reprint without htmx: the flashed messages on the sale's page.
    page = flashed(actions, actions.post(f"/print/sales/{number}/duplicate", htmx=False))
    assert WAITING[lang] in page and said in page and unsaid not in page

    # "Réessayer" without htmx, then "Tout réessayer" with it: the "to print" list.
    conn = database.connect(db_path)
    job = conn.execute("SELECT id FROM print_jobs ORDER BY id").fetchone()[0]
    conn.close()
    page = flashed(actions, actions.post(f"/print/jobs/{job}/retry", htmx=False))
    assert f"{WAITING[lang]} {said}" in page and unsaid not in page
    fragment = actions.post("/print/queue/retry").get_data(as_text=True)
    [outcome] = re.findall(r'<p class="msg error">([^<]*)</p>', fragment)
    assert outcome == f"{WAITING[lang]} {said}"

    # The list in the database keeps the French sentence (the log and the CLI read it); its
    # "Raison" column shows it as it was stored.
    assert last_error(db_path) == REFUSED["fr"].format(where=where)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_refused_test_page_and_z_are_explained_in_the_members_language(
    lang, actions, db_path, printer_listener_factory
):
    where = refusing_printer(db_path, printer_listener_factory)
    said, unsaid = REFUSED[lang].format(where=where), REFUSED[OTHER[lang]].format(where=where)

    actions.login("Awa")
    speak(actions, lang)
    page = flashed(actions, actions.post("/print/test", htmx=False))
    assert f"{WAITING[lang]} {said}" in page and unsaid not in page

    closed = actions.post("/till/close", {"n_2000": "3"}, htmx=False)
    page = flashed(actions, closed)
    assert f"{Z_WAITING[lang]} {said}" in page and unsaid not in page


def test_an_invalid_printer_url_is_translated_with_its_reason(app):
    from flask_babel import force_locale

    from pos.i18n import translate
    from pos.printing import InvalidPrinterUrl, parse_printer_url

    with pytest.raises(InvalidPrinterUrl) as caught:
        parse_printer_url("usb://zz:5011")
    french = (
        "Adresse d’imprimante invalide « usb://zz:5011 » : vendeur doit être en hexadécimal "
        "(ex. 0416). Exemples : network://192.168.1.50:9100, usb://0416:5011, file:///dev/usb/lp0."
    )
    assert str(caught.value) == french
    with app.test_request_context(), force_locale("en"):
        assert translate(caught.value.args[0]) == (
            "Invalid printer address “usb://zz:5011”: vendor must be hexadecimal (e.g. 0416). "
            "Examples: network://192.168.1.50:9100, usb://0416:5011, file:///dev/usb/lp0."
        )
    with app.test_request_context(), force_locale("fr"):
        assert translate(caught.value.args[0]) == french


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_mistyped_printer_address_is_refused_in_the_members_language(actions, db, lang):
    actions.login("Awa")
    speak(actions, lang)
    base = {"brand": "Kokés", "legal_name": "CAE", "siret": "90000000100017"}

    bad = actions.post("/admin/settings", {**base, "printer_url": "usb://zz:5011"}, htmx=False)

    html = bad.get_data(as_text=True).replace("&#34;", '"')
    said = {
        "fr": "vendeur doit être en hexadécimal (ex. 0416)",
        "en": "vendor must be hexadecimal (e.g. 0416)",
    }
    assert bad.status_code == 422
    assert said[lang] in html and said[OTHER[lang]] not in html
    kept = "SELECT count(*) FROM settings WHERE key = 'printer_url' AND value != ''"
    assert db.execute(kept).fetchone()[0] == 0
