from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core import reasons
from core.autofill import autofill_address
from core.reasons import Reason
from editing.eligibility import policy_view
from editing.models import EditPolicy
from editing.rules import MAX_LINE_QUANTITY, address_countries
from orders.models import Order
from storefront.countries import country_choices, country_form_field


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


SAME_COUNTRY = _("The new address must be in the same country.")


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

    def __init__(self, *args, order: Order, policy: EditPolicy, staff: bool = False, **kwargs):
        """Offers only the countries the policy lets this order's address move to (``rules.address_countries``):
        a country it wouldn't allow is a field error here, before anything is staged."""
        super().__init__(*args, **kwargs)
        autofill_address(self.fields)
        allowed = address_countries(
            policy_view(policy),
            order_country=(order.shipping_address or {}).get("country", ""),
            is_pickup=order.pickup_location_id is not None,
            staff=staff,
        )
        if allowed is not None:
            country = cast(forms.ChoiceField, self.fields["country"])
            country.choices = lambda: country_choices(only=allowed)
            # The rule's own words (editing.rules.address_refusal), for any other code posted.
            country.error_messages = {**country.error_messages, "invalid_choice": SAME_COUNTRY}


class CancelForm(forms.Form):
    """Why the shopper cancels, if they say: a reason from the list (every reader sees it in their language)
    and a note in their own words, kept as typed."""

    reason = forms.ChoiceField(
        label=_("Reason (optional)"),
        choices=[("", "—"), *reasons.choices(reasons.SHOPPER_CANCEL_REASONS)],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=reasons.NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def reason_value(self) -> Reason:
        return Reason(self.cleaned_data.get("reason") or "", self.cleaned_data.get("note") or "")
