"""A member's advance or repayment during an open till day: members see it at once, marked
provisional, and nobody is paid back twice; the accountant's files wait for the Z."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.test_books import close, export

EXPENSE = {
    "supplier": "Jardinerie",
    "spent_on": date.today().isoformat(),
    "total": "24,90",
    "vat_rate": "20",
    "category": "materials",
    "paid_from": "member",
    "payer_id": "2",
    "label": "mousse",
}


def leo_row(client) -> str:
    html = client.get("/accounts").get_data(as_text=True)
    return html.split('data-member="Léo"', 1)[1].split("</tr>", 1)[0]


def repay(actions, amount, paid_from="till"):
    form = {"member_id": "2", "amount": amount, "paid_from": paid_from}
    return actions.post("/accounts/repayments", form, htmx=False)


def test_an_advance_of_the_open_day_shows_at_once_as_provisional(actions, client, db, tmp_path):
    actions.login("Awa")
    assert actions.post("/stock/expenses", EXPENSE, htmx=False).status_code == 302
    row = leo_row(client)
    assert "24,90" in row and "journée en cours" in row
    files = export(Path(actions.db_path), tmp_path / "open")
    assert files["member-advances.csv"] == []  # the accountant's file: closed days only
    close(db)
    row = leo_row(client)
    assert "24,90" in row and "journée en cours" not in row
    [advance] = export(Path(actions.db_path), tmp_path / "closed")["member-advances.csv"]
    assert advance["advanced"] == "24.90" and advance["owed"] == "24.90"


def test_a_repayment_from_the_till_counts_at_once_so_nobody_is_paid_twice(actions, client, db):
    actions.login("Awa")
    actions.post("/stock/expenses", EXPENSE, htmx=False)
    close(db)
    from pos.db import till as store
    from tests.conftest import FLOAT

    store.open_day(db, {"id": 1, "name": "Awa"}, {**FLOAT, 2000: 4})
    assert repay(actions, "24,90").status_code == 302
    again = repay(actions, "24,90")
    assert again.status_code == 422  # already paid back today, from the drawer
    assert db.execute("SELECT count(*) FROM repayments").fetchone()[0] == 1
    row = leo_row(client)
    assert "journée en cours" in row
    owed = row.split("<strong>", 1)[1].split("</strong>", 1)[0]
    assert owed.startswith("0,00")
