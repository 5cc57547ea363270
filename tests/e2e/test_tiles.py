"""Tile symbols in a real Chromium that has no colour emoji font (as a Pi's kiosk may have):
an emoji no font can draw gives way to the product's initials; one a font draws stays."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pos import db as database
from tests.conftest import login_in_browser

pytestmark = pytest.mark.e2e

UNDRAWABLE = "\U0010fffd"  # private use, plane 16: no font has it
DRAWN = "★"  # DejaVu Sans, installed with Chromium by .ci/setup --browser


def test_an_emoji_no_font_can_draw_shows_the_initials(db_path, page):
    conn = database.connect(db_path)
    conn.execute("UPDATE products SET emoji = ? WHERE name = 'Dernier pot'", [UNDRAWABLE])
    conn.execute("UPDATE products SET emoji = ? WHERE name = 'Cookie'", [DRAWN])
    conn.execute("UPDATE products SET emoji = '' WHERE name = 'Café'")
    conn.close()
    login_in_browser(page)
    page.wait_for_url("**/sell")

    pot = page.locator('.tile[data-product="Dernier pot"] .emoji')
    expect(pot).to_have_text("DP")
    expect(pot).to_have_class("emoji initials")
    expect(page.locator('.tile[data-product="Café"] .emoji')).to_have_text("Ca")
    cookie = page.locator('.tile[data-product="Cookie"] .emoji')
    expect(cookie).to_have_text(DRAWN)
    expect(cookie).not_to_have_class("emoji initials")
