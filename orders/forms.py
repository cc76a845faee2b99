from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.constants import FinancialStatus, FulfillmentStatus, OrderStatus
from orders.selectors import OrderFilters

ANY = [("", _("Any"))]


class OrderFilterForm(forms.Form):
    placed_from = forms.DateField(
        label=pgettext_lazy("start of a date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    placed_to = forms.DateField(
        label=pgettext_lazy("end of a date range", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("Order"), choices=ANY + OrderStatus.choices, required=False)
    financial_status = forms.ChoiceField(label=_("Payment"), choices=ANY + FinancialStatus.choices, required=False)
    fulfillment_status = forms.ChoiceField(
        label=_("Fulfilment"), choices=ANY + FulfillmentStatus.choices, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("placed_from") and data.get("placed_to") and data["placed_from"] > data["placed_to"]:
            self.add_error(
                "placed_to",
                forms.ValidationError(_("The end date must be on or after the start date."), code="date_range"),
            )
        return data

    def filters(self) -> OrderFilters:
        return OrderFilters(**self.cleaned_data) if self.is_valid() else OrderFilters()


class PaymentForm(forms.Form):
    """A card (the test gateway's numbers in the demo) and, when the shopper has some, store credit."""

    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    use_store_credit = forms.BooleanField(label=_("Use my store credit first"), required=False)
    attempt = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, credit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not credit:
            del self.fields["use_store_credit"]

    def clean_card_number(self):
        value = self.cleaned_data["card_number"]
        digits = "".join(ch for ch in value if ch.isdigit())
        if value and (len(digits) < 12 or any(not (ch.isdigit() or ch in " -") for ch in value)):
            raise forms.ValidationError(_("Enter the card number as printed on the card."))
        return digits

    def clean(self):
        data = super().clean()
        if not data.get("card_number") and not data.get("use_store_credit") and "card_number" not in self.errors:
            self.add_error("card_number", _("Enter a card number."))
        return data

    def add_application_error(self, error) -> None:
        """Show a service's refusal next to the field it names, else above the form."""
        fields = getattr(error, "fields", None) or {}
        placed = False
        for name, problems in fields.items():
            if name in self.fields:
                for problem in problems:
                    self.add_error(name, problem)
                placed = True
        if not placed:
            self.add_error(None, error.message)
