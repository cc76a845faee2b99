"""Sign-in backends that read the signed-in user from the cache instead of PostgreSQL on every request.

Every signed-in page looked the user up by primary key; the cache answers the same in a third of the
time, and each process holds the row for a few seconds more (core.cache.held_or_cached).
``accounts.models`` clears a user's entries on every save, delete and queryset update, so an account
that is deactivated or changes its password is seen at once by the process that changed it, and by
the others within those seconds.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from accounts.models import USER_CACHE_SECONDS, User, user_cache_key
from core.cache import held_or_cached


class CachedUserMixin:
    def get_user(self, user_id):
        user = held_or_cached(
            user_cache_key(user_id),
            lambda: User._default_manager.filter(pk=user_id).first(),
            timeout=USER_CACHE_SECONDS,
        )
        return user if user is not None and self.user_can_authenticate(user) else None


class StaffBackend(CachedUserMixin, ModelBackend):
    """Staff: password (+ TOTP via django-otp) in admin."""


class ShopperBackend(CachedUserMixin, AuthenticationBackend):
    """Shoppers: allauth's emailed code or link."""
