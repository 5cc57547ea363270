"""The cart pipeline: discounts, totals, VAT per rate, payments and change."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.cart import Discount, Item, Payment, merge_payments, price_cart, settle
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
