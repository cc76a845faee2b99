"""Checkout through the web page: place_order + the test gateway, all or nothing."""

from decimal import Decimal as D

import pytest

from accounts.models import CustomerGroup, CustomerProfile, User
from editing.services import edit_refusals
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import ActorKind, FinancialStatus, TransactionKind
from orders.gateway import DECLINED_CARD, SUCCESS_CARD, TestGateway
from orders.models import Order, StoreCreditEntry, Transaction
from orders.status_links import status_path
from storefront.cart import Cart
from storefront.models import PickupLocation, ShippingMethod
from tests.editing.conftest import sku
from tests.editing.test_services import MUG, SWEATER_M

pytestmark = pytest.mark.usefixtures("catalog")

ADDRESS = {"line1": "Prinsengracht 263", "city": "Amsterdam", "postal_code": "1016 GV", "country": "NL"}


def fill_cart(client, *items):
    session = client.session
    cart = Cart(session)
    for code, quantity in items:
        cart.add(sku(code).pk, quantity)
    session.save()


def form(**overrides):
    method = ShippingMethod.objects.get(code="standard")
    data = {
        "email": "new.shopper@example.com",
        "name": "Noa Visser",
        "delivery": f"ship:{method.pk}",
        **ADDRESS,
        "card_number": SUCCESS_CARD,
        "attempt": "attempt-1",
        "action": "place",
    }
    return {**data, **overrides}


def test_checkout_places_and_pays_the_order_and_sends_the_confirmation(client):
    fill_cart(client, (SWEATER_M, 1), (MUG, 1))
    stock = sku(MUG).stock
    response = client.post("/store/checkout/", form())
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == status_path(order.number)
    assert order.email == "new.shopper@example.com" and User.objects.filter(email=order.email).exists()
    assert order.financial_status == FinancialStatus.PAID and order.captured_total == order.total
    assert order.on_fulfillment_hold and order.edit_window_ends_at is not None
    charge = Transaction.objects.get(order=order, kind=TransactionKind.CHARGE)
    assert charge.gateway == "test" and charge.gateway_reference.startswith("ch_")
    assert [op["amount"] for op in TestGateway().operations()] == [str(order.total)]
    assert sku(MUG).stock == stock - 1
    confirmation = compose(Message.objects.get(kind=MessageKind.ORDER_CONFIRMATION))
    assert status_path(order.number) in confirmation.body_html and "View order" in confirmation.body_html
    assert Cart(client.session).count() == 0


def test_a_declined_card_leaves_no_order_no_stock_taken_no_email(client):
    fill_cart(client, (MUG, 2))
    stock = sku(MUG).stock
    response = client.post("/store/checkout/", form(card_number=DECLINED_CARD))
    assert response.status_code == 400 and "Your card was declined." in response.content.decode()
    assert not Order.objects.exists() and not Message.objects.exists()
    assert sku(MUG).stock == stock and Cart(client.session).count() == 2


def test_the_same_form_submitted_twice_charges_once(client):
    fill_cart(client, (MUG, 1))
    client.post("/store/checkout/", form(attempt="same"))
    fill_cart(client, (MUG, 1))
    response = client.post("/store/checkout/", form(attempt="same"))
    # The gateway answers the replayed key with the first charge; that charge paid another order, so
    # the second checkout is refused and rolled back instead of placing an unpaid order.
    assert response.status_code == 400 and len(TestGateway().operations()) == 1
    assert Order.objects.count() == 1 and Transaction.objects.count() == 1


def test_missing_address_fields_are_field_errors(client):
    fill_cart(client, (MUG, 1))
    response = client.post("/store/checkout/", form(line1="", city=""))
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"line1", "city"} and not Order.objects.exists()


def test_pickup_needs_no_address_and_costs_no_shipping(client):
    fill_cart(client, (MUG, 1))
    pickup = PickupLocation.objects.get()
    response = client.post("/store/checkout/", form(delivery=f"pickup:{pickup.pk}", line1="", city="", country=""))
    order = Order.objects.get()
    assert response.status_code == 302 and order.pickup_location == pickup and order.shipping_total == 0


def test_the_quote_shows_rated_shipping_and_total_without_placing(client):
    fill_cart(client, (MUG, 1))
    response = client.post("/store/checkout/", form(action="quote"))
    quote = response.context["quote"]
    assert response.status_code == 200 and not Order.objects.exists()
    assert quote.totals.shipping > 0 and quote.totals.total == sku(MUG).price + quote.totals.shipping


def test_a_discount_code_applies_and_locks_the_order_for_self_editing(client):
    fill_cart(client, (SWEATER_M, 1))
    client.post("/store/checkout/", form(discount_code="welcome10"))
    order = Order.objects.get()
    assert order.discount_code == "WELCOME10" and order.discount_total == D("8.90")
    refusals = edit_refusals(order=order, actor_kind=ActorKind.CUSTOMER)
    assert any(refusal.code == "discount_locked" for refusal in refusals)


def test_an_unknown_discount_code_is_a_field_error(client):
    fill_cart(client, (MUG, 1))
    response = client.post("/store/checkout/", form(discount_code="NOPE"))
    assert response.status_code == 400 and "discount_code" in response.context["form"].errors


def test_group_discount_and_tax_exemption_of_a_signed_in_shopper(client):
    user = User.objects.create_user("vip@example.com")
    CustomerProfile.objects.create(
        user=user, name="Vip", group=CustomerGroup.objects.get(name="VIP"), tax_exempt=True, language="en"
    )
    client.force_login(user)
    fill_cart(client, (SWEATER_M, 1))
    client.post("/store/checkout/", form(email="ignored@example.com"))
    order = Order.objects.get()
    assert order.customer == user and order.tax_exempt and order.tax_total == 0
    # 89.00 less the VIP group's 10 %, then without the 21 % Dutch VAT it included: 80.10 / 1.21.
    assert order.lines.get().unit_price == D("66.20")


def test_store_credit_pays_first_at_checkout(client):
    user = User.objects.create_user("credit@example.com")
    StoreCreditEntry.objects.create(customer=user, amount=D("10.00"), currency="EUR", idempotency_key="gift")
    client.force_login(user)
    fill_cart(client, (MUG, 1))
    client.post("/store/checkout/", form(use_store_credit="on"))
    order = Order.objects.get()
    charges = {t.gateway: t.amount for t in order.transactions.all()}
    assert charges == {"store_credit": D("10.00"), "test": order.total - D("10.00")}
    assert order.financial_status == FinancialStatus.PAID
    assert sum(e.amount for e in StoreCreditEntry.objects.filter(customer=user)) == 0


def test_an_empty_cart_goes_back_to_the_cart(client):
    response = client.get("/store/checkout/")
    assert response.status_code == 302 and response["Location"] == "/store/cart/"


@pytest.mark.parametrize("codes", [[MUG], [MUG, SWEATER_M, "ORGANIC-COTTON-TEE-M-WHITE", "WOOL-SOCKS-M-GREY"]])
def test_the_checkout_page_reads_a_flat_number_of_queries(client, django_assert_max_num_queries, codes):
    fill_cart(client, *((code, 1) for code in codes))
    with django_assert_max_num_queries(5):
        assert client.get("/store/checkout/").status_code == 200
