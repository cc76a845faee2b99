"""System checks of deploy-time settings (``manage.py check --deploy``; README "Configuration")."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - names refused, nothing bound


def _site_url_problem(site_url: str) -> str:
    """Why SITE_URL can't be the shop's public address, or "" when it can."""
    parts = urlsplit(site_url)
    if parts.scheme != "https":
        return "it is not https"
    host = (parts.hostname or "").lower()
    if not host:
        return "it has no host"
    if host in LOCAL_HOSTS or host == "localhost." or host.endswith(".localhost"):
        return f"its host {host} is this machine"
    return ""


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs) -> list[CheckMessage]:
    """Every link emailed or shown whole starts with SITE_URL (core.links), so in production it must be
    the shop's public https address: a localhost or http link in a sign-in email is a dead or leaky one."""
    if settings.DEBUG:
        return []
    site_url = getattr(settings, "SITE_URL", "")
    problem = _site_url_problem(site_url)
    if not problem:
        return []
    return [
        Error(
            f"SITE_URL {site_url!r} can't be the shop's address in production: {problem}.",
            hint="Set SITE_URL to the shop's public https address, e.g. https://shop.example.com.",
            id="core.E001",
        )
    ]


STRIPE_SETTINGS = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")


@register(Tags.security, deploy=True)
def check_stripe(app_configs, **kwargs) -> list[CheckMessage]:
    """With Stripe as the gateway, a deploy without its keys would fail at the first checkout, and one
    without the webhook secret would never hear of refunds Stripe failed or disputes."""
    if not settings.PAYMENT_GATEWAY.endswith(".StripeGateway"):
        return []
    missing = [name for name in STRIPE_SETTINGS if not getattr(settings, name, "")]
    if not missing:
        return []
    return [
        Error(
            f"PAYMENT_GATEWAY is Stripe, but {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set.",
            hint="Set the keys from Stripe's dashboard (Developers → API keys, and the webhook endpoint's "
            "signing secret); README, 'Stripe'.",
            id="core.E002",
        )
    ]
