"""The bilan and the dashboard compare with the plan of the period shown, and say the same
revenue to the cent (issue #17's leftovers)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

from pos import accounts, clock, plan
from pos.accounts import Period
from tests.conftest import product_id
from tests.test_plan_screens import market_days, plan_form


def pot_and_cafe_plan(db) -> dict:
    """Two products at 10 %: 9,00 € and 1,50 € TTC, whose HT split alone (8,18 + 1,36 €)
    is one cent under their rate's split together (9,55 €)."""
    pot, cafe = product_id(db, "Dernier pot"), product_id(db, "Café")
    return plan_form(
        db,
        **{
            f"made_{pot}": "1",
            f"sell_{pot}": "1",
            f"cost_{pot}": "3,00",
            f"price_{pot}": "9,00",
            f"made_{cafe}": "20",
            f"sell_{cafe}": "20",
            f"cost_{cafe}": "0,30",
            f"price_{cafe}": "1,50",
        },
    )


def cells(html: str, pattern: str) -> list[str]:
    row = re.search(pattern, html, re.S).group(1)
    return [c.strip() for c in re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)', row)]


def test_the_dashboard_and_the_bilan_say_the_same_revenue_to_the_cent(actions, db):
    actions.login("Awa")
    actions.post("/plan/edit", pot_and_cafe_plan(db), htmx=False)
    actions.sell(product_id(db, "Dernier pot"), product_id(db, "Café"), method="card")
    board = unescape(actions.client.get("/dashboard").get_data(as_text=True))
    board = board[board.index('data-testid="plan-board"') :]
    total = cells(board, r'<tr class="sum" data-product="">(.*?)</tr>')
    bilan = unescape(actions.client.get("/accounts").get_data(as_text=True))
    section = bilan[bilan.index('data-testid="plan-bilan"') :]
    revenue = cells(section, r'data-line="revenue_ht">(.*?)</tr>')[1]
    assert revenue == "9,55\u00a0€"  # the bilan: the day's 10 % split, as its Z and FEC say
    assert total[5] == revenue  # the dashboard's products add up to it, not 9,54 €
    products = section[section.index('data-testid="plan-product-gaps"') :]
    pot = cells(products, r'data-product="Dernier pot">(.*?)</tr>')[4]
    cafe = cells(products, r'data-product="Café">(.*?)</tr>')[4]
    assert (pot, cafe) == ("8,18 €", "1,37 €")  # the bilan's lines add up too


def test_revenue_ht_by_product_adds_up_to_the_rate_split():
    days = {1: {1000: {7: 900, 8: 150}}, 2: {1000: {7: 900}, 550: {9: 250}}}
    by_product = accounts.revenue_ht_by_product(days)
    daily = {d: {r: sum(p.values()) for r, p in rates.items()} for d, rates in days.items()}
    assert sum(by_product.values()) == sum(v.base for v in accounts.revenue_by_rate(daily))
    assert by_product[8] == 137  # the cent the split alone (136) left out


# --- The plan of the period shown ---------------------------------------------------------


WEEK = Period(date(2026, 6, 1), date(2026, 6, 7))


def test_plan_cover_of_a_period():
    assert plan.plan_cover(WEEK, WEEK) == "same"
    assert plan.plan_cover(WEEK, Period(date(2026, 6, 3), date(2026, 6, 3))) == "other"
    assert plan.plan_cover(WEEK, Period(date(2026, 5, 1), date(2026, 6, 30))) == "other"
    assert plan.plan_cover(WEEK, Period(date(2026, 5, 1), date(2026, 5, 31))) == "none"
    assert plan.plan_cover(None, WEEK) == "none"


def plan_section(actions, query: str = "") -> str:
    html = unescape(actions.client.get(f"/accounts{query}").get_data(as_text=True))
    return html[html.index('data-testid="plan-bilan"') :]


def test_the_bilan_compares_only_with_the_plan_of_its_period(actions, db):
    actions.login("Awa")
    actions.post("/plan/edit", plan_form(db, **market_days(2)), htmx=False)
    actions.sell(product_id(db, "Kokedama"), method="card")
    assert 'data-testid="plan-gaps"' in plan_section(actions)  # the coop's week: its plan
    today = clock.local(clock.now()).date()
    long_ago = f"?from={today - timedelta(days=60)}&to={today - timedelta(days=40)}"
    section = plan_section(actions, long_ago)
    assert 'data-testid="plan-gaps"' not in section
    assert "Pas de prévisionnel pour cette période" in section
    one_day = f"?from={today}&to={today}"
    section = plan_section(actions, one_day)
    assert 'data-testid="plan-gaps"' not in section
    assert "Le prévisionnel porte sur la semaine du" in section
    assert "Comparer sur cette semaine" in section


def test_a_new_week_is_not_compared_with_last_weeks_plan(actions, db):
    actions.login("Awa")
    actions.post("/plan/edit", plan_form(db, **market_days(2)), htmx=False)
    next_week = clock.local(clock.now()).date() + timedelta(days=30)
    actions.post("/accounts/week", {"week_start": next_week.isoformat()}, htmx=False)
    section = plan_section(actions)  # the coop's week is now the next one
    assert 'data-testid="plan-gaps"' not in section
    assert "Pas de prévisionnel pour cette période" in section
    board = unescape(actions.client.get("/dashboard").get_data(as_text=True))
    board = board[board.index('data-testid="plan-board"') :]
    assert 'data-testid="plan-vs-actual"' not in board
    assert "Le prévisionnel porte sur la semaine du" in board
    shown = unescape(actions.client.get("/plan").get_data(as_text=True))
    start = clock.local(clock.now()).date()  # the week the plan was made for: from today
    assert f"Semaine du {start:%d/%m/%Y}" in shown  # not the coop's new week
    assert "Ce prévisionnel est celui d'une autre semaine" in shown
    assert f"va du {next_week:%d/%m/%Y}" in shown


def test_a_plan_saved_before_migration_0023_is_the_coops_week(tmp_path):
    from pos import db as database
    from pos.db import plan as store
    from tests.older_database import seeded_at

    db = seeded_at(tmp_path / "coop.db", 22)
    db.execute("INSERT INTO plan_facts(key, value) VALUES ('float', '6000')")
    database.migrate(db)
    assert store.plan_facts(db)["float"] == 6000
    assert store.plan_week(db) is None  # the route then takes the coop's week in force
    db.execute("INSERT INTO plan_facts(key, value) VALUES ('week_start', '2026-06-01')")
    db.execute("INSERT INTO plan_facts(key, value) VALUES ('week_end', '2026-06-07')")
    assert store.plan_week(db) == WEEK
