"""A member logs in by tapping name and PIN; wrong PINs lock."""

import pytest

from tests.conftest import login_on_keypad

pytestmark = pytest.mark.e2e


def test_member_logs_in_by_tapping_name_and_pin(page):
    login_on_keypad(page, "Léo")
    page.wait_for_url("**/sell")
    assert page.locator(".topbar .who span").inner_text() == "Léo"
    assert page.get_by_role("button", name="Compte juste").is_visible()


def test_five_wrong_pins_lock_the_member(page, db):
    page.goto("/login")
    page.get_by_role("link", name="Léo").click()
    for attempt in range(5):
        page.locator("#pin").fill("9999")
        page.get_by_role("button", name="OK").click()
        page.wait_for_load_state()
        if attempt < 4:
            assert "Code incorrect" in page.locator(".msg.error").inner_text()
    assert "Trop d'essais" in page.locator(".msg.error").inner_text()
    # Even the right PIN is refused while locked.
    page.locator("#pin").fill("2345")
    page.get_by_role("button", name="OK").click()
    assert "Trop d'essais" in page.locator(".msg.error").inner_text()
    assert "/sell" not in page.url
    row = db.execute(
        "SELECT failures, delayed_until FROM pin_throttle WHERE scope LIKE 'member:%'"
    ).fetchone()
    assert row[0] == 5 and row[1] is not None
