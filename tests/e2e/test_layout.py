"""Every screen fits every size a stall uses, and every target is big enough for a finger.

At 1280×800 (tablet), 800×1280 (tablet upright), 412×915 and 360×640 (phones): no screen is
wider than the viewport, and no visible link, button or field is under 44×44 CSS px.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from pos import create_app
from pos import db as database
from pos.db import coop
from tests.conftest import Actions, LiveServer, product_id, type_pin

pytestmark = pytest.mark.e2e

SIZES = [(1280, 800), (800, 1280), (412, 915), (360, 640)]
PHONES = [(412, 915), (360, 640)]

# Every visible thing a finger taps that is under 44×44 CSS px. A checkbox or radio is tapped
# through its label, so the label is what is measured.
SMALL_TARGETS = """() => {
  const seen = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input, select, textarea, summary, [hx-post], [hx-get]')) {
    if (el.type === 'hidden' || !el.checkVisibility({visibilityProperty: true})) continue;
    let target = el;
    if (el.type === 'checkbox' || el.type === 'radio') target = el.closest('label') || el;
    const r = target.getBoundingClientRect();
    if (r.width >= 43.5 && r.height >= 43.5) continue;
    const name = (el.innerText || el.value || el.name || el.getAttribute('aria-label') || '');
    seen.push(`${el.tagName.toLowerCase()} «${name.trim().slice(0, 30)}» `
              + `${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return seen;
}"""
TOO_WIDE = "document.documentElement.scrollWidth > window.innerWidth"


def small_targets(tab: Page) -> list[str]:
    """What a finger would miss on the page shown."""
    return tab.evaluate(SMALL_TARGETS)


def test_the_check_finds_a_planted_small_link(page: Page):
    page.goto("/login")
    assert small_targets(page) == []
    page.evaluate(
        """() => { const a = document.createElement('a'); a.href = '#'; a.textContent = 'n° 1';
        a.style.cssText = 'display:inline-block;width:20px;height:20px;overflow:hidden';
        document.querySelector('main').append(a); }"""
    )
    assert small_targets(page) == ["a «n° 1» 20×20"]


@pytest.mark.parametrize("width,height", PHONES)
def test_every_pin_key_is_on_a_phone_screen(browser, live_server, width, height):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="fr-FR", base_url=live_server.url
    )
    tab = context.new_page()
    tab.goto("/login")
    tab.get_by_role("link", name="Léo").click()
    tab.wait_for_url("**/login/*")
    assert not tab.evaluate(TOO_WIDE)
    for key in ("3", "6", "9", "OK"):
        button = tab.locator(f'.key[data-key="{key}"]' if key != "OK" else ".key.ok")
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, key
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, key
        assert box["width"] >= 44 and box["height"] >= 44, key
        hit = button.evaluate(
            """k => { const r = k.getBoundingClientRect();
            const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return e === k || k.contains(e); }"""
        )
        assert hit, key
    type_pin(tab, "2345")
    tab.wait_for_url("**/sell")
    context.close()
