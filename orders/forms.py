from django import forms
from django.core.validators import RegexValidator
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


PROCESSOR_ID = RegexValidator(r"^[a-z]{2,4}_[A-Za-z0-9_]{4,250}$")


class PaymentForm(forms.Form):
    """A card and, when the shopper has some, store credit.

    With the test gateway the card number is typed into the page (its test numbers in the demo). With a
    gateway whose script takes the card on the page (Stripe.js: ``client_side``) there is no card field at
    all: the script posts only ``payment_method``, the processor's id for the card. ``payment_intent`` is the
    payment the shopper confirmed with their bank (3-D Secure), posted back to be checked with the processor;
    ``client_secret`` and ``three_d_secure`` are the test gateway's stand-in for the bank's page."""

    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    use_store_credit = forms.BooleanField(label=_("Use my store credit first"), required=False)
    attempt = forms.CharField(widget=forms.HiddenInput, max_length=64)
    payment_method = forms.CharField(
        widget=forms.HiddenInput, max_length=255, required=False, validators=[PROCESSOR_ID]
    )
    payment_intent = forms.CharField(
        widget=forms.HiddenInput, max_length=255, required=False, validators=[PROCESSOR_ID]
    )
    client_secret = forms.CharField(widget=forms.HiddenInput, max_length=255, required=False)

    def __init__(self, *args, credit=None, client_side: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_side = client_side
        if not credit:
            del self.fields["use_store_credit"]
        del self.fields["card_number" if client_side else "payment_method"]

    def clean_card_number(self):
        value = self.cleaned_data["card_number"]
        digits = "".join(ch for ch in value if ch.isdigit())
        if value and (len(digits) < 12 or any(not (ch.isdigit() or ch in " -") for ch in value)):
            raise forms.ValidationError(_("Enter the card number as printed on the card."))
        return digits

    def clean(self):
        data = super().clean()
        given = data.get("card_number") or data.get("payment_method") or data.get("payment_intent")
        if not given and not data.get("use_store_credit") and "card_number" not in self.errors:
            if self.client_side:
                self.add_error(None, _("Enter your card details."))
            else:
                self.add_error("card_number", _("Enter a card number."))
        return data

    def payment(self) -> str:
        """What the gateway charges: the intent confirmed with the bank, Stripe.js's card, or the typed number."""
        data = self.cleaned_data
        return data.get("payment_intent") or data.get("payment_method") or data.get("card_number") or ""

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
