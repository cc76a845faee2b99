"""The whole money loop in a browser: checkout, sign in from the confirmation email, pay a balance on the
Pay now page, then get a refund back through the worker."""

import re

import pytest
from playwright.sync_api import expect

from demo.loader import load_catalog
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import FinancialStatus, TransactionStatus
from orders.models import Order
from tests.mail import sent_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "noa.visser@example.com"
CARD = "4242 4242 4242 4242"


def link_in(message: Message, attribute: str) -> str:
    return re.search(rf'<a href="([^"]+)"[^>]*{attribute}', message.body_html).group(1)


def test_checkout_sign_in_pay_a_balance_then_get_a_refund(live_server, new_page, run_worker, settings):
    settings.SITE_URL = live_server.url  # links in emails point at this server
    load_catalog()
    page = new_page()
    base = live_server.url

    # Shop: a sweater and two mugs into the cart.
    page.goto(f"{base}/store/products/merino-crew-sweater/")
    page.get_by_text("M / Navy").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{base}/store/products/ceramic-mug/")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{base}/store/cart/")
    page.get_by_role("link", name="Checkout").click()

    # Checkout with the test card.
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Full name").fill("Noa Visser")
    page.get_by_label("Standard").check()
    page.get_by_label("Address", exact=True).fill("Prinsengracht 263")
    page.get_by_label("City").fill("Amsterdam")
    page.get_by_label("Postal code").fill("1016 GV")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Card number").fill(CARD)
    page.get_by_role("button", name="Place order and pay").click()
    expect(page.get_by_text(re.compile(r"Thank you! Order #\d+ is placed"))).to_be_visible()
    order = Order.objects.get(email=EMAIL)
    assert order.financial_status == FinancialStatus.PAID

    # The confirmation email's "View order" button, then sign in to change it (link + code).
    confirmation = compose(Message.objects.get(kind=MessageKind.ORDER_CONFIRMATION, recipient=EMAIL))
    page.goto(link_in(confirmation, "data-view-order"))
    expect(page.get_by_role("heading", name=f"Order #{order.number}")).to_be_visible()
    page.get_by_role("link", name="Sign in to change it").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    code = sent_code(Message.objects.filter(recipient=EMAIL, kind=MessageKind.SIGN_IN_CODE).latest("id"))
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/store/account/orders/{order.number}/")

    # Add an item: the order now costs more than was paid.
    page.get_by_role("link", name="Edit order").click()
    page.get_by_placeholder("Search the catalog").fill("socks")
    page.get_by_role("button", name="Search").click()
    # The results and the addition come in place (htmx): wait for each before going on.
    results = page.locator("#search-results")
    results.get_by_role("button", name=re.compile("^Add ")).first.click()
    expect(page.locator("tr[data-change=added]")).to_be_visible()
    page.get_by_role("button", name="Confirm changes").click()
    expect(page.get_by_text("Still to pay", exact=True)).to_be_visible()

    # Pay now, from the order page (the same link as in the "Payment needed" email).
    needed = compose(Message.objects.get(kind=MessageKind.PAYMENT_NEEDED, recipient=EMAIL))
    page.get_by_role("link", name="Pay now").click()
    assert page.url == link_in(needed, "data-pay-now")
    expect(page.get_by_text("Added 1 ×")).to_be_visible()
    page.get_by_label("Card number").fill(CARD)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_text("Thank you! Your payment was received.")).to_be_visible()
    expect(page.locator(".badges")).to_contain_text("Paid")

    # Remove the mugs: money back, through the refund job.
    page.get_by_role("link", name="Edit order").click()
    mugs = order.lines.get(sku="CERAMIC-MUG-WHITE")
    page.locator(f"form:has(input[name=line_id][value='{mugs.pk}']) button", has_text="Remove").click()
    page.get_by_role("button", name="Confirm changes").click()
    expect(page.get_by_text("We're refunding")).to_be_visible()
    run_worker()
    # Split over the Pay now charge (newest first) and the checkout charge, each sent and done.
    refunds = list(order.transactions.filter(kind="refund"))
    assert refunds and {refund.status for refund in refunds} == {TransactionStatus.SUCCESS}
    page.reload()
    expect(page.locator(".badges")).to_contain_text("Partially refunded")
    expect(page.get_by_text(re.compile(r"Refund of €[\d.]+ issued"))).to_have_count(len(refunds))
