"""Sign-in backends that read the signed-in user from the cache instead of PostgreSQL on every request.

Every signed-in page looked the user up by primary key; the cache answers the same in a third of the
time. ``User`` is a cached model (``core.cache``): every save, delete and queryset update clears its
entry, so an account that is deactivated or changes its password is seen at once.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from accounts.models import USER_CACHE_SECONDS, User, user_cache_key
from core.cache import cached_rows


class CachedUserMixin:
    # Unpickled fresh per request, never held in the process: a User shared across requests picked up
    # per-request state, and signed-in pages stalled (p99 60–90 ms instead of 10–15 ms).
    def get_user(self, user_id):
        load = User._default_manager.filter(pk=user_id).first
        user = cached_rows(user_cache_key(user_id), load, timeout=USER_CACHE_SECONDS, hold=False)
        return user if user is not None and self.user_can_authenticate(user) else None


class StaffBackend(CachedUserMixin, ModelBackend):
    """Staff: password (+ TOTP via django-otp) in admin."""


class ShopperBackend(CachedUserMixin, AuthenticationBackend):
    """Shoppers: allauth's emailed code or link."""
