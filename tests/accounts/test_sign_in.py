from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import SignInLink
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import render_for_sending
from tests.accounts.conftest import last_sign_in_code, last_sign_in_link, last_sign_in_message, request_code

pytestmark = pytest.mark.django_db
ORDERS = "/store/account/orders/"


def sign_in_with_code(client, email, code, REMOTE_ADDR="10.0.0.1", **extra):
    return client.post("/store/account/login/code/", {"code": code, **extra}, REMOTE_ADDR=REMOTE_ADDR)


def test_code_signs_in_lands_on_orders_and_verifies_the_email(client, shopper):
    response = request_code(client, "Sam@Example.com")
    assert response.status_code == 302 and response["Location"] == "/store/account/login/code/"
    message = last_sign_in_message("sam@example.com")
    sent = render_for_sending(message)  # the email as the send job hands it over
    code, link = last_sign_in_code("sam@example.com"), last_sign_in_link("sam@example.com")
    assert len(code) == 6 and code.isdigit() and code in sent.subject
    assert message.language == "nl" and code in sent.text and link in sent.text and link in sent.html
    # The outbox keeps the email's shape with neither of them (tests/notifications/test_secrets.py).
    assert code not in message.subject + message.body_text + message.body_html and "••••••" in message.subject

    response = sign_in_with_code(client, "sam@example.com", code)
    assert response.status_code == 302 and response["Location"] == ORDERS
    assert client.get(ORDERS).status_code == 200
    assert EmailAddress.objects.get(user=shopper).verified


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/store/account/profile/", "/store/account/profile/"),
        ("https://evil.example/steal", ORDERS),
        ("//evil.example", ORDERS),
    ],
)
def test_next_is_followed_only_on_this_site(client, shopper, next_url, landing):
    client.post(f"/store/account/login/?next={next_url}", {"email": "sam@example.com", "next": next_url})
    code = last_sign_in_code("sam@example.com")
    response = sign_in_with_code(client, "sam@example.com", code, next=next_url)
    assert response["Location"] == landing


def test_three_wrong_codes_then_a_new_code_is_needed(client, shopper):
    request_code(client, "sam@example.com")
    code = last_sign_in_code("sam@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        page = sign_in_with_code(client, "sam@example.com", wrong)
        assert page.status_code == 200 and "errorlist" in page.content.decode()
    third = sign_in_with_code(client, "sam@example.com", wrong)
    assert third.status_code == 200 and "That was the last try for this code" in third.content.decode()
    # The right code no longer works: it is void, and nothing more is compared.
    after = sign_in_with_code(client, "sam@example.com", code)
    assert after["Location"] == "/store/account/login/code/"
    assert "We can send you a new one" in client.get(after["Location"]).content.decode()
    assert client.get(ORDERS).status_code == 302


def test_get_a_new_code_sends_one_and_the_old_one_stops_working(client, shopper):
    """ "Use another email or get a new code" bounced back to the code page and sent nothing."""
    request_code(client, "sam@example.com")
    old = last_sign_in_code("sam@example.com")
    response = client.post("/store/account/login/code/", {"action": "resend"})
    assert response["Location"] == "/store/account/login/code/"
    assert Message.objects.filter(kind=MessageKind.SIGN_IN_CODE, recipient="sam@example.com").count() == 2
    new = last_sign_in_code("sam@example.com")
    if new != old:
        assert sign_in_with_code(client, "sam@example.com", old).status_code == 200  # refused
    assert sign_in_with_code(client, "sam@example.com", new)["Location"] == ORDERS


def test_use_another_email_shows_the_email_form(client, shopper):
    request_code(client, "sam@example.com")
    page = client.get("/store/account/login/")
    assert page.status_code == 200 and 'name="email"' in page.content.decode()
    request_code(client, "other@example.com")
    assert "other@example.com" in client.get("/store/account/login/code/").content.decode()


def test_known_and_unknown_emails_get_the_same_answer(client, shopper, settings):
    known = request_code(client, "sam@example.com")
    known_page = client.get(known["Location"]).content.decode()
    other = Client()
    unknown = request_code(other, "nobody@example.com")
    unknown_page = other.get(unknown["Location"]).content.decode()
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    strip = lambda html: html.split('name="csrfmiddlewaretoken" value="')[0]  # noqa: E731
    assert strip(known_page) == strip(unknown_page)
    told = Message.objects.get(recipient="nobody@example.com")
    assert told.kind == MessageKind.UNKNOWN_ACCOUNT and "code" not in told.context

    settings.ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # the merchant chose silence
    request_code(Client(), "silent@example.com")
    assert not Message.objects.filter(recipient="silent@example.com").exists()


def test_staff_cannot_sign_in_by_code_or_link(client, admin_user):
    response = request_code(client, admin_user.email)
    assert response["Location"] == "/store/account/login/code/"  # same answer as anyone
    assert not Message.objects.filter(recipient=admin_user.email, kind=MessageKind.SIGN_IN_CODE).exists()
    assert not SignInLink.objects.filter(user=admin_user).exists()


def test_code_requests_are_limited_per_email_across_sessions(shopper):
    for i in range(10):
        assert request_code(Client(), "sam@example.com", ip=f"10.0.1.{i}").status_code == 302
    blocked = request_code(Client(), "sam@example.com", ip="10.0.2.1")
    assert blocked.status_code == 200 and "Too many sign-in codes" in blocked.content.decode()
    assert Message.objects.filter(kind=MessageKind.SIGN_IN_CODE).count() == 10


def test_code_requests_are_limited_per_ip(shopper):
    for i in range(30):
        request_code(Client(), f"someone{i}@example.com", ip="10.9.9.9")
    blocked = request_code(Client(), "sam@example.com", ip="10.9.9.9")
    assert "Too many sign-in codes" in blocked.content.decode()


def test_wrong_codes_are_capped_per_email_across_sessions(shopper, settings):
    # Lift the request caps so this test sees the guess cap on its own.
    settings.SIGN_IN_LIMITS = {**settings.SIGN_IN_LIMITS, "code_request_email": "100/h", "code_request_ip": "100/h"}
    for i in range(10):
        client = Client()
        request_code(client, "sam@example.com", ip=f"10.0.3.{i}")
        code = last_sign_in_code("sam@example.com")
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(3):
            sign_in_with_code(client, "sam@example.com", wrong, REMOTE_ADDR=f"10.0.3.{i}")
    # 30 wrong codes this hour: even the right code in a fresh session is refused now.
    client = Client()
    request_code(client, "sam@example.com", ip="10.0.4.1")
    code = last_sign_in_code("sam@example.com")
    response = sign_in_with_code(client, "sam@example.com", code, REMOTE_ADDR="10.0.4.1")
    assert response["Location"] == "/store/account/login/"
    assert "Too many wrong codes" in client.get(response["Location"]).content.decode()
    assert client.get(ORDERS).status_code == 302


def test_wrong_codes_are_capped_per_address_across_emails(shopper, settings):
    """Wrong codes had no per-address cap: one address could guess at every account's code."""
    settings.SIGN_IN_LIMITS = {**settings.SIGN_IN_LIMITS, "code_request_ip": "100/h"}
    emails = [f"guess{i}@example.com" for i in range(10)]
    for email in emails:
        client = Client()
        request_code(client, email, ip="10.0.8.8")
        for _ in range(3):
            sign_in_with_code(client, email, "123456", REMOTE_ADDR="10.0.8.8")
    client = Client()
    request_code(client, "sam@example.com", ip="10.0.8.8")
    code = last_sign_in_code("sam@example.com")
    response = sign_in_with_code(client, "sam@example.com", code, REMOTE_ADDR="10.0.8.8")
    assert response["Location"] == "/store/account/login/"
    assert "from your network" in client.get(response["Location"]).content.decode()
    # A right code from another address is fine: the cap is the address's, not the account's.
    other = Client()
    request_code(other, "sam@example.com", ip="10.0.8.9")
    code = last_sign_in_code("sam@example.com")
    assert sign_in_with_code(other, "sam@example.com", code, REMOTE_ADDR="10.0.8.9")["Location"] == ORDERS


def test_right_codes_do_not_use_up_a_shared_address(settings):
    """An office behind one address: 40 shoppers signing in right don't lock the 41st out."""
    from tests.factories import place_test_order

    for i in range(40):
        email = f"colleague{i}@example.com"
        place_test_order(email=email)
        client = Client()
        request_code(client, email, ip=f"10.1.{i}.1")  # their requests come in from elsewhere: not the point here
        code = last_sign_in_code(email)
        assert sign_in_with_code(client, email, code, REMOTE_ADDR="10.0.9.9")["Location"] == ORDERS


# --- the sign-in link --------------------------------------------------------------------------


def link_path(email="sam@example.com") -> str:
    link = last_sign_in_link(email)
    assert link.startswith(settings.SITE_URL + "/")  # from SITE_URL, never from the Host header
    return link.removeprefix(settings.SITE_URL)


def test_link_get_spends_nothing_and_post_signs_in_once_in_any_browser(client, shopper):
    request_code(client, "sam@example.com")
    path = link_path()
    other_browser = Client()
    for _ in range(3):  # a mail scanner opening it
        page = other_browser.get(path)
        assert page.status_code == 200 and "sam@example.com" in page.content.decode()
    response = other_browser.post(path)
    assert response.status_code == 302 and response["Location"] == ORDERS
    assert other_browser.get(ORDERS).status_code == 200
    reused = Client().post(path)
    assert reused.status_code == 400 and "already used" in reused.content.decode()


def test_link_expires(client, shopper):
    request_code(client, "sam@example.com")
    path = link_path()
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.SIGN_IN_LINK_MINUTES, seconds=1)):
        assert Client().get(path).status_code == 400
        expired = Client().post(path)
    assert expired.status_code == 400 and "expired" in expired.content.decode()


def test_a_newer_link_or_a_code_sign_in_voids_older_links(client, shopper):
    request_code(client, "sam@example.com")
    first = link_path()
    request_code(Client(), "sam@example.com", ip="10.0.0.2")
    second = link_path()
    assert first != second
    assert "newer sign-in link" in Client().post(first).content.decode()
    code = last_sign_in_code("sam@example.com")
    browser = Client()
    request_code(browser, "sam@example.com", ip="10.0.0.3")
    third = link_path()
    code = last_sign_in_code("sam@example.com")
    assert sign_in_with_code(browser, "sam@example.com", code)["Location"] == ORDERS
    assert Client().post(third).status_code == 400
    assert Client().post(second).status_code == 400


def test_link_tokens_are_stored_hashed(client, shopper):
    request_code(client, "sam@example.com")
    token = link_path().rstrip("/").rsplit("/", 1)[1]
    stored = SignInLink.objects.get(user=shopper, used_at=None, voided_at=None)
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_link_attempts_are_limited_per_ip(shopper):
    client = Client(REMOTE_ADDR="10.7.7.7")
    for i in range(30):
        client.get(f"/store/account/login/link/bogus{i}/")
    assert client.get("/store/account/login/link/bogus/").status_code == 429


def test_login_requires_csrf(shopper):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/store/account/login/", {"email": "sam@example.com"}).status_code == 403
    assert not Message.objects.filter(kind=MessageKind.SIGN_IN_CODE).exists()


def test_malformed_email_gets_a_field_error(client, shopper):
    page = request_code(client, "not-an-email")
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert not Message.objects.exists() or not Message.objects.filter(kind=MessageKind.SIGN_IN_CODE).exists()


# --- signing out -------------------------------------------------------------------------------


def sign_in(client, email="sam@example.com", ip="10.0.5.1"):
    request_code(client, email, ip=ip)
    code = last_sign_in_code(email)
    assert sign_in_with_code(client, email, code)["Location"] == ORDERS


def test_sign_out_and_sign_out_of_all_other_devices(shopper):
    phone, laptop, tablet = Client(), Client(), Client()
    sign_in(phone, ip="10.0.6.1")
    sign_in(laptop, ip="10.0.6.2")
    sign_in(tablet, ip="10.0.6.3")
    assert tablet.post("/store/account/logout/").status_code == 302
    assert tablet.get(ORDERS).status_code == 302
    assert laptop.post("/store/account/logout/everywhere/").status_code == 302
    assert laptop.get(ORDERS).status_code == 200  # this device stays signed in
    assert phone.get(ORDERS).status_code == 302  # the others are signed out


def test_session_cookie_is_secure_outside_debug():
    assert settings.SESSION_COOKIE_SECURE and settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax" and settings.CSRF_COOKIE_SECURE
