"""Forms of the customer admin: a customer's details (profile and account together), the orders' date range
and an internal note."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.errors import AccountError
from accounts.models import CustomerGroup
from accounts.services import validate_vat_id
from desk.models import Customer
from desk.services import NOTE_MAX_LENGTH

PRICING_FIELDS = ("group", "tax_exempt")


class CustomerForm(forms.ModelForm):
    """The profile's fields on the customer's page; saved by desk.services.update_customer, never by the form."""

    name = forms.CharField(label=_("name"), max_length=200, required=False)
    language = forms.ChoiceField(
        label=_("preferred language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )
    vat_id = forms.CharField(label=_("VAT ID"), max_length=32, required=False)
    marketing_consent = forms.BooleanField(label=_("email marketing consent"), required=False)
    group = forms.ModelChoiceField(label=_("group"), queryset=CustomerGroup.objects.order_by("name"), required=False)
    tax_exempt = forms.BooleanField(label=_("tax exempt"), required=False)

    may_set_pricing = False  # the admin's form class for Managers says True

    class Meta:
        model = Customer
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.may_set_pricing:
            for name in PRICING_FIELDS:
                self.fields[name].disabled = True  # a posted value is ignored: the initial one is kept
                self.fields[name].help_text = _("Only managers change this.")
        profile = getattr(self.instance, "profile", None) if self.instance.pk else None
        if profile is not None:
            for field in ("name", "language", "vat_id", "marketing_consent", "tax_exempt"):
                self.fields[field].initial = getattr(profile, field)
            self.fields["group"].initial = profile.group_id

    def clean_vat_id(self) -> str:
        try:
            return validate_vat_id(self.cleaned_data["vat_id"])
        except AccountError as error:
            raise forms.ValidationError(error.fields["vat_id"]) from None


class OrderRangeForm(forms.Form):
    """The customer page's orders from and to a day (either may be left open)."""

    orders_from = forms.DateField(
        label=_("Orders from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    orders_to = forms.DateField(
        label=pgettext_lazy("date range", "to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("orders_from"), cleaned.get("orders_to")
        if start and end and start > end:
            self.add_error("orders_to", _("The end is before the start."))
        return cleaned


class NoteForm(forms.Form):
    note_text = forms.CharField(
        label=_("Internal note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
        help_text=_("Seen by staff only, never by the customer."),
    )
