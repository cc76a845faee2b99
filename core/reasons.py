"""Why money moved or an order changed: a code from one translatable list, plus a note kept as typed.

A reason is stored as its code (``ReasonCode``) and an optional note (``reason_code``/``reason_note`` on
rows, the same keys in event data and email contexts), never as a sentence in the language of whoever
entered it: every reader (the shopper's page, an email, admin) reads the code's label in their own
language, and the note as it was typed, labelled as a note. Each form offers the codes that fit it
(``SHOPPER_CANCEL_REASONS``, ``REFUND_REASONS``, …).

Free text from before (or from an API client that sends only ``reason``) is a note with the code "other"
(``Reason.of``); a stored event or queued email that still has a plain ``reason`` string reads the same way
(``Reason.from_data``, ``Reason.from_context``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

NOTE_MAX_LENGTH = 300


class ReasonCode(models.TextChoices):
    # Shoppers cancelling
    CHANGED_MIND = "changed_mind", _("Changed mind")
    ORDERED_BY_MISTAKE = "ordered_by_mistake", _("Ordered by mistake")
    FOUND_CHEAPER = "found_cheaper", _("Found a better price")
    # Staff giving money back, cancelling, releasing
    CUSTOMER_REQUEST = "customer_request", _("Customer asked")
    RETURNED = "returned", _("Return")
    DAMAGED = "damaged", _("Damaged item")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    LATE = "late", _("Late delivery")
    GOODWILL = "goodwill", _("Goodwill")
    FRAUD = "fraud", _("Suspected fraud")
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    PAYMENT_NOT_RECEIVED = "payment_not_received", _("Payment not received")
    PAID_ELSEWHERE = "paid_elsewhere", _("Paid another way")
    BALANCE_DUE = "balance_due", _("Balance due")
    # Staff rejecting a return
    OUTSIDE_WINDOW = "outside_window", _("Outside the return window")
    USED_BY_CUSTOMER = "used_by_customer", _("Used or damaged by the customer")
    NOT_OURS = "not_ours", _("Not bought from us")
    # Set by the system
    ORDER_EDITED = "order_edited", _("Order edited")
    ORDER_CANCELED = "order_canceled", _("Order canceled")
    ORDER_PAYMENT = "order_payment", _("Order payment")
    OTHER = "other", _("Other")


# The codes each form offers, in the order shown.
SHOPPER_CANCEL_REASONS = (
    ReasonCode.CHANGED_MIND,
    ReasonCode.ORDERED_BY_MISTAKE,
    ReasonCode.FOUND_CHEAPER,
    ReasonCode.LATE,
    ReasonCode.OTHER,
)
STAFF_CANCEL_REASONS = (
    ReasonCode.CUSTOMER_REQUEST,
    ReasonCode.FRAUD,
    ReasonCode.OUT_OF_STOCK,
    ReasonCode.PAYMENT_NOT_RECEIVED,
    ReasonCode.OTHER,
)
REFUND_REASONS = (
    ReasonCode.RETURNED,
    ReasonCode.DAMAGED,
    ReasonCode.WRONG_ITEM,
    ReasonCode.LATE,
    ReasonCode.GOODWILL,
    ReasonCode.CUSTOMER_REQUEST,
    ReasonCode.OTHER,
)
GOODWILL_REASONS = (
    ReasonCode.GOODWILL,
    ReasonCode.LATE,
    ReasonCode.DAMAGED,
    ReasonCode.WRONG_ITEM,
    ReasonCode.CUSTOMER_REQUEST,
    ReasonCode.OTHER,
)
RELEASE_REASONS = (ReasonCode.PAID_ELSEWHERE, ReasonCode.CUSTOMER_REQUEST, ReasonCode.OTHER)
PAYMENT_LINK_REASONS = (ReasonCode.BALANCE_DUE, ReasonCode.OTHER)
RETURN_REJECT_REASONS = (
    ReasonCode.OUTSIDE_WINDOW,
    ReasonCode.USED_BY_CUSTOMER,
    ReasonCode.NOT_OURS,
    ReasonCode.OTHER,
)
DRAFT_DISCOUNT_REASONS = (
    ReasonCode.CUSTOMER_REQUEST,
    ReasonCode.GOODWILL,
    ReasonCode.LATE,
    ReasonCode.DAMAGED,
    ReasonCode.OTHER,
)


def choices(codes) -> list[tuple[str, Any]]:
    """(value, lazy label) pairs of some codes, for a form's ChoiceField."""
    return [(code.value, code.label) for code in codes]


@dataclass(frozen=True)
class Reason:
    """A code (or "") and a note kept as typed (or ""). Falsy when it says nothing."""

    code: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        code = (self.code or "").strip()
        note = (self.note or "").strip()[:NOTE_MAX_LENGTH]
        if note and not code:
            code = ReasonCode.OTHER  # a note alone is the "other" reason
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "note", note)

    def __bool__(self) -> bool:
        return bool(self.code or self.note)

    def __str__(self) -> str:
        return self.text()

    @classmethod
    def of(cls, value: Reason | str | None) -> Reason:
        """A Reason as given, or free text (an older caller, an API's ``reason``) as the "other" code's note."""
        if isinstance(value, Reason):
            return value
        return cls(ReasonCode.OTHER, value) if value and value.strip() else cls()

    def label(self) -> str:
        """The code's label in the active language ("" without a code; an unknown code reads as "Other")."""
        if not self.code:
            return ""
        if self.code in ReasonCode.values:
            return str(ReasonCode(self.code).label)
        return str(ReasonCode.OTHER.label)

    def text(self) -> str:
        """The label in the active language, then the note as typed: "Damaged item (note: box crushed)"."""
        if not self:
            return ""
        if not self.note:
            return self.label()
        return gettext("%(reason)s (note: %(note)s)") % {"reason": self.label(), "note": self.note}

    def or_default(self, code: str) -> Reason:
        """This reason, or ``code`` when it says nothing (a system default)."""
        return self if self else Reason(code)

    # --- stored forms --------------------------------------------------------------------------------

    def as_data(self) -> dict[str, str]:
        """The keys rows, event data and email contexts keep: ``reason_code`` and ``reason_note``."""
        return {"reason_code": self.code, "reason_note": self.note}

    @classmethod
    def from_data(cls, data: dict | None) -> Reason:
        """Read back ``as_data``; an older event's or context's ``reason`` sentence is an "other" note."""
        data = data or {}
        if "reason_code" in data or "reason_note" in data:
            return cls(data.get("reason_code") or "", data.get("reason_note") or "")
        legacy = data.get("reason")
        return cls.of(legacy) if isinstance(legacy, str) else cls()


class WithReason(models.Model):
    """A row that records why (a refund, a credit memo, a payment request, a store-credit entry)."""

    reason_code = models.CharField(_("reason"), max_length=32, choices=ReasonCode.choices, blank=True)
    reason_note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        abstract = True

    def _get_reason(self) -> Reason:
        return Reason(self.reason_code, self.reason_note)

    def _set_reason(self, value: Reason | str | None) -> None:
        reason = Reason.of(value)
        self.reason_code, self.reason_note = reason.code, reason.note

    _get_reason.short_description = _("reason")  # type: ignore[attr-defined]  # admin's column title
    # ``row.reason`` is a Reason; ``Model(reason=...)`` and ``row.reason = ...`` take a Reason or free text.
    reason = property(_get_reason, _set_reason)
