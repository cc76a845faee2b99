"""Forms of the staff money pages in admin (refund, goodwill, cancel): see orders.admin_views.

They check the shape of the input; the services decide what is allowed, and their refusals are put
back on the form by ``OrderActionForm.show_error``.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from orders.constants import CancelReason


def amount_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )


def reason_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        **kwargs,
    )


class OrderActionForm(forms.Form):
    """Base of every staff action page's form (money here, fulfilment in ``orders.admin_fulfilment``)."""

    def field_for(self, key: str) -> str | None:
        """The form field a service's ``fields`` key belongs to, if any."""
        return key if key in self.fields else None

    def show_error(self, error: ApplicationError) -> None:
        """A service's refusal on the form: its field errors under their fields, its message on top."""
        for key, field_errors in (error.fields or {}).items():
            name = self.field_for(key)
            if name and name not in self.errors:
                self.add_error(name, [str(message) for message in field_errors])
        self.add_error(None, str(error.message))

    def line_rows(self) -> list:
        """(line, quantity field) rows shown as a table above the other fields; none by default."""
        return []

    def detail_fields(self) -> list:
        return list(self)


class RefundForm(OrderActionForm):
    amount = amount_field()
    reason = reason_field(help_text=_("The customer sees this reason in the refund email."))
    with_return = forms.BooleanField(
        label=_("With a return"),
        required=False,
        help_text=_("Tick when the customer sends items back for this refund."),
    )


class GoodwillForm(OrderActionForm):
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
    reason = reason_field()


class CancelForm(OrderActionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=CancelReason.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        help_text=_("Optional: added after the reason."),
    )
    refund = forms.BooleanField(
        label=_("Refund what was paid"),
        required=False,
        initial=True,
        help_text=_("Untick to keep the money (for example, a fee for the work already done)."),
    )

    def reason_text(self) -> str:
        """The reason as stored on the order's records: its label in the store's language, then the note.

        The store's language (not the staff member's) keeps the records readable by every colleague.
        """
        with translation.override(settings.LANGUAGE_CODE):
            text = str(CancelReason(self.cleaned_data["reason"]).label)
        note = self.cleaned_data.get("note", "").strip()
        return f"{text}: {note}" if note else text
