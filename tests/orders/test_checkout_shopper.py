"""Issue 19, items 2 and 7: checkout in the reader's language with the store's country first, and a checkout that
knows a signed-in shopper (their address book, their VAT ID, their order page after paying)."""

import re

import pytest
from django.test import Client

from accounts.models import Address, CustomerProfile, User
from orders.gateway import TestGateway
from orders.models import CreditMemo, Order
from orders.status_links import status_path
from storefront.models import StoreSettings
from tests.conftest import STAFF_PASSWORD
from tests.editing.conftest import ADDRESS_DE, ADDRESS_NL, sku
from tests.editing.test_services import MUG
from tests.orders.conftest import sign_in
from tests.orders.test_checkout import fill_cart, form

pytestmark = pytest.mark.usefixtures("catalog")
CHECKOUT = "/store/checkout/"
VAT_ID = "NL004495445B01"  # a valid Dutch VAT number, compact


def country_options(html: str) -> list[tuple[str, bool, str]]:
    """The country select's options as (code, selected, name)."""
    select = re.search(r'<select name="country".*?</select>', html, re.S).group(0)
    return [
        (code, bool(selected), name)
        for code, selected, name in re.findall(r'value="(\w*)"( selected)?>([^<]*)<', select)
    ]


def checked_radio(html: str, name: str) -> str:
    return re.search(rf'<input type="radio" name="{name}" value="([^"]*)"[^>]*checked', html).group(1)


@pytest.mark.parametrize(
    ("language", "germany", "netherlands", "belgium"),
    [("fr", "Allemagne", "Pays-Bas", "Belgique"), ("ja", "ドイツ", "オランダ", "ベルギー")],
)
def test_checkout_names_countries_in_the_readers_language_the_store_country_first_and_chosen(
    client, language, germany, netherlands, belgium
):
    fill_cart(client, (MUG, 1))
    options = country_options(client.get(CHECKOUT, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    assert options[0] == ("NL", True, netherlands)  # the store's country (STORE_COUNTRY's default)
    assert ("DE", False, germany) in options and not any(name == "Germany" for _c, _s, name in options)
    assert [selected for _c, selected, _n in options].count(True) == 1
    StoreSettings.objects.update(country="BE")  # staff change it in admin: the next page follows
    options = country_options(client.get(CHECKOUT, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    assert options[0] == ("BE", True, belgium) and ("NL", False, netherlands) in options


# --- a signed-in shopper ------------------------------------------------------------------------------------


@pytest.fixture
def shopper(client):
    user = User.objects.create_user("sam@example.com")
    CustomerProfile.objects.create(user=user, name="Sam Jansen", language="en", vat_id=VAT_ID)
    client.force_login(user)
    return user


@pytest.fixture
def book(shopper):
    home = Address.objects.create(user=shopper, **ADDRESS_NL)
    office = Address.objects.create(user=shopper, company="Jansen GmbH", is_default=True, **ADDRESS_DE)
    return home, office


def signed_in_form(**overrides):
    return form(email="sam@example.com", **overrides)  # the page sends the account's own, hidden


def test_checkout_offers_the_address_book_with_the_default_chosen_and_the_profiles_vat_id(client, book):
    home, office = book
    fill_cart(client, (MUG, 1))
    page = client.get(CHECKOUT)
    html = page.content.decode()
    choices = dict(page.context["form"].fields["ship_to"].choices)
    assert list(choices) == [str(office.pk), str(home.pk), "new"]
    assert "Jansen GmbH, Unter den Linden 1, 10117 Berlin, Germany" in choices[str(office.pk)]
    assert checked_radio(html, "ship_to") == str(office.pk)  # the default address
    assert re.search(rf'name="vat_id" value="{VAT_ID}"', html)  # from the profile
    # A new address starts in the store's country.
    assert country_options(html)[0] == ("NL", True, "Netherlands")


def test_a_shopper_without_saved_addresses_gets_the_new_address_form_only(client, shopper):
    fill_cart(client, (MUG, 1))
    page = client.get(CHECKOUT)
    assert "ship_to" not in page.context["form"].fields and 'name="ship_to"' not in page.content.decode()


def test_a_saved_address_is_where_the_order_goes_and_the_shopper_lands_on_the_order_page(client, book):
    _home, office = book
    fill_cart(client, (MUG, 1))
    # The new-address fields left as they were typed: the chosen saved address wins.
    response = client.post(CHECKOUT, signed_in_form(ship_to=office.pk, vat_id=VAT_ID))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/store/account/orders/{order.number}/"
    assert order.shipping_address == office.as_snapshot() and order.shipping_address["country"] == "DE"
    assert order.vat_id == VAT_ID
    page = client.get(response["Location"])
    html = page.content.decode()
    assert f"Thank you! Order #{order.number} is placed" in html and VAT_ID in html


def test_a_new_address_from_a_shopper_with_a_book(client, book):
    fill_cart(client, (MUG, 1))
    response = client.post(CHECKOUT, signed_in_form(ship_to="new", line1="Damrak 1"))
    assert response.status_code == 302
    assert Order.objects.get().shipping_address["line1"] == "Damrak 1"


def test_a_new_address_still_needs_its_fields(client, book):
    fill_cart(client, (MUG, 1))
    response = client.post(CHECKOUT, signed_in_form(ship_to="new", line1="", city=""))
    assert response.status_code == 400 and {"line1", "city"} <= set(response.context["form"].errors)
    assert not Order.objects.exists()


def test_someone_elses_address_is_a_field_error_and_places_nothing(client, book):
    stranger = User.objects.create_user("alex@example.com")
    theirs = Address.objects.create(user=stranger, **{**ADDRESS_DE, "name": "Alex"})
    fill_cart(client, (MUG, 1))
    stock = sku(MUG).stock
    response = client.post(CHECKOUT, signed_in_form(ship_to=theirs.pk))
    assert response.status_code == 400 and "ship_to" in response.context["form"].errors
    assert not Order.objects.exists() and not TestGateway().operations() and sku(MUG).stock == stock


def test_the_vat_id_is_stored_in_compact_form(client, shopper):
    fill_cart(client, (MUG, 1))
    client.post(CHECKOUT, signed_in_form(vat_id="nl 4495.445.B01"))
    assert Order.objects.get().vat_id == VAT_ID


def test_an_emptied_vat_id_leaves_the_order_without_one(client, shopper):
    fill_cart(client, (MUG, 1))
    client.post(CHECKOUT, signed_in_form(vat_id=""))
    order = Order.objects.get()
    assert order.vat_id == "" and "VAT ID" not in client.get(f"/store/account/orders/{order.number}/").content.decode()
    assert CustomerProfile.objects.get(user=order.customer).vat_id == VAT_ID  # checkout never edits the profile


@pytest.mark.parametrize("signed_in", [True, False])
def test_an_invalid_vat_id_is_a_field_error_and_charges_nothing(client, book, signed_in):
    if not signed_in:
        client.logout()
    fill_cart(client, (MUG, 1))
    stock = sku(MUG).stock
    data = signed_in_form(vat_id="NL123") if signed_in else form(vat_id="NL123")
    response = client.post(CHECKOUT, data)
    assert response.status_code == 400
    assert response.context["form"].errors["vat_id"] == ["Not a valid EU VAT number."]
    assert not Order.objects.exists() and not TestGateway().operations() and sku(MUG).stock == stock


def test_a_guest_still_lands_on_the_status_page_and_may_give_a_vat_id(client):
    fill_cart(client, (MUG, 1))
    response = client.post(CHECKOUT, form(vat_id=VAT_ID))
    order = Order.objects.get()
    assert response["Location"] == status_path(order.number) and order.vat_id == VAT_ID


def test_the_vat_id_is_on_the_credit_memo_and_in_admin(client, shopper):
    fill_cart(client, (MUG, 1))
    client.post(CHECKOUT, signed_in_form(vat_id=VAT_ID))
    order = Order.objects.get()
    staff_client = sign_in(Client(), User.objects.create_superuser("boss@example.com", STAFF_PASSWORD))
    staff_client.post(
        f"/admin/orders/order/{order.pk}/refund/", {"amount": "5.00", "reason": "damaged", "note": "Chipped"}
    )
    memo = CreditMemo.objects.get(order=order)
    printed = staff_client.get(f"/admin/orders/creditmemo/{memo.pk}/print/").content.decode()
    assert "VAT ID" in printed and VAT_ID in printed
    assert VAT_ID in staff_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
