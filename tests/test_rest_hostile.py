"""The rest of issue #15, item 11: next, inventory, CSV cells, full disk, damaged files."""

from __future__ import annotations

import pytest

from pos.cli import main
from tests.conftest import product_id


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil", "\\\\x"])
def test_the_stock_correction_never_redirects_elsewhere(actions, db, target):
    actions.login("Awa")
    koke = product_id(db, "Kokedama")
    answer = actions.post(
        f"/admin/products/{koke}/stock", {"counted": "19", "next": target}, htmx=False
    )
    assert answer.status_code == 302 and answer.location == "/admin/catalogue"
    ok = actions.post(
        f"/admin/products/{koke}/stock", {"counted": "18", "next": "/stock"}, htmx=False
    )
    assert ok.location == "/stock"


def test_the_inventory_is_admin_only_like_the_correction(actions, client, db):
    actions.login("Léo")
    koke = product_id(db, "Kokedama")
    assert client.get("/stock/inventory").status_code == 403
    refused = actions.post("/stock/inventory", {f"count_{koke}": "0", "reason": "x"}, htmx=False)
    assert refused.status_code == 403
    assert actions.post(f"/admin/products/{koke}/stock", {"counted": "0"}).status_code == 403
    assert (
        db.execute("SELECT count(*) FROM stock_movements WHERE kind = 'correction'").fetchone()[0]
        == 0
    )
    assert "Inventaire" not in client.get("/stock").get_data(as_text=True)


def test_formulas_typed_by_members_are_neutralised_in_the_plain_export(
    actions, db, runner, db_path, tmp_path
):
    actions.login("Léo")
    actions.post(
        "/stock/expenses",
        {
            "supplier": '=HYPERLINK("http://evil")',
            "spent_on": "2026-06-02",
            "total": "10,00",
            "vat_rate": "20",
            "category": "materials",
            "paid_from": "bank",
            "label": "@SUM(1)",
        },
        htmx=False,
    )
    result = runner.invoke(
        main, ["export", "--db", str(db_path), "--out", str(tmp_path), "--dialect", "plain"]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "expenses.csv").read_text()
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text
    assert ",=HYPERLINK" not in text and '"=HYPERLINK' not in text
