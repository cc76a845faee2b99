"""Forms of the return's staff page and of a return staff open for a customer (desk.return_views,
desk.return_create_views). They check the shape of the input; the returns services decide what is allowed,
and their refusals come back on the form (``OrderActionForm.show_error``: ``lines.<id>`` on that line's row).

Every form that changes a return carries the ``version`` of the page it was shown on: the services refuse a
return that changed since (another staff member, the warehouse, the shopper).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import reasons
from desk.forms import ReasonForm, line_label, note_field, reason_field
from orders.admin_forms import OrderActionForm
from orders.models import OrderLine
from returns.constants import Condition, RefundTo
from returns.models import ReturnLine, ReturnReason
from returns.services import AskedLine, Received
from storefront.models import Variant


def version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReturnActionForm(OrderActionForm):
    """Approve: nothing to type but the page's version."""

    version = version_field()


class RejectReturnForm(ReasonForm):
    version = version_field()
    reason = reason_field(
        reasons.RETURN_REJECT_REASONS, help_text=_("The customer reads this reason in the email and on the order.")
    )
    note = note_field()


class TransitForm(OrderActionForm):
    version = version_field()
    carrier = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100, required=False)


class ReceiveForm(OrderActionForm):
    """Per returned line: how many arrived (0 up to what was asked) and in what state."""

    version = version_field()

    def __init__(self, data=None, *, lines: list[ReturnLine], **kwargs):
        super().__init__(data, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[self.quantity_name(line.pk)] = forms.IntegerField(
                label=_("Received"),
                min_value=0,
                max_value=line.quantity,
                initial=line.quantity,
                widget=forms.NumberInput(attrs={"min": 0, "max": line.quantity, "class": "vIntegerField"}),
            )
            self.fields[self.condition_name(line.pk)] = forms.ChoiceField(
                label=_("Condition"), choices=Condition.choices, initial=Condition.RESELLABLE
            )

    @staticmethod
    def quantity_name(line_id: int) -> str:
        return f"received_{line_id}"

    @staticmethod
    def condition_name(line_id: int) -> str:
        return f"condition_{line_id}"

    def field_for(self, key: str) -> str | None:
        if key.startswith("lines."):
            name = self.quantity_name(int(key.removeprefix("lines.")))
            return name if name in self.fields else None
        return super().field_for(key)

    def rows(self) -> list:
        """(line, quantity field, condition field) per returned line, for the items table."""
        return [(line, self[self.quantity_name(line.pk)], self[self.condition_name(line.pk)]) for line in self.lines]

    def received(self) -> dict[int, Received]:
        data = self.cleaned_data
        return {
            line.pk: Received(data[self.quantity_name(line.pk)], data[self.condition_name(line.pk)])
            for line in self.lines
        }


# --- a return staff open for a customer ----------------------------------------------------------------------


def exchange_label(variant: Variant) -> str:
    if not variant.track_inventory:
        return variant.name
    stock = max(variant.stock, 0)
    return ngettext("%(variant)s (%(count)s in stock)", "%(variant)s (%(count)s in stock)", stock) % {
        "variant": variant.name,
        "count": stock,
    }


class CreateReturnForm(OrderActionForm):
    """Per order line: a quantity (up to what was delivered and is in no other return), a reason and, for an
    exchange, another variant of the same product; then where the refund goes and a comment."""

    refund_to = forms.ChoiceField(label=_("Refund to"), choices=RefundTo.choices, initial=RefundTo.ORIGINAL)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("The customer's words, if they gave any (shown on the return)."),
    )

    def __init__(
        self,
        data=None,
        *,
        lines: list[OrderLine],
        returnable: dict[int, int],
        reasons: list[ReturnReason],
        exchanges: dict[int, list[Variant]],
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        self.lines = lines
        reason_choices = [("", "—"), *((reason.code, reason.shown_label) for reason in reasons)]
        for line in lines:
            most = returnable.get(line.pk, 0)
            self.fields[self.name("quantity", line.pk)] = forms.IntegerField(
                label=line_label(line),
                min_value=0,
                max_value=most,
                initial=0,
                required=False,
                disabled=not most,
                widget=forms.NumberInput(attrs={"min": 0, "max": most, "class": "vIntegerField"}),
            )
            self.fields[self.name("reason", line.pk)] = forms.ChoiceField(
                label=_("Reason"), choices=reason_choices, required=False, disabled=not most
            )
            self.fields[self.name("exchange", line.pk)] = forms.TypedChoiceField(
                label=_("Exchange for"),
                choices=[("", _("Refund")), *((v.pk, exchange_label(v)) for v in exchanges.get(line.pk, []))],
                coerce=int,
                empty_value=None,
                required=False,
                disabled=not most or not exchanges.get(line.pk),
            )

    @staticmethod
    def name(kind: str, line_id: int) -> str:
        return f"{kind}_{line_id}"

    def field_for(self, key: str) -> str | None:
        if key.startswith("lines."):
            name = self.name("quantity", int(key.removeprefix("lines.")))
            return name if name in self.fields else None
        return super().field_for(key)

    def detail_fields(self) -> list:
        return [self["refund_to"], self["comment"]]

    def rows(self) -> list:
        """(line, quantity, reason, exchange) per order line, for the items table."""
        return [
            (line, *(self[self.name(kind, line.pk)] for kind in ("quantity", "reason", "exchange")))
            for line in self.lines
        ]

    def clean(self):
        cleaned = super().clean()
        for line in self.lines:
            if cleaned.get(self.name("quantity", line.pk)) and not cleaned.get(self.name("reason", line.pk)):
                self.add_error(self.name("reason", line.pk), _("Choose a reason."))
        return cleaned

    def asked(self) -> list[AskedLine]:
        data = self.cleaned_data
        return [
            AskedLine(
                order_line_id=line.pk,
                quantity=data[self.name("quantity", line.pk)],
                reason_code=data[self.name("reason", line.pk)],
                exchange_variant_id=data.get(self.name("exchange", line.pk)),
            )
            for line in self.lines
            if data.get(self.name("quantity", line.pk))
        ]
