"""allauth stays behind this adapter: it signs shoppers in and out; it sends no mail (accounts.sign_in does)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.utils import translation

from accounts.middleware import SESSION_LANGUAGE_KEY, SESSION_TIME_ZONE_KEY, browser_time_zone, chosen_language
from accounts.services import can_sign_in_by_email, record_sign_in, save_preferences, shopper_language


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False  # accounts come from orders: every order's email has one

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Our sign-in mail is sent by accounts.sign_in; allauth flows we don't expose (password reset,
        # signup, its own code flow) must not mail silently.
        raise NotImplementedError(template_prefix)

    def pre_login(self, request, user, **kwargs):
        if not can_sign_in_by_email(user):
            raise PermissionDenied("staff accounts sign in through admin")
        return super().pre_login(request, user, **kwargs)

    def login(self, request, user) -> None:
        super().login(request, user)
        record_sign_in(user=user)
        remember_preferences(request, user)


def remember_preferences(request, user) -> None:
    """At sign-in, the language and time zone this device shows are the account's (docs/decisions.md).

    Language: the switcher's choice on this device (its cookie) beats the one stored, and is saved; without
    one, the stored language; without that, the one the browser asked for (saved too, so emails have one).
    Time zone: the one this browser reports is saved; without it, the stored one stays.
    """
    profile = getattr(user, "profile", None)
    stored_language = shopper_language(user, "")
    stored_zone = profile.time_zone if profile else ""
    language = chosen_language(request) or stored_language or request.LANGUAGE_CODE or translation.get_language()
    time_zone = browser_time_zone(request)
    save_preferences(
        user=user,
        language=language if language != stored_language else "",
        time_zone=time_zone if time_zone != stored_zone else "",
    )
    request.session[SESSION_LANGUAGE_KEY] = language
    request.session[SESSION_TIME_ZONE_KEY] = time_zone or stored_zone
    translation.activate(language)
    request.LANGUAGE_CODE = language
