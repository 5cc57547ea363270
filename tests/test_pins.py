"""Wrong PINs slow an attacker down, never lock anyone out (issue #15, item 1)."""

from __future__ import annotations

import threading

import pytest

from pos import clock
from pos import members as rules
from pos.cli import main
from tests.conftest import PRODUCTION_PIN_HASH, csrf_of


@pytest.fixture(autouse=True)
def _clock_back():
    yield
    clock.set_offset(0)


def member_id(db, name: str) -> int:
    return db.execute("SELECT id FROM members WHERE name = ?", [name]).fetchone()[0]


def try_pin(client, mid: int, pin: str):
    token = csrf_of(client.get(f"/login/{mid}").get_data(as_text=True))
    return client.post(f"/login/{mid}", data={"pin": pin, "csrf_token": token})


def later(seconds: float) -> None:
    clock.set_offset(clock.offset_seconds() + seconds)


def failures(db) -> int:
    return db.execute("SELECT count(*) FROM events WHERE kind = 'pin_failed'").fetchone()[0]


def test_a_pin_is_stored_at_the_production_cost(monkeypatch):
    """The tests store PINs at a low scrypt cost for speed; a real coop's are at N=4096."""
    monkeypatch.setattr(rules, "PIN_HASH_METHOD", PRODUCTION_PIN_HASH)
    stored = rules.hash_pin("2468")
    assert stored.startswith("scrypt:4096:8:1$")
    assert rules.pin_matches(stored, "2468")
    assert not rules.pin_matches(stored, "2469")


@pytest.mark.parametrize("failed", range(0, 40))
def test_delays_grow_and_never_pass_a_minute(failed):
    delay = rules.delay_after(failed, rules.FREE_TRIES)
    assert 0 <= delay <= 60
    assert delay <= rules.delay_after(failed + 1, rules.FREE_TRIES)
    assert (delay == 0) == (failed < rules.FREE_TRIES)


def test_a_burst_of_120_concurrent_wrong_pins_gets_only_the_free_tries(app, db):
    mid = member_id(db, "Awa")
    pages = []
    for _ in range(120):
        client = app.test_client()
        pages.append((client, csrf_of(client.get(f"/login/{mid}").get_data(as_text=True))))
    start = threading.Barrier(120)
    statuses = []

    def attack(client, token):
        start.wait()
        answer = client.post(f"/login/{mid}", data={"pin": "0000", "csrf_token": token})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=attack, args=p) for p in pages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures(db) == rules.FREE_TRIES  # the PIN was compared only five times
    assert statuses.count(422) == rules.FREE_TRIES - 1 and statuses.count(429) == 120 - (
        rules.FREE_TRIES - 1
    )
    assert 500 not in statuses


def test_the_pin_screen_says_how_many_tries_are_left(client, db):
    mid = member_id(db, "Léo")
    assert "avant une attente" not in client.get(f"/login/{mid}").get_data(as_text=True)
    answer = try_pin(client, mid, "0000").get_data(as_text=True)
    assert "Code incorrect" in answer and "Encore 4 essais avant une attente." in answer
    for _ in range(3):
        answer = try_pin(client, mid, "0000").get_data(as_text=True)
    assert "Encore 1 essai avant une attente." in answer
    waited = try_pin(client, mid, "0000")
    assert waited.status_code == 429 and "réessayez dans 5 secondes" in waited.get_data(True)


def test_a_member_gets_in_within_a_minute_once_wrong_pins_stop(client, db):
    mid = member_id(db, "Léo")
    for _ in range(40):  # an attacker keeps trying, each time the delay allows it
        try_pin(client, mid, "0000")
        later(61)
    assert failures(db) == 40  # slowed, never shut out
    assert try_pin(client, mid, "0000").status_code == 429  # the last failure's minute
    later(61)
    assert try_pin(client, mid, "2345").status_code == 302


def test_one_members_wrong_pins_do_not_block_the_others_on_the_tablet(client, db):
    leo, awa = member_id(db, "Léo"), member_id(db, "Awa")
    for _ in range(6):
        try_pin(client, leo, "0000")
    assert try_pin(client, leo, "2345").status_code == 429
    assert try_pin(client, awa, "1234").status_code == 302


def test_a_device_trying_every_member_is_slowed_too(client, db):
    leo, awa = member_id(db, "Léo"), member_id(db, "Awa")
    for i in range(rules.DEVICE_FREE_TRIES):
        try_pin(client, (leo, awa)[i % 2], "0000")
    refused = try_pin(client, awa, "1234")
    assert refused.status_code == 429


def test_the_last_admin_gets_in_on_her_tablet_while_attacked(app, db):
    awa = member_id(db, "Awa")
    tablet = app.test_client()
    assert try_pin(tablet, awa, "1234").status_code == 302  # her tablet knows her
    tablet.post("/logout", data={"csrf_token": csrf_of(tablet.get("/sell").get_data(True))})
    for n in range(30):  # strangers on the Wi-Fi, from many addresses
        stranger = app.test_client()
        stranger.environ_base["REMOTE_ADDR"] = f"10.42.0.{100 + n}"
        try_pin(stranger, awa, "0000")
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.42.0.7"
    assert try_pin(other, awa, "1234").status_code == 429  # a new device waits
    assert try_pin(tablet, awa, "1234").status_code == 302  # hers does not


def test_an_admin_unlocks_a_member_from_the_web(actions, client, db):
    leo = member_id(db, "Léo")
    other = client.application.test_client()
    for _ in range(7):
        try_pin(other, leo, "0000")
    assert try_pin(other, leo, "2345").status_code == 429
    actions.login("Awa")
    members = client.get("/admin/members").get_data(as_text=True)
    assert "En attente" in members
    assert actions.post(f"/admin/members/{leo}/unlock", htmx=False).status_code == 302
    assert try_pin(other, leo, "2345").status_code == 302


def test_pos_member_unlock_clears_the_delays(runner, client, db, db_path):
    leo = member_id(db, "Léo")
    for _ in range(7):
        try_pin(client, leo, "0000")
    result = runner.invoke(main, ["member", "unlock", "léo", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "Léo peut se connecter" in result.output
    assert try_pin(client, leo, "2345").status_code == 302
    unknown = runner.invoke(main, ["member", "unlock", "Zoé", "--db", str(db_path)])
    assert unknown.exit_code == 1 and unknown.output.startswith("Erreur")


def test_superscript_digits_are_not_a_pin():
    assert not rules.pin_is_valid("12²4")
    assert not rules.pin_is_valid("١٢٣٤")
    assert rules.pin_is_valid("1234")
