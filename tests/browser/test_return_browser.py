"""A return on a phone-sized screen (390 px) in Chromium: a signed-in shopper opens a delivered order, chooses
"Return or exchange", asks one item back for a refund and another for an exchange to another size, and lands
on the return's page, "Requested", with nothing wider than the screen."""

import re

import pytest
from playwright.sync_api import expect

from demo.loader import load_catalog
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import ReturnStatus
from returns.models import ReturnRequest
from tests.mail import sent_code
from tests.returns.helpers import MUG, SWEATER_L, SWEATER_M, delivered, ensure_reasons

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
EMAIL = "robin@example.com"


def sign_in(page, base_url):
    page.goto(f"{base_url}/store/account/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    code = sent_code(Message.objects.filter(recipient=EMAIL, kind=MessageKind.SIGN_IN_CODE).latest("id"))
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/store/account/orders/")


def no_wider_than_the_screen(page):
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    assert width <= PHONE["width"], width


def test_a_refund_and_an_exchange_asked_on_a_phone(live_server, new_page):
    load_catalog()
    ensure_reasons()
    order = delivered([(SWEATER_M, 1), (MUG, 2)], paid="card", email=EMAIL)
    sweater, mug = order.lines.get(sku=SWEATER_M), order.lines.get(sku=MUG)
    page = new_page(viewport=PHONE)
    sign_in(page, live_server.url)

    page.get_by_role("link", name=f"Order #{order.number}").click()
    page.get_by_role("link", name="Return or exchange").click()
    expect(page.get_by_role("heading", name=f"Return items of order #{order.number}")).to_be_visible()
    no_wider_than_the_screen(page)

    mug_row = page.locator(f"fieldset[data-line='{mug.pk}']")
    mug_row.get_by_label("Quantity").select_option("1")
    mug_row.get_by_label("Reason").select_option(label="Changed my mind")
    sweater_row = page.locator(f"fieldset[data-line='{sweater.pk}']")
    sweater_row.get_by_label("Quantity").select_option("1")
    sweater_row.get_by_label("Reason").select_option(label="Too small")
    sweater_row.get_by_label("Refund or exchange").select_option(label="Exchange for L / Navy")
    page.get_by_label("Original payment method").check()
    page.get_by_role("button", name="Send return request").click()

    ret = ReturnRequest.objects.get(order=order)
    expect(page).to_have_url(f"{live_server.url}/store/account/returns/{ret.number}/")
    expect(page.get_by_role("heading", name=f"Return {ret.number}")).to_be_visible()
    expect(page.locator("[data-return-status]")).to_have_text("Requested")
    expect(page.get_by_role("status")).to_contain_text(f"Return {ret.number} is requested.")
    expect(page.locator("[data-return-items] li")).to_have_count(2)
    expect(page.locator("[data-return-items]")).to_contain_text("Exchange for L / Navy")
    expect(page.locator("li[aria-current=step]")).to_contain_text("Requested")
    no_wider_than_the_screen(page)

    lines = {line.order_line.sku: line for line in ret.lines.select_related("order_line", "exchange_variant")}
    assert (lines[MUG].quantity, lines[MUG].exchange_variant) == (1, None)
    assert lines[SWEATER_M].exchange_variant.sku == SWEATER_L
    assert ret.status == ReturnStatus.REQUESTED and ret.refund_to == "original"

    page.get_by_role("link", name=f"Order #{order.number}").click()
    expect(page.locator("[data-return-status]")).to_have_text("Return: Requested")
    expect(page.locator(f"a[data-return='{ret.number}']")).to_be_visible()
    no_wider_than_the_screen(page)
    page.get_by_role("link", name="Returns", exact=True).click()
    expect(page.locator(f"li[data-return='{ret.number}']")).to_contain_text(re.compile("Requested"))
