"""Fixed vocabularies of draft orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DraftStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("draft order", "Open")
    PLACED = "placed", pgettext_lazy("draft order", "Placed")


class DiscountKind(models.TextChoices):
    NONE = "", _("No discount")
    PERCENT = "percent", _("Percentage")
    AMOUNT = "amount", _("Amount")


class Payment(models.TextChoices):
    """How a draft is paid when it is placed."""

    LINK = "link", _("Send the customer a payment link")
    ELSEWHERE = "elsewhere", _("Payment taken elsewhere")
