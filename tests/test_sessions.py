"""Sessions end on the server; logged-in pages are never cached; tokens stop at once (#15)."""

from __future__ import annotations

import time

from pos.cli import main
from pos.db import coop


def copied_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str, token: str):
    """Another machine replaying a copied cookie and CSRF token: try to add an admin."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.post(
        "/admin/members",
        data={"name": "Mallory", "pin": "9999", "role": "admin", "csrf_token": token},
    )


def test_a_cookie_copied_before_logout_is_refused_after(app, actions, client, db):
    actions.login("Awa")
    cookie, token = copied_cookie(client), actions.token
    assert client.get("/admin/members").status_code == 200
    actions.post("/logout", htmx=False)
    answer = replay(app, cookie, token)
    assert answer.status_code in (302, 401)
    assert db.execute("SELECT count(*) FROM members WHERE name = 'Mallory'").fetchone()[0] == 0


def test_a_handover_ends_the_session_of_who_hands_over(app, actions, client, db):
    actions.login("Awa")
    cookie, token = copied_cookie(client), actions.token
    leo = db.execute("SELECT id FROM members WHERE name = 'Léo'").fetchone()[0]
    assert actions.post("/till/handover", {"to_member": leo}, htmx=False).status_code == 302
    replay(app, cookie, token)
    assert db.execute("SELECT count(*) FROM members WHERE name = 'Mallory'").fetchone()[0] == 0


def test_an_admin_signs_out_every_device(app, actions, client, db, db_path):
    from tests.conftest import Actions

    other = Actions(app.test_client(), db_path)
    other.login("Léo")
    assert other.client.get("/sell").status_code == 200
    actions.login("Awa")
    assert "Déconnecter tous les appareils" in client.get("/admin/members").get_data(True)
    assert actions.post("/admin/members/sign-out-everywhere", htmx=False).status_code == 302
    assert other.client.get("/sell").status_code == 302
    assert client.get("/sell").status_code == 302
    assert db.execute("SELECT count(*) FROM events WHERE kind = 'sessions_ended'").fetchone()[0]


def test_logged_in_pages_are_never_cached(actions, client):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    actions.login("Léo")
    for url in ("/sell", "/till", "/stock"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_the_dashboard_refresh_does_not_keep_a_session_alive(actions, client, db):
    coop.save_settings(db, {"idle_minutes": "1"})
    actions.login("Awa")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - 50
    page = client.get("/dashboard", headers={"HX-Request": "true", "X-Etal-Poll": "1"})
    assert page.status_code == 200
    with client.session_transaction() as session:
        assert session["seen"] <= int(time.time()) - 50
        session["seen"] = int(time.time()) - 120
    assert client.get("/sell").status_code == 302


def test_the_dashboard_marks_its_refresh(actions, client):
    actions.login("Awa")
    assert "X-Etal-Poll" in client.get("/dashboard").get_data(as_text=True)


def test_a_token_revoked_from_the_command_line_stops_at_once(client, runner, db_path, api_token):
    auth = {"Authorization": f"Bearer {api_token}"}
    assert client.get("/api/v1/products", headers=auth).status_code == 200
    result = runner.invoke(main, ["token", "revoke", "1", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/products", headers=auth).status_code == 401


def test_token_scopes(client, runner, db_path):
    made = runner.invoke(main, ["token", "create", "boutique", "--db", str(db_path)])
    assert made.exit_code == 0 and "sell, read" in made.output
    auth = {"Authorization": f"Bearer {made.output.strip().splitlines()[-1]}"}
    assert client.get("/api/v1/stock", headers=auth).status_code == 200
    refund = client.post(
        "/api/v1/sales/1/refund", json={}, headers={**auth, "Idempotency-Key": "k1"}
    )
    assert refund.status_code == 403 and "refund" in refund.get_json()["error"]["message"]
    reader = runner.invoke(
        main, ["token", "create", "lecture", "--scope", "read", "--db", str(db_path)]
    )
    auth = {"Authorization": f"Bearer {reader.output.strip().splitlines()[-1]}"}
    sale = client.post("/api/v1/sales", json={}, headers={**auth, "Idempotency-Key": "k2"})
    assert sale.status_code == 403
    bad = runner.invoke(main, ["token", "create", "x", "--scope", "admin", "--db", str(db_path)])
    assert bad.exit_code == 1 and bad.output.startswith("Erreur") and "portée" in bad.output
