"""Prices: the pricing helper, what-if, price changes with history, category markdowns."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pos import clock, pricing
from pos import prices as rules
from pos.db import coop
from pos.db.prices import add_markdown
from pos.money import format_eur, split_vat
from tests.conftest import product_id


def eur(cents: int) -> str:
    return format_eur(cents)


def by_testid(html: str, name: str) -> str:
    """The text of the element carrying data-testid=name."""
    found = re.search(rf'data-testid="{name}">(?:<strong>)?([^<]*)<', html)
    assert found, name
    return found.group(1).strip()


@pytest.fixture
def auth(api_token) -> dict:
    return {"Authorization": f"Bearer {api_token}"}


def api_price(client, auth, name: str) -> str:
    products = client.get("/api/v1/products", headers=auth).get_json()["products"]
    return next(p["price"] for p in products if p["name"] == name)


def tile_price(client, name: str) -> str:
    html = client.get("/sell").get_data(as_text=True)
    tile = re.search(rf'data-product="{re.escape(name)}">(.*?)</button>', html, re.S).group(1)
    return re.search(r'<span class="price">([^<]*)</span>', tile).group(1)


# --- The helper ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "value"), [("markup", "150"), ("margin", "60"), ("price", "11,00")]
)
def test_the_helper_fragment_shows_the_worked_example(actions, db, mode, value):
    actions.login("Léo")  # a member: learning is the point
    pot = product_id(db, "Dernier pot")
    response = actions.client.get(
        f"/prices/{pot}",
        query_string={"cost": "4,00", "vat": "10", "mode": mode, "value": value, "new_price": ""},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results"') and "<html" not in html
    assert by_testid(html, "price-ht") == "10,00\u00a0€"
    assert by_testid(html, "price-ttc") == "11,00\u00a0€"
    assert by_testid(html, "markup") == "150\u00a0%"
    assert by_testid(html, "margin-rate") == "60\u00a0%"
    assert by_testid(html, "coefficient") == "2,75"
    assert by_testid(html, "unit-margin") == "6,00\u00a0€"
    assert "Appliquer" not in html  # a member does not apply prices


def test_break_even_uses_the_fixed_costs_from_the_settings(actions, db):
    coop.save_settings(db, {"stall_fee": "3000", "target_pay": "10000", "cae_contribution": "2000"})
    actions.login("Awa")
    pot = product_id(db, "Dernier pot")
    html = actions.client.get(
        f"/prices/{pot}?cost=4&vat=10&mode=markup&value=150", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert by_testid(html, "break-even") == "25 unités"  # 150,00 € / 6,00 € per unit
    assert "150,00\u00a0€" in html


def test_with_no_fixed_costs_break_even_and_what_if_agree(actions, db):
    # What was seen: « Seuil de rentabilité 0 unités » on one card and « Encore N unités à
    # vendre à ce prix pour couvrir les charges fixes » below, the N covering the goods made.
    actions.login("Léo")
    koke = product_id(db, "Kokedama")  # 20 in stock at 4,00 € HT, 20 % VAT
    html = actions.client.get(
        f"/prices/{koke}?cost=4,00&vat=20&mode=price&value=12,50&new_price=12,50",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert by_testid(html, "break-even") in ("0 unité", "0 unités")  # French plural: i13-words
    assert by_testid(html, "to-break-even") == "0"
    assert "couvrir les charges fixes" not in html
    assert "couvrait seul" not in html
    # 20 × 4,00 € = 80,00 € of goods; 12,50 € TTC = 10,42 € HT: 8 units cover it
    assert by_testid(html, "to-cover-stock") == "8"
    assert "pour couvrir le coût de tout le stock produit" in html
    assert "Aucune charge fixe" in html


def test_break_even_in_the_what_if_is_the_fixed_costs_one(actions, db):
    coop.save_settings(db, {"stall_fee": "3000", "target_pay": "10000", "cae_contribution": "2000"})
    actions.login("Léo")
    koke = product_id(db, "Kokedama")
    html = actions.client.get(
        f"/prices/{koke}?cost=4,00&vat=20&mode=price&value=12,50&new_price=12,50",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    # 150 € / (10,42 € − 4,00 €) = 23,4 → 24 units, on the card and in the what-if alike
    assert by_testid(html, "break-even") == "24 unités"
    assert by_testid(html, "to-break-even") == "24"
    assert by_testid(html, "to-cover-stock") == "8"
    assert by_testid(html, "to-cover-all") == "23"  # (80 + 150) / 10,42 = 22,1 → 23
    assert by_testid(html, "fixed-share") == "86\u00a0%"  # (208,33 − 80) / 150


@pytest.mark.parametrize(
    ("step", "sign", "below", "above"),
    [
        ("0,10", "2,20", "2,20", "2,30"),
        ("0,50", "2,00", "2,00", "2,50"),
        ("1,00", "2,00", "2,00", "3,00"),
    ],
)
def test_a_computed_price_comes_with_a_sign_price(actions, db, step, sign, below, above):
    actions.login("Léo")
    pot = product_id(db, "Dernier pot")
    html = actions.client.get(
        f"/prices/{pot}",
        query_string={"cost": "1,00", "vat": "5,5", "mode": "markup", "value": "110", "step": step},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert by_testid(html, "price-ttc") == "2,22\u00a0€"
    assert by_testid(html, "sign-price") == sign + "\u00a0€"
    assert by_testid(html, "sign-below") == below + "\u00a0€"
    assert by_testid(html, "sign-above") == above + "\u00a0€"


def test_the_sign_price_says_what_rounding_does(actions, db):
    actions.login("Léo")
    pot = product_id(db, "Dernier pot")
    html = actions.client.get(
        f"/prices/{pot}?cost=1,00&vat=5,5&mode=markup&value=110&step=0,10",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert by_testid(html, "sign-markup") == "109\u00a0%"
    assert by_testid(html, "sign-margin-rate") == "52,15\u00a0%"
    assert re.fullmatch("[−-]0,01\u00a0€", by_testid(html, "sign-margin-change"))
    assert re.fullmatch("[−-]1\u00a0pt", by_testid(html, "sign-markup-change"))


def test_break_even_counts_the_plans_other_fixed_costs(actions, db):
    coop.save_settings(db, {"stall_fee": "3000", "target_pay": "10000", "cae_contribution": "2000"})
    db.execute("INSERT INTO plan_lines(kind, label, amount) VALUES ('fixed', 'Flyers', 3000)")
    actions.login("Léo")
    pot = product_id(db, "Dernier pot")
    html = actions.client.get(
        f"/prices/{pot}?cost=4&vat=10&mode=markup&value=150", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert by_testid(html, "break-even") == "30 unités"  # 180,00 € / 6,00 € per unit


def test_the_full_page_starts_from_the_current_price(actions, db):
    actions.login("Léo")
    koke = product_id(db, "Kokedama")
    html = actions.client.get(f"/prices/{koke}").get_data(as_text=True)
    assert "<html" in html and 'id="f-cost"' in html and 'value="4,00"' in html
    assert by_testid(html, "price-ttc") == "12,50\u00a0€"
    sheet = pricing.from_price_ttc(400, 2000, 1250)
    assert (
        by_testid(html, "markup")
        == f"{sheet.taux_de_marge / 100:.2f}".replace(".", ",").rstrip("0").rstrip(",") + "\u00a0%"
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"cost": "abc", "mode": "markup", "value": "150"}, "cost", "coût unitaire HT"),
        ({"cost": "4", "mode": "markup", "value": "beaucoup"}, "value", "taux en %"),
        ({"cost": "4", "mode": "margin", "value": "100"}, "value", "sous 100 %"),
        ({"cost": "4", "mode": "price", "value": "-2"}, "value", "prix TTC"),
        ({"cost": "4", "vat": "7", "mode": "price", "value": "5"}, "vat", "taux de TVA"),
    ],
)
def test_wrong_helper_values_get_a_french_message(actions, db, query, field, message):
    actions.login("Léo")
    pot = product_id(db, "Dernier pot")
    response = actions.client.get(f"/prices/{pot}", query_string={"vat": "10", **query})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="field-error"( id="e-{field}")?>([^<]*)</p>', html).group(2)
    assert message in error


def test_parse_percent():
    assert [rules.parse_percent(t) for t in ("150", "37,5", "-20 %", "x", "")] == [
        15000,
        3750,
        -2000,
        None,
        None,
    ]


# --- What if ------------------------------------------------------------------------------


def test_what_if_projects_the_week_against_stock_left_and_sales_so_far(actions, db):
    coop.save_settings(db, {"stall_fee": "3000", "target_pay": "10000", "cae_contribution": "2000"})
    actions.login("Léo")
    koke = product_id(db, "Kokedama")
    actions.sell(koke, koke, method="card")  # 2 × 12,50 €
    html = actions.client.get(
        f"/prices/{koke}?cost=4,00&vat=20&mode=price&value=12,50&new_price=10,00",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    sold_ht = split_vat(2500, 2000).base  # 20,83 €
    left_ht = split_vat(18 * 1000, 2000).base  # 150,00 €
    expected = pricing.what_if(1000, 2000, 400, 18, 2, sold_ht, 20 * 400, 15000)
    assert by_testid(html, "sold-units") == "2 unités"
    assert by_testid(html, "stock-left") == "18 unités"
    assert by_testid(html, "revenue-left") == eur(left_ht) + " HT"
    projected = by_testid(html, "projected-revenue")
    assert projected == eur(sold_ht + left_ht) + " HT" == "170,83\u00a0€ HT"
    assert by_testid(html, "goods-cost") == eur(8000)
    assert by_testid(html, "contribution") == eur(sold_ht + left_ht - 8000)
    assert by_testid(html, "projected-result") == eur(expected.projected_result) == eur(-5917)
    assert "Encore" in html or "ne peut pas" in html
    assert db.execute("SELECT price FROM products WHERE id = ?", [koke]).fetchone()[0] == 1250


# --- Applying a price ---------------------------------------------------------------------


def test_a_new_price_is_used_at_once_and_past_sales_keep_theirs(actions, db):
    actions.login("Awa")
    koke = product_id(db, "Kokedama")
    actions.sell(koke, method="card")
    old_sale = db.execute("SELECT max(number) FROM sales").fetchone()[0]
    response = actions.post(f"/prices/{koke}/apply", {"new_price": "14,00"}, htmx=False)
    assert response.status_code == 302
    assert db.execute("SELECT price FROM products WHERE id = ?", [koke]).fetchone()[0] == 1400
    change = db.execute(
        "SELECT old_price, new_price, m.name FROM price_changes pc"
        " JOIN members m ON m.id = pc.member_id"
    ).fetchone()
    assert change == (1250, 1400, "Awa")
    history = actions.client.get(f"/prices/{koke}").get_data(as_text=True)
    row = re.search(r'<table class="table" id="history">.*?</table>', history, re.S).group(0)
    assert "12,50\u00a0€" in row and "14,00\u00a0€" in row and "Awa" in row

    actions.sell(koke, method="card")
    prices = db.execute(
        "SELECT s.number, l.unit_price FROM sale_lines l JOIN sales s"
        " ON s.id = l.sale_id ORDER BY s.number"
    ).fetchall()
    assert prices == [(old_sale, 1250), (old_sale + 1, 1400)]
    receipt = actions.client.get(f"/sell/sales/{old_sale}/receipt").get_data(as_text=True)
    assert "12,50" in receipt and "14,00" not in receipt
    assert tile_price(actions.client, "Kokedama") == "14,00\u00a0€"


def test_the_same_price_or_a_wrong_one_is_refused(actions, db):
    actions.login("Awa")
    koke = product_id(db, "Kokedama")
    same = actions.post(f"/prices/{koke}/apply", {"new_price": "12,50"}, htmx=False)
    assert same.status_code == 422 and "déjà le prix actuel" in same.get_data(as_text=True)
    wrong = actions.post(f"/prices/{koke}/apply", {"new_price": "douze"}, htmx=False)
    assert wrong.status_code == 422
    assert db.execute("SELECT count(*) FROM price_changes").fetchone()[0] == 0


def test_a_member_cannot_apply_prices_or_markdowns(actions, db):
    actions.login("Léo")
    koke = product_id(db, "Kokedama")
    assert (
        actions.post(f"/prices/{koke}/apply", {"new_price": "1,00"}, htmx=False).status_code == 403
    )
    plantes = db.execute("SELECT id FROM categories WHERE name = 'Plantes'").fetchone()[0]
    assert (
        actions.post(
            "/prices/markdowns", {"category_id": plantes, "percent": "90"}, htmx=False
        ).status_code
        == 403
    )
    assert db.execute("SELECT price FROM products WHERE id = ?", [koke]).fetchone()[0] == 1250
    assert db.execute("SELECT count(*) FROM markdowns").fetchone()[0] == 0
    assert actions.client.get("/prices").status_code == 200  # reading is for everyone


# --- Markdowns ----------------------------------------------------------------------------


def test_a_category_markdown_lowers_every_price_until_removed(actions, db, client, auth):
    actions.login("Awa")
    plantes = db.execute("SELECT id FROM categories WHERE name = 'Plantes'").fetchone()[0]
    koke = product_id(db, "Kokedama")
    response = actions.post(
        "/prices/markdowns", {"category_id": plantes, "percent": "30", "starts_at": ""}, htmx=False
    )
    assert response.status_code == 302
    assert db.execute("SELECT category_id, percent, removed_at FROM markdowns").fetchone() == (
        plantes,
        3000,
        None,
    )
    assert tile_price(client, "Kokedama") == "8,75\u00a0€"
    assert tile_price(client, "Café") == "1,50\u00a0€"  # another category
    assert api_price(client, auth, "Kokedama") == "8.75"
    edit = client.get(f"/admin/products/{koke}").get_data(as_text=True)
    assert 'id="f-price" name="price" type="text" value="12,50"' in edit  # the base price

    actions.sell(koke, method="card")
    assert (
        db.execute("SELECT unit_price FROM sale_lines ORDER BY id DESC LIMIT 1").fetchone()[0]
        == 875
    )

    markdown = db.execute("SELECT id FROM markdowns").fetchone()[0]
    assert actions.post(f"/prices/markdowns/{markdown}/remove", htmx=False).status_code == 302
    assert db.execute("SELECT removed_at IS NOT NULL FROM markdowns").fetchone()[0] == 1
    assert tile_price(client, "Kokedama") == "12,50\u00a0€"
    assert api_price(client, auth, "Kokedama") == "12.50"
    actions.sell(koke, method="card")
    assert (
        db.execute("SELECT unit_price FROM sale_lines ORDER BY id DESC LIMIT 1").fetchone()[0]
        == 1250
    )


def test_a_planned_markdown_waits_for_its_time(actions, db, client, till_clock):
    plantes = db.execute("SELECT id FROM categories WHERE name = 'Plantes'").fetchone()[0]
    later = (clock.now() + timedelta(hours=2)).isoformat(timespec="microseconds")
    add_markdown(db, plantes, 3000, later, member_id=None)
    actions.login("Awa")
    assert tile_price(client, "Kokedama") == "12,50\u00a0€"
    page = client.get("/prices").get_data(as_text=True)
    assert 'data-state="planned"' in page
    till_clock(3 * 3600)
    assert tile_price(client, "Kokedama") == "8,75\u00a0€"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"percent": "30"}, "category_id"),
        ({"percent": "0"}, "percent"),
        ({"percent": "120"}, "percent"),
        ({"percent": "30", "starts_at": "dimanche"}, "starts_at"),
    ],
)
def test_a_wrong_markdown_is_refused_beside_its_field(actions, db, form, field):
    actions.login("Awa")
    plantes = db.execute("SELECT id FROM categories WHERE name = 'Plantes'").fetchone()[0]
    data = {"category_id": "" if field == "category_id" else plantes, **form}
    response = actions.post("/prices/markdowns", data, htmx=False)
    assert response.status_code == 422
    assert 'class="field invalid"' in response.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM markdowns").fetchone()[0] == 0


def test_a_local_start_time_is_stored_in_utc():
    assert rules.parse_start("2025-06-01T14:00").startswith("2025-06-01T12:00:00")
