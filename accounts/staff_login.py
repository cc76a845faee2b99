"""Admin sign-in: email, password and an authenticator or backup code in one form.

django-otp's admin form checks the password first and then asks for a device and a code, each with an
error of its own, and shows the device list once the password was right: an oracle for the password.
This form hands all three to ``accounts.staff_sign_in.sign_in_staff`` and shows one error for any failure
(and one for a full limit); ``get_user()`` stays empty until everything was right, so the page rendered
after a right password with a wrong code is the page rendered after a wrong password.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from accounts.staff_sign_in import StaffSignInRefused, StaffSignInThrottled, sign_in_staff


class CodeInput(forms.TextInput):
    """A code is never typed back into the page: it works once, and a backup code is a secret."""

    def format_value(self, value):
        return None


class StaffLoginForm(OTPAdminAuthenticationForm):
    otp_token = forms.CharField(required=False, widget=CodeInput(attrs={"autocomplete": "one-time-code"}))
    error_messages = {
        **OTPAdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Enter a correct email, password and authenticator code. Note that all fields may be case-sensitive."
        ),
        "throttled": _("Too many sign-in attempts. Please wait and try again later."),
    }

    def clean(self):
        # Not the parents' clean(): their checks answer differently once the password is right.
        try:
            self.user_cache = sign_in_staff(
                self.request,
                email=self.cleaned_data.get("username") or "",
                password=self.cleaned_data.get("password") or "",
                code=self.cleaned_data.get("otp_token") or "",
            )
        except StaffSignInThrottled:
            raise ValidationError(self.error_messages["throttled"], code="throttled") from None
        except StaffSignInRefused:
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login") from None
        return self.cleaned_data


class StaffAdminSite(OTPAdminSite):
    login_form = StaffLoginForm
