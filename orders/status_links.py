"""The read-only order status link in emails: the order number, signed. No session needed, nothing editable."""

from django.urls import reverse

from core.signed_ids import SignedId

STATUS_LINKS = SignedId("orders.status-link")
status_token = STATUS_LINKS.token
number_from_token = STATUS_LINKS.value


def status_path(number: int) -> str:
    return reverse("orders:status", args=[status_token(number)])


def invoice_path(number: int) -> str:
    """The order's invoice behind the same token: whoever may read the order's status may read its invoice."""
    return reverse("orders:status-invoice", args=[status_token(number)])
