"""Issue 19, item 7, on a phone (390 px): a signed-in shopper checks out to a saved address with a VAT ID and
lands on their order page, which shows it; every page on the way under the Content-Security-Policy."""

import re
import shutil

import pytest
from playwright.sync_api import expect

from accounts.models import Address, CustomerProfile, User
from demo.loader import load_catalog
from orders.models import Order
from tests.browser.conftest import CHROMIUM
from tests.browser.test_csp_browser import Watcher
from tests.browser.test_sign_in_browser import latest_sign_in
from tests.mail import sent_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"Chromium not found at {CHROMIUM}"),
]

EMAIL = "noa@example.com"
PHONE = {"width": 390, "height": 844}


def test_a_signed_in_shopper_checks_out_to_a_saved_address_with_a_vat_id(live_server, browser):
    load_catalog()
    user = User.objects.create_user(EMAIL)
    CustomerProfile.objects.create(user=user, name="Noa Visser", language="en")
    Address.objects.create(
        user=user, name="Noa Visser", line1="Prinsengracht 263", city="Amsterdam", postal_code="1016 GV", country="NL"
    )
    office = Address.objects.create(
        user=user,
        name="Noa Visser",
        company="Visser BV",
        line1="Unter den Linden 1",
        city="Berlin",
        postal_code="10117",
        country="DE",
        is_default=True,
    )
    context = browser.new_context(viewport=PHONE, locale="en-US")
    shopper = Watcher(context.new_page(), live_server.url)
    page = shopper.page

    shopper.visit("/store/account/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(sent_code(latest_sign_in(EMAIL)))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/store/account/orders/")

    shopper.visit("/store/products/ceramic-mug/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{live_server.url}/store/cart/")
    page.get_by_role("link", name="Checkout").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    shopper.settle()

    # The address book is offered, the default chosen; the new address's fields step aside until asked for.
    office_choice = page.get_by_label(re.compile("Unter den Linden 1"))
    home_choice = page.get_by_label(re.compile("Prinsengracht 263"))
    expect(office_choice).to_be_checked()
    expect(page.get_by_label("Address", exact=True)).to_be_hidden()
    page.get_by_label("A new address").check()
    expect(page.get_by_label("Address", exact=True)).to_be_visible()
    expect(page.get_by_label("Country")).to_have_value("NL")  # the store's country for a new one
    home_choice.check()
    office_choice.check()
    expect(page.get_by_label("Address", exact=True)).to_be_hidden()

    page.get_by_label("VAT ID (optional)").fill("nl 4495.445.B01")
    page.get_by_label("Standard").check()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing runs off a phone
    page.get_by_role("button", name="Place order and pay").click()

    order = Order.objects.get(email=EMAIL)
    expect(page).to_have_url(f"{live_server.url}/store/account/orders/{order.number}/")
    expect(page.get_by_text(f"Thank you! Order #{order.number} is placed")).to_be_visible()
    expect(page.get_by_text("NL004495445B01")).to_be_visible()
    shopper.settle()
    assert order.vat_id == "NL004495445B01" and order.shipping_address == office.as_snapshot()
    shopper.assert_clean()
    context.close()
