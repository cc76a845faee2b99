from io import StringIO

import pytest
from django.core.management import call_command

from demo.loader import DEMO_EMAIL
from orders.constants import DeliveryState, FinancialStatus, FulfillmentStatus, OrderStatus
from orders.models import Fulfillment, Order, OrderEvent
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

    counts = (Order.objects.count(), Variant.objects.count(), OrderEvent.objects.count(), Product.objects.count())
    out, _ = load()
    assert "already has" in out
    assert counts == (
        Order.objects.count(),
        Variant.objects.count(),
        OrderEvent.objects.count(),
        Product.objects.count(),
    )


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
