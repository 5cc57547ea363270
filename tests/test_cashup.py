"""Cashing up as a treasurer expects: one count of « Ventes », one difference rule, the blind
count, the X report, per-member totals, who may close the Z and a second Z in a day."""

import re

from pos import till
from pos.cart import Item, Payment, price_cart
from pos.db import sales as journal
from pos.db import till as store
from tests.conftest import product_id

AWA = {"id": 1, "name": "Awa"}


def _sell(db, name, quantity, payments, member=AWA):
    pid = product_id(db, name)
    row = db.execute("SELECT price, vat_rate FROM products WHERE id=?", [pid]).fetchone()
    cart = price_cart([Item(pid, name, row[0], row[1], quantity)])
    return journal.record_sale(db, cart, payments, member=member)[0]


def _text(html: str) -> str:
    """What a member reads: the page without its tags, spaces folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- « Ventes »: one count everywhere -------------------------------------------------------


def test_sales_count_takes_voids_off_and_keeps_refunds_beside():
    count = till.sales_count(recorded=9, voids=1, refunds=2)
    assert (count.sales, count.voids, count.refunds) == (8, 1, 2)
    assert till.sales_count(recorded=1, voids=1).sales == 0


def test_the_z_the_dashboard_and_the_caisse_screen_say_the_same_ventes(actions, client, db):
    leo = {"id": 2, "name": "Léo"}
    for _ in range(9):
        last = _sell(db, "Cookie", 1, [Payment("card", 250)], member=leo)
    journal.record_void(db, last, member=leo, undo_minutes=5)
    first = db.execute("SELECT min(number) FROM sales").fetchone()[0]
    journal.record_refund(db, first, [(product_id(db, "Cookie"), 1)], "card", member=AWA)
    actions.login("Awa")
    caisse = _text(client.get("/till").get_data(as_text=True))
    assert "8 ventes" in caisse and "1 annulation" in caisse and "1 remboursement" in caisse
    board = _text(client.get("/dashboard").get_data(as_text=True))
    assert "8 ventes" in board and "1 annulation" in board and "1 remboursement" in board
    number = store.close_day(db, AWA, {2000: 3}, "", 10**6)
    z = client.get(f"/till/closures/{number}").get_data(as_text=True)
    assert re.search(r"Ventes\s+8\n", z), "the Z as printed says 8"
    assert "9" not in re.search(r"Ventes</td><td[^>]*>([^<]*)<", z).group(1)
    assert re.search(r"Annulations\s+1 /", z) and re.search(r"Remboursements\s+1 /", z)
    from pos.accounts import Period
    from pos.db import exports

    [row] = list(exports.closures(db, Period()))
    assert row["sales_count"] == 8  # the accountant's file says the same


# --- The difference rule: one home -------------------------------------------------------------


def test_the_cash_difference_rule():
    gap = till.cash_difference(counted=5500, expected=6000, threshold=200)
    assert (gap.counted, gap.expected, gap.amount, gap.needs_reason) == (5500, 6000, -500, True)
    assert not till.cash_difference(6200, 6000, 200).needs_reason  # at the threshold: fine
    assert till.cash_difference(6201, 6000, 200).needs_reason


def test_the_caisse_screen_and_the_pad_never_show_a_rule_of_their_own(actions, client, db):
    from pos.db import coop

    coop.save_settings(db, {"show_expected_cash": "1"})
    actions.login("Awa")
    html = actions.post("/till/count", {"n_2000": "3", "n_1": "201", "compare": "1"})
    text = _text(html.get_data(as_text=True))
    assert "Écart 2,01 €" in text and "Écart important" in text  # 2,01 € > 2,00 €
    html = actions.post("/till/count", {"n_2000": "3", "n_1": "200", "compare": "1"})
    assert "Écart important" not in html.get_data(as_text=True)


# --- The blind count -------------------------------------------------------------------------


def _html(client, url):
    return client.get(url).get_data(as_text=True)


def test_the_closing_count_is_blind_until_confirmed(actions, client, db):
    _sell(db, "Kokedama", 1, [Payment("cash", 1250)])  # expected: 60 + 12,50 = 72,50 €
    actions.login("Awa")
    for url in ("/till", "/till/close"):
        assert "72,50" not in _html(client, url), url
    pad = actions.post("/till/count", {"n_2000": "3", "compare": "1"}).get_data(as_text=True)
    assert "72,50" not in pad and "Écart" not in pad
    confirmed = actions.post("/till/close/count", {"n_2000": "3"}, htmx=False)
    assert confirmed.status_code == 302
    shown = _text(_html(client, "/till/close"))
    assert "Compté 60,00 €" in shown and "Attendu 72,50 €" in shown and "Écart −12,50 €" in shown
    # a recount after seeing the difference: the Z keeps it, and the first difference too
    actions.post("/till/close/count", {"n_2000": "3", "n_1000": "1", "n_200": "1"}, htmx=False)
    count_id = db.execute("SELECT max(id) FROM cash_counts").fetchone()[0]
    actions.post("/till/close", {"count_id": str(count_id)}, htmx=False)
    z = store.get_closure(db, 1)
    assert (z["counted_cash"], z["difference"]) == (7200, -50)
    assert z["data"]["cash_up"]["first_difference"] == -1250
    assert z["data"]["cash_up"]["recounts"] == 1
    assert "Premier écart constaté" in z_text(client, 1) and "-12,50" in z_text(client, 1)


def z_text(client, number):
    html = _html(client, f"/till/closures/{number}")
    return re.search(r'data-testid="z-text">(.*?)</pre>', html, re.S).group(1)


def test_a_setting_shows_the_expected_cash_before_the_count(actions, client, db):
    from pos.db import coop

    _sell(db, "Kokedama", 1, [Payment("cash", 1250)])
    coop.save_settings(db, {"show_expected_cash": "1"})
    actions.login("Awa")
    assert "72,50" in _html(client, "/till")
    pad = actions.post("/till/count", {"n_2000": "3", "compare": "1"}).get_data(as_text=True)
    assert "72,50" in pad and "−12,50" in pad


def test_the_handover_count_is_blind_then_kept(actions, client, db):
    _sell(db, "Kokedama", 1, [Payment("cash", 1250)], member={"id": 2, "name": "Léo"})
    actions.login("Léo")
    assert "72,50" not in _html(client, "/till")
    answer = actions.post("/till/handover/count", {"to_member": "1", "n_2000": "3"}, htmx=False)
    assert answer.status_code == 302
    shown = _text(_html(client, answer.location))
    assert "Attendu 72,50 €" in shown and "Écart −12,50 €" in shown
    result = _html(client, answer.location)  # the day per member, Léo's shift counted
    assert re.search(r'data-member="Léo">(?:(?!</tr>).)*−12,50', result, re.S)
    count_id = db.execute("SELECT max(id) FROM cash_counts").fetchone()[0]
    gone = actions.post("/till/handover", {"to_member": "1", "count_id": str(count_id)}, htmx=False)
    assert gone.status_code == 302 and "/login/1" in gone.location
    assert db.execute("SELECT expected, counted, count_id FROM handovers").fetchone() == (
        7250,
        6000,
        count_id,
    )


def test_a_count_made_before_a_sale_cannot_close_the_day(actions, client, db):
    actions.login("Awa")
    actions.post("/till/close/count", {"n_2000": "3"}, htmx=False)
    count_id = db.execute("SELECT max(id) FROM cash_counts").fetchone()[0]
    _sell(db, "Cookie", 1, [Payment("cash", 250)])
    answer = actions.post("/till/close", {"count_id": str(count_id)}, htmx=False)
    assert answer.status_code == 302 and answer.location.endswith("/till/close")
    assert db.execute("SELECT count(*) FROM closures").fetchone()[0] == 0
    assert "recomptez" in _html(client, "/till/close")


# --- The X report ----------------------------------------------------------------------------


def test_an_x_between_two_sales_says_what_the_z_would_say(actions, client, db, db_path, tmp_path):

    from pos import db as database

    _sell(db, "Kokedama", 2, [Payment("cash", 3000)])
    _sell(db, "Cookie", 1, [Payment("card", 250)])
    actions.login("Awa")
    made = actions.post("/till/x", htmx=False)
    assert made.status_code == 302
    number = int(made.location.rsplit("/", 1)[1])
    x = store.get_x_report(db, number)
    x_page = _html(client, f"/till/x/{number}")
    assert "X — ne clôture pas la journée" in x_page and "85,00" in x_page  # 60 + 25
    # the Z at that very moment, on a copy of the coop's file
    then = database.connect(tmp_path / "then.db", create=True)
    db.conn.backup(then.conn)
    z = store.get_closure(then, store.close_day(then, AWA, {1: 8500}, "", 200))
    then.close()
    for key, value in z["data"].items():
        if key not in ("cash_up", "shifts", "by_member"):
            assert x["data"][key] == value, key
    assert x["expected_cash"] == z["expected_cash"] == 8500
    assert [r["by_method"] for r in x["data"]["by_member"]] == [
        r["by_method"] for r in z["data"]["by_member"]
    ]
    _sell(db, "Cookie", 1, [Payment("cash", 250)])  # the day goes on: the X closed nothing
    later = store.get_x_report(db, store.x_report(db, AWA))
    assert later["data"]["net_total"] == x["data"]["net_total"] + 250
    assert db.execute("SELECT count(*) FROM closures").fetchone()[0] == 0
    kinds = [r[0] for r in db.execute("SELECT kind FROM events WHERE kind = 'x_report'")]
    assert len(kinds) == 2  # each X is an event


def test_the_x_prints_marked_x(actions, client, db, printer_listener_factory):
    from pos.db import coop
    from tests.escpos_decode import decode

    printer = printer_listener_factory("normal")
    coop.save_settings(db, {"printer_url": printer.url})
    _sell(db, "Cookie", 1, [Payment("card", 250)])
    actions.login("Awa")
    number = int(actions.post("/till/x", htmx=False).location.rsplit("/", 1)[1])
    actions.post(f"/till/x/{number}/print", htmx=False)
    text = "\n".join(decode(printer.received()[0]).text)
    assert "POINT DE CAISSE (X)" in text and "X — ne clôture pas la journée" in text
    assert "Espèces attendues" in text and "CLÔTURE" not in text
    assert db.execute("SELECT count(*) FROM closures").fetchone()[0] == 0


# --- Per member ------------------------------------------------------------------------------


def test_per_member_totals_add_up_to_the_z_over_two_handovers(actions, client, db):
    actions.login("Awa")
    awa, leo = AWA, {"id": 2, "name": "Léo"}
    _sell(db, "Kokedama", 1, [Payment("cash", 2000)], member=awa)  # +12,50 cash
    _sell(db, "Cookie", 2, [Payment("card", 500)], member=awa)
    store.add_movement(db, -1500, "Place du marché", awa)
    # Awa counts 2 € short, hands to Léo
    store.record_handover(db, awa, leo, {2000: 2, 1000: 1, 500: 1, 50: 1})  # 55,50 vs 57,50
    _sell(db, "Dernier pot", 1, [Payment("cheque", 900)], member=leo)
    n = _sell(db, "Cookie", 1, [Payment("cash", 250)], member=leo)
    journal.record_void(db, n, member=leo, undo_minutes=5)
    store.add_movement(db, 1000, "Monnaie du voisin", leo)
    # Léo counts 1 € more short (3 € in all), hands back to Awa
    store.record_handover(db, leo, awa, {2000: 3, 200: 2, 50: 1})  # 64,50 vs 67,50
    _sell(db, "Cookie", 1, [Payment("cash", 250)], member=awa)
    number = store.close_day(db, awa, {2000: 3, 1000: 1, 50: 1}, "", 10**6)  # 70,50 vs 70
    z = store.get_closure(db, number)["data"]
    rows = {r["member"]: r for r in z["by_member"]}
    assert set(rows) == {"Awa", "Léo"}
    methods = {}
    for r in rows.values():
        for m, a in r["by_method"].items():
            methods[m] = methods.get(m, 0) + a
    assert {m: a for m, a in methods.items() if a} == {m: a for m, a in z["by_method"].items() if a}
    assert sum(till.sales_count_of(r).sales for r in rows.values()) == till.sales_count_of(z).sales
    assert till.sales_count_of(rows["Léo"]).sales == 1 and rows["Léo"]["voids_count"] == 1
    assert (rows["Awa"]["cash_out"], rows["Léo"]["cash_in"]) == (1500, 1000)
    # each shift's own difference: Awa −2 €, Léo −1 €, Awa's evening +3,50 € (+0,50 in all)
    shifts = z["shifts"]
    assert [s["member"] for s in shifts] == ["Awa", "Léo", "Awa"]
    assert [s["difference"] for s in shifts] == [-200, -100, 350]
    assert rows["Léo"]["difference"] == -100 and rows["Awa"]["difference"] == 150
    assert (
        sum(r["difference"] for r in rows.values()) == store.get_closure(db, number)["difference"]
    )
    page = _html(client, f"/till/closures/{number}")
    assert 'data-member="Léo"' in page and "PAR MEMBRE" in page


# --- Who closes, how often -------------------------------------------------------------------


def test_a_member_is_refused_the_z_and_the_x_unless_allowed(actions, client, db):
    from pos.db import coop

    actions.login("Léo")
    assert "Clôturer la journée (Z)" not in _html(client, "/till")
    for url in ("/till/close/count", "/till/close", "/till/x"):
        refused = actions.post(url, {"n_2000": "3"}, htmx=False)
        assert refused.status_code == 403, url
        assert "administrateur" in refused.get_data(as_text=True)
    assert client.get("/till/close").status_code == 403
    assert db.execute("SELECT count(*) FROM closures").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM cash_counts").fetchone()[0] == 0
    coop.save_settings(db, {"z_closers": "2"})  # the admin allows Léo
    assert "Clôturer la journée (Z)" in _html(client, "/till")
    assert actions.post("/till/close", {"n_2000": "3"}, htmx=False).status_code == 302
    assert db.execute("SELECT member FROM closures").fetchone()[0] == "Léo"


def test_the_admin_allows_a_member_in_the_settings(actions, client, db):
    actions.login("Awa")
    page = _html(client, "/admin/settings")
    assert 'name="z_closers" value="2"' in page
    from tests.conftest import csrf_of

    form = {
        "csrf_token": csrf_of(page),
        "brand": "Les Kokés",
        "legal_name": "CAE Test",
        "cash_difference_threshold": "2,00",
        "z_closers": "2",
    }
    assert client.post("/admin/settings", data=form).status_code == 302
    settings = dict(db.execute("SELECT key, value FROM settings").fetchall())
    assert settings["z_closers"] == "2" and settings["show_expected_cash"] == "0"


def test_a_second_z_on_the_same_day_asks_for_a_confirmation_and_a_reason(actions, client, db):
    actions.login("Awa")
    assert actions.post("/till/close", {"n_2000": "3"}, htmx=False).status_code == 302
    actions.post("/till/open", {"n_2000": "3"}, htmx=False)
    actions.post("/till/close/count", {"n_2000": "3"}, htmx=False)
    page = _html(client, "/till/close")
    assert "Un Z a déjà clôturé une journée de caisse" in page
    count_id = str(db.execute("SELECT max(id) FROM cash_counts").fetchone()[0])
    for form in ({}, {"same_day_ok": "1"}, {"same_day_reason": "deuxième marché"}):
        refused = actions.post("/till/close", {"count_id": count_id, **form}, htmx=False)
        assert refused.status_code == 422, form
        assert "dites pourquoi" in refused.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM closures").fetchone()[0] == 1
    ok = actions.post(
        "/till/close",
        {"count_id": count_id, "same_day_ok": "1", "same_day_reason": "marché du soir"},
        htmx=False,
    )
    assert ok.status_code == 302
    z = store.get_closure(db, 2)
    assert z["data"]["cash_up"]["same_day_reason"] == "marché du soir"
    assert "Autre Z ce jour : marché du soir" in z_text(client, 2)
    event = db.execute("SELECT details FROM events WHERE kind='closure' ORDER BY number DESC")
    assert "marché du soir" in event.fetchone()[0]


def test_the_events_screen_links_each_x(actions, client, db):
    actions.login("Awa")
    number = int(actions.post("/till/x", htmx=False).location.rsplit("/", 1)[1])
    events = _html(client, "/admin/events")
    assert f'href="/till/x/{number}"' in events and "by_member" not in events
    assert "X — ne clôture pas la journée" in _html(client, f"/till/x/{number}")


def test_handing_over_without_a_count_keeps_no_count(actions, client, db):
    actions.login("Léo")
    gone = actions.post(
        "/till/handover", {"to_member": "1", "n_2000": "1", "no_count": "1"}, htmx=False
    )
    assert gone.status_code == 302
    assert db.execute("SELECT counted, count_id FROM handovers").fetchone() == (None, None)
    assert db.execute("SELECT count(*) FROM cash_counts").fetchone()[0] == 0


def test_a_recount_at_a_handover_keeps_the_first_difference_on_the_z(actions, client, db):
    _sell(db, "Kokedama", 1, [Payment("cash", 1250)], member={"id": 2, "name": "Léo"})
    actions.login("Léo")
    actions.post("/till/handover/count", {"to_member": "1", "n_2000": "3"}, htmx=False)
    again = {"to_member": "1", "n_2000": "3", "n_1000": "1", "n_200": "1", "n_50": "1"}
    actions.post("/till/handover/count", again, htmx=False)  # 72,50: right this time
    count_id = db.execute("SELECT max(id) FROM cash_counts").fetchone()[0]
    actions.post("/till/handover", {"to_member": "1", "count_id": str(count_id)}, htmx=False)
    actions.login("Awa")
    number = store.close_day(db, AWA, {2000: 3, 1000: 1, 200: 1, 50: 1}, "", 200)
    [leo, awa] = store.get_closure(db, number)["data"]["shifts"]
    assert (leo["member"], leo["difference"], leo["first_difference"]) == ("Léo", 0, -1250)
    assert (awa["member"], awa["difference"], awa["first_difference"]) == ("Awa", 0, None)
    text = z_text(client, number)
    assert "RELÈVES COMPTÉES" in text and re.search(r"1er comptage\s+-12,50", text)


def test_a_change_swap_or_a_cheque_deposit_is_no_cash_in_or_out_for_a_member():
    moves = [
        {"member_id": 1, "member": "Awa", "amount": -2000, "kind": "swap", "method": "cash"},
        {"member_id": 1, "member": "Awa", "amount": -900, "kind": "deposit", "method": "cheque"},
        {"member_id": 1, "member": "Awa", "amount": -1500, "kind": "deposit", "method": "cash"},
        {"member_id": 1, "member": "Awa", "amount": 1000, "kind": "member_in", "method": "cash"},
    ]
    [awa] = till.member_figures([], moves, [])
    assert (awa["cash_in"], awa["cash_out"]) == (1000, 1500)
