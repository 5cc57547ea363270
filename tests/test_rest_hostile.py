"""The rest of issue #15, item 11: next, inventory, CSV cells, full disk, damaged files."""

from __future__ import annotations

import pytest

from pos.cli import main
from tests.conftest import product_id
from tests.serving import free_port, serve_command


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


def damage(path) -> None:
    """Garbage over the middle of the file, its header intact (a bad sector, a cut USB key)."""
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(len(data) // 2 // page * page, len(data) - page, page * 2):
        data[start + 100 : start + 2000] = b"\xde\xad" * 950
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "command",
    [
        ["verify"],
        ["export", "--out", "OUT"],
        ["member", "list"],
        ["token", "list"],
        ["backup", "--to", "OUT"],
        ["archive", "create", "--out", "OUT"],
        ["printer", "test", "--printer", "preview://"],
    ],
)
def test_a_damaged_database_gives_one_error_line(runner, db_path, tmp_path, command):
    damage(db_path)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    result = runner.invoke(main, [*args, "--db", str(db_path)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith(("Erreur", "ÉCHEC")), result.output


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"\x00" * 5000])
def test_a_damaged_archive_gives_one_error_line(runner, tmp_path, content):
    archive = tmp_path / "etal-archive.zip"
    archive.write_bytes(content)
    result = runner.invoke(main, ["archive", "verify", str(archive)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith(("Erreur", "ÉCHEC"))


def test_pos_serve_refuses_a_database_failing_quick_check(db_path):
    import sqlite3
    import subprocess

    raw = sqlite3.connect(db_path)  # the products' page only: the file still opens
    page = raw.execute("SELECT pageno FROM dbstat WHERE name = 'products'").fetchone()[0]
    size = raw.execute("PRAGMA page_size").fetchone()[0]
    raw.close()
    data = bytearray(db_path.read_bytes())
    data[(page - 1) * size + 8 : page * size - 8] = b"\xde\xad" * ((size - 16) // 2)
    db_path.write_bytes(bytes(data))
    done = subprocess.run(
        serve_command(db_path, free_port()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Erreur") and "endommagée" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr + done.stdout


def test_a_full_disk_refuses_the_sale_cleanly(actions, app, db):
    from pos import db as database

    actions.login("Léo")
    limited = database.connect(app.config["DATABASE"])
    pages = limited.execute("PRAGMA page_count").fetchone()[0]
    limited.execute(f"PRAGMA max_page_count = {pages}")  # the disk holds not one page more
    pool = app.extensions.setdefault("etal_idle_connections", [])
    answer = None
    for _ in range(60):  # sales fill the pages left, then the disk is full
        if limited not in pool:
            pool.append(limited)
        answer = actions.sell(product_id(db, "Cookie"))
        if answer.status_code != 200:
            break
    assert answer.status_code == 507, answer.get_data(as_text=True)
    assert "Le disque est plein : libérez de la place" in answer.get_data(as_text=True)
    sold = db.execute("SELECT count(*) FROM sales").fetchone()[0]
    lines = db.execute("SELECT count(DISTINCT sale_id) FROM sale_lines").fetchone()[0]
    assert sold == lines  # no half sale
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
