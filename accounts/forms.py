from allauth.account.forms import RequestLoginCodeForm
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Address
from accounts.services import can_sign_in_by_email
from storefront.countries import country_form_field


class RequestSignInCodeForm(RequestLoginCodeForm):
    """allauth's form, with our wording for its limit and staff answered like unknown emails."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email")
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "autofocus": True, "placeholder": ""})

    def clean_email(self):
        try:
            email = super().clean_email()
        except ValidationError as error:
            if error.code == "too_many_login_attempts":
                raise ValidationError(
                    _("Too many sign-in codes were requested. Please wait an hour and try again."), code="rate_limited"
                ) from None
            raise
        if not can_sign_in_by_email(self._user):
            self._user = None  # no code for staff: same page and timing as for an unknown email
        return email


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


class AddressForm(forms.ModelForm):
    country = country_form_field()
    make_default = forms.BooleanField(label=_("Use as my default address"), required=False)

    class Meta:
        model = Address
        fields = ["name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone"]
