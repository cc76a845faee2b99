"""The deploy check of SITE_URL (core.checks): in production every emailed link must reach the shop."""

import pytest
from django.core.checks import ERROR, Error, Tags, run_checks

from core.checks import check_site_url


def site_url_errors() -> list[Error]:
    return [message for message in check_site_url(None) if message.id == "core.E001"]


@pytest.mark.parametrize(
    "site_url",
    [
        "http://127.0.0.1:8000",
        "http://shop.example",
        "https://localhost",
        "https://localhost:8443",
        "https://127.0.0.1",
        "https://[::1]:8000",
        "https://0.0.0.0",
        "https://shop.localhost",
        "https://SHOP.LOCALHOST",
        "shop.example",
        "",
    ],
)
def test_an_unusable_site_url_is_an_error_in_production(settings, site_url):
    settings.DEBUG = False
    settings.SITE_URL = site_url
    errors = site_url_errors()
    assert len(errors) == 1 and errors[0].level == ERROR and repr(site_url) in errors[0].msg


@pytest.mark.parametrize(
    "site_url", ["https://shop.example", "https://shop.example:8443", "https://localhost.shop.example"]
)
def test_a_public_https_site_url_passes(settings, site_url):
    settings.DEBUG = False
    settings.SITE_URL = site_url
    assert site_url_errors() == []


def test_debug_is_silent_about_a_local_site_url(settings):
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert site_url_errors() == []


def test_the_check_runs_only_with_deploy_and_is_a_security_check(settings):
    settings.DEBUG = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    ids = {message.id for message in run_checks(tags=[Tags.security], include_deployment_checks=True)}
    assert "core.E001" in ids
    assert "core.E001" not in {message.id for message in run_checks(include_deployment_checks=False)}


def test_stripe_without_its_keys_is_refused_at_deploy(settings):
    from core.checks import check_stripe

    settings.PAYMENT_GATEWAY = "orders.stripe_gateway.StripeGateway"
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY, settings.STRIPE_WEBHOOK_SECRET = (
        "sk_live_x",
        "pk_live_x",
        "",
    )
    (error,) = check_stripe(None)
    assert error.id == "core.E002" and "STRIPE_WEBHOOK_SECRET is not set" in error.msg
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    assert check_stripe(None) == []
    settings.PAYMENT_GATEWAY, settings.STRIPE_SECRET_KEY = "orders.gateway.TestGateway", ""
    assert check_stripe(None) == []
