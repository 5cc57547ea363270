"""The cookie session and CSRF made cheaper (#19) keep what they guarantee: signed, refused
when tampered with, flashes that survive, old cookies that still open, CSRF still required."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

from tests.conftest import csrf_of, product_id


def session_of(app, client) -> dict:
    """The session as the cookie carries it (read back with the app's own signer)."""
    signer = app.session_interface.get_signing_serializer(app)
    return signer.loads(client.get_cookie("session").value)


def cart_lines(app, client) -> list:
    return (session_of(app, client).get("cart") or {}).get("lines", [])


def test_a_flash_survives_the_session_and_shows_once(app, actions, client, db):
    actions.login("Léo")
    actions.post(f"/sell/cart/add/{product_id(db, 'Cookie')}")
    stale = {**actions.seen(), "seen": "0;", "method": "card"}  # a cart the screen never showed
    assert actions.post("/sell/pay", stale, htmx=False).status_code == 302
    assert session_of(app, client)["_flashes"][0][0] == "error"  # a list now, read alike
    page = client.get("/sell").get_data(as_text=True)
    assert 'class="msg error"' in page and "Vérifiez le total" in page
    assert "Vérifiez le total" not in client.get("/sell").get_data(as_text=True)


def test_a_cookie_written_by_flasks_own_serializer_still_opens(app, actions, client):
    actions.login("Léo")
    value = session_of(app, client)
    value["_flashes"] = [("ok", "Écrit avant la mise à jour")]  # a tuple: Flask tags it
    old = SecureCookieSessionInterface().get_signing_serializer(app).dumps(value)
    client.set_cookie("session", old)
    page = client.get("/sell")
    assert page.status_code == 200  # still logged in
    assert "Écrit avant la mise à jour" in page.get_data(as_text=True)


def test_a_tampered_cookie_is_refused(app, actions, client, db):
    actions.login("Léo")
    value = client.get_cookie("session").value
    at = len(value) // 3  # inside the signed payload
    client.set_cookie("session", value[:at] + ("A" if value[at] != "A" else "B") + value[at + 1 :])
    assert client.get("/sell").status_code == 302  # to the login screen: nobody is logged in
    answer = client.post(
        f"/sell/cart/add/{product_id(db, 'Cookie')}",
        headers={"HX-Request": "true", "X-CSRFToken": actions.token},
    )
    assert answer.status_code in (400, 401)


def test_a_small_session_is_plain_json_and_a_big_cart_is_compressed(app):
    signer = app.session_interface.get_signing_serializer(app)
    small = {"member_id": 1, "lang": "fr", "_flashes": [("info", "Déconnexion")]}
    assert not signer.dumps(small).startswith(".")
    assert signer.loads(signer.dumps(small)) == {**small, "_flashes": [["info", "Déconnexion"]]}
    lines = [[n, 2, ["percent", 1000, "Fin de marché, dégustation"]] for n in range(40)]
    big = {"cart": {"key": "k" * 32, "lines": lines}}
    cookie = signer.dumps(big)
    assert cookie.startswith(".") and len(cookie) < 1500  # zlib: far under a browser's 4 KB
    assert signer.loads(cookie) == big


def test_csrf_is_still_required_and_a_wrong_token_is_refused(app, actions, client, db):
    actions.login("Léo")
    tile = f"/sell/cart/add/{product_id(db, 'Cookie')}"
    missing = client.post(tile, headers={"HX-Request": "true"})
    wrong = client.post(tile, data={"csrf_token": actions.token[:-3] + "xyz"})
    other = client.post(tile, headers={"HX-Request": "true", "X-CSRFToken": "not.a.token"})
    assert [r.status_code for r in (missing, wrong, other)] == [400, 400, 400]
    assert cart_lines(app, client) == []  # nothing was added


def test_the_token_checked_is_the_one_the_answer_carries_and_it_still_works(
    app, actions, client, db
):
    actions.login("Léo")
    tile = f"/sell/cart/add/{product_id(db, 'Cookie')}"
    first = actions.post(tile)
    assert first.status_code == 200 and csrf_of(first.get_data(as_text=True)) == actions.token
    second = client.post(
        tile,
        data={"csrf_token": csrf_of(first.get_data(as_text=True))},
        headers={"HX-Request": "true"},
    )
    assert second.status_code == 200
    assert cart_lines(app, client)[0][1] == 2
