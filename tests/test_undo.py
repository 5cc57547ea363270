"""The undo rule: one pure function says whether a sale may still be undone, and why not."""

from datetime import UTC, datetime, timedelta

import pytest

from pos.undo import may_undo, undo_refusal

SOLD_AT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
SALE = {
    "number": 7,
    "kind": "sale",
    "member_id": 2,
    "created_at": SOLD_AT.isoformat(),
    "voided_by": None,
    "refunds": [],
}


def test_the_sellers_last_sale_within_the_window_may_be_undone():
    assert undo_refusal(SALE, 2, 7, SOLD_AT + timedelta(minutes=4), 5) is None
    assert may_undo(SALE, 2, 7, SOLD_AT + timedelta(minutes=4), 5)


@pytest.mark.parametrize(
    ("change", "member", "last", "minutes", "says"),
    [
        ({"voided_by": 8}, 2, 7, 1, "déjà annulée"),
        ({"refunds": [9]}, 2, 7, 1, "remboursée"),
        ({"kind": "void"}, 2, 7, 1, "déjà annulée"),
        ({}, 1, 7, 1, "Seul le vendeur"),
        ({}, 2, 8, 1, "dernière vente"),
        ({}, 2, 7, 6, "dernière vente"),
    ],
    ids=["voided", "refunded", "not-a-sale", "another-member", "not-the-last", "too-late"],
)
def test_each_refusal_says_why(change, member, last, minutes, says):
    sale, now = {**SALE, **change}, SOLD_AT + timedelta(minutes=minutes)
    refusal = undo_refusal(sale, member, last, now, 5)
    assert refusal is not None and says in refusal
    assert not may_undo(sale, member, last, now, 5)


def test_the_window_ends_at_the_same_moment_for_the_button_and_the_server():
    # Exactly at the end of the window: refused by both (the button once offered what the
    # server then refused).
    assert not may_undo(SALE, 2, 7, SOLD_AT + timedelta(minutes=5), 5)
    assert may_undo(SALE, 2, 7, SOLD_AT + timedelta(minutes=5) - timedelta(microseconds=1), 5)
