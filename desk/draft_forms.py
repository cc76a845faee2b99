"""Forms of the draft order pages (desk.draft_views): each checks the shape of one action's input; the drafts
services decide what is allowed, and their refusals come back on the form (``OrderActionForm.show_error``)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import reasons
from core.reasons import Reason
from desk.forms import note_field
from drafts.constants import DiscountKind, Payment
from orders.admin_forms import OrderActionForm
from orders.services import MAX_LINE_QUANTITY


def quantity_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Quantity"),
        max_value=MAX_LINE_QUANTITY,
        widget=forms.NumberInput(attrs={"class": "vIntegerField", "max": MAX_LINE_QUANTITY}),
        **kwargs,
    )


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a customer"),
        max_length=100,
        required=False,
        help_text=_("Email, name, phone or postal code."),
    )


class NewCustomerForm(OrderActionForm):
    email = forms.EmailField(label=_("Email"))
    name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("Emails to the customer are written in it."),
    )


class PickCustomerForm(OrderActionForm):
    customer = forms.IntegerField(widget=forms.HiddenInput)


class AddLineForm(OrderActionForm):
    variant = forms.IntegerField(widget=forms.HiddenInput)
    quantity = quantity_field(min_value=1, initial=1)


class QuantityForm(OrderActionForm):
    line = forms.IntegerField(widget=forms.HiddenInput)
    quantity = quantity_field(min_value=0, help_text=_("0 removes the line."))

    def field_for(self, key: str) -> str | None:
        return "quantity" if key.startswith("line_") else super().field_for(key)


class AddressForm(OrderActionForm):
    address = forms.TypedChoiceField(label=_("Ship to"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, data=None, *, book, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["address"].choices = [(address.pk, address_line(address)) for address in book]


class DeliveryForm(OrderActionForm):
    delivery = forms.ChoiceField(label=_("Delivery"), widget=forms.RadioSelect)

    def __init__(self, data=None, *, methods, pickups, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["delivery"].choices = [
            *((f"method:{method.pk}", f"{method.name} ({method.carrier})") for method in methods),
            *((f"pickup:{place.pk}", _("Pick up at %(place)s") % {"place": place.name}) for place in pickups),
        ]

    def chosen(self) -> dict[str, int]:
        kind, _sep, pk = self.cleaned_data["delivery"].partition(":")
        return {"shipping_method_id": int(pk)} if kind == "method" else {"pickup_location_id": int(pk)}


class DiscountForm(OrderActionForm):
    discount_kind = forms.ChoiceField(
        label=_("Discount"), choices=DiscountKind.choices, required=False, widget=forms.RadioSelect
    )
    discount_value = forms.DecimalField(
        label=pgettext_lazy("discount", "Value"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("A percentage off the items, or an amount in the store's currency."),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *reasons.choices(reasons.DRAFT_DISCOUNT_REASONS)], required=False
    )
    note = note_field()

    def reason_value(self) -> Reason:
        return Reason(self.cleaned_data.get("reason") or "", self.cleaned_data.get("note") or "")


class PlaceForm(OrderActionForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    payment = forms.ChoiceField(
        label=_("Payment"), choices=Payment.choices, initial=Payment.LINK, widget=forms.RadioSelect
    )
    due_days = forms.IntegerField(
        label=_("Days to pay"),
        min_value=1,
        max_value=90,
        required=False,
        help_text=_("Empty: the edit policy's days to pay a balance."),
    )
    message = note_field(
        label=_("Message to the customer"),
        help_text=_("Optional, in the customer's language: it is shown in the email above the link."),
    )
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=200,
        required=False,
        help_text=_("For a payment taken elsewhere: the bank transfer or terminal receipt."),
    )


class RecordPaymentForm(OrderActionForm):
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=200,
        required=False,
        help_text=_("For a payment taken elsewhere: the bank transfer or terminal receipt."),
    )
    note = note_field()


def address_line(address) -> str:
    parts = [address.name, address.company, address.line1, address.line2, f"{address.postal_code} {address.city}"]
    parts.append(str(address.country.name))
    if address.phone:
        parts.append(address.phone)
    return ", ".join(part.strip() for part in parts if part and part.strip())
