from datetime import date, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from core import queues
from notifications.models import Message
from notifications.services import compose
from orders import services
from orders.constants import DeliveryState, EventType, FinancialStatus, FulfillmentStatus, OrderStatus
from orders.errors import OrderError
from orders.models import Order, OrderEvent
from orders.services.placing import quote_order
from storefront.models import Variant
from tests.factories import (
    ADDRESS_NL,
    CustomerGroupFactory,
    CustomerProfileFactory,
    DiscountCodeFactory,
    PickupLocationFactory,
    ShippingRateFactory,
    StoreSettingsFactory,
    TaxRateFactory,
    UserFactory,
    VariantFactory,
    place_test_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def store():
    TaxRateFactory(country="NL", rate=D("0.21"))
    TaxRateFactory(country="DE", rate=D("0.19"))
    return StoreSettingsFactory(prices_include_tax=True, edit_window_minutes=60)


def test_place_order_prices_taxes_and_ships_to_the_address_country():
    sweater = VariantFactory(price=D("89.00"), weight_grams=350)
    socks = VariantFactory(price=D("15.00"))
    method = ShippingRateFactory(country="DE", price=D("7.95")).method
    de = {**ADDRESS_NL, "country": "DE", "city": "Berlin"}

    order = place_test_order(variants=[sweater, socks], quantities=[1, 2], method=method, shipping_address=de)

    assert order.subtotal == D("119.00")
    assert order.shipping_total == D("7.95")
    # German VAT extracted per line and on shipping: 14.21 + 4.79 + 1.27
    assert order.tax_total == D("20.27")
    assert order.total == D("126.95")
    assert [line.total for line in order.lines.all()] == [D("89.00"), D("30.00")]
    assert order.lines.first().tax_rate == D("0.19")
    assert (order.status, order.financial_status, order.fulfillment_status) == (
        OrderStatus.OPEN,
        FinancialStatus.PENDING,
        FulfillmentStatus.UNFULFILLED,
    )


def test_place_order_takes_stock_and_creates_the_shoppers_account():
    variant = VariantFactory(stock=5)
    order = place_test_order(variants=[variant], quantities=[3], email="New.Shopper@Example.com", language="fr")
    variant.refresh_from_db()
    assert variant.stock == 2
    user = User.objects.get(email="new.shopper@example.com")
    assert order.customer == user and not user.has_usable_password()
    assert user.profile.language == "fr"
    # A second order with the same email (any case) links to the same account.
    again = place_test_order(variants=[variant], quantities=[1], email="NEW.shopper@example.com")
    assert again.customer == user and User.objects.filter(email__iexact="new.shopper@example.com").count() == 1


def test_place_order_sets_edit_window_hold_and_first_event():
    with time_machine.travel("2026-11-30 12:00:00Z", tick=False):
        order = place_test_order()
    assert order.edit_window_ends_at == order.placed_at + timedelta(minutes=60)
    assert order.on_fulfillment_hold is True
    assert order.number >= 1001 and order.version == 1
    placed, invoiced = OrderEvent.objects.filter(order=order).order_by("id")
    assert placed.type == EventType.PLACED and placed.customer_visible and placed.order_version == 1
    # Its invoice is issued in the same transaction: staff see it on the timeline, the shopper on the page.
    assert invoiced.type == EventType.INVOICE_ISSUED and not invoiced.customer_visible


def test_group_discount_and_tax_exemption_apply():
    group = CustomerGroupFactory(discount_percent=D("10"))
    profile = CustomerProfileFactory(user=UserFactory(email="vip@example.com"), group=group, tax_exempt=True)
    variant = VariantFactory(price=D("121.00"))
    method = ShippingRateFactory(price=D("6.05")).method
    order = place_test_order(variants=[variant], method=method, email=profile.user.email)
    line = order.lines.get()
    assert line.unit_price == D("90.00")  # 121 - 10% = 108.90 incl. 21% VAT → 90.00 net
    assert line.tax_amount == D("0") and order.tax_exempt
    assert order.shipping_total == D("5.00") and order.total == D("95.00")


def test_discount_code_lowers_lines_and_is_recorded():
    DiscountCodeFactory(code="WELCOME10", percent=D("10"))
    order = place_test_order(variants=[VariantFactory(price=D("50.00"))], quantities=[2], discount_code="welcome10")
    assert order.discount_code == "WELCOME10"
    assert order.discount_total == D("10.00")
    assert order.total == D("90.00") + order.shipping_total


def test_pickup_orders_pay_no_shipping_and_tax_at_the_pickup_country():
    order = place_test_order(method=None, pickup_location=PickupLocationFactory(country="NL"))
    assert order.shipping_total == D("0") and order.is_pickup()
    assert order.lines.get().tax_rate == D("0.21")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"quantities": [0]}, "bad_quantity"),
        ({"quantities": [1000]}, "bad_quantity"),
        ({"quantities": [101]}, "out_of_stock"),
        ({"discount_code": "NOPE"}, "bad_discount_code"),
        ({"shipping_address": {"name": "x"}}, "no_address"),
    ],
)
def test_bad_orders_are_refused_and_change_nothing(kwargs, code):
    variant = VariantFactory(stock=100)
    with pytest.raises(OrderError) as error:
        place_test_order(variants=[variant], **kwargs)
    assert error.value.code == code and error.value.fields
    variant.refresh_from_db()
    assert variant.stock == 100
    assert not Order.objects.exists() and not User.objects.exists()


def test_unknown_variant_and_unshippable_country_are_refused():
    with pytest.raises(OrderError) as error:
        services.place_order(
            email="a@example.com",
            lines=[services.LineRequest(variant_id=999999, quantity=1)],
            shipping_method=ShippingRateFactory().method,
            shipping_address=ADDRESS_NL,
        )
    assert error.value.code == "unknown_variant"
    nl_only = ShippingRateFactory(country="NL").method
    with pytest.raises(OrderError) as error:
        place_test_order(method=nl_only, shipping_address={**ADDRESS_NL, "country": "JP"})
    assert error.value.code == "no_shipping_rate"
    assert not Order.objects.exists()


def test_place_order_queries_are_flat_in_the_number_of_lines(django_assert_max_num_queries):
    method = ShippingRateFactory().method
    small = [VariantFactory() for _ in range(1)]
    large = [VariantFactory() for _ in range(40)]
    place_test_order(variants=small, method=method)  # warm: account exists afterwards
    # 16: with the invoice's number (the counter's upsert), its row and its event, and the customer's count of
    # owing orders (orders.OwingCustomer), however many lines.
    with django_assert_max_num_queries(16) as few:
        place_test_order(variants=small, method=method)
    with django_assert_max_num_queries(16 + 39) as many:
        place_test_order(variants=large, method=method)
    # Only the per-variant stock update grows with the lines.
    assert len(many.captured_queries) - len(few.captured_queries) == 39, len(few.captured_queries)


def test_confirmation_is_rendered_in_the_order_language_and_queued_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        order = place_test_order(language="nl", send_confirmation=True)
    message = compose(Message.objects.get())
    assert message.recipient == order.email and message.language == "nl"
    assert str(order.number) in message.subject and "confirmed" not in message.subject  # Dutch, not English
    # Three things wait for the commit: queueing the confirmation's send job, and telling listeners (webhooks)
    # of the two events, placed and invoice issued (the factories' new rates also clear the cached rates then).
    (batch,) = [callback for callback in callbacks if isinstance(callback, queues.CommitBatch)]
    assert [(queue, func, args) for queue, func, args, *_ in batch.jobs] == [
        ("notifications", "notifications.jobs.send_message", (message.pk,))
    ]
    waiting = sorted(callback.__qualname__.split(".")[0] for callback in callbacks if callback is not batch)
    assert [name for name in waiting if name != "forget"] == ["_event", "_event"]


def test_five_items_three_paid_is_partially_paid_then_paid():
    order = place_test_order(
        variants=[VariantFactory(price=D("10.00"))], quantities=[5], method=ShippingRateFactory(price=D("0")).method
    )
    services.record_payment(order=order, amount=D("30.00"), idempotency_key="p1")
    order.refresh_from_db()
    assert order.financial_status == FinancialStatus.PARTIALLY_PAID and order.balance == D("20.00")
    services.record_payment(order=order, amount=D("20.00"), idempotency_key="p2")
    order.refresh_from_db()
    assert order.financial_status == FinancialStatus.PAID and order.version == 3


def test_recording_a_payment_twice_records_it_once():
    order = place_test_order()
    first = services.record_payment(order=order, amount=order.total, idempotency_key="gw-123")
    second = services.record_payment(order=order, amount=order.total, idempotency_key="gw-123")
    order.refresh_from_db()
    assert first.pk == second.pk and order.captured_total == order.total
    assert order.events.filter(type=EventType.PAYMENT_CAPTURED).count() == 1


def test_refunds_never_exceed_what_was_captured():
    order = place_test_order()
    services.record_payment(order=order, amount=order.total, idempotency_key="pay")
    services.record_refund(order=order, amount=D("5.00"), idempotency_key="r1")
    with pytest.raises(OrderError) as error:
        services.record_refund(order=order, amount=order.total, idempotency_key="r2")
    assert error.value.code == "over_refund"
    order.refresh_from_db()
    assert order.refunded_total == D("5.00") and order.financial_status == FinancialStatus.PARTIALLY_REFUNDED


def test_shipments_update_fulfilment_status_and_release_the_hold():
    a, b = VariantFactory(), VariantFactory()
    order = place_test_order(variants=[a, b], quantities=[2, 1])
    line_a, line_b = order.lines.all()
    services.record_shipment(
        order=order,
        quantities={line_a.pk: 1},
        carrier="PostNL",
        tracking_number="3S1",
        estimated_arrival=date(2026, 12, 2),
    )
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED and not order.on_fulfillment_hold
    with pytest.raises(OrderError) as error:
        services.record_shipment(order=order, quantities={line_a.pk: 2})
    assert error.value.code == "over_fulfilment"
    services.record_shipment(order=order, quantities={line_a.pk: 1, line_b.pk: 1})
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED
    assert order.fulfillments.count() == 2


def test_same_delivery_update_twice_writes_one_event():
    order = place_test_order()
    shipment = services.record_shipment(order=order, quantities={order.lines.get().pk: 1})
    services.update_delivery_state(fulfillment=shipment, delivery_state=DeliveryState.OUT_FOR_DELIVERY)
    services.update_delivery_state(fulfillment=shipment, delivery_state=DeliveryState.OUT_FOR_DELIVERY)
    assert order.events.filter(type=EventType.DELIVERY_UPDATED).count() == 1
    delivered = services.update_delivery_state(fulfillment=shipment, delivery_state=DeliveryState.DELIVERED)
    assert delivered.delivered_at is not None


def test_cancelling_an_unpaid_order_voids_it_and_restocks():
    variant = VariantFactory(stock=10)
    order = place_test_order(variants=[variant], quantities=[4])
    services.cancel_order(order=order, reason="changed mind", actor_kind="customer")
    order.refresh_from_db()
    variant.refresh_from_db()
    assert (order.status, order.financial_status) == (OrderStatus.CANCELLED, FinancialStatus.VOIDED)
    assert variant.stock == 10
    with pytest.raises(OrderError):
        services.cancel_order(order=order, actor_kind="customer")


def test_shipped_orders_cannot_be_cancelled():
    order = place_test_order()
    services.record_shipment(order=order, quantities={order.lines.get().pk: 1})
    with pytest.raises(OrderError) as error:
        services.cancel_order(order=order, actor_kind="staff")
    assert error.value.code == "cannot_cancel"


def test_archive_keeps_financial_status_and_bumps_version():
    order = place_test_order()
    services.record_payment(order=order, amount=order.total, idempotency_key="x")
    archived = services.archive_order(order=order)
    assert archived.status == OrderStatus.ARCHIVED and archived.financial_status == FinancialStatus.PAID
    assert archived.version == 3 and archived.archived_at <= timezone.now()
    assert Variant.objects.exists()


@pytest.mark.parametrize("country", ["QQ", "nl", ""])
def test_an_order_to_a_country_that_does_not_exist_is_refused_before_it_is_priced(country):
    """The service refuses what a form or serializer should have: never tax 0.00 at the catch-all rate."""
    with pytest.raises(OrderError) as error:
        place_test_order(shipping_address={**ADDRESS_NL, "country": country})
    assert "shipping_address.country" in error.value.fields
    assert not Order.objects.exists()
    with pytest.raises(OrderError) as error:
        quote_order(
            email="sam@example.com",
            lines=[services.LineRequest(variant_id=VariantFactory().pk, quantity=1)],
            shipping_address={**ADDRESS_NL, "country": country},
            shipping_method=ShippingRateFactory().method,
        )
    assert "shipping_address.country" in error.value.fields
