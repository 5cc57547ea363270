"""Every route walked as anonymous, member and admin: the server enforces the roles."""

import re

import pytest

OPEN = {
    "auth.login",
    "auth.pin",
    "auth.language",
    "static",
    "sell.home",
    "sell.tile_colours",
    "api.openapi",
    # the public order page: no login by design (404 while switched off, the default)
    "public_orders.form",
    "public_orders.place",
    "public_orders.done",
    "public_orders.photo",
}
ADMIN_ONLY = {
    "admin.settings",
    "admin.catalogue",
    "admin.new_product",
    "admin.edit_product",
    "admin.members",
    "admin.events",
    "sell.refund",
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: "inc" if m.group(1) == "action" else "1", rule.rule
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _call(actions, client, method, url):
    if method == "GET":
        return client.get(url)
    return actions.post(url, {}, htmx=False)


def test_routes_walked_by_role(app, actions, client):
    routes = list(_routes(app))
    assert len(routes) > 30
    access = {ep: getattr(app.view_functions[ep], "access", "open") for ep in app.view_functions}
    assert ADMIN_ONLY <= {ep for ep, a in access.items() if a == "admin"}
    for endpoint, method, url in routes:  # anonymous
        status = _call(actions, client, method, url).status_code
        assert status < 500, (endpoint, method, url, status)
        if endpoint.startswith("api.") and endpoint != "api.openapi":
            assert status == 401, (endpoint, status)
        elif endpoint not in OPEN:
            assert status in (302, 400, 401), (endpoint, method, url, status)
    actions.login("Léo")
    for endpoint, method, url in routes:  # member
        if endpoint in ("auth.logout", "till.handover"):
            continue
        status = _call(actions, client, method, url).status_code
        assert status < 500, (endpoint, method, url, status)
        if access.get(endpoint) == "admin":
            assert status == 403, (endpoint, method, url, status)
    actions.login("Awa")
    for endpoint, method, url in routes:  # admin
        if endpoint in ("auth.logout", "till.handover", "till.close", "till.set_clock"):
            continue
        status = _call(actions, client, method, url).status_code
        assert status < 500 and status != 403, (endpoint, method, url, status)


@pytest.mark.parametrize(
    "url", ["/sell/cart/add/1", "/till/open", "/admin/settings", "/sell/undo/1"]
)
def test_no_state_changes_through_get(client, actions, db, url):
    actions.login("Awa")
    before = db.execute("SELECT count(*) FROM events").fetchone()[0]
    response = client.get(url)
    assert response.status_code in (200, 302, 404, 405)
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == before
