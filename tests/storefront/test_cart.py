"""The session cart: pure session logic, no database."""

import pytest
from django.contrib.sessions.backends.base import SessionBase

from storefront.cart import MAX_LINES, MAX_QUANTITY, Cart, CartFull, CartItem


@pytest.fixture
def session():
    return SessionBase()  # an in-memory session: no store behind it


def test_add_stores_plain_dicts_in_the_session(session):
    cart = Cart(session)
    item = cart.add(7, 2, customization="  For Sam  ")
    assert item == CartItem(variant_id=7, quantity=2, customization="For Sam")
    assert session["cart"] == [{"variant_id": 7, "quantity": 2, "customization": "For Sam"}]
    assert session.modified


def test_same_variant_and_customization_merge_others_make_new_lines(session):
    cart = Cart(session)
    cart.add(7, 1)
    cart.add(8, 1)
    cart.add(7, 2)
    cart.add(7, 1, customization="A")
    cart.add(7, 4, customization="A")
    assert cart.items() == [CartItem(7, 3, ""), CartItem(8, 1, ""), CartItem(7, 5, "A")]
    assert len(cart) == 3
    assert cart.count() == 9
    assert cart.quantity_of(7) == 8
    assert cart.quantity_of(7, "A") == 5
    assert cart.quantity_of(7, "") == 3


def test_a_line_holds_at_most_999(session):
    cart = Cart(session)
    cart.add(7, 998)
    cart.add(7, 5)
    assert cart.items() == [CartItem(7, MAX_QUANTITY, "")]
    with pytest.raises(ValueError):
        cart.set_quantity(0, MAX_QUANTITY + 1)
    assert cart.items() == [CartItem(7, MAX_QUANTITY, "")]


@pytest.mark.parametrize("quantity", [0, -1])
def test_adding_nothing_or_less_is_refused(session, quantity):
    cart = Cart(session)
    with pytest.raises(ValueError):
        cart.add(7, quantity)
    assert cart.items() == [] and "cart" not in session


def test_set_quantity_changes_one_line_and_zero_removes_it(session):
    cart = Cart(session)
    cart.add(7, 1)
    cart.add(8, 1)
    cart.set_quantity(1, 4)
    assert cart.items() == [CartItem(7, 1, ""), CartItem(8, 4, "")]
    cart.set_quantity(0, 0)
    assert cart.items() == [CartItem(8, 4, "")]
    with pytest.raises(ValueError):
        cart.set_quantity(0, -1)
    assert cart.items() == [CartItem(8, 4, "")]


@pytest.mark.parametrize("index", [2, -1])
def test_lines_that_are_not_there_raise_and_change_nothing(session, index):
    cart = Cart(session)
    cart.add(7, 1)
    cart.add(8, 1)
    with pytest.raises(IndexError):
        cart.set_quantity(index, 3)
    with pytest.raises(IndexError):
        cart.remove(index)
    assert cart.items() == [CartItem(7, 1, ""), CartItem(8, 1, "")]


def test_remove_and_clear(session):
    cart = Cart(session)
    for variant_id in (7, 8, 9):
        cart.add(variant_id, 1)
    cart.remove(1)
    assert [item.variant_id for item in cart.items()] == [7, 9]
    cart.clear()
    assert cart.items() == [] and cart.count() == 0 and len(cart) == 0
    assert "cart" not in session


def test_removing_the_last_line_drops_the_key(session):
    cart = Cart(session)
    cart.add(7, 1)
    cart.remove(0)
    assert "cart" not in session


def test_items_are_frozen(session):
    cart = Cart(session)
    item = cart.add(7, 1)
    with pytest.raises(AttributeError):
        item.quantity = 5


def test_a_full_cart_refuses_new_lines_but_still_merges(session):
    cart = Cart(session)
    for variant_id in range(1, MAX_LINES + 1):
        cart.add(variant_id, 1)
    with pytest.raises(CartFull):
        cart.add(MAX_LINES + 1, 1)
    cart.add(1, 1)
    assert len(cart) == MAX_LINES and cart.quantity_of(1) == 2


def test_malformed_session_data_is_ignored(session):
    session["cart"] = [
        {"variant_id": 7, "quantity": 2, "customization": ""},
        {"variant_id": "8", "quantity": 1},  # not an int
        {"variant_id": 9, "quantity": 0},  # below the range
        {"variant_id": 10, "quantity": 5000},  # above it
        {"variant_id": 11, "quantity": True},  # a bool is not a quantity
        "junk",
        {"variant_id": 12, "quantity": 1},  # customization missing: empty
    ]
    cart = Cart(session)
    assert cart.items() == [CartItem(7, 2, ""), CartItem(12, 1, "")]
    assert cart.count() == 3
    session["cart"] = "not a list"
    assert Cart(session).items() == []
