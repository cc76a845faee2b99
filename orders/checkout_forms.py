"""The checkout form: who, where, how it travels, and the card."""

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.forms import PaymentForm
from storefront.countries import country_form_field
from storefront.models import PickupLocation, ShippingMethod

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")


class CheckoutForm(PaymentForm):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    name = forms.CharField(label=_("Full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    delivery = forms.ChoiceField(label=_("Delivery"), widget=forms.RadioSelect)
    line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = country_form_field(required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    discount_code = forms.CharField(label=_("Discount code"), max_length=50, required=False)

    field_order = ["email", "name", "delivery", *ADDRESS_FIELDS[1:], "discount_code", "use_store_credit", "card_number"]

    def __init__(self, *args, methods, pickups, **kwargs):
        super().__init__(*args, **kwargs)
        self.methods = {f"ship:{method.pk}": method for method in methods}
        self.pickups = {f"pickup:{pickup.pk}": pickup for pickup in pickups}
        self.fields["delivery"].choices = [
            *((key, method.name) for key, method in self.methods.items()),
            *((key, _("Pick up at %(place)s") % {"place": pickup.name}) for key, pickup in self.pickups.items()),
        ]

    @property
    def shipping_method(self) -> ShippingMethod | None:
        return self.methods.get(self.cleaned_data.get("delivery", ""))

    @property
    def pickup_location(self) -> PickupLocation | None:
        return self.pickups.get(self.cleaned_data.get("delivery", ""))

    def clean(self):
        data = super().clean()
        if data.get("delivery", "").startswith("ship:"):
            for name in ("line1", "city", "postal_code", "country"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
        return data

    def shipping_address(self) -> dict:
        if self.shipping_method is None:
            return {}
        return {name: str(self.cleaned_data.get(name) or "") for name in ADDRESS_FIELDS if self.cleaned_data.get(name)}
