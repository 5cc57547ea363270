"""The catalogue: product forms validated on the server, errors in French beside each field."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.catalogue import (
    DARK_INK,
    LIGHT_INK,
    _luminance,
    check_category,
    check_product,
    contrast,
    tile_ink,
)

RATES = [550, 1000, 2000, 0]
GOOD = {
    "name": "Kokedama géant",
    "price": "24,50",
    "vat_rate": "20",
    "unit_cost": "8",
    "track_stock": "1",
    "stock": "10",
}


def check(**changes):
    return check_product(
        {**GOOD, **changes}, vat_rates=RATES, taken_names={"Cookie"}, categories={1}
    )


def test_a_good_product_is_cleaned_to_cents_and_basis_points():
    out = check()
    assert out.errors == {}
    assert out.values["price"] == 2450 and out.values["vat_rate"] == 2000
    assert out.values["unit_cost"] == 800


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Donnez un nom"),
        ("name", "cookie", "déjà"),
        ("price", "abc", "prix positif"),
        ("price", "-3", "prix positif"),
        ("price", "", "prix positif"),
        ("vat_rate", "7", "taux"),
        ("vat_rate", "x", "taux"),
        ("unit_cost", "-1", "coût"),
        ("category_id", "99", "catégorie"),
    ],
)
def test_bad_values_get_a_french_message_on_their_field(field, value, message):
    out = check(**{field: value})
    assert message in out.errors[field]


def test_price_accepts_comma_and_point():
    assert check(price="12.50").values["price"] == check(price="12,50").values["price"] == 1250


def test_category_names():
    assert check_category("", set()) and check_category("plantes", {"Plantes"})
    assert check_category("Boissons", {"Plantes"}) is None


def test_admin_creates_a_product_after_fixing_the_price(actions, client, db):
    actions.login("Awa")
    bad = actions.post("/admin/products/new", {**GOOD, "price": "abc"}, htmx=False)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Indiquez un prix positif, par exemple 12,50." in html
    assert 'value="Kokedama géant"' in html and 'value="abc"' in html
    assert (
        db.execute("SELECT count(*) FROM products WHERE name='Kokedama géant'").fetchone()[0] == 0
    )
    ok = actions.post("/admin/products/new", GOOD, htmx=False)
    assert ok.status_code == 302
    row = db.execute(
        "SELECT price, vat_rate, stock FROM products WHERE name='Kokedama géant'"
    ).fetchone()
    assert row == (2450, 2000, 10)
    ledger = db.execute(
        "SELECT kind, quantity FROM stock_movements WHERE product_id = "
        "(SELECT id FROM products WHERE name='Kokedama géant')"
    ).fetchall()
    assert ledger == [("initial", 10)]
    assert "24,50" in client.get("/admin/catalogue").get_data(as_text=True)


def test_editing_keeps_other_products_and_refuses_duplicates(actions, db):
    actions.login("Awa")
    koke = db.execute("SELECT id FROM products WHERE name='Kokedama'").fetchone()[0]
    dup = actions.post(f"/admin/products/{koke}", {**GOOD, "name": "Cookie"}, htmx=False)
    assert dup.status_code == 422 and "déjà" in dup.get_data(as_text=True)
    actions.post(f"/admin/products/{koke}", {**GOOD, "name": "Kokedama", "price": "13"}, htmx=False)
    assert db.execute("SELECT price FROM products WHERE id=?", [koke]).fetchone()[0] == 1300


def test_archive_and_stock_correction(actions, client, db):
    actions.login("Awa")
    koke = db.execute("SELECT id FROM products WHERE name='Kokedama'").fetchone()[0]
    actions.post(f"/admin/products/{koke}/active", {"active": "0"}, htmx=False)
    assert db.execute("SELECT active FROM products WHERE id=?", [koke]).fetchone()[0] == 0
    assert "Kokedama" not in client.get("/sell").get_data(as_text=True)
    actions.post(
        f"/admin/products/{koke}/stock", {"counted": "15", "reason": "inventaire"}, htmx=False
    )
    assert db.execute("SELECT stock FROM products WHERE id=?", [koke]).fetchone()[0] == 15
    assert db.execute(
        "SELECT quantity, reason FROM stock_movements WHERE kind='correction'"
    ).fetchone() == (-5, "inventaire")


def test_settings_form_validates(actions, db):
    actions.login("Awa")
    bad = actions.post(
        "/admin/settings",
        {"brand": "", "legal_name": "CAE", "siret": "123", "idle_minutes": "0"},
        htmx=False,
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "SIRET" in html and "marque" in html
    ok = actions.post(
        "/admin/settings",
        {
            "brand": "Kokés",
            "legal_name": "CAE",
            "siret": "90000000100017",
            "idle_minutes": "20",
            "vat_franchise": "1",
            "sales_goal": "1500",
        },
        htmx=False,
    )
    assert ok.status_code == 302
    settings = dict(db.execute("SELECT key, value FROM settings").fetchall())
    assert settings["brand"] == "Kokés" and settings["vat_franchise"] == "1"
    assert settings["sales_goal"] == "150000"


def test_an_admin_refused_for_stock_gets_a_link_to_correct_it(actions, db):
    actions.login("Awa")
    pot = db.execute("SELECT id FROM products WHERE name='Dernier pot'").fetchone()[0]
    actions.post(f"/sell/cart/add/{pot}")
    refused = actions.post(f"/sell/cart/add/{pot}")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "il n&#39;en reste que 1" in html
    assert f'href="/admin/products/{pot}"' in html and "Corriger le stock" in html


def test_a_member_refused_for_stock_gets_no_admin_link(actions, db):
    actions.login("Léo")
    pot = db.execute("SELECT id FROM products WHERE name='Dernier pot'").fetchone()[0]
    actions.post(f"/sell/cart/add/{pot}")
    html = actions.post(f"/sell/cart/add/{pot}").get_data(as_text=True)
    assert "il n&#39;en reste que 1" in html and "Corriger le stock" not in html


def test_a_tile_photo_is_reduced_and_shown(actions, client, db, db_path):
    import io

    from PIL import Image

    big = io.BytesIO()
    Image.new("RGB", (3000, 2000), "green").save(big, "PNG")
    actions.login("Awa")
    koke = db.execute("SELECT id FROM products WHERE name='Kokedama'").fetchone()[0]
    form = {**GOOD, "name": "Kokedama", "photo": (io.BytesIO(big.getvalue()), "koke.png")}
    response = client.post(
        f"/admin/products/{koke}",
        data=form,
        headers={"X-CSRFToken": actions.token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    name = db.execute("SELECT photo FROM products WHERE id=?", [koke]).fetchone()[0]
    stored = db_path.with_name(db_path.name + ".files") / name
    with Image.open(stored) as image:
        assert max(image.size) == 480
    assert f"/admin/products/{koke}/photo" in client.get("/sell").get_data(as_text=True)
    with client.get(f"/admin/products/{koke}/photo") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    bad = client.post(
        f"/admin/products/{koke}",
        headers={"X-CSRFToken": actions.token},
        data={**GOOD, "name": "Kokedama", "photo": (io.BytesIO(b"nope"), "x.png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "photo lisible" in bad.get_data(as_text=True)


def test_fec_account_numbers_are_settings(actions, db):
    actions.login("Awa")
    base = {"brand": "Kokés", "legal_name": "CAE", "siret": "90000000100017"}
    bad = actions.post("/admin/settings", {**base, "account_card": "carte"}, htmx=False)
    assert bad.status_code == 422 and "numéro de compte" in bad.get_data(as_text=True)
    ok = actions.post("/admin/settings", {**base, "account_card": "511 500"}, htmx=False)
    assert ok.status_code == 302
    assert (
        db.execute("SELECT value FROM settings WHERE key='account_card'").fetchone()[0] == "511500"
    )


# --- Tile text colour (read in daylight) ----------------------------------------------------


@pytest.mark.parametrize(
    ("colour", "ink"),
    [
        ("#ffffff", DARK_INK),
        ("#000000", LIGHT_INK),
        ("#2e7d32", LIGHT_INK),  # the default green: 5.1:1 in white, 4.1:1 in black
        ("#f9a825", DARK_INK),  # a yellow: white on it would be 1.9:1
        ("#a1887f", DARK_INK),  # a pale brown
        ("not a colour", LIGHT_INK),
    ],
)
def test_a_tile_gets_the_ink_that_reads_best_on_it(colour, ink):
    assert tile_ink(colour) == ink


def test_contrast_is_wcags_ratio():
    assert round(contrast(_luminance("#ffffff"), _luminance("#000000")), 2) == 21.0
    assert round(contrast(_luminance("#777777"), _luminance("#ffffff")), 2) == 4.48


@given(st.integers(0, 0xFFFFFF))
def test_any_tile_colour_gets_text_of_at_least_4_5_to_1(value):
    colour = f"#{value:06x}"
    assert contrast(_luminance(tile_ink(colour)), _luminance(colour)) >= 4.5


def test_the_tile_stylesheet_gives_each_tile_its_colour_and_ink(actions, db):
    actions.login("Léo")
    db.execute("UPDATE products SET color = '#f9a825' WHERE name = 'Cookie'")
    cookie = db.execute("SELECT id FROM products WHERE name = 'Cookie'").fetchone()[0]

    css = actions.client.get("/sell/tiles.css").get_data(as_text=True)

    rule = re.search(rf"\.c-{cookie}\{{([^}}]*)\}}", css).group(1)
    assert rule == "background:#f9a825;color:#000000;text-shadow:none"


@pytest.mark.parametrize(
    ("name", "letters"),
    [("Dernier pot", "DP"), ("Kokedama", "Ko"), ("café", "Ca"), ("pain d’épices", "PD"), ("", "?")],
)
def test_a_tile_falls_back_to_the_products_initials(name, letters):
    from pos.catalogue import initials

    assert initials(name) == letters
