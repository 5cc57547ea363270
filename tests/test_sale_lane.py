"""The API's plain sale is answered in front of Flask (pos.web.sale_lane) exactly as the Flask
view answers it: same status, headers and body, same refusals, same journal."""

from __future__ import annotations

import json

import pytest
from flask import request, request_started

from pos import db as database
from pos.db import coop
from pos.web.sale_lane import HOOKS_ACCOUNTED
from tests.conftest import product_id

URL = "/api/v1/sales"
VIA_FLASK = URL + "?via=flask"  # a query string: the lane leaves the request to Flask


@pytest.fixture
def flask_requests(app):
    """The requests that went through Flask's machinery (its request_started signal)."""
    seen: list[str] = []

    def started(sender, **_extra):
        seen.append(request.full_path)

    request_started.connect(started, app)
    yield seen
    request_started.disconnect(started, app)


def body_of(db, *lines: tuple[str, int], amount: str = "100.00", **extra) -> dict:
    return {
        "lines": [{"product_id": product_id(db, name), "quantity": q} for name, q in lines],
        "payments": [{"method": "cash", "amount": amount}],
        **extra,
    }


def post(client, url: str, data, headers: dict) -> tuple[int, dict, dict]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    response = client.post(
        url, data=raw, headers={"Content-Type": "application/json", **headers}
    )
    answer = response.get_json()
    if answer and "sale" in answer:  # what differs between two recordings of one request
        answer["sale"]["number"] = answer["sale"]["created_at"] = None
    headers = {k: v for k, v in response.headers.items() if k != "Content-Length"}
    assert response.headers["Content-Length"] == str(len(response.data))
    return response.status_code, headers, answer


def test_a_plain_sale_is_answered_before_flask_and_anything_else_by_flask(
    client, db, api_token, flask_requests
):
    auth = {"Authorization": f"Bearer {api_token}"}
    sale = body_of(db, ("Kokedama", 1))
    status, headers, _answer = post(client, URL, sale, {**auth, "Idempotency-Key": "a"})
    assert status == 201 and headers["Content-Type"] == "application/json"
    assert flask_requests == []
    status, _headers, _answer = post(client, VIA_FLASK, sale, {**auth, "Idempotency-Key": "b"})
    assert status == 201 and flask_requests == ["/api/v1/sales?via=flask"]
    assert client.get(URL, headers=auth).status_code == 405  # another method: Flask's answer
    response = client.post(URL, data="lines=1", headers={**auth, "Idempotency-Key": "c"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "body"
    assert len(flask_requests) == 3


def cases(db, token: str, read_only: str) -> list[tuple[str, object, dict]]:
    """Requests of every kind the call answers: (name, body, headers)."""
    auth = {"Authorization": f"Bearer {token}"}
    kokedama = body_of(db, ("Kokedama", 1))
    return [
        ("sale", kokedama, auth),
        ("the same again", kokedama, auth),
        ("the key reused for another body", body_of(db, ("Kokedama", 2)), auth),
        ("no token", kokedama, {}),
        ("a revoked or unknown token", kokedama, {"Authorization": "Bearer nope"}),
        ("a token without the sell scope", kokedama, {"Authorization": f"Bearer {read_only}"}),
        ("not an object", [1, 2], auth),
        ("broken JSON", b'{"lines": [', auth),
        ("a lone surrogate", b'{"lines": [], "customer": "\\ud800"}', auth),
        ("no lines", {"lines": [], "payments": []}, auth),
        ("an unknown product", {**kokedama, "lines": [{"product_id": 999, "quantity": 1}]}, auth),
        ("more than the stock", body_of(db, ("Dernier pot", 2)), auth),
        ("a total that changed", {**kokedama, "expected_total": "1.00"}, auth),
        ("too little paid", body_of(db, ("Kokedama", 1), amount="0.01"), auth),
        ("an unknown method", {**kokedama, "payments": [{"method": "x", "amount": "9"}]}, auth),
    ]


def test_the_lane_answers_every_kind_of_request_as_the_flask_view_does(client, db, db_path):
    conn = database.connect(db_path)
    token = coop.insert_token(conn, "lane", ("sell", "read"))
    read_only = coop.insert_token(conn, "read", ("read",))
    conn.close()
    answers = {}
    for way, url in (("lane", URL), ("flask", VIA_FLASK)):
        for name, body, headers in cases(db, token, read_only):
            shared = name in ("sale", "the same again", "the key reused for another body")
            key = {"Idempotency-Key": f"{way}-{'sale' if shared else name}"}
            answers.setdefault(name, {})[way] = post(client, url, body, {**headers, **key})
    for name, both in answers.items():
        assert both["lane"] == both["flask"], name
    statuses = {name: both["lane"][0] for name, both in answers.items()}
    assert statuses == {
        "sale": 201,
        "the same again": 201,
        "the key reused for another body": 409,
        "no token": 401,
        "a revoked or unknown token": 401,
        "a token without the sell scope": 403,
        "not an object": 422,
        "broken JSON": 422,
        "a lone surrogate": 422,
        "no lines": 422,
        "an unknown product": 422,
        "more than the stock": 422,
        "a total that changed": 409,
        "too little paid": 422,
        "an unknown method": 422,
    }
    assert answers["the same again"]["lane"][1]["Idempotent-Replay"] == "true"
    assert answers["sale"]["lane"][1]["Content-Security-Policy"]  # the outer middleware's
    recorded = db.execute("SELECT count(*) FROM sales WHERE idempotency_key IS NOT NULL")
    assert recorded.fetchone()[0] == 2  # one sale each way, each replayed once


def test_a_sale_recorded_by_one_way_is_replayed_by_the_other(client, db, api_token):
    auth = {"Authorization": f"Bearer {api_token}", "Idempotency-Key": "both"}
    sale = body_of(db, ("Kokedama", 1))
    first = client.post(VIA_FLASK, json=sale, headers=auth)
    again = client.post(URL, json=sale, headers=auth)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replay"] == "true"
    assert again.get_json() == first.get_json()
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1


def test_an_unexpected_error_is_said_in_french_and_logged_on_both_ways(
    client, db, api_token, monkeypatch, caplog
):
    from pos.db import sales as journal

    def broken(*_args, **_kwargs):
        raise RuntimeError("planted")

    monkeypatch.setattr(journal, "record_sale", broken)
    auth = {"Authorization": f"Bearer {api_token}"}
    sale = body_of(db, ("Kokedama", 1))
    lane = post(client, URL, sale, {**auth, "Idempotency-Key": "u1"})
    flask = post(client, VIA_FLASK, sale, {**auth, "Idempotency-Key": "u2"})
    assert lane == flask
    assert lane[0] == 500 and lane[2]["error"]["code"] == "internal"
    assert lane[2]["error"]["message"].startswith("Erreur inattendue")
    assert [r.exc_info[1].args for r in caplog.records if r.exc_info] == [("planted",)] * 2


def test_a_body_too_big_for_the_app_is_flasks_413(app, client, api_token):
    app.config["MAX_CONTENT_LENGTH"] = 64
    auth = {"Authorization": f"Bearer {api_token}", "Idempotency-Key": "big"}
    response = client.post(URL, json={"lines": [{"x": "y" * 100}]}, headers=auth)
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def hooks_of(app) -> set[str]:
    """The names of every function the app runs around a request."""
    registries = (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
        app.url_value_preprocessors,
        app.url_default_functions,
    )
    names = {f.__name__ for registry in registries for funcs in registry.values() for f in funcs}
    return names | {f.__name__ for f in app.teardown_appcontext_funcs}


def test_every_hook_of_the_app_is_accounted_for_by_the_lane(app):
    assert hooks_of(app) == set(HOOKS_ACCOUNTED)


def test_the_hook_check_sees_a_hook_added_later(app):
    @app.before_request
    def a_new_rule() -> None:  # the lane would skip it: the check above must fail
        return None

    assert hooks_of(app) - set(HOOKS_ACCOUNTED) == {"a_new_rule"}
