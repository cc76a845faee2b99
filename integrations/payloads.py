"""The order as webhooks and the API show it."""

from django.db.models import Prefetch

from integrations.serializers import OrderOutSerializer
from orders.models import Fulfillment, Order
from orders.selectors import refunding


def orders_with_details():
    """With the refunds on their way, which the money position reads (``Order.position``)."""
    return Order.objects.prefetch_related(
        "lines", Prefetch("fulfillments", queryset=Fulfillment.objects.prefetch_related("lines"))
    ).annotate(refunding=refunding())


def order_payload(order_id: int) -> dict:
    return OrderOutSerializer(orders_with_details().get(pk=order_id)).data
