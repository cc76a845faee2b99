from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeType(models.TextChoices):
    """What a shopper may change; the policy turns each on or off."""

    ADDRESS = "address", _("Shipping address")
    DELIVERY = "delivery", _("Shipping method or pickup")
    SWAP = "swap", _("Size or colour")
    ADD = "add", _("Add items")
    REMOVE = "remove", _("Remove items")
    QUANTITY = "quantity", _("Quantities")
    CANCEL = "cancel", _("Cancel the order")


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMMITTED = "committed", _("Confirmed")
    ABANDONED = "abandoned", _("Abandoned")
    REVERTED = "reverted", _("Undone (left unpaid)")
