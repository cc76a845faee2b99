from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Address
from core.autofill import autofill_address
from storefront.countries import country_form_field


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    vat_id = forms.CharField(
        label=_("VAT ID"),
        max_length=32,
        required=False,
        help_text=_("For business purchases in the EU, e.g. NL123456789B01."),
    )
    marketing_consent = forms.BooleanField(label=_("Email me news and offers"), required=False)


class ChangeEmailForm(forms.Form):
    email = forms.EmailField(label=_("New email"), max_length=254)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )


def _code_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )


class ConfirmEmailChangeForm(forms.Form):
    new_code = _code_field(_("Code sent to the new email"))
    current_code = _code_field(_("Code sent to your current email"))


class AddressForm(forms.ModelForm):
    country = country_form_field()
    make_default = forms.BooleanField(label=_("Use as my default address"), required=False)

    class Meta:
        model = Address
        fields = ["name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        autofill_address(self.fields, section="")  # a book entry is for shipping and billing alike
