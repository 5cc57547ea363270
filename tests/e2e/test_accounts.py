"""The animator enters hours, the members' rule, reads the shares and downloads the bundle."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from pos import clock
from pos.cart import Item, Payment, price_cart
from pos.db import coop
from pos.db import sales as journal
from tests.conftest import login_in_browser, product_id
from tests.fec_check import validate_fec

pytestmark = pytest.mark.e2e


def test_admin_shares_the_result_and_downloads_the_bundle(page: Page, db, tmp_path):
    pid = product_id(db, "Kokedama")
    cart = price_cart([Item(pid, "Kokedama", 1250, 2000, 4, unit_cost=400)])
    journal.record_sale(db, cart, [Payment("card", 5000)], member={"id": 1, "name": "Awa"})
    coop.insert_member(db, "Zoé", "3456")  # 50,00 TTC -> 41,67 HT, shared by Léo and Zoé
    leo = db.execute("SELECT id FROM members WHERE name = 'Léo'").fetchone()[0]
    today = clock.local(clock.now()).date().isoformat()

    login_in_browser(page, "Awa")
    page.wait_for_url("**/sell")
    page.locator(".topbar nav").get_by_role("link", name="Comptes").click()
    page.wait_for_url("**/accounts")
    expect(page.get_by_test_id("result")).to_contain_text("41,67")
    page.get_by_role("link", name="Heures et partage du résultat").click()
    page.wait_for_url("**/accounts/shares")

    cell = page.get_by_test_id(f"h_{leo}_{today}")
    with page.expect_response(lambda r: r.url.endswith("/accounts/hours")) as saved:
        cell.fill("6")
        cell.press("Tab")
    assert saved.value.status == 200
    expect(page.get_by_test_id(f"h_{leo}_{today}")).to_have_value("6h")
    assert db.execute("SELECT minutes FROM hours WHERE member_id = ?", [leo]).fetchone()[0] == 360

    page.get_by_label("aux heures travaillées").check()
    page.get_by_label("Part mise de côté pour la coopérative (%)").fill("10")
    page.get_by_role("button", name="Enregistrer la règle").click()
    # 41,67 - 4,17 kept back = 37,50, all to Léo who alone has hours.
    sheet = page.get_by_test_id("sheet")
    expect(sheet.locator('tr[data-member="Léo"]')).to_contain_text("37,50")
    expect(sheet.locator('tr[data-member="Zoé"]')).to_contain_text("0,00")
    expect(page.get_by_test_id("shares-total")).to_contain_text("37,50")
    assert coop.load_settings(db)["share_rule"] == "hours"

    page.get_by_role("link", name="← Comptes de la semaine").click()
    page.wait_for_url("**/accounts")
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le dossier comptable (zip)").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    names = [n.split("/", 1)[1] for n in zipfile.ZipFile(target).namelist()]
    assert "sales-lines.csv" in names and "member-shares.csv" in names
    [fec] = [n for n in names if re.fullmatch(r"900000000-ecritures-\d{8}-\d{8}\.txt", n)]
    bundle = zipfile.ZipFile(target)
    validate_fec(bundle.read(next(n for n in bundle.namelist() if n.endswith(fec))))
