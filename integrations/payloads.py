"""The order as webhooks and the API show it."""

from django.db.models import Prefetch

from integrations.serializers import OrderOutSerializer
from orders.models import Fulfillment, Order


def orders_with_details():
    return Order.objects.prefetch_related(
        "lines", Prefetch("fulfillments", queryset=Fulfillment.objects.prefetch_related("lines"))
    )


def order_payload(order_id: int) -> dict:
    return OrderOutSerializer(orders_with_details().get(pk=order_id)).data
