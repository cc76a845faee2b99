from django import forms
from django.utils.translation import gettext_lazy as _

from editing.rules import MAX_LINE_QUANTITY
from storefront.countries import country_form_field


class QuantityForm(forms.Form):
    line_id = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=MAX_LINE_QUANTITY)


class LineForm(forms.Form):
    line_id = forms.IntegerField(min_value=1)


class SwapForm(forms.Form):
    line_id = forms.IntegerField(min_value=1)
    variant_id = forms.IntegerField(min_value=1)


class AddForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_LINE_QUANTITY, initial=1)


class AdditionForm(forms.Form):
    """The quantity of a line the edit adds (0 takes it back out)."""

    variant_id = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=MAX_LINE_QUANTITY)


class VariantForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1)


class DeliveryForm(forms.Form):
    delivery = forms.RegexField(regex=r"^(method|pickup):\d+$")

    @staticmethod
    def choice_of(cleaned_data: dict) -> dict:
        """``stage_delivery``'s arguments: {"method_id": …} or {"pickup_id": …}."""
        kind, pk = cleaned_data["delivery"].split(":")
        return {"method_id": int(pk)} if kind == "method" else {"pickup_id": int(pk)}


class EditAddressForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    line1 = forms.CharField(label=_("Address"), max_length=200)
    line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    region = forms.CharField(label=_("State / region"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = country_form_field()
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
