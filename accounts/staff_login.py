"""Admin sign-in: password, then an authenticator or backup code in the same form.

django-otp wants the staff member to pick a device from a list first; we pick it from the code's
shape instead (6 digits: the authenticator app; 8 letters and digits: a backup code), so one
device is tried and no unrelated device records a failed attempt.
"""

from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


def device_for_code(user, code: str):
    code = (code or "").strip()
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    return model.objects.filter(user=user, confirmed=True).order_by("pk").first()


class StaffLoginForm(OTPAdminAuthenticationForm):
    def clean_otp(self, user):
        if user is not None and not self.cleaned_data.get("otp_device"):
            device = device_for_code(user, self.cleaned_data.get("otp_token"))
            if device is not None:
                self.cleaned_data["otp_device"] = device.persistent_id
        return super().clean_otp(user)


class StaffAdminSite(OTPAdminSite):
    login_form = StaffLoginForm
