from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.constants import EventType


class Scope(models.TextChoices):
    ORDERS_READ = "orders:read", _("Read orders")
    ORDERS_WRITE = "orders:write", _("Create and update orders")
    FULFILLMENTS_WRITE = "fulfillments:write", _("Record shipments, delivery and backorders")
    RETURNS_WRITE = "returns:write", _("Read returns, mark them sent back and received")


# An Idempotency-Key is honoured this long after its first request (like card processors'); then it is
# forgotten, and the cron prunes the stored answer.
IDEMPOTENCY_KEY_HOURS = 24


class WebhookEvent(models.TextChoices):
    ORDER_CREATED = "order.created", "order.created"
    ORDER_EDITED = "order.edited", "order.edited"
    ORDER_CANCELLED = "order.cancelled", "order.cancelled"
    ORDER_RELEASED = "order.released_for_fulfillment", "order.released_for_fulfillment"
    REFUND_SUCCEEDED = "refund.succeeded", "refund.succeeded"
    PAYMENT_RECEIVED = "payment.received", "payment.received"
    RETURN_REQUESTED = "return.requested", "return.requested"
    RETURN_APPROVED = "return.approved", "return.approved"
    RETURN_RECEIVED = "return.received", "return.received"
    RETURN_REFUNDED = "return.refunded", "return.refunded"


# Which timeline events become which webhooks: the timeline is the durable record they are read from.
# Keyed by str: it is looked up with ``OrderEvent.type``, the column's plain string.
WEBHOOK_FOR_EVENT: dict[str, WebhookEvent] = {
    EventType.PLACED: WebhookEvent.ORDER_CREATED,
    EventType.EDITED: WebhookEvent.ORDER_EDITED,
    EventType.EDIT_REVERTED: WebhookEvent.ORDER_EDITED,
    EventType.REST_CANCELLED: WebhookEvent.ORDER_EDITED,  # its lines and totals changed
    EventType.CANCELLED: WebhookEvent.ORDER_CANCELLED,
    EventType.RELEASED_FOR_FULFILLMENT: WebhookEvent.ORDER_RELEASED,
    EventType.REFUND_RECORDED: WebhookEvent.REFUND_SUCCEEDED,
    EventType.PAYMENT_CAPTURED: WebhookEvent.PAYMENT_RECEIVED,
    # A return's steps (returns.services); their payload adds the return (integrations.payloads.return_payload).
    EventType.RETURN_REQUESTED: WebhookEvent.RETURN_REQUESTED,
    EventType.RETURN_APPROVED: WebhookEvent.RETURN_APPROVED,
    EventType.RETURN_RECEIVED: WebhookEvent.RETURN_RECEIVED,
    EventType.RETURN_REFUNDED: WebhookEvent.RETURN_REFUNDED,
}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")
