"""What the payment processor told us by webhook: one row per event it sent, so each is handled once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GatewayEvent(models.Model):
    """A processor's webhook event, handled once: the row is written in the transaction that handles it,
    and a second delivery (the processor sends at least once) finds it and changes nothing."""

    gateway = models.CharField(_("gateway"), max_length=50)
    event_id = models.CharField(_("event id"), max_length=255)
    type = models.CharField(_("type"), max_length=100)
    # The payment or refund it was about (a PaymentIntent's or a Refund's id), to find its order's rows.
    object_id = models.CharField(_("object id"), max_length=255, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment processor event")
        verbose_name_plural = _("payment processor events")
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="gateway_event_once")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.type} {self.event_id}"
