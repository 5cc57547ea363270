"""Fuzzing the web forms: every route, every field, hostile values (issue #15, item 8).

Each POST route of the app (and each GET route with query arguments) gets, in every field
the templates and routes name at once, hostile values: huge and negative numbers, digits
that are not ASCII ("²", "٣"), NaN and Infinity, year-1 dates, 1 MB strings, NUL bytes,
several values for one field (a wrong type) and no field at all; paths get 2^63. No answer
may be a 500, a refused request may change nothing in the books, and nothing hostile may
land in them.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

from pos import db as database
from pos.web.app import create_app
from tests.conftest import Actions, copy_seeded, csrf_of

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = [
    "9" * 30,
    str(2**63),
    "-1",
    "-99999999999",
    "²",
    "١٢٣٤",
    "NaN",
    "Infinity",
    "-inf",
    "1e300",
    "0001-01-01",
    "9999-12-31",
    "a\x00b",
    "",
]
BOOKS = (
    "sales",
    "sale_lines",
    "payments",
    "stock_movements",
    "cash_movements",
    "expenses",
    "closures",
    "till_days",
    "batches",
    "hours",
    "products",
    "categories",
    "members",
    "settings",
    "tokens",
    "markdowns",
    "price_changes",
)
SKIPPED = {"/logout", "/admin/members/sign-out-everywhere"}  # they end the fuzzer's session


def field_names() -> list[str]:
    """Every form field the templates render and the routes read."""
    names = set()
    for template in (ROOT / "templates").rglob("*.html"):
        names |= set(re.findall(r'name="([a-z_0-9]+)"', template.read_text()))
    for module in (ROOT / "pos" / "web").glob("*.py"):
        names |= set(re.findall(r'(?:form|args|files)\.get\("([a-z_0-9]+)"', module.read_text()))
    return sorted(names - {"csrf_token"})


def books(path) -> dict[str, list]:
    conn = database.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in BOOKS}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def coop(tmp_path_factory, seeded):
    return copy_seeded(seeded, "open", tmp_path_factory.mktemp("forms") / "coop.db")


@pytest.fixture(scope="module")
def admin(coop):
    app = create_app(coop, TESTING=True)
    actions = Actions(app.test_client(), coop)
    actions.login("Awa")
    return actions


def routes(app, method: str) -> list[str]:
    found = []
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.rule.startswith(("/api/", "/static")):
            continue
        found.append(re.sub(r"<int:\w+>", "1", rule.rule))
        if "<int:" in rule.rule:
            found.append(re.sub(r"<int:\w+>", str(2**63), rule.rule))
    return [r for r in found if "<" not in r and r not in SKIPPED]


def still_admin(admin) -> None:
    """Log the fuzzer back in when a form ended its session (a handover, say)."""
    if admin.client.get("/admin/members").status_code != 200:
        with contextlib.suppress(AttributeError):  # /sell may send to /till: token below
            admin.login("Awa")
        admin.token = csrf_of(admin.client.get("/admin/members").get_data(as_text=True))


def test_every_form_refuses_hostile_values_without_a_500(admin, coop):
    app = admin.client.application
    names = field_names()
    assert len(names) > 40  # the fields were found
    failures = []
    for url in routes(app, "POST"):
        still_admin(admin)
        before, accepted = books(coop), False
        client = app.test_client() if url.startswith("/login/") else admin.client
        headers = {"X-CSRFToken": admin.token, "HX-Request": "true"}
        sent = [{name: value for name in names} for value in [*HOSTILE, ["1", "2"]]]
        sent += [{}, {names[0]: "x" * 1_000_000}]  # no field at all; one field of 1 MB
        for data in sent:
            answer = client.post(url, data=data, headers=headers)
            accepted |= answer.status_code < 400
            if answer.status_code >= 500:
                failures.append((url, str(next(iter(data.values()), ""))[:20], answer.status_code))
        if not accepted and books(coop) != before:
            failures.append((url, "refused, yet the books changed", ""))
    assert sorted(set(failures)) == [], "\n".join(map(str, sorted(set(failures))))


def test_every_page_takes_hostile_query_arguments(admin):
    app = admin.client.application
    names = field_names()
    failures = []
    for url in routes(app, "GET"):
        for value in HOSTILE[:12]:
            answer = admin.client.get(url, query_string={name: value for name in names})
            if answer.status_code >= 500:
                failures.append((url, value[:20], answer.status_code))
    assert failures == [], "\n".join(map(str, sorted(set(failures))))


def test_no_hostile_day_landed_in_the_books(coop):
    conn = database.connect(coop)
    try:
        days = conn.execute(
            "SELECT spent_on FROM expenses UNION SELECT made_on FROM batches"
            " UNION SELECT worked_on FROM hours UNION SELECT value FROM settings"
            " WHERE key = 'week_start'"
        ).fetchall()
    finally:
        conn.close()
    assert not [d for (d,) in days if d and not d.startswith("20")]


def test_nothing_hostile_landed_in_the_books(admin, coop):
    for table, rows in books(coop).items():
        for row in rows:
            for value in row:
                if isinstance(value, int):
                    assert abs(value) < 10**13, (table, row)
                if isinstance(value, str):
                    assert "\x00" not in value and len(value) < 100_000, (table, value[:40])
