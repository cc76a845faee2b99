"""Fixed vocabularies of returns. The return's status is ``orders.constants.ReturnStatus``: the order shows
its latest return's status beside the other three."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.constants import ReturnStatus

# A return still in the shopper's hands or the store's: its units are spoken for.
OPEN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.IN_TRANSIT)
# Statuses whose units count as returned or on their way back (never offered for another return).
COUNTED_STATUSES = (*OPEN_STATUSES, ReturnStatus.RECEIVED, ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED)
# Received: only the units that arrived count (what never came back may be asked again).
RECEIVED_STATUSES = (ReturnStatus.RECEIVED, ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED)


def units_held(status: str, quantity: int, received_quantity: int) -> int:
    """Units of a return line that a new return can't ask for."""
    if status in OPEN_STATUSES:
        return quantity
    return received_quantity if status in RECEIVED_STATUSES else 0


class RefundTo(models.TextChoices):
    ORIGINAL = "original", _("Original payment method")
    STORE_CREDIT = "store_credit", _("Store credit")


class RefundChoice(models.TextChoices):
    """Where the return policy sends refunds."""

    ORIGINAL = "original", _("Original payment method only")
    STORE_CREDIT = "store_credit", _("Store credit only")
    SHOPPER = "shopper", _("The shopper chooses")


class ShippingPayer(models.TextChoices):
    STORE = "store", _("The store (free returns)")
    CUSTOMER = "customer", _("The customer, a fixed fee taken off the refund")


class Condition(models.TextChoices):
    RESELLABLE = "resellable", pgettext_lazy("returned item", "Resellable: back in stock")
    DAMAGED = "damaged", pgettext_lazy("returned item", "Damaged: not restocked")


# The reasons a new store starts with: code → (shown label, the store's fault). Labels of these codes are
# translated here; a reason the merchant adds shows the label they typed.
DEFAULT_REASONS = {
    "too_small": (_("Too small"), False),
    "too_big": (_("Too big"), False),
    "damaged": (_("Arrived damaged"), True),
    "wrong_item": (_("Wrong item sent"), True),
    "not_as_described": (_("Not as described"), True),
    "changed_mind": (_("Changed my mind"), False),
}
