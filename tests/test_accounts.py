"""The week's accounts: a small known week checked by hand, the shares screen, the dashboard."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from pos import accounts, charts, clock
from pos.cart import Discount, Item, Payment, price_cart
from pos.db import accounts as ledger
from pos.db import coop, now_iso, stock
from pos.db import sales as journal
from pos.db import till as store
from pos.money import format_eur
from tests.conftest import product_id
from tests.fec_check import validate_fec

AWA = {"id": 1, "name": "Awa"}


def item(db, name: str, quantity: int) -> Item:
    """A cart item priced as the catalogue says, with the product's unit cost."""
    pid = product_id(db, name)
    price, rate, cost = db.execute(
        "SELECT price, vat_rate, unit_cost FROM products WHERE id = ?", [pid]
    ).fetchone()
    return Item(pid, name, price, rate, quantity, unit_cost=cost)


def add_expense(
    db, category: str, total: int, rate: int, paid_from: str = "bank", on: date | None = None
) -> None:
    """An expense as the expense screens record it."""
    db["expenses"].insert(
        {
            "spent_on": (on or today()).isoformat(),
            "supplier": "Jardinerie",
            "category": category,
            "total": total,
            "vat_rate": rate,
            "paid_from": paid_from,
            "label": "achat",
            "created_at": now_iso(),
            "payer_id": 2 if paid_from == "member" else None,
        }
    )


def today() -> date:
    return clock.local(clock.now()).date()


def known_week(db) -> None:
    """Sales at 5.5, 10 and 20 %, a discount, a void, a refund; three expenses; the Z."""
    s1 = price_cart([item(db, "Kokedama", 2), item(db, "Cookie", 4)])  # 25,00 + 10,00
    journal.record_sale(db, s1, [Payment("cash", 4000)], member=AWA)  # 5,00 change
    s2 = price_cart(
        [item(db, "Dernier pot", 1), item(db, "Café", 2)], Discount("percent", 1000, "fidélité")
    )  # 12,00 - 10 % = 10,80
    journal.record_sale(db, s2, [Payment("card", 1080)], member=AWA)
    s3, _ = journal.record_sale(
        db, price_cart([item(db, "Cookie", 1)]), [Payment("card", 250)], member=AWA
    )
    journal.record_void(db, s3, member=AWA, undo_minutes=5)
    s4, _ = journal.record_sale(
        db, price_cart([item(db, "Kokedama", 1)]), [Payment("cheque", 1250)], member=AWA
    )
    journal.record_refund(db, s4, [(product_id(db, "Kokedama"), 1)], "cash", member=AWA)
    add_expense(db, "materials", 1200, 2000)  # 10,00 HT + 2,00
    stock.record_expense(  # 5,00, no VAT, paid from the drawer: a cash movement of the day
        db,
        {
            "spent_on": today().isoformat(),
            "supplier": "Mairie",
            "category": "stall_fee",
            "total": 500,
            "vat_rate": 0,
            "paid_from": "till",
            "label": "place",
        },
        member=AWA,
    )
    add_expense(db, "materials", 330, 550, "member")  # 3,13 HT + 0,17, advanced by Léo
    # Float 60 + cash 40 - change 5 - refund 12,50 - place 5 = 77,50 expected; 76,51 counted.
    store.close_day(db, AWA, {1: 7651}, "", 200)


def week(db) -> accounts.Period:
    return accounts.week_of("", ledger.first_day(db), today())


def test_the_bilan_of_a_known_week_checked_by_hand(db):
    known_week(db)
    bilan = ledger.bilan(db, week(db))
    # 20 %: 25,00 + 12,50 - 12,50 = 25,00 TTC -> 20,83 HT; 5,5 %: 10,00 + 2,50 - 2,50 -> 9,48;
    # 10 %: pot 9,00 - 0,90 and café 3,00 - 0,30 = 10,80 -> 9,82.
    assert [(v.rate, v.base, v.vat, v.total) for v in bilan.revenue] == [
        (550, 948, 52, 1000),
        (1000, 982, 98, 1080),
        (2000, 2083, 417, 2500),
    ]
    assert (bilan.revenue_ht, bilan.vat_collected, bilan.revenue_ttc) == (4013, 567, 4580)
    # 2 x 4,00 + 4 x 0,60 + pot 3,00 (the café has no cost), void and refund cancel out.
    assert (bilan.cost_of_goods, bilan.lines_without_cost) == (1340, 1)
    assert bilan.gross_margin == 4013 - 1340
    assert [(e.category, e.count, e.ht, e.vat, e.ttc) for e in bilan.expenses] == [
        ("materials", 2, 1000 + 313, 200 + 17, 1530),
        ("stall_fee", 1, 500, 0, 500),
    ]
    assert (bilan.expenses_ht, bilan.expenses_vat) == (1813, 217)
    # the Z's shortfall of 0,99 is booked (658): it counts in the result
    assert bilan.result == 4013 - 1813 - 99 == 2101
    assert bilan.vat_due == 567 - 217
    [z] = bilan.closures
    assert (z.net_total, z.expected_cash, z.counted_cash, z.difference) == (4580, 7750, 7651, -99)
    assert (bilan.cash_difference, bilan.shortfalls, bilan.surpluses) == (-99, -99, 0)


def test_the_accounts_page_shows_the_bilan_and_reconciles(actions, client, db):
    actions.login("Awa")
    known_week(db)
    html = client.get("/accounts").get_data(as_text=True)
    for cents in (4013, 567, 4580, 1340, 2673, 1813, 2101, -99):
        assert format_eur(cents) in html
    assert 'data-testid="reconciled"' in html
    printable = (Path(__file__).parent.parent / "static/css/etal.css").read_text()
    assert ".noprint" in printable and "@media print" in printable


def test_a_loss_is_a_loss_with_no_shares(actions, client, db):
    actions.login("Awa")
    known_week(db)
    add_expense(db, "transport", 5000, 2000)
    assert ledger.bilan(db, week(db)).result == 2101 - 4167
    html = client.get("/accounts/shares").get_data(as_text=True)
    assert "Perte de la semaine" in html and format_eur(2066) in html
    assert 'data-testid="shares"' not in html
    response = client.get("/accounts/bundle.zip")
    zipped = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    [fec] = [n for n in zipped.namelist() if n.endswith(".txt")]
    validate_fec(zipped.read(fec))
    shares = next(n for n in zipped.namelist() if n.endswith("member-shares.csv"))
    assert len(zipped.read(shares).decode("utf-8-sig").strip().splitlines()) == 1  # header only


def _cell(member_id: int, day: date) -> str:
    return f"h_{member_id}_{day.isoformat()}"


def test_hours_grid_rules_and_shares_to_the_cent(actions, client, db):
    actions.login("Awa")
    known_week(db)  # result 21,01
    zoe = coop.insert_member(db, "Zoé", "3456")
    ines = coop.insert_member(db, "Inès", "4567")
    leo = db.execute("SELECT id FROM members WHERE name = 'Léo'").fetchone()[0]
    first = week(db).start

    # One cell, as htmx sends it on change: saved, the sheet is told to refresh.
    response = actions.post("/accounts/hours", {_cell(leo, first): "3h30"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "shares-changed"
    assert 'value="3h30"' in response.get_data(as_text=True)
    # The plain form: the whole grid at once.
    response = actions.post(
        "/accounts/hours",
        {_cell(zoe, first + timedelta(days=1)): "2", _cell(ines, first): ""},
        htmx=False,
    )
    assert response.status_code == 302
    rows = db.execute("SELECT member_id, worked_on, minutes FROM hours ORDER BY member_id")
    assert rows.fetchall() == [
        (leo, first.isoformat(), 210),
        (zoe, (first + timedelta(days=1)).isoformat(), 120),
    ]
    bad = actions.post("/accounts/hours", {_cell(leo, first): "trois"})
    assert bad.status_code == 422 and "3h30" in bad.get_data(as_text=True)
    assert db.execute("SELECT minutes FROM hours WHERE member_id = ?", [leo]).fetchone()[0] == 210

    # Equal, nothing kept back: 21,01 / 3 -> the odd cent goes to the first name (Inès).
    html = client.get("/accounts/shares").get_data(as_text=True)
    assert "plus grands restes" in html
    sheet = _sheet(client)
    assert sheet == {"Inès": 701, "Léo": 700, "Zoé": 700}

    saved = actions.post(
        "/accounts/shares",
        {"share_rule": "hours", "share_kept_back": "10", "share_hours_weight": "50"},
    )
    assert saved.status_code == 200 and saved.headers["HX-Trigger"] == "shares-changed"
    settings = coop.load_settings(db)
    assert (settings["share_rule"], settings["share_kept_back"]) == ("hours", "1000")
    # 21,01 - 10 % = 18,91 by 210 and 120 minutes (12,0336 and 6,8764); Inès worked no hour.
    assert _sheet(client) == {"Inès": 0, "Léo": 1203, "Zoé": 688}

    actions.post(
        "/accounts/shares",
        {"share_rule": "mix", "share_kept_back": "12,5", "share_hours_weight": "50"},
    )
    sheet = _sheet(client)
    assert sum(sheet.values()) == 2101 - 263  # exactly what is shared
    # 18,38 (12,5 % kept back), half by hours, half equally, rounded once on the exact shares:
    # Inès 3,0633, Léo 3,0633 + 5,8482 = 8,9115, Zoé 3,0633 + 3,3418 = 6,4052 -> the cent
    # left goes to the largest remainder (Zoé's).
    assert sheet == {"Inès": 306, "Léo": 891, "Zoé": 641}

    wrong = actions.post(
        "/accounts/shares",
        {"share_rule": "by-age", "share_kept_back": "120", "share_hours_weight": "50"},
    )
    assert wrong.status_code == 422
    assert coop.load_settings(db)["share_rule"] == "mix"


def _sheet(client) -> dict[str, int]:
    """The shares as the screen states them, read back as cents."""
    import re

    html = client.get("/accounts/shares/sheet", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert html.lstrip().startswith('<div id="sheet"')
    shares = {}
    for name, amount in re.findall(r'<tr data-member="([^"]+)">.*?<strong>([^<]+)</strong>', html):
        shares[name] = int(amount.replace("\u202f", "").replace("\xa0€", "").replace(",", ""))
    total = re.search(r'data-testid="shares-total">([^<]+)<', html).group(1)
    assert int(total.replace("\u202f", "").replace("\xa0€", "").replace(",", "")) == sum(
        shares.values()
    )
    return shares


def test_dashboard_for_members_but_not_the_exports(actions, client, db):
    actions.login("Léo")
    known_week(db)
    coop.save_settings(db, {"sales_goal": "10000"})
    response = client.get("/dashboard")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert format_eur(4580) in html and "<svg" in html and "style=" not in html
    assert "46 %" in html  # 45,80 of a 100,00 goal
    live = client.get("/dashboard", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert live.lstrip().startswith('<div id="live"') and "<svg" in live
    for url in ("/accounts", "/accounts/shares", "/accounts/bundle.zip"):
        assert client.get(url).status_code == 403
    assert actions.post("/accounts/hours", {"h_2_2025-01-01": "3"}).status_code == 403
    assert db.execute("SELECT count(*) FROM hours").fetchone()[0] == 0


def test_dashboard_figures_count_voids_and_refunds(db):
    known_week(db)
    period = week(db)
    figures = accounts.figures(*ledger.sales_counts(db, period))
    # Four sales, one voided: three sales for 45,80, an average basket of 15,27.
    assert (figures.revenue, figures.sales, figures.average_basket) == (4580, 3, 1527)
    top = ledger.top_products(db, period)
    assert [(p.name, p.quantity, p.revenue) for p in top][:2] == [
        ("Kokedama", 2, 2500),
        ("Cookie", 4, 1000),
    ]
    stock = {s.name: (s.produced, s.left) for s in ledger.stock_figures(db)}
    assert stock["Kokedama"] == (20, 18) and stock["Dernier pot"] == (1, 0)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("", 0), ("3", 180), ("3,5", 210), ("3.25", 195), ("3h30", 210), ("3:05", 185), ("24", 1440)],
)
def test_hours_are_typed_as_members_say_them(text, minutes):
    assert accounts.parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["trois", "25", "3h75", "-2", "3h30m"])
def test_unreadable_hours_are_refused(text):
    with pytest.raises(accounts.InvalidHours):
        accounts.parse_minutes(text)


def test_charts_are_svg_without_style_attributes():
    svg = charts.column_chart([("9h", 1000), ("10h", 0)], "Ventes <jour>", ["10 €", "0 €"])
    assert svg.startswith("<svg") and "style=" not in svg and "&lt;jour&gt;" in svg
    assert svg.count("<rect") == 2
    bar = charts.progress_bar(15000, 10000, "Objectif", "150 %")
    assert 'width="640.0"' in bar  # capped at the goal's end
