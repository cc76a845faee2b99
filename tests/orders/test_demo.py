from io import StringIO

import pytest
from django.core.management import call_command

from demo.loader import DEMO_EMAIL
from demo.returns_loader import FINAL_SALE
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import DeliveryState, FinancialStatus, FulfillmentStatus, OrderStatus, ReturnStatus
from orders.models import Fulfillment, Order, OrderEvent, StoreCreditEntry
from returns.constants import RefundTo
from returns.models import ReturnPolicy, ReturnRequest
from storefront.models import Product, Variant

pytestmark = pytest.mark.django_db


def load(*args):
    out, err = StringIO(), StringIO()
    call_command("load_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_demo_shopper_has_an_order_in_every_status_and_loading_twice_changes_nothing():
    load()
    orders = Order.objects.filter(email=DEMO_EMAIL)
    assert set(orders.values_list("financial_status", flat=True)) == set(FinancialStatus.values)
    assert set(orders.values_list("fulfillment_status", flat=True)) == set(FulfillmentStatus.values)
    assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values)
    states = set(Fulfillment.objects.filter(order__email=DEMO_EMAIL).values_list("delivery_state", flat=True))
    assert states == set(DeliveryState.values)
    assert Fulfillment.objects.filter(delivery_state=DeliveryState.IN_TRANSIT, estimated_arrival__isnull=False).exists()
    assert orders.exclude(discount_code="").exists()
    assert orders.filter(lines__customization__gt="").exists()
    # Product names are translated into every language, not copied from English.
    mug = Product.objects.get(slug="ceramic-mug")
    names = {
        mug.name_en,
        mug.name_fr,
        mug.name_nl,
        mug.name_de,
        mug.name_es,
        mug.name_pt_br,
        mug.name_cs,
        mug.name_ja,
        mug.name_zh_hant,
    }
    assert len(names) == 9

    def counts():
        return (
            Order.objects.count(),
            Variant.objects.count(),
            OrderEvent.objects.count(),
            Product.objects.count(),
            ReturnRequest.objects.count(),
            Message.objects.count(),
        )

    before = counts()
    out, _ = load()
    assert "already has" in out
    assert counts() == before


def test_the_demo_shopper_has_a_return_in_every_state_made_by_the_services():
    out, err = load()
    assert "returns" in err  # the progress bar
    returns = ReturnRequest.objects.filter(order__email=DEMO_EMAIL)
    statuses = set(ReturnStatus.values) - {ReturnStatus.NONE}
    assert set(returns.values_list("status", flat=True)) == statuses
    assert set(Order.objects.filter(email=DEMO_EMAIL).values_list("return_status", flat=True)) == set(
        ReturnStatus.values
    )
    assert ReturnPolicy.load().return_address
    # Approved: a refund, and an exchange whose replacement's stock is reserved.
    approved = returns.filter(status=ReturnStatus.APPROVED)
    assert approved.filter(lines__exchange_variant=None).exists()
    assert approved.filter(lines__exchange_variant__isnull=False, lines__reserved=True).exists()
    assert returns.get(status=ReturnStatus.IN_TRANSIT).tracking_number
    waiting = returns.get(status=ReturnStatus.RECEIVED).lines.get()
    assert waiting.exchange_line.fulfilled_quantity == 0 and waiting.restocked_quantity == 1
    exchanged = returns.get(status=ReturnStatus.EXCHANGED).lines.get()
    assert exchanged.exchange_line.fulfilled_quantity == exchanged.exchange_line.quantity
    refunded = returns.filter(status=ReturnStatus.REFUNDED)
    to_credit = refunded.get(refund_to=RefundTo.STORE_CREDIT)
    assert StoreCreditEntry.objects.filter(order=to_credit.order, amount=to_credit.refund_amount).exists()
    with_fee = refunded.get(restocking_fee__gt=0)
    assert with_fee.refund_amount == with_fee.items_value - with_fee.restocking_fee
    assert with_fee.order.refunded_total == with_fee.refund_amount  # the refund job ran
    assert returns.get(status=ReturnStatus.REJECTED).reason_note
    # Every step told the shopper.
    kinds = set(Message.objects.filter(recipient=DEMO_EMAIL, kind__startswith="return_").values_list("kind", flat=True))
    assert {
        MessageKind.RETURN_REQUESTED,
        MessageKind.RETURN_APPROVED,
        MessageKind.RETURN_RECEIVED,
        MessageKind.RETURN_REJECTED,
    } <= kinds
    # A product that can't be returned, on a delivered order, and a delivered personalized line.
    assert not Product.objects.get(slug=FINAL_SALE).is_returnable
    assert returns.filter(order__lines__variant__product__slug=FINAL_SALE).exists()
    assert Order.objects.filter(
        email=DEMO_EMAIL, lines__customization__gt="", lines__fulfilled_quantity__gt=0, returns=None
    ).exists()


def test_generated_orders_go_through_the_services_with_a_progress_bar():
    out, err = load("--customers", "5", "--orders", "30", "--seed", "3")
    generated = Order.objects.exclude(email=DEMO_EMAIL)
    assert generated.count() == 30 and "Generated 30 orders" in out
    assert "30/30" in err  # tqdm progress
    assert generated.values("customer").distinct().count() <= 5
    # Every generated order has its placing event, and statuses agree with the transactions.
    assert OrderEvent.objects.filter(order__in=generated, type="placed").count() == 30
    for order in generated.filter(financial_status=FinancialStatus.PAID):
        assert order.captured_total >= order.total
