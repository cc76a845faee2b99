"""Status names, event types and other fixed vocabularies of orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ARCHIVED = "archived", _("Archived")
    CANCELLED = "cancelled", _("Canceled")


class FinancialStatus(models.TextChoices):
    PENDING = "pending", _("Unpaid")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    VOIDED = "voided", _("Voided")


class FulfillmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", _("Unfulfilled")
    PARTIALLY_FULFILLED = "partially_fulfilled", _("Partially fulfilled")
    FULFILLED = "fulfilled", _("Fulfilled")


class DeliveryState(models.TextChoices):
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Delivery failed")


class BackorderKind(models.TextChoices):
    BACKORDER = "backorder", _("On backorder")
    SHORT_PICK = "short_pick", _("Short-picked")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class TransactionKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")


class TransactionStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    PENDING = "pending", _("Pending")
    SUCCESS = "success", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Canceled")


# Refunds not yet finished: the money is spoken for, so it can't be refunded again.
OPEN_REFUND_STATUSES = (TransactionStatus.AWAITING_APPROVAL, TransactionStatus.PENDING)


class MoneySource(models.TextChoices):
    CHECKOUT = "checkout", _("Checkout")
    EDIT = "edit", _("Order edit")
    CANCELLATION = "cancellation", _("Cancellation")
    STAFF = "staff", _("Staff")
    RETURN = "return", _("Return")
    IMPORT = "import", _("Import")
    APPEASEMENT = "appeasement", _("Goodwill")


class PaymentRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")
    CANCELLED = "cancelled", _("Canceled")


class OrderTag:
    """Tags the system sets; staff may add their own in admin."""

    EDITED_BY_CUSTOMER = "Edited by Customer"
    EDITED_BY_STAFF = "Edited by Staff"
    CANCELLED_BY_CUSTOMER = "Cancelled by Customer"


class ActorKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")
    INTEGRATION = "integration", _("Integration")


class EventType(models.TextChoices):
    PLACED = "placed", _("Order placed")
    PAYMENT_CAPTURED = "payment_captured", _("Payment captured")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    REFUND_RECORDED = "refund_recorded", _("Refund recorded")
    FULFILLMENT_CREATED = "fulfillment_created", _("Shipment created")
    DELIVERY_UPDATED = "delivery_updated", _("Delivery updated")
    CANCELLED = "cancelled", _("Order canceled")
    ARCHIVED = "archived", _("Order archived")
    EDITED = "edited", _("Order edited")
    RELEASED_FOR_FULFILLMENT = "released_for_fulfillment", _("Released for fulfilment")
    REFUND_REQUESTED = "refund_requested", _("Refund requested")
    PAYMENT_REQUESTED = "payment_requested", _("Payment requested")
    REFUND_APPROVED = "refund_approved", _("Refund approved")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    REFUND_DECLINED = "refund_declined", _("Refund declined by staff")
    PAYMENT_REQUEST_EXPIRED = "payment_request_expired", _("Payment request expired")
    EDIT_REVERTED = "edit_reverted", _("Unpaid edit undone")
    STORE_CREDIT_ISSUED = "store_credit_issued", _("Store credit given")
    GOODWILL_DISCOUNT = "goodwill_discount", _("Goodwill discount given")
    BACKORDER_REPORTED = "backorder_reported", _("Items delayed")
    SETTLEMENT_WITHDRAWN = "settlement_withdrawn", _("Open payment request or refund withdrawn")
    REVIEWED = "reviewed", _("Tags or risk changed by staff")
    PAYMENT_DISPUTED = "payment_disputed", _("Payment disputed by the cardholder")
    MONEY_KEPT = "money_kept", _("Money kept by the store")
    REST_CANCELLED = "rest_cancelled", _("Unshipped items canceled")
    UNARCHIVED = "unarchived", _("Order unarchived")
    INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURN_APPROVED = "return_approved", _("Return approved")
    RETURN_REJECTED = "return_rejected", _("Return rejected")
    RETURN_IN_TRANSIT = "return_in_transit", _("Return sent back")
    RETURN_RECEIVED = "return_received", _("Return received")
    RETURN_REFUNDED = "return_refunded", _("Return refunded")
    RETURN_EXCHANGED = "return_exchanged", _("Exchange shipped")
    RETURN_CANCELLED = "return_cancelled", _("Return withdrawn")


# Events the shopper sees on their timeline; the rest are for staff only.
CUSTOMER_VISIBLE_EVENTS = frozenset(
    {
        EventType.PLACED,
        EventType.PAYMENT_CAPTURED,
        EventType.REFUND_RECORDED,
        EventType.FULFILLMENT_CREATED,
        EventType.DELIVERY_UPDATED,
        EventType.CANCELLED,
        EventType.EDITED,
        EventType.PAYMENT_REQUESTED,
        EventType.PAYMENT_REQUEST_EXPIRED,
        EventType.EDIT_REVERTED,
        EventType.STORE_CREDIT_ISSUED,
        EventType.GOODWILL_DISCOUNT,
        EventType.BACKORDER_REPORTED,
        EventType.REST_CANCELLED,
        EventType.RETURN_REQUESTED,
        EventType.RETURN_APPROVED,
        EventType.RETURN_REJECTED,
        EventType.RETURN_IN_TRANSIT,
        EventType.RETURN_RECEIVED,
        EventType.RETURN_REFUNDED,
        EventType.RETURN_EXCHANGED,
        EventType.RETURN_CANCELLED,
    }
)


class ReturnStatus(models.TextChoices):
    """Where an order's latest return stands (``Order.return_status``), shown beside the other three statuses."""

    NONE = "", pgettext_lazy("return status", "None")
    REQUESTED = "requested", pgettext_lazy("return status", "Requested")
    APPROVED = "approved", pgettext_lazy("return status", "Approved")
    IN_TRANSIT = "in_transit", pgettext_lazy("return status", "On its way back")
    RECEIVED = "received", pgettext_lazy("return status", "Received")
    REFUNDED = "refunded", pgettext_lazy("return status", "Refunded")
    EXCHANGED = "exchanged", pgettext_lazy("return status", "Exchanged")
    REJECTED = "rejected", pgettext_lazy("return status", "Rejected")
    CANCELLED = "cancelled", pgettext_lazy("return status", "Withdrawn")


class RestRefund(models.TextChoices):
    """What staff give back when they cancel the unshipped rest of an order."""

    FULL = "full", _("Those items in full")
    AMOUNT = "amount", _("An amount")
    NONE = "none", _("No refund")
