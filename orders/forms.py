from django import forms
from django.utils.translation import gettext_lazy as _

from orders.constants import FinancialStatus, FulfillmentStatus, OrderStatus
from orders.selectors import OrderFilters

ANY = [("", _("Any"))]


class OrderFilterForm(forms.Form):
    placed_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    placed_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Order"), choices=ANY + OrderStatus.choices, required=False)
    financial_status = forms.ChoiceField(label=_("Payment"), choices=ANY + FinancialStatus.choices, required=False)
    fulfillment_status = forms.ChoiceField(
        label=_("Fulfilment"), choices=ANY + FulfillmentStatus.choices, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("placed_from") and data.get("placed_to") and data["placed_from"] > data["placed_to"]:
            self.add_error("placed_to", _("The end date must be on or after the start date."))
        return data

    def filters(self) -> OrderFilters:
        return OrderFilters(**self.cleaned_data) if self.is_valid() else OrderFilters()
