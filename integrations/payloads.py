"""The order as webhooks and the API show it."""

from django.db.models import Prefetch

from integrations.serializers import OrderOutSerializer
from orders.constants import PaymentRequestStatus
from orders.models import Fulfillment, Order, PaymentRequest
from orders.selectors import refunding


def orders_with_details():
    """With the refunds on their way and the open payment request, which the money position and the hold
    read (``Order.position``, ``Order.hold``)."""
    open_requests = PaymentRequest.objects.filter(status=PaymentRequestStatus.OPEN)
    return Order.objects.annotate(refunding=refunding()).prefetch_related(
        "lines",
        Prefetch("fulfillments", queryset=Fulfillment.objects.prefetch_related("lines")),
        Prefetch("payment_requests", queryset=open_requests, to_attr="open_payment_requests"),
    )


def order_payload(order_id: int) -> dict:
    return OrderOutSerializer(orders_with_details().get(pk=order_id)).data
