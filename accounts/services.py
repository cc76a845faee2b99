"""Writes of the accounts app."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import CustomerProfile, User


def normalize_email(email: str) -> str:
    return email.strip().lower()


def get_or_create_customer(*, email: str, name: str = "", language: str = "") -> User:
    """The shopper account for an email, created on first order (no password: they sign in by code)."""
    email = normalize_email(email)
    user = User.objects.filter(email__iexact=email).select_related("profile").first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email)
                CustomerProfile.objects.create(user=user, name=name, language=language)
                return user
        except IntegrityError:
            # Two first orders for one email at once: the other created it.
            user = User.objects.select_related("profile").get(email__iexact=email)
    profile, _ = CustomerProfile.objects.get_or_create(user=user)
    changed = []
    if name and not profile.name:
        profile.name = name
        changed.append("name")
    if language and not profile.language:
        profile.language = language
        changed.append("language")
    if changed:
        profile.save(update_fields=changed)
    return user
