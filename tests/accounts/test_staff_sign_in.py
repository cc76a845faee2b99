"""Admin sign-in (issue 18, item 3): one answer for every failure, limits taken before the password is checked
(per account and per client address, atomic across workers), and a log of every attempt that superusers read."""

from __future__ import annotations

import copy
import http.client
import re
import threading
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken

from accounts.jobs import prune_staff_sign_in_attempts
from accounts.models import StaffSignInAttempt, User
from accounts.services import give_staff_totp
from accounts.staff_sign_in import staff_limits
from core import limits, redis_cache
from core.redis_outage import circuit
from tests.conftest import STAFF_PASSWORD, _free_port, current_totp, serve_multi_worker, worker_env

EMAIL = "boss@example.com"
Outcome = StaffSignInAttempt.Outcome
INVALID = "Enter a correct email, password and authenticator code. Note that all fields may be case-sensitive."
THROTTLED = "Too many sign-in attempts. Please wait and try again later."
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


class CountingHasher(MD5PasswordHasher):
    """The tests' MD5 hasher, counting how often a password is hashed (checking one hashes it once)."""

    runs = 0

    def encode(self, password, salt):
        CountingHasher.runs += 1
        return super().encode(password, salt)


@pytest.fixture
def hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.runs = 0
    return CountingHasher


@pytest.fixture
def boss(db, hasher):
    """A superuser with an authenticator and backup codes: (user, TOTP device, backup codes)."""
    user = User.objects.create_superuser(EMAIL, STAFF_PASSWORD)
    device, codes = give_staff_totp(user=user)
    CountingHasher.runs = 0
    return user, device, codes


def sign_in(client, *, email=EMAIL, password=STAFF_PASSWORD, code="", ip="10.0.0.1", **extra):
    data = {"username": email, "password": password, "otp_token": code}
    return client.post("/admin/login/?next=/admin/", data, REMOTE_ADDR=ip, **extra)


def page(response) -> str:
    """The page as sent, but for the CSRF token (masked afresh for every render)."""
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())


def errors(response) -> dict:
    return {
        field: [error.code for error in found] for field, found in response.context["form"].errors.as_data().items()
    }


def windows(email=EMAIL, ip="10.0.0.1") -> tuple[int, int]:
    """Slots taken now in the account's window and the address's."""
    account, address = staff_limits(email=email, address=ip)
    return limits.used(account), limits.used(address)


def outcomes() -> list[str]:
    return list(StaffSignInAttempt.objects.order_by("id").values_list("outcome", flat=True))


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def wrong_code(device) -> str:
    return f"{(int(current_totp(device)) + 1) % 1_000_000:06d}"


# (a) no oracle ----------------------------------------------------------------------------------------------


def test_a_right_password_with_a_wrong_code_looks_exactly_like_a_wrong_password(boss):
    user, device, _codes = boss
    wrong_password = sign_in(Client(), password="not the password", code=current_totp(device))
    assert wrong_password.status_code == 200
    assert INVALID in wrong_password.content.decode()
    body = page(wrong_password)
    failures = {
        "right password, wrong code": lambda: sign_in(Client(), code=wrong_code(device)),
        "right password, no code": lambda: sign_in(Client(), code=""),
        "right password, wrong backup code": lambda: sign_in(Client(), code="abcd2345"),
        "inactive, right password and code": lambda: sign_in(Client(), code=current_totp(device)),
        "not staff, right password and code": lambda: sign_in(Client(), code=current_totp(device)),
    }
    for name, attempt in failures.items():
        if name.startswith("inactive"):
            User.objects.filter(pk=user.pk).update(is_active=False)
        if name.startswith("not staff"):
            User.objects.filter(pk=user.pk).update(is_active=True, is_staff=False, is_superuser=False)
        response = attempt()
        assert response.status_code == wrong_password.status_code, name
        assert page(response) == body, name  # byte for byte: message, fields marked, device list, values
        assert errors(response) == errors(wrong_password) == {"__all__": ["invalid_login"]}, name
        assert response.context["form"].get_user() is None, name
        assert STAFF_PASSWORD not in response.content.decode(), name  # never typed back into the page
        assert current_totp(device) not in response.content.decode(), name

    unknown = sign_in(Client(), email="nobody@example.com", password="not the password")
    assert unknown.status_code == 200
    assert page(unknown).replace("nobody@example.com", EMAIL) == body
    assert outcomes() == [Outcome.FAILED] * 7


def test_every_failure_runs_the_password_hasher_exactly_once(boss):
    user, device, _codes = boss
    attempts = {
        "wrong password": lambda: sign_in(Client(), password="not the password", code=current_totp(device)),
        "unknown email": lambda: sign_in(Client(), email="nobody@example.com", password="not the password"),
        "right password, wrong code": lambda: sign_in(Client(), code=wrong_code(device)),
    }
    for name, attempt in attempts.items():
        before = CountingHasher.runs
        assert INVALID in attempt().content.decode(), name
        assert CountingHasher.runs - before == 1, name  # the same work, so about the same time


# (b) the limit per address and per account -------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_out_even_the_right_password_and_code(boss, settings):
    _user, device, _codes = boss
    cap = limits.Rate.parse(settings.STAFF_SIGN_IN_LIMITS["account"]).count
    answers = [sign_in(Client(), password=f"guess {n}", code="123456").content.decode() for n in range(30)]
    assert [INVALID in answer for answer in answers] == [True] * cap + [False] * (30 - cap)
    assert all(THROTTLED in answer for answer in answers[cap:])
    assert outcomes() == [Outcome.FAILED] * cap + [Outcome.THROTTLED] * (30 - cap)
    assert windows() == (cap, cap)  # refused attempts take no slot

    client = Client()
    runs = CountingHasher.runs
    response = sign_in(client, code=current_totp(device))
    assert response.status_code == 200 and THROTTLED in response.content.decode()
    assert CountingHasher.runs == runs, "no password was checked"
    assert not signed_in(client)
    assert outcomes()[-1] == Outcome.THROTTLED
    assert StaffSignInAttempt.objects.order_by("id").last().user == boss[0]


def test_a_password_spray_from_one_address_stops_at_the_address_limit(boss, settings):
    _user, device, _codes = boss
    cap = limits.Rate.parse(settings.STAFF_SIGN_IN_LIMITS["ip"]).count
    for n in range(cap):
        assert INVALID in sign_in(Client(), email=f"guess{n}@example.com", password="Summer2026!").content.decode()
    client = Client()
    assert THROTTLED in sign_in(client, code=current_totp(device)).content.decode()
    assert not signed_in(client)
    assert sign_in(client, code=current_totp(device), ip="10.0.0.2").status_code == 302  # another address
    assert signed_in(client)


def test_a_right_sign_in_gives_its_slots_back(boss):
    _user, device, _codes = boss
    for _ in range(3):
        sign_in(Client(), password="not the password")
    assert windows() == (3, 3)
    assert sign_in(Client(), code=current_totp(device)).status_code == 302
    assert windows() == (3, 3)


# (c) the account's limit holds whatever the address --------------------------------------------------------


def test_the_account_limit_holds_across_addresses(boss, settings):
    """Behind one trusted proxy, each guess from a different client address (X-Forwarded-For)."""
    _user, device, _codes = boss
    settings.TRUSTED_PROXIES = "1"
    cap = limits.Rate.parse(settings.STAFF_SIGN_IN_LIMITS["account"]).count
    for n in range(cap):
        response = sign_in(Client(), password="not the password", ip="10.9.9.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert INVALID in response.content.decode()
    assert list(StaffSignInAttempt.objects.order_by("id").values_list("address", flat=True)) == [
        f"203.0.113.{n}" for n in range(cap)
    ]
    client = Client()
    response = sign_in(client, code=current_totp(device), ip="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert THROTTLED in response.content.decode()
    assert not signed_in(client)
    assert windows(ip="198.51.100.7") == (cap, 0)
    assert windows(ip="10.9.9.9") == (cap, 0)  # the proxy's own address counted nothing


# (d) concurrency on a real multi-worker server --------------------------------------------------------------


def _http(port: int, method: str, path: str, body: str = "", headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
    finally:
        connection.close()


def _fire(port: int, cookie: str, token: str, emails: list[str]) -> tuple[list[str], int]:
    """One thread per email, all released at once, each POSTing a wrong password: the pages they got, and
    how many requests were in flight at once at most (as the threads saw it)."""
    answers: list[str] = [""] * len(emails)
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * len(emails)
    start = threading.Barrier(len(emails))

    def attempt(n: int) -> None:
        body = urlencode(
            {"csrfmiddlewaretoken": token, "username": emails[n], "password": "not the password", "otp_token": "123456"}
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        start.wait(timeout=30)
        began = time.monotonic()
        status, _cookie, page = _http(port, "POST", "/admin/login/?next=/admin/", body, headers)
        spans[n] = (began, time.monotonic())
        answers[n] = f"{status} {page}"

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(emails))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    in_flight = max(sum(began <= moment < ended for began, ended in spans) for moment, _ in spans)
    return answers, in_flight


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_simultaneous_wrong_passwords_on_three_workers_never_pass_the_caps(tmp_path):
    """45 simultaneous guesses at one account, then 45 at 45 accounts, all from one address, with the caps
    set through the environment (8 per account, 25 per address) below what the server runs at once (3
    workers x 4 threads). Each wave: exactly what the caps leave is checked, the rest refused unchecked.
    A limiter that counted first and took after let 11 through against the cap of 8 here."""
    User.objects.create_superuser(EMAIL, STAFF_PASSWORD)
    env = worker_env({"RATE_STAFF_SIGN_IN_ACCOUNT": "8/h", "RATE_STAFF_SIGN_IN_IP": "25/h", "PYTHONUNBUFFERED": "1"})
    account = limits.Limit("staff-sign-in-account", EMAIL, limits.Rate.parse("8/h"))
    address = limits.Limit("staff-sign-in-ip", "127.0.0.1", limits.Rate.parse("25/h"))
    with serve_multi_worker(tmp_path, env, threads=4) as (port, log):
        status, set_cookie, form = _http(port, "GET", "/admin/login/?next=/admin/")
        assert status == 200, log.read_text()[-5000:]
        cookie = set_cookie.split(";", 1)[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)

        waves = {"one account": [EMAIL] * 45, "45 accounts": [f"staff{n}@example.com" for n in range(45)]}
        expected_checked = {"one account": 8, "45 accounts": 25 - 8}
        for wave, emails in waves.items():
            StaffSignInAttempt.objects.all().delete()
            answers, in_flight = _fire(port, cookie, token, emails)
            assert all(answer.startswith("200 ") for answer in answers), [a[:300] for a in answers if a[:3] != "200"]
            refused = sum(INVALID in answer for answer in answers)
            throttled = sum(THROTTLED in answer for answer in answers)
            failed_rows = StaffSignInAttempt.objects.filter(outcome=Outcome.FAILED).count()
            throttled_rows = StaffSignInAttempt.objects.filter(outcome=Outcome.THROTTLED).count()
            print(
                f"{wave}: {len(emails)} attempts ({in_flight} in flight at once): {refused} checked, {throttled} throttled"
            )
            assert (refused, throttled) == (expected_checked[wave], len(emails) - expected_checked[wave])
            assert (failed_rows, throttled_rows) == (refused, throttled)
        assert limits.used(account) == 8
        assert limits.used(address) == 25


# (e) the log, for superusers only -----------------------------------------------------------------------------


def test_every_attempt_is_logged_and_only_superusers_read_the_log(staff_client):
    signed = StaffSignInAttempt.objects.get()
    assert (signed.email, signed.user.email, signed.outcome) == (
        "staff-test@example.com",
        "staff-test@example.com",
        "signed_in",
    )
    assert signed.address == "127.0.0.1"

    agent = "Mozilla/5.0 " + "x" * 400
    sign_in(Client(), email=" Staff-Test@Example.com ", password="hunter2 guess", code="654321", HTTP_USER_AGENT=agent)
    sign_in(Client(), email="nobody@example.com", password="hunter2 guess", ip="192.0.2.8")
    failed, unknown = StaffSignInAttempt.objects.filter(outcome=Outcome.FAILED).order_by("id")
    assert (failed.email, failed.user, failed.address) == ("staff-test@example.com", signed.user, "10.0.0.1")
    assert failed.user_agent == agent[:300]
    assert (unknown.email, unknown.user, unknown.address) == ("nobody@example.com", None, "192.0.2.8")
    for row in StaffSignInAttempt.objects.values():
        assert not any("hunter2" in str(value) or "654321" in str(value) for value in row.values())

    url = "/admin/accounts/staffsigninattempt/"
    listing = staff_client.get(url)
    assert listing.status_code == 200
    assert "nobody@example.com" in listing.content.decode() and "192.0.2.8" in listing.content.decode()
    assert staff_client.get(url, {"outcome__exact": "failed"}).context["cl"].result_count == 2
    assert staff_client.get(url, {"q": "192.0.2.8"}).context["cl"].result_count == 1
    this_week = {"created_at__gte": (timezone.now() - timedelta(days=7)).isoformat()}
    assert staff_client.get(url, this_week).context["cl"].result_count == 3
    detail = staff_client.get(f"{url}{unknown.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()  # read-only
    assert staff_client.get(f"{url}add/").status_code == 403
    assert staff_client.post(f"{url}{unknown.pk}/delete/", {"post": "yes"}).status_code == 403
    assert StaffSignInAttempt.objects.filter(pk=unknown.pk).exists()

    clerk = User.objects.create_user("clerk@example.com", STAFF_PASSWORD, is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))  # even these
    device, _codes = give_staff_totp(user=clerk)
    client = Client()
    assert sign_in(client, email=clerk.email, code=current_totp(device), ip="10.0.0.3").status_code == 302
    assert client.get("/admin/").status_code == 200
    assert "staffsigninattempt" not in client.get("/admin/").content.decode()
    assert client.get(url).status_code == 403
    assert client.get(f"{url}{unknown.pk}/change/").status_code == 403


def test_a_backup_code_signs_in_and_is_logged(boss):
    user, _device, codes = boss
    client = Client()
    assert sign_in(client, code=codes[0]).status_code == 302 and signed_in(client)
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    assert outcomes() == [Outcome.SIGNED_IN]


# (f) pruning --------------------------------------------------------------------------------------------------


def test_the_periodic_job_prunes_log_rows_past_the_kept_days(db, settings):
    now = timezone.now()
    for days in (400, 91, 89, 1):
        StaffSignInAttempt.objects.create(
            email=f"{days}@example.com", outcome=Outcome.FAILED, created_at=now - timedelta(days=days)
        )
    assert settings.STAFF_SIGN_IN_LOG_DAYS == 90
    assert prune_staff_sign_in_attempts() == 2
    assert sorted(StaffSignInAttempt.objects.values_list("email", flat=True)) == ["1@example.com", "89@example.com"]
    assert prune_staff_sign_in_attempts() == 0  # safe to run again
    settings.STAFF_SIGN_IN_LOG_DAYS = 30
    assert prune_staff_sign_in_attempts() == 1


def test_the_pruning_job_runs_every_hour_from_the_cron_config():
    import importlib

    from rq import cron

    cron._job_data_registry.clear()
    importlib.reload(importlib.import_module("config.cron"))
    jobs = {job["name"]: job for job in cron._job_data_registry}
    prune = jobs["prune-staff-sign-in-attempts"]
    assert prune["func"] is prune_staff_sign_in_attempts
    assert prune["interval"] == 3600


# Redis away: fail closed ------------------------------------------------------------------------------------------


def test_with_redis_away_admin_sign_in_pauses_and_checks_no_password(boss, settings):
    _user, device, _codes = boss
    conf = copy.deepcopy(settings.CACHES)
    conf["default"]["LOCATION"] = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    settings.CACHES = conf
    circuit.reset()
    redis_cache._owed.clear()
    try:
        client = Client()
        response = sign_in(client, code=current_totp(device))
        assert response.status_code == 503 and response["Retry-After"] == "30"
        assert CountingHasher.runs == 0
        assert not StaffSignInAttempt.objects.exists()
    finally:
        circuit.reset()
        redis_cache._owed.clear()
        caches["process"].clear()
