"""allauth stays behind this adapter: it signs shoppers in and out; it sends no mail (accounts.sign_in does)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied

from accounts.middleware import SESSION_LANGUAGE_KEY
from accounts.services import can_sign_in_by_email, record_sign_in, shopper_language


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
        language = shopper_language(user, "")
        if language:
            request.session[SESSION_LANGUAGE_KEY] = language
