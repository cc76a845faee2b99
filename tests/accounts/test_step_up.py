"""Step-up: a session opened by a sign-in link more than 15 minutes ago enters a fresh code before it cancels
an order, sends one to another country, or makes an address the default (accounts.step_up)."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import Address
from editing.models import EditPolicy
from orders.constants import OrderStatus
from orders.models import Order
from tests.accounts.conftest import last_sign_in_code, last_sign_in_link, request_code
from tests.editing.conftest import ADDRESS_DE

pytestmark = pytest.mark.usefixtures("catalog")
LATER = timedelta(minutes=16)
STEP_UP = "/store/account/confirm-it-is-you/"


def signed_in_by(method: str) -> Client:
    browser = Client()
    request_code(browser, "sam@example.com")
    if method == "link":
        link = last_sign_in_link("sam@example.com")
        assert browser.post(link.removeprefix(settings.SITE_URL)).status_code == 302
    else:
        browser.post("/store/account/login/code/", {"code": last_sign_in_code("sam@example.com")})
    return browser


def cancel(browser: Client, order: Order):
    return browser.post(f"/store/account/orders/{order.number}/cancel/", {"reason": "changed_mind"})


def step_up(browser: Client, next_path: str):
    browser.post(STEP_UP, {"action": "send", "next": next_path})
    code = last_sign_in_code("sam@example.com")
    return browser.post(STEP_UP, {"code": code, "next": next_path})


def test_cancelling_asks_a_link_session_for_a_fresh_code_after_15_minutes(shopper):
    order = shopper.orders.get()
    browser = signed_in_by("link")
    with time_machine.travel(timezone.now() + LATER):
        refused = cancel(browser, order)
        assert refused.status_code == 302 and refused["Location"].startswith(STEP_UP)
        assert Order.objects.get(pk=order.pk).status != OrderStatus.CANCELLED
        back = step_up(browser, f"/store/account/orders/{order.number}/cancel/")
        assert back["Location"] == f"/store/account/orders/{order.number}/cancel/"
        assert cancel(browser, order)["Location"] == f"/store/account/orders/{order.number}/"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_a_fresh_link_session_or_a_code_session_is_not_asked(shopper):
    order = shopper.orders.get()
    with time_machine.travel(timezone.now() + LATER):
        browser = signed_in_by("code")
    with time_machine.travel(timezone.now() + LATER * 2):
        assert cancel(browser, order)["Location"] == f"/store/account/orders/{order.number}/"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_a_wrong_step_up_code_does_not_let_the_act_through(shopper):
    order = shopper.orders.get()
    browser = signed_in_by("link")
    with time_machine.travel(timezone.now() + LATER):
        browser.post(STEP_UP, {"action": "send", "next": "/store/account/orders/"})
        code = last_sign_in_code("sam@example.com")
        page = browser.post(STEP_UP, {"code": "000000" if code != "000000" else "111111"})
        assert page.status_code == 200 and 'aria-invalid="true"' in page.content.decode()
        assert cancel(browser, order)["Location"].startswith(STEP_UP)


def test_the_api_answers_403_step_up_required(shopper):
    order = shopper.orders.get()
    browser = signed_in_by("link")
    with time_machine.travel(timezone.now() + LATER):
        answer = browser.post(f"/api/v1/me/orders/{order.number}/cancel/", {}, content_type="application/json")
    assert answer.status_code == 403 and answer.json()["code"] == "step_up_required"
    assert answer.json()["fields"]["step_up_url"][0].startswith(STEP_UP)
    assert Order.objects.get(pk=order.pk).status != OrderStatus.CANCELLED


def test_sending_an_order_abroad_asks_but_a_same_country_address_does_not(shopper):
    EditPolicy.objects.update(address_same_country_only=False)
    order = shopper.orders.get()
    browser = signed_in_by("link")
    base = f"/api/v1/me/orders/{order.number}/edits/"
    with time_machine.travel(timezone.now() + LATER):
        edit = browser.post(base).json()
        url = f"{base}{edit['id']}/"
        staged = browser.post(
            f"{url}changes/", {"type": "address", "address": ADDRESS_DE}, content_type="application/json"
        ).json()
        answer = browser.post(f"{url}commit/", {"version": staged["version"]}, content_type="application/json")
        assert answer.status_code == 403 and answer.json()["code"] == "step_up_required"
        same = {**ADDRESS_DE, "country": order.shipping_address["country"], "postal_code": "1016 GV"}
        staged = browser.post(
            f"{url}changes/", {"type": "address", "address": same}, content_type="application/json"
        ).json()
        answer = browser.post(f"{url}commit/", {"version": staged["version"]}, content_type="application/json")
    assert answer.status_code == 200, answer.json()


def test_making_an_address_the_default_asks(shopper):
    browser = signed_in_by("link")
    address = {"name": "Sam", "line1": "Damrak 1", "city": "Amsterdam", "postal_code": "1012 LG", "country": "NL"}
    with time_machine.travel(timezone.now() + LATER):
        refused = browser.post("/store/account/addresses/new/", {**address, "make_default": "on"})
        assert refused["Location"].startswith(STEP_UP) and not Address.objects.filter(user=shopper).exists()
        step_up(browser, "/store/account/addresses/new/")
        assert browser.post("/store/account/addresses/new/", {**address, "make_default": "on"}).status_code == 302
    assert Address.objects.get(user=shopper).is_default
