"""The bulk loader for load tests writes the same consistent data the services would."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum

from orders.models import Fulfillment, Order, OrderEvent, OrderLine, OwingCustomer
from orders.statuses import OrderFacts, derive_statuses
from tests.factories import place_test_order

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_bulk_load_writes_consistent_orders_and_leaves_sequences_usable():
    out, err = StringIO(), StringIO()
    call_command("load_demo", "--bulk", "--customers", "30", "--orders", "300", stdout=out, stderr=err)
    assert "orders_order 300" in out.getvalue() and "300/300" in err.getvalue()
    bulk = Order.objects.filter(email__startswith="bulk")
    assert bulk.count() == 300 and bulk.values("customer").distinct().count() == 30
    sums = {
        row["order"]: row
        for row in OrderLine.objects.filter(order__in=bulk)
        .values("order")
        .annotate(
            subtotal=Sum("subtotal"), tax=Sum("tax_amount"), fulfilled=Sum("fulfilled_quantity"), lines=Count("id")
        )
    }
    for order in bulk:
        assert order.subtotal == sums[order.pk]["subtotal"]
        assert order.total == order.subtotal - order.discount_total + order.shipping_total
        lines = order.lines.all()
        facts = OrderFacts(
            total=order.total,
            captured=order.captured_total,
            refunded=order.refunded_total,
            cancelled=order.cancelled_at is not None,
            line_quantities=tuple((line.quantity, line.fulfilled_quantity) for line in lines),
        )
        assert derive_statuses(facts).financial_status == order.financial_status
        assert derive_statuses(facts).fulfillment_status == order.fulfillment_status
        assert order.owes == (order.position.balance_due > 0)
    owing = dict(OwingCustomer.objects.values_list("customer_id", "orders"))
    assert owing and all(owing[c] == Order.objects.filter(customer_id=c, owes=True).count() for c in owing)
    assert OrderEvent.objects.filter(order__in=bulk, type="placed").count() == 300
    shipped = Fulfillment.objects.filter(order__in=bulk)
    assert shipped.exists() and not shipped.exclude(lines__quantity__gt=0).exists()
    assert OrderLine.objects.filter(order__in=bulk, fulfilled_quantity__gt=F("quantity")).count() == 0
    # Sequences were moved past the bulk rows: the service path still works afterwards.
    order = place_test_order()
    assert Order.objects.order_by("-number").first() == order and order.customer.pk > max(o.customer_id for o in bulk)
