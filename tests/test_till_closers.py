"""Who closes the Z and a second Z in a calendar day: the store refuses, whatever path asks."""

from __future__ import annotations

import json

import pytest

from pos import till
from pos.db import coop
from pos.db import till as store
from pos.errors import ClosingNotAllowed, InvalidInput

AWA = {"id": 1, "name": "Awa"}  # an admin in the seed
LEO = {"id": 2, "name": "Léo"}  # a member
FLOAT = {2000: 2, 1000: 2}


def closures(db) -> int:
    return db.execute("SELECT count(*) FROM closures WHERE kind = 'day'").fetchone()[0]


def reopen(db):
    store.open_day(db, AWA, FLOAT)


# --- The rule, pure -------------------------------------------------------------------------


def test_close_refusals_name_the_field_of_each_rule():
    allowed = {"z_closers": "2"}
    assert till.close_refusals({"id": 1, "role": "admin"}, {}, 0, False, "") == {}
    assert set(till.close_refusals({"id": 2, "role": "member"}, {}, 0, False, "")) == {"member"}
    assert till.close_refusals({"id": 2, "role": "member"}, allowed, 0, False, "") == {}
    second = till.close_refusals({"id": 1, "role": "admin"}, {}, 1, False, "marché du soir")
    assert set(second) == {"same_day_reason"}
    assert till.close_refusals({"id": 1, "role": "admin"}, {}, 1, True, "  ") != {}
    assert till.close_refusals({"id": 1, "role": "admin"}, {}, 1, True, "marché du soir") == {}


# --- The store refuses, before writing anything -------------------------------------------


def test_a_member_not_allowed_is_refused_the_z_by_the_store(db):
    with pytest.raises(ClosingNotAllowed):
        store.close_day(db, LEO, FLOAT, "", 10**6)
    assert closures(db) == 0 and store.current_day(db) is not None
    assert db.execute("SELECT count(*) FROM cash_counts").fetchone()[0] == 0  # nothing written


def test_the_store_trusts_the_members_table_not_the_callers_dict(db):
    with pytest.raises(ClosingNotAllowed):
        store.close_day(db, {**LEO, "role": "admin"}, FLOAT, "", 10**6)
    with pytest.raises(ClosingNotAllowed):
        store.close_day(db, {"id": 99, "name": "Personne", "role": "admin"}, FLOAT, "", 10**6)
    assert closures(db) == 0


def test_a_member_the_admin_allowed_closes_the_z(db):
    coop.save_settings(db, {"z_closers": "2"})
    store.close_day(db, LEO, FLOAT, "", 10**6)
    assert closures(db) == 1


def test_the_x_report_is_refused_by_the_store_too(db):
    with pytest.raises(ClosingNotAllowed):
        store.x_report(db, LEO)
    assert store.x_report(db, AWA)


def test_a_second_z_on_one_calendar_day_needs_a_confirmation_and_a_reason(db):
    store.close_day(db, AWA, FLOAT, "", 10**6)
    for ok, why in ((False, ""), (True, ""), (False, "marché du soir"), (True, "   ")):
        reopen(db) if store.current_day(db) is None else None
        with pytest.raises(InvalidInput) as refused:
            store.close_day(db, AWA, FLOAT, "", 10**6, same_day_ok=ok, same_day_reason=why)
        assert refused.value.field == "same_day_reason"
        assert closures(db) == 1 and store.current_day(db) is not None
    number = store.close_day(
        db, AWA, FLOAT, "", 10**6, same_day_ok=True, same_day_reason="marché du soir"
    )
    z = store.get_closure(db, number)
    assert closures(db) == 2
    assert json.loads(z["totals"])["cash_up"]["same_day_reason"] == "marché du soir"
