"""The `pos` command line: init, demo, members, tokens, clear errors."""

import sqlite3

import pytest

from pos import db as database
from pos.cli import main
from pos.db import coop

INIT = [
    "--brand",
    "Les Kokés",
    "--legal-name",
    "CAE Ouest",
    "--address",
    "1 rue X, Rennes",
    "--siret",
    "90000000100017",
    "--vat-number",
    "FR00900000000",
    "--admin",
    "Awa",
    "--pin",
    "1234",
]


def test_help_lists_every_command(runner):
    out = runner.invoke(main, ["--help"]).output
    for command in ("init", "demo", "serve", "member", "token", "verify"):
        assert command in out
    for sub in (["member", "add", "--help"], ["token", "create", "--help"], ["serve", "--help"]):
        result = runner.invoke(main, sub)
        assert result.exit_code == 0 and "--db" in result.output


def test_init_creates_a_coop_and_refuses_to_overwrite(runner, tmp_path):
    path = tmp_path / "coop.db"
    result = runner.invoke(main, ["init", "--db", str(path), *INIT])
    assert result.exit_code == 0, result.output
    db = database.open_existing(path)
    assert coop.load_settings(db)["brand"] == "Les Kokés"
    assert [(m["name"], m["role"]) for m in coop.list_members(db)] == [("Awa", "admin")]
    assert coop.list_members(db)[0]["pin_hash"] != "1234"
    secret = path.with_name("coop.db.secret")
    assert secret.stat().st_mode & 0o777 == 0o600
    again = runner.invoke(main, ["init", "--db", str(path), *INIT])
    assert again.exit_code == 1 and "--force" in again.output
    assert runner.invoke(main, ["init", "--db", str(path), *INIT, "--force"]).exit_code == 0


def test_init_asks_interactively(runner, tmp_path):
    path = tmp_path / "asked.db"
    answers = "Les Kokés\nCAE Ouest\n1 rue X\n90000000100017\nFR00\nAwa\n1234\n1234\n"
    result = runner.invoke(main, ["init", "--db", str(path)], input=answers)
    assert result.exit_code == 0, result.output
    assert coop.load_settings(database.open_existing(path))["legal_name"] == "CAE Ouest"


@pytest.mark.parametrize(("flag", "value"), [("--siret", "123"), ("--pin", "12"), ("--brand", " ")])
def test_init_refuses_bad_values_with_one_line(runner, tmp_path, flag, value):
    args = list(INIT)
    args[args.index(flag) + 1] = value
    result = runner.invoke(main, ["init", "--db", str(tmp_path / "x.db"), *args])
    assert result.exit_code == 1
    assert result.output.startswith("Erreur")
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.db").exists()


def test_demo_makes_a_ready_coop(runner, tmp_path):
    path = tmp_path / "demo.db"
    result = runner.invoke(main, ["demo", "--db", str(path)])
    assert result.exit_code == 0
    assert "Awa : 1234" in result.output
    db = database.open_existing(path)
    products = list(db.query("SELECT * FROM products"))
    assert 7 <= len(products) <= 10
    assert len({p["category_id"] for p in products}) in (2, 3)
    assert any(not p["track_stock"] for p in products)
    assert all(10 <= p["stock"] <= 400 for p in products if p["track_stock"])
    assert all(p["unit_cost"] for p in products)
    assert runner.invoke(main, ["demo", "--db", str(path)]).exit_code == 1


def test_members_and_tokens(runner, db_path):
    added = runner.invoke(main, ["member", "add", "Zoé", "--db", str(db_path), "--pin", "4321"])
    assert added.exit_code == 0
    listed = runner.invoke(main, ["member", "list", "--db", str(db_path)]).output
    assert "Zoé\tmember" in listed
    dup = runner.invoke(main, ["member", "add", "zoé", "--db", str(db_path), "--pin", "4321"])
    assert dup.exit_code == 1
    made = runner.invoke(main, ["token", "create", "bar", "--db", str(db_path)])
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("etal_") and " " not in token
    assert coop.token_is_valid(database.connect(db_path), token)


def test_pos_db_environment_variable(runner, db_path, monkeypatch):
    monkeypatch.setenv("POS_DB", str(db_path))
    assert "Awa" in runner.invoke(main, ["member", "list"]).output


@pytest.mark.parametrize("kind", ["missing", "corrupt", "folder"])
def test_bad_database_paths_give_one_clear_line(runner, tmp_path, kind):
    path = tmp_path / "coop.db"
    if kind == "corrupt":
        path.write_bytes(b"\x00garbage" * 500)
    if kind == "folder":
        path = tmp_path / "no" / "such" / "dir" / "coop.db"
    result = runner.invoke(main, ["member", "list", "--db", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Erreur")


def test_verify_on_a_clean_journal(runner, db_path):
    result = runner.invoke(main, ["verify", "--db", str(db_path)])
    assert result.exit_code == 0 and "OK" in result.output
    sqlite3.connect(db_path).close()
