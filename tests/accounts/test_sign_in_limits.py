"""The sign-in limits' promise, computed from the settings (the README quotes these figures), and the client
address they count, read through trusted proxies only."""

import pytest
from django.conf import settings
from django.test import RequestFactory

from core.client_ip import client_ip, parse_trusted_proxies
from core.limits import Rate

CODE_SPACE = 10**6


def guesses_a_day(per_hour: float) -> float:
    return per_hour * 24


def chance(guesses: float) -> float:
    return 1 - (1 - 1 / CODE_SPACE) ** guesses


def rate(name: str) -> Rate:
    return Rate.parse(settings.SIGN_IN_LIMITS[name])


def test_a_days_guessing_at_one_account_stays_below_one_in_a_thousand():
    # However many addresses guess: the email's cap, and no more than the codes it may be sent × 3 tries.
    per_hour = min(rate("code_guess_email").per_hour, rate("code_request_email").per_hour * settings.SIGN_IN_CODE_TRIES)
    guesses = guesses_a_day(per_hour)
    assert guesses == 720
    assert chance(guesses) < 1 / 1000, chance(guesses)  # 0.072%: 1 in 1,389


def test_a_days_guessing_from_one_address_across_accounts_stays_below_one_in_a_thousand():
    # Each guess is at one account's code: the chance that any of them hits, spread over any accounts.
    guesses = guesses_a_day(rate("code_guess_ip").per_hour)
    assert guesses == 720
    assert chance(guesses) < 1 / 1000, chance(guesses)


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = ""
    assert client_ip(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_a_hop_count_reads_the_address_the_last_proxy_saw(settings):
    settings.TRUSTED_PROXIES = "1"
    # The client wrote "6.6.6.6" itself; our proxy appended the address it saw.
    assert client_ip(request("10.0.0.2", "6.6.6.6, 198.51.100.1")) == "198.51.100.1"
    assert client_ip(request("10.0.0.2")) == "10.0.0.2"  # not through the proxy: the connection counts
    settings.TRUSTED_PROXIES = "2"
    assert client_ip(request("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9")) == "198.51.100.1"


def test_networks_skip_only_our_proxies(settings):
    settings.TRUSTED_PROXIES = "10.0.0.0/8, 2001:db8::/32"
    assert client_ip(request("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.1.2.3")) == "198.51.100.1"
    # From an address that is not our proxy, its header is the client's own words.
    assert client_ip(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    assert client_ip(request("10.0.0.2", "garbage, 10.1.2.3")) == "10.1.2.3"


def test_a_bad_setting_is_refused():
    with pytest.raises(ValueError):
        parse_trusted_proxies("10.0.0.0/33")


@pytest.mark.django_db
def test_limits_count_the_forwarded_address_through_a_trusted_proxy(client, settings, shopper):
    """Behind a proxy every shopper shared the proxy's budget of 30 code requests an hour."""
    from notifications.constants import MessageKind
    from notifications.models import Message

    settings.TRUSTED_PROXIES = "1"
    for i in range(31):
        response = client.post(
            "/store/account/login/",
            {"email": f"someone{i}@example.com"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
        assert response.status_code == 302, i
    assert Message.objects.filter(kind=MessageKind.UNKNOWN_ACCOUNT).count() == 31
    # Not trusted: the header is ignored and the 31st request from the proxy's address is refused.
    settings.TRUSTED_PROXIES = ""
    for i in range(30):
        client.post(
            "/store/account/login/",
            {"email": f"x{i}@example.com"},
            REMOTE_ADDR="10.0.0.3",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
    refused = client.post(
        "/store/account/login/",
        {"email": "sam@example.com"},
        REMOTE_ADDR="10.0.0.3",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert refused.status_code == 200 and "Too many sign-in codes" in refused.content.decode()
