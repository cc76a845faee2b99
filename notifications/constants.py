from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class MessageKind(models.TextChoices):
    """Every message the system sends; each has templates under notifications/email/<kind>/."""

    ORDER_CONFIRMATION = "order_confirmation", _("Order confirmation")
