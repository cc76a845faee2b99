"""The checkout form: who, where (a saved address of a signed-in shopper, or a new one), how it travels,
the VAT ID, and the card."""

from collections.abc import Iterable
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.errors import AccountError
from accounts.models import Address
from accounts.services import validate_vat_id
from core.autofill import autofill_address
from orders.forms import PaymentForm
from storefront.countries import country_form_field
from storefront.models import PickupLocation, ShippingMethod

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")
NEW_ADDRESS_FIELDS = ADDRESS_FIELDS[1:]
NEW_ADDRESS = "new"


def address_label(address: Address) -> str:
    """One line naming a saved address, its country in the reader's language."""
    place = " ".join(part for part in (address.postal_code, address.city) if part)
    parts = (address.name, address.company, address.line1, address.line2, place, str(address.country.name))
    return ", ".join(part for part in parts if part)


class CheckoutForm(PaymentForm):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    name = forms.CharField(label=_("Full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    vat_id = forms.CharField(
        label=_("VAT ID (optional)"),
        max_length=32,
        required=False,
        help_text=_("For business purchases in the EU, e.g. NL123456789B01."),
    )
    delivery = forms.ChoiceField(label=_("Delivery"), widget=forms.RadioSelect)
    ship_to = forms.ChoiceField(label=_("Ship to"), widget=forms.RadioSelect, required=False)
    line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = country_form_field(required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    discount_code = forms.CharField(label=_("Discount code"), max_length=50, required=False)

    field_order = [
        "email",
        "name",
        "vat_id",
        "delivery",
        "ship_to",
        *NEW_ADDRESS_FIELDS,
        "discount_code",
        "use_store_credit",
        "card_number",
    ]

    def __init__(self, *args, methods, pickups, addresses: Iterable[Address] = (), **kwargs):
        """``addresses``: the signed-in shopper's book, offered before a new address (the default chosen)."""
        super().__init__(*args, **kwargs)
        autofill_address({name: self.fields[name] for name in NEW_ADDRESS_FIELDS})
        self.methods = {f"ship:{method.pk}": method for method in methods}
        self.pickups = {f"pickup:{pickup.pk}": pickup for pickup in pickups}
        cast(forms.ChoiceField, self.fields["delivery"]).choices = [
            *((key, method.name) for key, method in self.methods.items()),
            *((key, _("Pick up at %(place)s") % {"place": pickup.name}) for key, pickup in self.pickups.items()),
        ]
        self.addresses = {str(address.pk): address for address in addresses}
        if self.addresses:
            ship_to = cast(forms.ChoiceField, self.fields["ship_to"])
            ship_to.choices = [
                *((key, address_label(address)) for key, address in self.addresses.items()),
                (NEW_ADDRESS, _("A new address")),
            ]
            first = next(iter(self.addresses))
            ship_to.initial = next((key for key, address in self.addresses.items() if address.is_default), first)
        else:
            del self.fields["ship_to"]

    def new_address_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in NEW_ADDRESS_FIELDS]

    @property
    def saved_address(self) -> Address | None:
        """The address from the book the shopper chose, or None for a new one."""
        return self.addresses.get(self.cleaned_data.get("ship_to") or "")

    @property
    def shipping_method(self) -> ShippingMethod | None:
        return self.methods.get(self.cleaned_data.get("delivery", ""))

    @property
    def pickup_location(self) -> PickupLocation | None:
        return self.pickups.get(self.cleaned_data.get("delivery", ""))

    def clean_vat_id(self) -> str:
        try:
            return validate_vat_id(self.cleaned_data["vat_id"])
        except AccountError as error:
            raise forms.ValidationError(error.fields["vat_id"]) from None

    def clean(self):
        data = super().clean()
        if data.get("delivery", "").startswith("ship:") and self.saved_address is None:
            for name in ("line1", "city", "postal_code", "country"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
        return data

    def shipping_address(self) -> dict:
        if self.shipping_method is None:
            return {}
        if (saved := self.saved_address) is not None:
            return saved.as_snapshot()
        return {name: str(self.cleaned_data.get(name) or "") for name in ADDRESS_FIELDS if self.cleaned_data.get(name)}
