"""Reads of accounts for other apps."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts.models import Address, CustomerProfile
from core.signed_ids import SignedId

UNSUBSCRIBE_LINKS = SignedId("accounts.unsubscribe")
unsubscribe_token = UNSUBSCRIBE_LINKS.token
user_id_from_unsubscribe_token = UNSUBSCRIBE_LINKS.value


def marketing_recipient(user_id: int) -> str | None:
    """The unsubscribe link to put in a marketing email, or None when the shopper hasn't consented."""
    consented = CustomerProfile.objects.filter(user_id=user_id, marketing_consent=True).exists()
    if not consented:
        return None
    return settings.SITE_URL + reverse("accounts:unsubscribe", args=[unsubscribe_token(user_id)])


def address_book(user) -> list[Address]:
    """A shopper's saved addresses, the default first, then in the order they were added."""
    return list(Address.objects.filter(user=user).order_by("-is_default", "pk"))


def recipient_preferences(email: str) -> tuple[str, str] | None:
    """(language, time zone) stored on the shopper account with this email, for the send job
    (``NOTIFICATIONS_RECIPIENT_PREFERENCES``); None when no shopper has it. Either may be "" (not known)."""
    return (
        CustomerProfile.objects.filter(user__email=email.strip().lower(), user__is_staff=False)
        .values_list("language", "time_zone")
        .first()
    )
