"""Login with a PIN, locks after wrong PINs, roles, idle logout, CSRF."""

import time

import pytest

from pos.db import coop


def test_login_screen_lists_members_as_buttons(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'class="btn name"' in html and "Awa" in html and "Léo" in html


def test_right_pin_logs_in_and_wrong_pin_says_so(actions, client):
    bad = actions.login("Léo", "0000")
    assert bad.status_code == 422
    assert "Code incorrect" in bad.get_data(as_text=True)
    good = actions.login("Léo")
    assert good.status_code == 302 and good.location.endswith("/sell")
    assert client.get("/sell").status_code == 200


def test_five_wrong_pins_make_the_member_wait(actions, db):
    for _ in range(4):
        assert actions.login("Léo", "0000").status_code == 422
    waiting = actions.login("Léo", "0000")
    assert waiting.status_code == 429
    assert "réessayez dans" in waiting.get_data(as_text=True)
    assert actions.login("Léo").status_code == 429  # even the right PIN, for a few seconds
    leo = db.execute("SELECT id FROM members WHERE name = 'Léo'").fetchone()[0]
    row = db.execute(
        "SELECT failures, delayed_until FROM pin_throttle WHERE scope = ?", [f"member:{leo}"]
    ).fetchone()
    assert row[0] == 5 and row[1]


def test_pins_are_stored_hashed(db):
    hashes = [row[0] for row in db.execute("SELECT pin_hash FROM members")]
    assert all(h.startswith("scrypt:") and "1234" not in h for h in hashes)


@pytest.mark.parametrize(
    "url", ["/admin/settings", "/admin/catalogue", "/admin/members", "/admin/products/new"]
)
def test_members_cannot_open_admin_screens(actions, client, url):
    assert client.get(url).status_code == 302  # anonymous → login
    actions.login("Léo")
    refused = client.get(url)
    assert refused.status_code == 403
    assert "réservée à un administrateur" in refused.get_data(as_text=True)


def test_idle_members_are_logged_out(actions, client, db):
    coop.save_settings(db, {"idle_minutes": "1"})
    actions.login("Léo")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - 120
    response = client.get("/sell")
    assert response.status_code == 302 and "/login" in response.location


def test_logout(actions, client):
    actions.login("Léo")
    assert actions.post("/logout", htmx=False).status_code == 302
    assert client.get("/sell").status_code == 302


def test_state_changes_need_the_csrf_token(actions, client, db):
    actions.login("Léo")
    refused = client.post(f"/sell/cart/add/{1}", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert "expiré" in refused.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_english_is_available(client, actions):
    page = client.get("/login").get_data(as_text=True)
    assert "Qui vend ?" in page
    client.post("/language", data={"lang": "en", "csrf_token": actions.token or _token(client)})
    assert "Who is selling?" in client.get("/login").get_data(as_text=True)


def _token(client):
    from tests.conftest import csrf_of

    return csrf_of(client.get("/login").get_data(as_text=True))
