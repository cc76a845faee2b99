"""Issue 19, item 2: the edit page's address form offers only the countries the edit policy allows, named in the
reader's language; a country it doesn't offer is a field error and stages nothing."""

import pytest

from editing.forms import EditAddressForm
from editing.models import EditPolicy, EditSession
from orders.models import Order
from storefront.models import PickupLocation
from tests.editing.conftest import ADDRESS_NL, place
from tests.editing.test_pages import MUG, SOCKS, edit_url, messages_of, post

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def order(client):
    placed = place([(SOCKS, 1), (MUG, 1)])
    client.force_login(placed.customer)
    return placed


def offered(client, order, language="en") -> list[tuple[str, str]]:
    return list(
        client.get(edit_url(order), HTTP_ACCEPT_LANGUAGE=language).context["address_form"]["country"].field.choices
    )


def test_a_same_country_policy_offers_exactly_the_orders_country(client, order):
    assert EditPolicy.load().address_same_country_only
    assert offered(client, order) == [("NL", "Netherlands")]
    assert offered(client, order, "fr") == [("NL", "Pays-Bas")]


def test_without_the_rule_every_country_is_offered_in_the_readers_language(client, order):
    EditPolicy.objects.update(address_same_country_only=False)
    choices = offered(client, order, "ja")
    assert choices[0] == ("NL", "オランダ") and ("DE", "ドイツ") in choices and len(choices) > 200


def test_a_pickup_order_has_no_country_to_keep(order):
    order.pickup_location, order.shipping_address = PickupLocation.objects.first(), {}
    form = EditAddressForm(order=order, policy=EditPolicy.load())
    assert len(list(form.fields["country"].choices)) > 200


def test_staff_are_offered_every_country(order):
    form = EditAddressForm(order=order, policy=EditPolicy.load(), staff=True)
    assert len(list(form.fields["country"].choices)) > 200
    assert len(list(EditAddressForm(order=order, policy=EditPolicy.load()).fields["country"].choices)) == 1


def test_a_country_the_policy_does_not_allow_is_a_field_error_and_changes_nothing(client, order):
    before = Order.objects.get(pk=order.pk)
    form = EditAddressForm({**ADDRESS_NL, "country": "DE"}, order=order, policy=EditPolicy.load())
    assert not form.is_valid() and form.errors["country"] == ["The new address must be in the same country."]

    response = post(client, order, action="address", **{**ADDRESS_NL, "line1": "Unter den Linden 1", "country": "DE"})
    assert response.status_code == 302
    shown = " ".join(messages_of(client.get(response["Location"])))
    assert "Country: The new address must be in the same country." in shown
    session = EditSession.objects.get(order=order, status="open")
    assert not session.staged.get("address")
    after = Order.objects.get(pk=order.pk)
    assert (after.shipping_address, after.version, after.address_changes) == (
        before.shipping_address,
        before.version,
        before.address_changes,
    )


def test_the_orders_own_country_is_staged(client, order):
    post(client, order, action="address", **{**ADDRESS_NL, "line1": "Damrak 1"})
    session = EditSession.objects.get(order=order, status="open")
    assert session.staged["address"]["line1"] == "Damrak 1" and session.staged["address"]["country"] == "NL"
