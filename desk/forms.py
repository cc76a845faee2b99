"""Forms of the order's staff pages (desk.money_views, desk.fulfilment_views): refund, goodwill, cancel;
ship items and report a backorder, with a quantity input per order line.

They check the shape of the input (amounts above 0; whole numbers, 0 or more, the HTML ``max`` being what
is left to ship); the services decide what is allowed, and their refusals are put back on the form by
``OrderActionForm.show_error`` (a service's ``lines.<id>`` on that line's quantity input).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core import reasons
from core.reasons import Reason, ReasonCode
from orders.admin_forms import OrderActionForm
from orders.admin_fulfilment import date_field, delivery_state_field
from orders.constants import BackorderKind, RestRefund
from orders.models import OrderLine


def amount_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )


def reason_field(codes, **kwargs) -> forms.ChoiceField:
    """The reason, chosen from a translatable list (core.reasons): every reader sees it in their language."""
    return forms.ChoiceField(label=_("Reason"), choices=reasons.choices(codes), **kwargs)


def note_field(label=_("Note"), **kwargs) -> forms.CharField:
    """Words of the staff member's own, kept as typed beside the reason (and shown labelled as a note)."""
    return forms.CharField(
        label=label,
        max_length=reasons.NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        **kwargs,
    )


class ReasonForm(OrderActionForm):
    """A reason from the page's list and an optional note (needed with "Other"): ``reason_value()``."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == ReasonCode.OTHER and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why in a note."))
        return cleaned

    def reason_value(self) -> Reason:
        return Reason(self.cleaned_data["reason"], self.cleaned_data.get("note", ""))


def line_label(line: OrderLine) -> str:
    return f"{line.product_name} – {line.variant_name}" if line.variant_name else line.product_name


# --- money -------------------------------------------------------------------------------------------


class RefundForm(ReasonForm):
    amount = amount_field()
    reason = reason_field(reasons.REFUND_REASONS, help_text=_("The customer sees this reason in the refund email."))
    note = note_field()
    with_return = forms.BooleanField(
        label=_("With a return"),
        required=False,
        help_text=_("Tick when the customer sends items back for this refund."),
    )


class PaymentLinkForm(ReasonForm):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Empty: the whole balance due."),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    due_days = forms.IntegerField(
        label=_("Days to pay"),
        min_value=1,
        max_value=90,
        required=False,
        help_text=_("Empty: the edit policy's days to pay a balance."),
    )
    reason = reason_field(reasons.PAYMENT_LINK_REASONS, initial=ReasonCode.BALANCE_DUE, required=False)
    note = note_field(
        label=_("Message to the customer"),
        help_text=_("Optional, in the customer's language: it is shown in the email above the link."),
    )

    def reason_value(self) -> Reason:
        """Without a reason chosen: the balance due (a note alone is not "other" here)."""
        return Reason(self.cleaned_data.get("reason") or ReasonCode.BALANCE_DUE, self.cleaned_data.get("note", ""))


class GoodwillForm(ReasonForm):
    STORE_CREDIT = "store_credit"
    ORDER_DISCOUNT = "order_discount"

    kind = forms.ChoiceField(
        label=_("Give as"),
        choices=[
            (STORE_CREDIT, _("Store credit (the customer spends it on a later order)")),
            (ORDER_DISCOUNT, _("Order discount (what was overpaid is refunded)")),
        ],
        initial=STORE_CREDIT,
        widget=forms.RadioSelect,
    )
    amount = amount_field()
    reason = reason_field(reasons.GOODWILL_REASONS)
    note = note_field()


class ReleaseHoldForm(ReasonForm):
    reason = reason_field(reasons.RELEASE_REASONS)
    note = note_field(help_text=_('Kept on the order\'s timeline, e.g. "paid by bank transfer".'))


class CancelForm(ReasonForm):
    reason = reason_field(reasons.STAFF_CANCEL_REASONS)
    note = note_field(help_text=_("Optional: added after the reason."))
    refund = forms.BooleanField(
        label=_("Refund what was paid"),
        required=False,
        initial=True,
        help_text=_("Untick to keep the money (for example, a fee for the work already done)."),
    )


class CancelRestForm(ReasonForm):
    reason = reason_field(reasons.STAFF_CANCEL_REASONS)
    note = note_field(help_text=_("Optional: added after the reason."))
    refund = forms.ChoiceField(
        label=_("Refund"),
        choices=RestRefund.choices,
        initial=RestRefund.FULL,
        widget=forms.RadioSelect,
        help_text=_("What the store doesn't refund of what these items cost is kept, not owed to the customer."),
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_('Only with "An amount".'),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("refund") == RestRefund.AMOUNT and cleaned.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount to refund."))
        return cleaned

    def amount_value(self) -> Decimal | None:
        """The amount, only when the refund is "an amount" (one typed beside another choice is ignored)."""
        return self.cleaned_data.get("amount") if self.cleaned_data["refund"] == RestRefund.AMOUNT else None


# --- fulfilment --------------------------------------------------------------------------------------


class LinesForm(OrderActionForm):
    """A quantity input per order line (``line_<id>``), then the fields of the operation."""

    def __init__(self, data=None, *, lines: list[OrderLine], **kwargs):
        super().__init__(data, **kwargs)
        self.lines = lines
        quantities = {}
        for line in lines:
            left = line.unfulfilled_quantity
            quantities[self.line_field(line)] = forms.IntegerField(
                label=line_label(line),
                required=False,
                min_value=0,
                initial=self.initial_quantity(line),
                disabled=not left,
                widget=forms.NumberInput(attrs={"min": 0, "max": left, "class": "vIntegerField"}),
            )
        self.fields = {**quantities, **self.fields}

    @staticmethod
    def line_field(line: OrderLine) -> str:
        return f"line_{line.pk}"

    def initial_quantity(self, line: OrderLine) -> int:
        return 0

    def field_for(self, key: str) -> str | None:
        if key.startswith("lines."):
            name = f"line_{key.removeprefix('lines.')}"
            return name if name in self.fields else None
        return super().field_for(key)

    def line_rows(self) -> list:
        return [(line, self[self.line_field(line)]) for line in self.lines]

    def detail_fields(self) -> list:
        return [field for field in self if not field.name.startswith("line_")]

    def quantities(self) -> dict[int, int]:
        """{line id: quantity} of the lines with more than 0 (a disabled line keeps its initial 0)."""
        chosen = {line.pk: self.cleaned_data.get(self.line_field(line)) or 0 for line in self.lines}
        return {line_id: quantity for line_id, quantity in chosen.items() if quantity > 0}


class ShipForm(LinesForm):
    carrier = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100, required=False)
    tracking_url = forms.URLField(label=_("Tracking link"), max_length=500, required=False, assume_scheme="https")
    delivery_state = delivery_state_field()
    estimated_arrival = date_field(label=_("Estimated arrival"))

    def initial_quantity(self, line: OrderLine) -> int:
        return line.unfulfilled_quantity


class BackorderForm(LinesForm):
    kind = forms.ChoiceField(label=_("Reason"), choices=BackorderKind.choices, initial=BackorderKind.BACKORDER)
    expected = date_field(label=_("Expected on"), help_text=_("Optional: when the items should be ready to ship."))
    note = forms.CharField(
        label=_("Note to the customer"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Optional: the customer reads this in the email."),
    )
