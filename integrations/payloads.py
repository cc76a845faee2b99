"""The order and the return as webhooks and the API show them."""

from django.db.models import Prefetch, QuerySet

from integrations.serializers import OrderOutSerializer, ReturnOutSerializer
from orders.constants import PaymentRequestStatus
from orders.models import Fulfillment, Order, PaymentRequest
from orders.selectors import refunding
from returns.models import ReturnRequest
from returns.selectors import with_lines


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


def returns_with_details() -> QuerySet[ReturnRequest]:
    """Returns with their order and lines (each line's order line, reason and replacement): three queries for
    any number."""
    return with_lines(ReturnRequest.objects.all())


def return_payload(return_id: int) -> dict | None:
    """The return as ``ReturnOutSerializer`` shows it; None once it is gone."""
    found = returns_with_details().filter(pk=return_id).first()
    return ReturnOutSerializer(found).data if found else None
