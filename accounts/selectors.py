"""Reads of accounts for other apps."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from accounts.models import Address, CustomerProfile, User
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


CUSTOMER_PICK_LIMIT = 20


def find_customers(query: str, *, limit: int = CUSTOMER_PICK_LIMIT) -> list[User]:
    """Shopper accounts (never staff) matching an email, a name, or a phone or postal code in their address
    book, with their profiles, by email: for staff picking a customer (a draft order's)."""
    query = query.strip()[:100]
    if not query:
        return []
    in_book = Address.objects.filter(Q(phone__icontains=query) | Q(postal_code__iexact=query)).values("user_id")
    return list(
        User.objects.filter(is_staff=False)
        .filter(Q(email__icontains=query) | Q(profile__name__icontains=query) | Q(pk__in=in_book))
        .select_related("profile", "profile__group")
        .order_by("email")[:limit]
    )
