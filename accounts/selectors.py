"""Reads of accounts for other apps."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import CustomerProfile

UNSUBSCRIBE_SALT = "accounts.unsubscribe"


def unsubscribe_token(user_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user_id)).replace(":", ".")


def user_id_from_unsubscribe_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token.replace(".", ":")))
    except (signing.BadSignature, ValueError):
        return None


def marketing_recipient(user_id: int) -> str | None:
    """The unsubscribe link to put in a marketing email, or None when the shopper hasn't consented."""
    consented = CustomerProfile.objects.filter(user_id=user_id, marketing_consent=True).exists()
    if not consented:
        return None
    return settings.SITE_URL + reverse("accounts:unsubscribe", args=[unsubscribe_token(user_id)])
