"""allauth stays behind this adapter: its mail goes through our outbox, in the shopper's language."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from accounts.middleware import SESSION_LANGUAGE_KEY
from accounts.models import User
from accounts.services import can_sign_in_by_email, issue_sign_in_link, record_sign_in, shopper_language
from notifications.constants import MessageKind
from notifications.services import notify


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False  # accounts come from orders: every order's email has one

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        fallback = translation.get_language() or settings.LANGUAGE_CODE
        if template_prefix == "account/email/login_code":
            user = User.objects.select_related("profile").get(email=email.strip().lower())
            token = issue_sign_in_link(user=user)
            link = context["request"].build_absolute_uri(reverse("accounts:sign-in-link", args=[token]))
            notify(
                kind=MessageKind.SIGN_IN_CODE,
                recipient=email,
                language=shopper_language(user, fallback),
                context={
                    "code_minutes": settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60,
                    "link_minutes": settings.SIGN_IN_LINK_MINUTES,
                },
                # Never stored: held in Redis until sent, for as long as the longer-lived of the two works.
                secrets={"code": context["code"], "link": link},
                secrets_ttl=max(settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT, settings.SIGN_IN_LINK_MINUTES * 60),
            )
        elif template_prefix == "account/email/unknown_account":
            notify(
                kind=MessageKind.UNKNOWN_ACCOUNT,
                recipient=email,
                language=fallback,
                context={"shop_url": settings.SITE_URL + "/"},
            )
        else:  # allauth flows we don't expose (password reset, signup...) must not mail silently
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
