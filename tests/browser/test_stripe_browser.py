"""Stripe in a browser: the card typed into Stripe.js's field (localstripe's stand-in, served by localstripe over
HTTP), never posted to us; 3-D Secure answered in Stripe.js's step; a declined card; then an edit that lowers the
total, refunded through Stripe by the worker. Every page under the Content-Security-Policy."""

import re
import shutil

import pytest
from playwright.sync_api import expect

from demo.loader import load_catalog
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import FinancialStatus, TransactionKind, TransactionStatus
from orders.models import Order
from tests import stripe_support
from tests.browser.conftest import CHROMIUM
from tests.browser.test_csp_browser import Watcher
from tests.mail import sent_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"Chromium not found at {CHROMIUM}"),
]

EMAIL = "noa.visser@example.com"


def fill_card(page, number: str) -> None:
    """Stripe.js's card field (localstripe's stand-in draws one input per part)."""
    card = page.locator("[data-card-element]")
    card.get_by_placeholder("number").fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("1016")


def to_checkout(shopper: Watcher, *, email: str = EMAIL) -> None:
    page = shopper.page
    shopper.visit("/store/products/merino-crew-sweater/")
    page.get_by_text("M / Navy").first.click()
    page.get_by_role("button", name="Add to cart").click()
    shopper.visit("/store/products/ceramic-mug/")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    shopper.visit("/store/checkout/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill("Noa Visser")
    page.get_by_label("Standard").check()
    page.get_by_label("Address", exact=True).fill("Prinsengracht 263")
    page.get_by_label("City").fill("Amsterdam")
    page.get_by_label("Postal code").fill("1016 GV")
    page.get_by_label("Country").select_option("NL")
    expect(page.get_by_label("Card number")).to_have_count(0)  # no field of ours ever holds the card


def test_pay_by_stripe_then_an_edit_is_refunded_through_stripe(
    live_server, browser, run_worker, settings, stripe_gateway, localstripe
):
    settings.SITE_URL = live_server.url
    load_catalog()
    context = browser.new_context(locale="en-US")
    shopper = Watcher(context.new_page(), live_server.url)
    page = shopper.page
    posted: list[str] = []
    page.on("request", lambda request: posted.append(request.post_data or "") if request.method == "POST" else None)

    to_checkout(shopper)
    fill_card(page, "4242424242424242")
    page.get_by_role("button", name="Place order and pay").click()
    expect(page.get_by_text(re.compile(r"Thank you! Order #\d+ is placed"))).to_be_visible()
    order = Order.objects.get(email=EMAIL)
    charge = order.transactions.get(kind=TransactionKind.CHARGE)
    assert order.financial_status == FinancialStatus.PAID and charge.gateway == "stripe"
    assert stripe_support.captured(localstripe, charge.gateway_reference) == order.total
    ours = [data for data in posted if "csrfmiddlewaretoken" in data]
    assert ours and not any("4242424242424242" in data for data in ours)  # the card went to Stripe only

    # Sign in from the status page, and remove the mugs: the worker refunds them through Stripe.
    page.get_by_role("link", name="Sign in to change it").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(
        sent_code(Message.objects.filter(recipient=EMAIL, kind=MessageKind.SIGN_IN_CODE).latest("id"))
    )
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/store/account/orders/{order.number}/")
    page.get_by_role("link", name="Edit order").click()
    mugs = order.lines.get(sku="CERAMIC-MUG-WHITE")
    page.locator(f"form:has(input[name=line_id][value='{mugs.pk}']) button", has_text="Remove").click()
    page.get_by_role("button", name="Confirm changes").click()
    expect(page.get_by_text("We're refunding")).to_be_visible()
    run_worker(extra_env=stripe_gateway)
    (refund,) = order.transactions.filter(kind=TransactionKind.REFUND)
    assert refund.status == TransactionStatus.SUCCESS and refund.gateway_reference.startswith("re_")
    assert stripe_support.refunds_of(localstripe, charge.gateway_reference) == [refund.amount]
    page.reload()
    expect(page.locator(".badges")).to_contain_text("Partially refunded")
    shopper.settle()
    shopper.assert_clean()
    context.close()


@pytest.mark.parametrize("answer", ["Complete authentication", "Fail authentication"])
def test_three_d_secure_is_answered_in_stripe_js(live_server, browser, stripe_gateway, localstripe, answer):
    load_catalog()
    context = browser.new_context(locale="en-US")
    shopper = Watcher(context.new_page(), live_server.url)
    page = shopper.page
    to_checkout(shopper)
    fill_card(page, "4000002760003184")
    page.get_by_role("button", name="Place order and pay").click()
    expect(page.get_by_text("Your bank asks you to confirm this payment.")).to_be_visible()
    assert not Order.objects.exists()  # nothing placed while the bank waits
    page.get_by_role("button", name=answer).click()  # the bank's step, drawn by Stripe.js
    if answer == "Complete authentication":
        expect(page.get_by_text(re.compile(r"Thank you! Order #\d+ is placed"))).to_be_visible()
        order = Order.objects.get()
        assert stripe_support.captured(localstripe, order.transactions.get().gateway_reference) == order.total
    else:
        expect(
            page.get_by_text("Your bank did not confirm the payment. Try again or use another card.")
        ).to_be_visible()
        assert not Order.objects.exists()
        fill_card(page, "4242424242424242")  # another try, another card: it goes through
        page.get_by_role("button", name="Place order and pay").click()
        expect(page.get_by_text(re.compile(r"Thank you! Order #\d+ is placed"))).to_be_visible()
        assert Order.objects.get().financial_status == FinancialStatus.PAID
    shopper.settle()
    shopper.assert_clean(known=lambda problem: "status of 400" in problem)  # the refusal's page is a 400
    context.close()


def test_a_declined_card_is_said_so_and_places_nothing(live_server, browser, stripe_gateway):
    load_catalog()
    context = browser.new_context(locale="en-US")
    shopper = Watcher(context.new_page(), live_server.url)
    page = shopper.page
    to_checkout(shopper)
    fill_card(page, "4000000000000341")  # Stripe's card declined when charged (localstripe declines it too)
    page.get_by_role("button", name="Place order and pay").click()
    expect(page.get_by_text("Your card was declined.").first).to_be_visible()
    assert not Order.objects.exists()
    shopper.settle()
    context.close()


def test_the_test_gateway_asks_for_three_d_secure_on_its_own_bank_step(live_server, browser):
    """The demo's gateway has no script: its stand-in for the bank's page is two buttons."""
    load_catalog()
    context = browser.new_context(locale="en-US")
    shopper = Watcher(context.new_page(), live_server.url)
    page = shopper.page
    shopper.visit("/store/products/ceramic-mug/")
    page.get_by_role("button", name="Add to cart").click()
    shopper.visit("/store/checkout/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Full name").fill("Noa Visser")
    page.get_by_label("Standard").check()
    page.get_by_label("Address", exact=True).fill("Prinsengracht 263")
    page.get_by_label("City").fill("Amsterdam")
    page.get_by_label("Postal code").fill("1016 GV")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Card number").fill("4000 0027 6000 3184")
    page.get_by_role("button", name="Place order and pay").click()
    expect(page.get_by_text("Your bank asks you to confirm this payment.")).to_be_visible()
    assert not Order.objects.exists()
    page.get_by_role("button", name="Confirm the payment").click()
    expect(page.get_by_text(re.compile(r"Thank you! Order #\d+ is placed"))).to_be_visible()
    assert Order.objects.get().financial_status == FinancialStatus.PAID
    shopper.settle()
    shopper.assert_clean()
    context.close()


def test_pay_now_by_stripe_with_three_d_secure(live_server, browser, stripe_gateway, localstripe):
    """A balance after an edit, paid on the Pay now page through Stripe.js, the bank's step confirmed."""
    from editing import services as editing
    from orders.pay_links import pay_path
    from tests.editing.test_services import MUG, edit, line
    from tests.orders.test_stripe_webhooks import checkout

    load_catalog()
    order = checkout(stripe_support.payment_method(localstripe, "4242424242424242"))
    request = edit(
        order, (editing.stage_quantity, {"line_id": line(order, MUG).pk, "quantity": 3})
    ).settlement.payment_request
    context = browser.new_context(locale="en-US")
    shopper = Watcher(context.new_page(), live_server.url)
    page = shopper.page
    shopper.visit(pay_path(request.pk))
    expect(page.get_by_label("Card number")).to_have_count(0)
    fill_card(page, "4000002760003184")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_text("Your bank asks you to confirm this payment.")).to_be_visible()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_text("Thank you! Your payment was received.")).to_be_visible()
    request.refresh_from_db()
    assert request.status == "paid" and request.payment.gateway == "stripe"
    assert stripe_support.captured(localstripe, request.payment.gateway_reference) == request.amount
    shopper.settle()
    shopper.assert_clean()
    context.close()
