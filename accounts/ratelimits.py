"""Our sign-in limits, on allauth's sliding-window limiter (Redis cache; rates in ACCOUNT_RATE_LIMITS)."""

from allauth.core.internal import ratelimit as _allauth_ratelimit


def allow(request, *, action: str, key: str | None = None, user=None, dry_run: bool = False) -> bool:
    """Count one attempt (GETs too: opening a link is an attempt) and say whether it is within the limit."""
    usage = _allauth_ratelimit.consume(
        request, app="allauth.account", action=action, key=key, user=user, dry_run=dry_run, limit_get=True
    )
    return usage is not None
