"""The cart pipeline: discounts, totals, VAT per rate, payments and change."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.cart import (
    Change,
    Discount,
    Item,
    Payment,
    changes_since,
    check_discount,
    merge_payments,
    price_cart,
    settle,
    shown,
)
from pos.errors import InvalidInput, PaymentMismatch

KOKE = Item(product_id=1, name="Kokedama", unit_price=1250, vat_rate=2000, quantity=1)
COOKIE = Item(product_id=2, name="Cookie", unit_price=250, vat_rate=550, quantity=2)


def test_totals_and_vat_per_rate():
    cart = price_cart([KOKE, COOKIE])
    assert cart.total == 1750
    assert [(v.rate, v.total) for v in cart.vat] == [(550, 500), (2000, 1250)]


def test_line_discount_percent_amount_and_free():
    lines = price_cart(
        [
            Item(1, "A", 1000, 2000, 1, discount=Discount("percent", 1000, "fin de marché")),
            Item(2, "B", 500, 550, 2, discount=Discount("amount", 150, "abîmé")),
            Item(3, "C", 300, 550, 1, discount=Discount("free", 0, "dégustation")),
        ]
    ).lines
    assert [ln.total for ln in lines] == [900, 850, 0]
    assert [ln.discount_reason for ln in lines] == ["fin de marché", "abîmé", "dégustation"]


def test_cart_discount_is_spread_exactly_over_lines():
    cart = price_cart([KOKE, COOKIE], Discount("amount", 100, "fidélité"))
    assert cart.total == 1650
    assert cart.discount == 100
    assert sum(ln.discount for ln in cart.lines) == 100


def test_a_discount_never_makes_a_line_negative():
    cart = price_cart([KOKE], Discount("amount", 99999, "erreur"))
    assert cart.total == 0


def test_empty_cart_is_refused():
    with pytest.raises(InvalidInput):
        price_cart([])


@pytest.mark.parametrize("quantity", [0, -1, 10000])
def test_quantity_bounds(quantity):
    with pytest.raises(InvalidInput):
        price_cart([Item(1, "A", 100, 550, quantity)])


def test_change_only_from_cash():
    assert settle(1500, [Payment("cash", 2000)]) == 500
    assert settle(1500, [Payment("card", 1000), Payment("cash", 1000)]) == 500
    with pytest.raises(PaymentMismatch):
        settle(1500, [Payment("card", 2000)])
    with pytest.raises(PaymentMismatch):
        settle(1500, [Payment("cash", 1000)])
    with pytest.raises(InvalidInput):
        settle(1500, [Payment("bitcoin", 1500)])


def test_merge_payments_by_method():
    assert merge_payments([Payment("cash", 500), Payment("card", 100), Payment("cash", 200)]) == [
        Payment("cash", 700),
        Payment("card", 100),
    ]


items = st.builds(
    Item,
    product_id=st.integers(1, 50),
    name=st.just("p"),
    unit_price=st.integers(0, 100_000),
    vat_rate=st.sampled_from([0, 550, 1000, 2000]),
    quantity=st.integers(1, 50),
    discount=st.one_of(
        st.none(),
        st.builds(Discount, kind=st.just("percent"), value=st.integers(1, 10000)),
        st.builds(Discount, kind=st.just("amount"), value=st.integers(0, 200_000)),
        st.builds(Discount, kind=st.just("free")),
    ),
)
cart_discounts = st.one_of(
    st.none(),
    st.builds(Discount, kind=st.just("percent"), value=st.integers(1, 10000)),
    st.builds(Discount, kind=st.just("amount"), value=st.integers(0, 10**6)),
)


@given(st.lists(items, min_size=1, max_size=12), cart_discounts)
def test_cart_totals_always_add_up(cart_items, discount):
    cart = price_cart(cart_items, discount)
    assert cart.total == sum(ln.total for ln in cart.lines)
    assert all(ln.total >= 0 and ln.total + ln.discount == ln.gross for ln in cart.lines)
    assert cart.total + cart.discount == sum(ln.gross for ln in cart.lines)
    assert sum(v.total for v in cart.vat) == cart.total
    assert all(v.base + v.vat == v.total for v in cart.vat)


@given(total=st.integers(0, 10**6), card=st.integers(0, 10**6), cash=st.integers(0, 10**6))
def test_change_is_what_cash_gave_beyond_the_total(total, card, cash):
    payments = [p for p in (Payment("card", card), Payment("cash", cash)) if p.amount]
    try:
        change = settle(total, payments)
    except PaymentMismatch:
        assert card + cash < total or card > total
    else:
        assert change == card + cash - total
        assert 0 <= change <= cash


# --- What the member saw, and what is charged -------------------------------------------


def test_what_was_shown_matches_the_same_cart():
    cart = price_cart([KOKE, COOKIE])
    assert changes_since(shown(cart), cart) == []
    assert changes_since(shown(None), None) == []


def test_a_price_change_is_named_with_the_price_shown_and_the_new_one():
    before = price_cart([KOKE, COOKIE])
    after = price_cart([KOKE, replace(COOKIE, unit_price=200)])
    assert changes_since(shown(before), after) == [
        Change("price", product_id=2, name="Cookie", before=250, after=200)
    ]


def test_lines_changed_elsewhere_are_seen():
    mine = price_cart([replace(KOKE, quantity=1)])
    other_tab = price_cart([KOKE, COOKIE])
    assert [c.kind for c in changes_since(shown(mine), other_tab)] == ["lines"]
    assert [c.kind for c in changes_since(shown(mine), None)] == ["lines"]


def test_a_total_changed_by_a_discount_is_seen():
    before = price_cart([KOKE, COOKIE])
    after = price_cart([KOKE, COOKIE], Discount("amount", 50, "fidélité"))
    assert changes_since(shown(before), after) == [Change("total", before=1750, after=1700)]


@pytest.mark.parametrize("seen", ["", "abc", "12;x:1:2", "1750;1:1"])
def test_an_unreadable_view_is_a_change(seen):
    assert [c.kind for c in changes_since(seen, price_cart([KOKE]))] == ["lines"]


# --- Discounts as typed -------------------------------------------------------------------


def test_a_cart_discount_stays_whole_beside_its_spread():
    cart = price_cart(
        [KOKE, replace(COOKIE, discount=Discount("amount", 100, "abîmé"))],
        Discount("amount", 50, "fidélité"),
    )
    assert cart.cart_discount == 50 and cart.discount_reason == "fidélité"
    assert sum(ln.share for ln in cart.lines) == 50
    # Each line keeps the discount typed on it apart from its share of the cart's.
    assert [ln.discount - ln.share for ln in cart.lines] == [0, 100]
    assert cart.total == 1750 - 100 - 50


@pytest.mark.parametrize(
    ("discount", "base"),
    [(Discount("amount", 5000, "erreur"), 150), (Discount("amount", 151, "x"), 150)],
)
def test_a_discount_above_what_it_applies_to_is_refused(discount, base):
    with pytest.raises(InvalidInput) as refused:
        check_discount(discount, base)
    assert "dépasse" in refused.value.message


@pytest.mark.parametrize(
    "discount",
    [Discount("amount", 150, "x"), Discount("percent", 10000, "x"), Discount("free", 0, "x")],
)
def test_a_discount_up_to_the_amount_is_accepted(discount):
    check_discount(discount, 150)
