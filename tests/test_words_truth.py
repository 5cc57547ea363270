"""Words people read say what happened, one way: the seller column, the token dates, the
minus sign of stock quantities, the handover's button (issue #13's leftovers)."""

from __future__ import annotations

import csv
import re

from pos import money
from pos.cli import main
from pos.db.catalogue import move_stock
from tests.conftest import product_id
from tests.test_export import export, small_week


def test_the_sales_lines_csv_says_vendu_par_as_the_screens_do(db, db_path, runner, tmp_path):
    small_week(db)
    export(runner, db_path, tmp_path / "fr")
    with (tmp_path / "fr" / "sales-lines.csv").open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f, delimiter=";"))
    assert "Vendu par" in header and "Vendeur" not in header


def test_token_list_shows_dates_as_people_read_them(db_path, runner):
    runner.invoke(main, ["token", "create", "caisse-2", "--db", str(db_path)])
    runner.invoke(main, ["token", "revoke", "1", "--db", str(db_path)])
    listed = runner.invoke(main, ["token", "list", "--db", str(db_path)]).output
    line = next(ln for ln in listed.splitlines() if "caisse-2" in ln)
    assert re.search(r"créé le \d\d/\d\d/\d{4} \d\d:\d\d", line), line
    assert re.search(r"révoqué le \d\d/\d\d/\d{4} \d\d:\d\d", line), line
    assert not re.search(r"\d{4}-\d\d-\d\dT", listed)  # no stored ISO moment


def test_signed_quantities_use_the_minus_sign():
    assert money.signed(3) == "+3" and money.signed(0) == "0"
    assert money.signed(-2) == "\u22122"


def test_stock_quantities_read_with_a_real_minus_on_screen(actions, client, db):
    koke = product_id(db, "Kokedama")
    move_stock(db, koke, "loss", -2, reason="cassé")
    move_stock(db, koke, "production", 3, reason="fournée")
    actions.login("Awa")
    ledger = client.get(f"/stock/{koke}").get_data(as_text=True)
    assert ">\u22122<" in ledger and ">+3<" in ledger and ">-2<" not in ledger


def test_the_handover_says_passer_la_main_everywhere(actions, client, db):
    actions.login("Léo")
    awa = db.execute("SELECT id FROM members WHERE name='Awa'").fetchone()[0]
    counted = actions.post("/till/handover/count", {"to_member": str(awa), "n_2000": "3"}, False)
    page = client.get(counted.location).get_data(as_text=True)
    assert "Passer la main à Awa" in page and "Passer la caisse" not in page
