"""Guess caps hold under simultaneous requests on a multi-worker server: every guess takes its slots in Redis
before a code is compared, so no burst compares more than the cap. Compared guesses are the answers that
say "Incorrect code." (200); guesses refused before any comparison are redirects."""

from __future__ import annotations

import http.client
import re
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings

from tests.factories import place_test_order

pytestmark = pytest.mark.usefixtures("catalog")


class Browser:
    """One session: its cookies, and the CSRF token of the last form it read."""

    def __init__(self, base: str, address: str) -> None:
        self.host, self.port = urlsplit(base).hostname, urlsplit(base).port
        self.cookies: dict[str, str] = {}
        self.address = address  # as our trusted proxy would report it
        self.token = ""

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-Forwarded-For": self.address,
        }
        body = None
        if data is not None:
            body = urlencode({**data, "csrfmiddlewaretoken": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            text = response.read().decode()
            found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
            if found:
                self.token = found.group(1)
            return response.status, response.headers.get("Location", ""), text
        finally:
            connection.close()

    def ask_for_code(self, email: str) -> None:
        self.request("GET", "/store/account/login/")
        status, location, _text = self.request("POST", "/store/account/login/", {"email": email})
        assert (status, location) == (302, "/store/account/login/code/")
        self.request("GET", "/store/account/login/code/")

    def guess(self, code: str) -> str:
        status, location, text = self.request("POST", "/store/account/login/code/", {"code": code})
        if status == 200 and "Incorrect code" in text:
            return "compared"
        if status == 302 and location.startswith("/store/account/login"):
            return "refused"
        return f"unexpected {status} {location}"


def guesses(count: int, browsers: list[Browser], *, start: int = 0) -> list[str]:
    codes = [f"{start + i:06d}" for i in range(count)]
    with ThreadPoolExecutor(max_workers=24) as pool:
        return list(pool.map(lambda i: browsers[i % len(browsers)].guess(codes[i]), range(count)))


@pytest.fixture(autouse=True)
def server_settings(monkeypatch):
    """Set before the server starts: one trusted proxy (each browser has its own address), and codes
    enough for 20 sessions of one email, so the guess caps are what is tested."""
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    monkeypatch.setenv("RATE_SIGN_IN_CODE_REQUESTS_EMAIL", "100/h")


@pytest.fixture
def server(server_settings, multi_worker_server):
    return multi_worker_server


def test_forty_simultaneous_wrong_codes_on_one_session_compare_at_most_three(server):
    place_test_order(email="sam@example.com")
    browser = Browser(server, "198.51.100.7")
    browser.ask_for_code("sam@example.com")
    answers = guesses(40, [browser])
    assert answers.count("compared") <= settings.SIGN_IN_CODE_TRIES, answers
    assert answers.count("compared") + answers.count("refused") == 40, answers
    print(f"40 simultaneous wrong codes, one session: {answers.count('compared')} compared")


def test_a_hundred_simultaneous_wrong_codes_across_sessions_compare_at_most_the_email_cap(server):
    place_test_order(email="sam@example.com")
    browsers = [Browser(server, f"198.51.100.{i}") for i in range(20)]
    for browser in browsers:  # 20 codes asked from 20 addresses: lift the per-email request cap for it
        browser.ask_for_code("sam@example.com")
    answers = guesses(100, browsers)
    email_cap = int(settings.SIGN_IN_LIMITS["code_guess_email"].split("/")[0])
    assert answers.count("compared") <= email_cap, answers
    print(f"100 simultaneous wrong codes, 20 sessions, one email: {answers.count('compared')} compared")
