"""Profit sharing: worked examples, explicit remainders, and exact sums for any input."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.shares import InvalidShares, Member, Step, largest_remainder, share_result

BP = 10_000


def amounts(sheet):
    return {share.name: share.amount for share in sheet.shares}


def test_equal_shares_after_kept_back():
    members = [Member("Ana"), Member("Bea"), Member("Cyr")]
    sheet = share_result(100_000, members, rule="equal", kept_back_bp=1000)
    assert (sheet.kept_back, sheet.to_share) == (10_000, 90_000)
    assert amounts(sheet) == {"Ana": 30_000, "Bea": 30_000, "Cyr": 30_000}
    assert sheet.steps[:4] == (
        Step("result", 100_000),
        Step("kept_back", 10_000, 100_000, 1000),
        Step("to_share", 90_000),
        Step("equal_pot", 90_000, 90_000, BP, 3),
    )
    assert not sheet.is_loss and not sheet.fell_back_to_equal


def test_remainder_cents_go_by_name_not_by_order():
    members = [Member("Zoé"), Member("anna"), Member("Marc")]
    sheet = share_result(100, members)
    assert amounts(sheet) == {"anna": 34, "Marc": 33, "Zoé": 33}
    assert [s.remainder_cents for s in sheet.shares] == [0, 1, 0]
    assert Step("equal_remainder", 1) in sheet.steps


def test_shares_by_hours():
    members = [Member("Ana", 600), Member("Bea", 300), Member("Cyr", 0)]
    sheet = share_result(90_001, members, rule="hours")
    # exact parts 60000.67, 30000.33, 0: the leftover cent goes to the largest remainder (Ana)
    assert amounts(sheet) == {"Ana": 60_001, "Bea": 30_000, "Cyr": 0}
    assert sheet.shares[0].hours_part == 60_001 and sheet.shares[0].equal_part == 0
    assert Step("hours_pot", 90_001, 90_001, BP, 900) in sheet.steps


def test_mix_of_equal_and_hours():
    members = [Member("Ana", 120), Member("Bea", 60), Member("Cyr", 0)]
    sheet = share_result(10_000, members, rule="mix", kept_back_bp=2000, hours_weight_bp=2500)
    assert (sheet.kept_back, sheet.to_share, sheet.hours_weight_bp) == (2000, 8000, 2500)
    # equal pot 6000 -> 2000 each; hours pot 2000 -> 1333.33 / 666.67 / 0
    assert [(s.equal_part, s.hours_part) for s in sheet.shares] == [
        (2000, 1333),
        (2000, 667),
        (2000, 0),
    ]
    assert sum(amounts(sheet).values()) == 8000
    assert Step("hours_remainder", 1) in sheet.steps


def test_nobody_has_hours_falls_back_to_equal():
    sheet = share_result(1000, [Member("Ana"), Member("Bea")], rule="hours")
    assert sheet.fell_back_to_equal
    assert amounts(sheet) == {"Ana": 500, "Bea": 500}
    assert sheet.steps[-1] == Step("hours_fallback_equal", 1000, count=2)


@pytest.mark.parametrize("result", [0, -1, -250_000])
def test_a_loss_gives_no_shares(result):
    sheet = share_result(result, [Member("Ana", 60)], rule="hours", kept_back_bp=1000)
    assert sheet.is_loss
    assert (sheet.shares, sheet.kept_back, sheet.to_share) == ((), 0, 0)
    assert sheet.steps == (Step("result", result), Step("loss", result))


def test_kept_back_rounds_half_up():
    sheet = share_result(5, [Member("Ana")], kept_back_bp=1000)  # 0.5 cent -> 1
    assert (sheet.kept_back, sheet.to_share) == (1, 4)


def test_hours_weight_is_ignored_outside_mix():
    sheet = share_result(100, [Member("Ana", 1), Member("Bea", 3)], hours_weight_bp=99_999)
    assert sheet.hours_weight_bp == 0 and amounts(sheet) == {"Ana": 50, "Bea": 50}


@pytest.mark.parametrize(
    ("members", "options"),
    [
        ([], {}),
        ([Member("Ana")], {"rule": "salary"}),
        ([Member("Ana")], {"kept_back_bp": -1}),
        ([Member("Ana")], {"kept_back_bp": 10_001}),
        ([Member("Ana")], {"rule": "mix", "hours_weight_bp": 10_001}),
        ([Member("Ana")], {"rule": "mix", "hours_weight_bp": -1}),
        ([Member("Ana"), Member("Ana")], {}),
        ([Member("Ana", -60)], {"rule": "hours"}),
    ],
)
def test_invalid_inputs_raise(members, options):
    with pytest.raises(InvalidShares):
        share_result(1000, members, **options)


def test_largest_remainder_never_gives_a_cent_to_zero_weight():
    assert largest_remainder(2, [0, 1, 1, 1], [0, 1, 2, 3]) == [0, 1, 1, 0]


names = st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=9, unique=True)


@st.composite
def sharings(draw):
    member_names = draw(names)
    minutes = st.integers(0, 3000) | st.just(0)
    members = [Member(name, draw(minutes)) for name in member_names]
    return {
        "result": draw(st.integers(-100_000, 10_000_000)),
        "members": members,
        "rule": draw(st.sampled_from(["equal", "hours", "mix"])),
        "kept_back_bp": draw(st.integers(0, BP)),
        "hours_weight_bp": draw(st.integers(0, BP)),
    }


@given(sharings())
def test_shares_add_up_exactly_and_are_never_negative(args):
    sheet = share_result(**args)
    assert sum(s.amount for s in sheet.shares) == sheet.to_share
    assert sheet.kept_back + sheet.to_share == max(args["result"], 0)
    assert all(s.equal_part >= 0 and s.hours_part >= 0 for s in sheet.shares)
    assert all(s.amount == s.equal_part + s.hours_part for s in sheet.shares)
    assert sheet.is_loss == (args["result"] <= 0)


@given(sharings(), st.randoms(use_true_random=False))
def test_shares_are_deterministic_and_ignore_member_order(args, random):
    first = share_result(**args)
    assert share_result(**args) == first
    shuffled = list(args["members"])
    random.shuffle(shuffled)
    again = share_result(**{**args, "members": shuffled})
    assert amounts(again) == amounts(first)


@given(sharings())
def test_each_share_is_within_one_cent_of_its_exact_share(args):
    """Rounded once: floor of the exact combined share, plus at most one cent."""
    sheet = share_result(**args)
    if sheet.is_loss:
        return
    weight, count = sheet.hours_weight_bp, len(sheet.shares)
    minutes = sum(s.minutes for s in sheet.shares)
    for share in sheet.shares:
        exact = Fraction(sheet.to_share * (BP - weight), BP * count)
        if sheet.fell_back_to_equal:
            exact += Fraction(sheet.to_share * weight, BP * count)
        elif minutes:
            exact += Fraction(sheet.to_share * weight * share.minutes, BP * minutes)
        assert -1 < share.amount - exact < 1
        assert share.remainder_cents in (0, 1)


def test_mixed_shares_round_once_on_the_exact_combined_share():
    # 10,00 cents half by hours: exact shares Ana 1.67 + 1.67 = 3.33, Bea 1.67 + 3.33 = 5,
    # Cyr 1.67. Rounding pot by pot gave Ana 2 rounding cents (4) and Cyr, with the larger
    # remainder, none (1); rounding once gives the cent to Cyr.
    members = [Member("Ana", 1), Member("Bea", 2), Member("Cyr", 0)]
    sheet = share_result(10, members, rule="mix", hours_weight_bp=5000)
    assert [s.amount for s in sheet.shares] == [3, 5, 2]
    assert [s.remainder_cents for s in sheet.shares] == [0, 0, 1]


@given(sharings())
def test_no_hours_no_hours_part(args):
    sheet = share_result(**{**args, "rule": "hours"})
    if sheet.is_loss or sheet.fell_back_to_equal:
        assert sheet.is_loss or not any(s.minutes for s in sheet.shares)
        return
    assert all(s.amount == 0 for s in sheet.shares if s.minutes == 0)
