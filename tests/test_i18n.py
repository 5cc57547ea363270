"""The English catalogue is complete, compiled, and used: every string of the UI has a translation.

French is the source language (the msgids); English lives in pos/translations/en. A string added to
a template or to pos/ without its translation fails here, with the commands that fix it.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "pos" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
# The same keywords as the extraction command below (pybabel adds them to its defaults).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "N_": None,
}

PYBABEL = Path(sys.executable).parent / "pybabel"
UPDATE_COMMANDS = f"""\
Update the English catalogue, from the repository root:
  {PYBABEL} extract -F pos/translations/babel.cfg -k _ -k gettext \
-k ngettext:1,2 -k lazy_gettext -k N_ -o pos/translations/messages.pot --no-location \
--sort-output --project Étal .
  {PYBABEL} update -i pos/translations/messages.pot -d pos/translations \
-l en --no-fuzzy-matching
  (translate every empty msgstr in pos/translations/en/LC_MESSAGES/messages.po)
  {PYBABEL} compile -d pos/translations -f
(see README.md, "### Translations")"""


@cache  # the sources do not change during a run: extracted once for the tests that read them
def _source_msgids() -> frozenset[str | tuple[str, ...]]:
    """The msgids pybabel extracts from pos/ and templates/ (plural ids as tuples)."""
    with open(TRANSLATIONS / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message)
    return frozenset(found)


def _key(value):
    """Plural ids and strings as tuples (read_mo gives lists)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _po_translations() -> dict:
    with open(PO, "rb") as f:
        catalog = read_po(f)
    return {_key(m.id): (_key(m.string), m.fuzzy) for m in catalog if m.id}


def _filled(string) -> bool:
    strings = string if isinstance(string, tuple) else (string,)
    return all(s and s.strip() for s in strings)


def test_the_sources_are_extracted():
    msgids = _source_msgids()
    assert "Qui vend ?" in msgids and ("%(num)s vente", "%(num)s ventes") in msgids
    assert len(msgids) > 500


def test_every_string_has_an_english_translation():
    translations = _po_translations()
    missing = sorted(
        (msgid for msgid in _source_msgids() if not _filled(translations.get(msgid, ("", 0))[0])),
        key=str,
    )
    fuzzy = sorted((msgid for msgid, (_s, is_fuzzy) in translations.items() if is_fuzzy), key=str)
    listing = "\n".join(f"  {msgid!r}" for msgid in missing + fuzzy)
    assert not missing and not fuzzy, (
        f"{len(missing)} string(s) without an English translation, {len(fuzzy)} fuzzy:\n"
        f"{listing}\n{UPDATE_COMMANDS}"
    )


def test_the_compiled_catalogue_matches_the_po():
    with open(MO, "rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    written = {_key(k): _key(string) for k, (string, _fuzzy) in _po_translations().items()}
    stale = sorted(
        (k for k in compiled.keys() | written.keys() if compiled.get(k) != written.get(k)), key=str
    )
    assert not stale, (
        f"messages.mo is out of date with messages.po for {len(stale)} string(s), e.g. "
        f"{stale[:5]!r}.\nRecompile: {PYBABEL} compile -d pos/translations -f"
    )


def _to_english(client, token: str) -> None:
    response = client.post("/language", data={"lang": "en", "csrf_token": token})
    assert response.status_code == 302


def test_the_login_page_speaks_english(client):
    from tests.conftest import csrf_of

    french = client.get("/login").get_data(as_text=True)
    assert "Qui vend ?" in french
    _to_english(client, csrf_of(french))
    english = client.get("/login").get_data(as_text=True)
    assert "Who is selling?" in english and "Qui vend ?" not in english


def test_the_sell_page_speaks_english_and_money_follows_the_language(actions, client):
    actions.login("Léo")
    french = client.get("/sell").get_data(as_text=True)
    assert "Compte juste" in french and "Carte" in french
    assert "12,50\u00a0€" in french  # Babel's fr_FR format: no-break space before €
    _to_english(client, actions.token)
    english = client.get("/sell").get_data(as_text=True)
    assert "Exact cash" in english and "Card" in english and "Compte juste" not in english
    assert "€12.50" in english and "12,50" not in english


def test_a_domain_refusal_reads_in_english_on_screen_and_stays_french_in_the_api(
    actions, client, db, api_token
):
    from tests.conftest import product_id

    pot = product_id(db, "Dernier pot")
    headers = {"Authorization": f"Bearer {api_token}"}

    def api_sale(quantity: int, key: str):
        body = {
            "lines": [{"product_id": pot, "quantity": quantity}],
            "payments": [{"method": "cash", "amount": "100.00"}],
            "channel": "stall",
        }
        return client.post("/api/v1/sales", json=body, headers={**headers, "Idempotency-Key": key})

    actions.login("Léo")
    _to_english(client, actions.token)
    actions.post(f"/sell/cart/add/{pot}")  # the last pot, in the cart...

    # ...while the API, for a client in English as well, is refused in French, then sells it.
    error = api_sale(2, "i18n-1").get_json()["error"]
    assert error["code"] == "out_of_stock"
    assert error["message"] == "Stock insuffisant pour « Dernier pot » : il n'en reste que 1."
    assert api_sale(1, "i18n-2").status_code == 201

    refused = actions.post("/sell/pay", {**actions.seen(), "method": "exact"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Not enough stock of “Dernier pot”: none left." in html
    assert "Stock insuffisant" not in html


def test_product_form_errors_read_in_english(actions, client):
    actions.login("Awa")
    _to_english(client, actions.token)
    form = {"name": "x" * 200, "price": "abc", "vat_rate": "20", "track_stock": "1"}
    response = actions.post("/admin/products/new", form, htmx=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a positive price, e.g. 12.50." in html
    assert "The name must not be longer than" in html and "characters." in html
    assert "Indiquez un prix positif" not in html and "Le nom ne doit pas" not in html


def test_domain_messages_keep_their_french_sentence_msgid_and_params():
    from pos.catalogue import check_category
    from pos.errors import OutOfStock
    from pos.i18n import N_, Message, tr, translate

    exc = OutOfStock(
        N_("Stock insuffisant pour « %(name)s » : il n'en reste que %(left)s."), name="Pot", left=1
    )
    assert exc.message == str(exc) == "Stock insuffisant pour « Pot » : il n'en reste que 1."
    assert exc.msgid.startswith("Stock insuffisant pour « %(name)s »")
    assert exc.params == {"name": "Pot", "left": 1}
    # Outside a request, French; a stray % never raises.
    assert translate(exc.msgid, exc.params) == exc.message
    assert (
        tr("Indiquez un taux en %, par exemple 150.") == "Indiquez un taux en %, par exemple 150."
    )
    assert Message(N_("Le nom ne doit pas dépasser %(max)s caractères."), max=80) == (
        "Le nom ne doit pas dépasser 80 caractères."
    )
    assert check_category("", set()) == "Donnez un nom à la catégorie."
