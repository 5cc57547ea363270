"""On a phone held upright, no screen scrolls sideways: wide tables scroll on their own."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.conftest import login_in_browser

pytestmark = pytest.mark.e2e

STICKING_OUT = """[...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth)
    .slice(0, 5).map(e => e.tagName + ' ' + (e.name || e.className))"""
PAGES = [
    "/sell",
    "/till",
    "/sell/history",
    "/stock",
    "/prices",
    "/accounts",
    "/admin/catalogue",
    "/admin/members",
    "/admin/settings",
    "/admin/events",
]


def test_no_screen_scrolls_sideways_on_a_phone(page: Page):
    page.set_viewport_size({"width": 412, "height": 915})
    login_in_browser(page, "Awa")
    page.wait_for_url("**/sell")
    wide = {}
    for url in PAGES:
        response = page.goto(url)
        assert response.status == 200, url
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 412:  # name what sticks out, to find it
            wide[url] = page.evaluate(STICKING_OUT)
    assert wide == {}
    # The tables are still all there, scrolled within themselves.
    page.goto("/stock")
    table = page.locator("main table").first
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
