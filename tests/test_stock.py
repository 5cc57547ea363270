"""Stock: batches, expenses (till, photo), losses and gifts, inventory, and the ledger's sums."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pos import db as database
from pos import stock as rules
from pos.cart import Item, Payment, price_cart
from pos.db import coop, till
from pos.db import stock as store
from pos.db.catalogue import get_product, stock_from_ledger
from pos.db.sales import record_refund, record_sale, record_void
from pos.web.app import create_app
from tests.conftest import FLOAT, Actions, copy_seeded, product_id


def stock_of(db, name: str) -> int:
    return db.execute("SELECT stock FROM products WHERE name = ?", [name]).fetchone()[0]


def screen_figures(html: str, name: str) -> dict[str, int]:
    """The figures of one product's row on the stock screen."""
    row = re.search(rf'<tr [^>]*data-product="{re.escape(name)}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'data-col="(\w+)">\s*(?:<strong>)?([+\u2212-]?\d+)', row)
    return {col: int(value.replace("\u2212", "-")) for col, value in cells}


# --- Batches ------------------------------------------------------------------------------


def test_a_batch_raises_the_stock_and_gives_its_unit_cost(actions, db):
    actions.login("Léo")
    koke = product_id(db, "Kokedama")
    response = actions.post(
        "/stock/batches",
        {
            "product_id": koke,
            "quantity": "40",
            "made_on": "2025-06-02",
            "materials": "terreau, mousse, fougères",
            "materials_cost": "36,00",
            "update_cost": "1",
        },
        htmx=False,
    )
    assert response.status_code == 302
    batch = dict(next(db.query("SELECT * FROM batches")))
    assert (batch["quantity"], batch["materials_cost"], batch["unit_cost"]) == (40, 3600, 90)
    assert batch["made_on"] == "2025-06-02"
    assert stock_of(db, "Kokedama") == 60
    assert db.execute("SELECT unit_cost FROM products WHERE id = ?", [koke]).fetchone()[0] == 90
    move = db.execute(
        "SELECT kind, quantity, reason FROM stock_movements ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert move == ("production", 40, f"lot n° {batch['id']}")
    assert stock_from_ledger(db)[koke] == 60


def test_a_batch_can_leave_the_products_cost_alone(actions, db):
    actions.login("Léo")
    cookie = product_id(db, "Cookie")
    actions.post(
        "/stock/batches",
        {"product_id": cookie, "quantity": "3", "materials_cost": "1,00"},
        htmx=False,
    )
    assert db.execute("SELECT unit_cost FROM batches").fetchone()[0] == 33  # 1,00 / 3 rounded
    assert db.execute("SELECT unit_cost FROM products WHERE id = ?", [cookie]).fetchone()[0] == 60


def test_the_batch_unit_cost_shows_while_typing(actions, db):
    actions.login("Léo")
    html = actions.client.get(
        "/stock/batches/unit-cost?quantity=40&materials_cost=36", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'id="unit-cost"' in html and "0,90\u00a0€" in html and "<html" not in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("product_id", "999", "Choisissez un produit"),
        ("quantity", "0", "nombre entier d'unités"),
        ("quantity", "douze", "nombre entier d'unités"),
        ("made_on", "31/02/2025", "Indiquez une date"),
        ("materials_cost", "-3", "coût des matières"),
    ],
)
def test_a_wrong_batch_is_refused_in_french_beside_its_field(actions, db, field, value, message):
    actions.login("Léo")
    form = {
        "product_id": product_id(db, "Kokedama"),
        "quantity": "10",
        "materials_cost": "5",
        field: value,
    }
    response = actions.post("/stock/batches", form, htmx=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="field-error" id="e-{field}">([^<]*)</p>', html).group(1)
    assert message in error.replace("&#39;", "'")
    assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    assert stock_of(db, "Kokedama") == 20


# --- Expenses -----------------------------------------------------------------------------

EXPENSE = {
    "supplier": "Jardinerie du port",
    "spent_on": "2025-06-02",
    "total": "24,90",
    "vat_rate": "20",
    "category": "materials",
    "paid_from": "till",
    "label": "terreau",
}


def expected_cash(db) -> int:
    return till.day_status(db, till.current_day(db))["expected_cash"]


def test_an_expense_paid_from_the_till_lowers_the_expected_cash(actions, db):
    actions.login("Léo")
    before = expected_cash(db)
    response = actions.post("/stock/expenses", EXPENSE, htmx=False)
    assert response.status_code == 302
    expense = dict(next(db.query("SELECT * FROM expenses")))
    assert (expense["total"], expense["vat_rate"], expense["category"]) == (2490, 2000, "materials")
    movement = dict(
        next(db.query("SELECT * FROM cash_movements WHERE id = ?", [expense["cash_movement_id"]]))
    )
    assert movement["amount"] == -2490 and "Jardinerie du port" in movement["reason"]
    assert expected_cash(db) == before - 2490
    page = actions.client.get("/stock/expenses").get_data(as_text=True)
    assert "Matières et fournitures" in page and "20,75\u00a0€" in page  # HT of 24,90 at 20 %


def test_an_expense_paid_by_the_bank_leaves_the_drawer_alone(actions, db):
    actions.login("Léo")
    before = expected_cash(db)
    actions.post(
        "/stock/expenses", {**EXPENSE, "paid_from": "bank", "category": "stall_fee"}, htmx=False
    )
    assert db.execute("SELECT cash_movement_id, paid_from FROM expenses").fetchone() == (
        None,
        "bank",
    )
    assert expected_cash(db) == before


def test_an_expense_from_a_closed_till_is_refused_clearly(actions, db):
    actions.login("Léo")
    awa = dict(next(db.query("SELECT * FROM members WHERE name = 'Awa'")))
    till.close_day(db, awa, FLOAT, "", 200)
    response = actions.post("/stock/expenses", EXPENSE, htmx=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "La caisse est fermée" in re.search(r'id="e-paid_from"[^>]*>([^<]*)<', html).group(1)
    assert 'value="Jardinerie du port"' in html  # what was typed is kept
    assert db.execute("SELECT count(*) FROM expenses").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM cash_movements").fetchone()[0] == 0
    by_bank = actions.post("/stock/expenses", {**EXPENSE, "paid_from": "bank"}, htmx=False)
    assert by_bank.status_code == 302
    assert db.execute("SELECT paid_from FROM expenses").fetchone()[0] == "bank"


def test_an_expense_larger_than_the_drawer_is_refused(actions, db):
    actions.login("Léo")
    response = actions.post("/stock/expenses", {**EXPENSE, "total": "900,00"}, htmx=False)
    assert response.status_code == 422
    assert "pas assez d&#39;espèces" in response.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM expenses").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("supplier", " ", "Indiquez le fournisseur"),
        ("total", "0", "montant TTC"),
        ("total", "vingt", "montant TTC"),
        ("vat_rate", "7", "taux de TVA"),
        ("category", "food", "catégorie de dépense"),
        ("paid_from", "", "qui a payé"),
        ("spent_on", "hier", "Indiquez une date"),
    ],
)
def test_a_wrong_expense_gets_a_french_message(actions, db, field, value, message):
    actions.login("Léo")
    response = actions.post("/stock/expenses", {**EXPENSE, field: value}, htmx=False)
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422
    assert message in re.search(rf'id="e-{field}"[^>]*>([^<]*)<', html).group(1)
    assert db.execute("SELECT count(*) FROM expenses").fetchone()[0] == 0


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG", quality=70)
    return out.getvalue()


def test_a_receipt_photo_is_reduced_kept_beside_the_db_and_shown_to_members(actions, db, db_path):
    actions.login("Léo")
    data = {**EXPENSE, "photo": (io.BytesIO(jpeg(4000, 3000)), "ticket.jpg")}
    response = actions.client.post(
        "/stock/expenses",
        data=data,
        headers={"X-CSRFToken": actions.token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    name = db.execute("SELECT photo FROM expenses").fetchone()[0]
    stored = db_path.with_name(db_path.name + ".files") / name
    with Image.open(stored) as image:
        assert max(image.size) <= 1600 and image.size == (1600, 1200)
        assert image.format == "JPEG"
    expense_id = db.execute("SELECT id FROM expenses").fetchone()[0]
    with actions.client.get(f"/stock/expenses/{expense_id}/photo") as shown:
        assert shown.status_code == 200 and shown.data == stored.read_bytes()
        assert shown.mimetype == "image/jpeg"
    actions.client.post("/logout", headers={"X-CSRFToken": actions.token})
    assert actions.client.get(f"/stock/expenses/{expense_id}/photo").status_code == 302


def test_a_file_that_is_not_a_photo_is_refused(actions, db):
    actions.login("Léo")
    data = {**EXPENSE, "photo": (io.BytesIO(b"not a picture"), "ticket.jpg")}
    response = actions.client.post(
        "/stock/expenses",
        data=data,
        headers={"X-CSRFToken": actions.token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "photo lisible" in response.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM expenses").fetchone()[0] == 0


def test_reduce_photo_keeps_small_photos_small():
    with Image.open(io.BytesIO(rules.reduce_photo(jpeg(800, 600)))) as image:
        assert image.size == (800, 600)
    with pytest.raises(rules.InvalidPhoto):
        rules.reduce_photo(b"\x00" * 10)


# --- Losses, gifts, inventory, ledger -----------------------------------------------------


def test_losses_and_gifts_leave_the_stock_with_their_reason(actions, db):
    actions.login("Léo")
    koke = product_id(db, "Kokedama")
    assert (
        actions.post(
            "/stock/write-offs",
            {"product_id": koke, "kind": "loss", "quantity": "2", "reason": "pots cassés"},
            htmx=False,
        ).status_code
        == 302
    )
    assert (
        actions.post(
            "/stock/write-offs",
            {"product_id": koke, "kind": "gift", "quantity": "1", "reason": "dégustation"},
            htmx=False,
        ).status_code
        == 302
    )
    moves = db.execute(
        "SELECT kind, quantity, reason FROM stock_movements WHERE product_id = ?"
        " AND kind IN ('loss', 'gift') ORDER BY id",
        [koke],
    ).fetchall()
    assert moves == [("loss", -2, "pots cassés"), ("gift", -1, "dégustation")]
    assert stock_of(db, "Kokedama") == 17
    ledger = actions.client.get(f"/stock/{koke}").get_data(as_text=True)
    assert "pots cassés" in ledger and "Don / dégustation" in ledger and ">\u22122<" in ledger


def test_a_loss_needs_a_reason_and_cannot_exceed_the_stock(actions, db):
    actions.login("Léo")
    pot = product_id(db, "Dernier pot")
    no_reason = actions.post(
        "/stock/write-offs",
        {"product_id": pot, "kind": "loss", "quantity": "1", "reason": ""},
        htmx=False,
    )
    assert no_reason.status_code == 422 and "Indiquez la raison" in no_reason.get_data(as_text=True)
    too_many = actions.post(
        "/stock/write-offs",
        {"product_id": pot, "kind": "loss", "quantity": "3", "reason": "casse"},
        htmx=False,
    )
    assert too_many.status_code == 422 and "Il n&#39;en reste que 1" in too_many.get_data(
        as_text=True
    )
    assert stock_of(db, "Dernier pot") == 1


def test_inventory_records_each_difference_as_a_correction(actions, db):
    actions.login("Awa")
    koke, cookie, pot = (product_id(db, n) for n in ("Kokedama", "Cookie", "Dernier pot"))
    response = actions.post(
        "/stock/inventory",
        {
            f"count_{koke}": "18",
            f"count_{cookie}": "100",
            f"count_{pot}": "",
            "reason": "inventaire du soir",
        },
        htmx=False,
    )
    assert response.status_code == 302
    moves = db.execute(
        "SELECT product_id, quantity, reason FROM stock_movements WHERE kind = 'correction'"
    ).fetchall()
    assert moves == [(koke, -2, "inventaire du soir")]
    assert (stock_of(db, "Kokedama"), stock_of(db, "Cookie"), stock_of(db, "Dernier pot")) == (
        18,
        100,
        1,
    )


def test_an_inventory_with_differences_needs_a_reason(actions, db):
    actions.login("Awa")
    koke = product_id(db, "Kokedama")
    response = actions.post("/stock/inventory", {f"count_{koke}": "25", "reason": ""}, htmx=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Expliquez les écarts" in html
    assert 'value="25"' in html
    bad = actions.post("/stock/inventory", {f"count_{koke}": "-1", "reason": "x"}, htmx=False)
    assert bad.status_code == 422 and "nombre entier" in bad.get_data(as_text=True)
    assert (
        db.execute("SELECT count(*) FROM stock_movements WHERE kind = 'correction'").fetchone()[0]
        == 0
    )


def test_the_stock_screen_warns_below_the_threshold(actions, db):
    actions.login("Léo")
    html = actions.client.get("/stock").get_data(as_text=True)
    pot_row = re.search(r'<tr class="([^"]*)" data-product="Dernier pot">', html).group(1)
    koke_row = re.search(r'<tr class="([^"]*)" data-product="Kokedama">', html).group(1)
    assert "low" in pot_row and "low" not in koke_row
    assert "Café" not in html  # not tracked
    assert screen_figures(html, "Cookie")["left"] == 100


# --- The ledger adds up, everywhere it is shown --------------------------------------------

PRODUCTS = ("Kokedama", "Cookie", "Dernier pot")
ops = st.lists(
    st.tuples(
        st.sampled_from(("batch", "sale", "void", "refund", "loss", "gift", "count")),
        st.sampled_from(PRODUCTS),
        st.integers(min_value=1, max_value=6),
    ),
    max_size=14,
)


class Model:
    """What members did, summed independently of the ledger."""

    def __init__(self, db):
        self.figures = {
            n: dict.fromkeys(("produced", "sold", "refunded", "voided", "lost", "corrected"), 0)
            for n in PRODUCTS
        }
        for name in PRODUCTS:
            self.figures[name]["produced"] = stock_of(db, name)
        self.sales: list[dict] = []  # number, name, quantity, refunded, voided

    def left(self, name: str) -> int:
        f = self.figures[name]
        return f["produced"] - f["sold"] + f["refunded"] + f["voided"] - f["lost"] + f["corrected"]


def apply(db, model: Model, op: str, name: str, q: int, leo: dict) -> None:
    pid, f = product_id(db, name), model.figures[name]
    if op == "batch":
        store.record_batch(
            db,
            {
                "product_id": pid,
                "quantity": q,
                "made_on": "2025-06-02",
                "materials": "",
                "materials_cost": 100 * q,
            },
            member_id=leo["id"],
        )
        f["produced"] += q
    elif op == "sale" and model.left(name) >= q:
        p = get_product(db, pid)
        cart = price_cart([Item(pid, name, p["price"], p["vat_rate"], q)])
        number, _ = record_sale(db, cart, [Payment("card", cart.total)], member=leo)
        model.sales.append({"number": number, "name": name, "q": q, "refunded": 0, "voided": False})
        f["sold"] += q
    elif op == "void" and model.sales:
        last = model.sales[-1]
        if not last["voided"] and not last["refunded"]:
            record_void(db, last["number"], member=leo, undo_minutes=5)
            last["voided"] = True
            model.figures[last["name"]]["voided"] += last["q"]
    elif op == "refund":
        open_sales = [s for s in model.sales if not s["voided"] and s["q"] > s["refunded"]]
        if open_sales:
            sale = open_sales[q % len(open_sales)]
            take = min(q, sale["q"] - sale["refunded"])
            record_refund(
                db, sale["number"], [(product_id(db, sale["name"]), take)], "card", member=leo
            )
            sale["refunded"] += take
            model.figures[sale["name"]]["refunded"] += take
    elif op in ("loss", "gift") and model.left(name) >= q:
        store.record_write_off(db, pid, op, q, "casse", member_id=leo["id"])
        f["lost"] += q
    elif op == "count":
        counted = max(0, model.left(name) + (q - 3))
        store.record_inventory(db, {pid: counted}, "inventaire", member_id=leo["id"])
        f["corrected"] += counted - model.left(name)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=ops)
def test_produced_minus_sold_plus_returns_minus_losses_plus_corrections_is_the_stock(seeded, steps):
    with tempfile.TemporaryDirectory() as tmp:
        path = copy_seeded(seeded, "open", Path(tmp) / "coop.db")
        db = database.connect(path)
        leo = dict(next(db.query("SELECT * FROM members WHERE name = 'Léo'")))
        model = Model(db)
        for op, name, q in steps:
            apply(db, model, op, name, q, leo)
        token = coop.insert_token(db, "prop")
        app = create_app(path, TESTING=True)
        client = app.test_client()
        Actions(client, path).login("Léo")
        screen = client.get("/stock").get_data(as_text=True)
        api = {
            row["name"]: row["quantity"]
            for row in client.get(
                "/api/v1/stock", headers={"Authorization": f"Bearer {token}"}
            ).get_json()["stock"]
        }
        levels = {row["name"]: row for row in store.stock_levels(db)}
        ledger_sums = stock_from_ledger(db)
        for name in PRODUCTS:
            expected = model.left(name)
            shown = screen_figures(screen, name)
            assert stock_of(db, name) == expected
            assert ledger_sums[product_id(db, name)] == expected
            assert levels[name]["figures"].left == expected
            assert api[name] == expected
            assert shown == {**model.figures[name], "left": expected}
        db.close()


def test_a_cart_takes_each_products_stock_once_with_one_movement_a_line(db, db_path):
    names = ("Kokedama", "Dernier pot", "Café")
    before = {n: stock_of(db, n) for n in names}
    items = [
        Item(product_id(db, n), n, p["price"], p["vat_rate"], q)
        for n, q in (("Kokedama", 2), ("Dernier pot", 1), ("Kokedama", 3), ("Café", 4))
        for p in [get_product(db, product_id(db, n))]
    ]
    cart = price_cart(items)
    conn = database.connect(db_path)
    number, _ = record_sale(conn, cart, [Payment("card", cart.total)], member=None)
    after = {n: stock_of(db, n) for n in names}
    assert after == {"Kokedama": before["Kokedama"] - 5, "Dernier pot": 0, "Café": before["Café"]}
    moves = db.execute(
        "SELECT product_id, quantity FROM stock_movements WHERE sale_id ="
        " (SELECT id FROM sales WHERE number = ?) ORDER BY id",
        [number],
    ).fetchall()
    kokedama, pot = product_id(db, "Kokedama"), product_id(db, "Dernier pot")
    assert moves == [(kokedama, -2), (pot, -1), (kokedama, -3)]


def test_the_guarded_decrement_refuses_more_than_is_left_and_writes_nothing(db, db_path):
    from pos.db.sales import _take_stock

    conn = database.connect(db_path)
    pot, kokedama = product_id(db, "Dernier pot"), product_id(db, "Kokedama")
    lines = [{"product_id": kokedama, "quantity": 1}, {"product_id": pot, "quantity": 2}]
    conn.execute("BEGIN IMMEDIATE")
    with pytest.raises(RuntimeError, match="changed during a sale"):
        _take_stock(conn, lines, {pot, kokedama}, 1, None, "2026-12-02T08:00:00+00:00")
    conn.execute("ROLLBACK")
    assert stock_of(db, "Dernier pot") == 1
