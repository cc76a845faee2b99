from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Claimed by a send job, committed before the mail server is called: no other job may send it.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")
    # The send stopped midway (worker killed, connection cut): the server may have it. Only staff resend.
    UNCERTAIN = "uncertain", _("Outcome unknown")


class MessageKind(models.TextChoices):
    """Every message the system sends; each has templates under notifications/email/<kind>/."""

    ORDER_CONFIRMATION = "order_confirmation", _("Order confirmation")
    SIGN_IN_CODE = "sign_in_code", _("Sign-in code and link")
    UNKNOWN_ACCOUNT = "unknown_account", _("Sign-in attempt for an unknown email")
    EMAIL_CHANGE_CODE = "email_change_code", _("Email change code")
    EMAIL_CHANGE_APPROVAL = "email_change_approval", _("Email change approval code")
    EMAIL_CHANGED = "email_changed", _("Email changed")
    ORDER_EDITED = "order_edited", _("Order edited")
    ORDER_CANCELLED = "order_cancelled", _("Order canceled")
    ORDER_REST_CANCELLED = "order_rest_cancelled", _("Unshipped items canceled")
    MERCHANT_ORDER_EDITED = "merchant_order_edited", _("Merchant alert: order edited")
    MERCHANT_ORDER_CANCELLED = "merchant_order_cancelled", _("Merchant alert: order canceled")
    PAYMENT_NEEDED = "payment_needed", _("Payment needed")
    PAYMENT_REMINDER = "payment_reminder", _("Payment reminder")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    MERCHANT_REFUND_FAILED = "merchant_refund_failed", _("Merchant alert: refund failed")
    MERCHANT_REFUND_AWAITING_APPROVAL = "merchant_refund_awaiting_approval", _("Merchant alert: refund to approve")
    MERCHANT_PAYMENT_EXPIRED = "merchant_payment_expired", _("Merchant alert: payment request expired")
    MERCHANT_PAYMENT_DISPUTED = "merchant_payment_disputed", _("Merchant alert: payment disputed")
    SHIPMENT_SHIPPED = "shipment_shipped", _("Shipped")
    SHIPMENT_OUT_FOR_DELIVERY = "shipment_out_for_delivery", _("Out for delivery")
    SHIPMENT_DELIVERED = "shipment_delivered", _("Delivered")
    SHIPMENT_READY_FOR_PICKUP = "shipment_ready_for_pickup", _("Ready for pickup")
    SHIPMENT_FAILED = "shipment_failed", _("Delivery failed")
    BACKORDER_NOTICE = "backorder_notice", _("Items delayed (backorder or short pick)")
    SHOP_AGAIN = "shop_again", _("Shop again, after delivery (marketing)")
    MERCHANT_WEBHOOK_DISABLED = "merchant_webhook_disabled", _("Merchant alert: webhook endpoint disabled")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURN_APPROVED = "return_approved", _("Return approved, with the slip")
    RETURN_REJECTED = "return_rejected", _("Return rejected")
    RETURN_RECEIVED = "return_received", _("Return received and settled")


# Rendered in the language and zone of the page they were asked from (or the store's), never the recipient
# account's at send time: the sign-in email in the language chosen before signing in, messages about the
# account to an address it may no longer have, and the merchant's alerts. Every other kind is to a shopper
# and follows their profile when it is rendered (notifications.services.compose).
KEEP_LANGUAGE_KINDS = frozenset(
    {
        MessageKind.SIGN_IN_CODE,
        MessageKind.UNKNOWN_ACCOUNT,
        MessageKind.EMAIL_CHANGE_CODE,
        MessageKind.EMAIL_CHANGE_APPROVAL,
        MessageKind.EMAIL_CHANGED,
        MessageKind.MERCHANT_ORDER_EDITED,
        MessageKind.MERCHANT_ORDER_CANCELLED,
        MessageKind.MERCHANT_REFUND_FAILED,
        MessageKind.MERCHANT_REFUND_AWAITING_APPROVAL,
        MessageKind.MERCHANT_PAYMENT_EXPIRED,
        MessageKind.MERCHANT_PAYMENT_DISPUTED,
        MessageKind.MERCHANT_WEBHOOK_DISABLED,
    }
)

# Sent only to shoppers who consented, with List-Unsubscribe; everything else is transactional.
MARKETING_KINDS = frozenset({MessageKind.SHOP_AGAIN})

# Kinds that carry secrets, by name: notify() takes these only as ``secrets=`` (kept in Redis until sent,
# never in the database) and refuses them in the context.
SECRET_KINDS: dict[MessageKind, frozenset[str]] = {
    MessageKind.SIGN_IN_CODE: frozenset({"code", "link"}),
    MessageKind.EMAIL_CHANGE_CODE: frozenset({"code"}),
    MessageKind.EMAIL_CHANGE_APPROVAL: frozenset({"code"}),
    MessageKind.EMAIL_CHANGED: frozenset({"undo_link"}),
}
