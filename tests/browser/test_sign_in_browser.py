import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from demo.loader import DEMO_EMAIL, load_catalog, load_demo_shopper
from notifications.constants import MessageKind
from notifications.models import Message
from orders.models import Fulfillment
from tests.mail import sent_code, sent_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_store():
    load_catalog()
    load_demo_shopper()


def latest_sign_in(email=DEMO_EMAIL) -> Message:
    return Message.objects.filter(recipient=email, kind=MessageKind.SIGN_IN_CODE).latest("id")


def ask_for_code(page, base_url):
    page.goto(f"{base_url}/store/account/orders/")
    expect(page).to_have_url(re.compile(r"/store/account/login/\?next="))
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()


def test_sign_in_with_code_then_follow_a_shipment(live_server, new_page, demo_store):
    page = new_page()
    ask_for_code(page, live_server.url)
    page.get_by_label("Code").fill(sent_code(latest_sign_in()))
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/store/account/orders/")
    expect(page.get_by_role("heading", name="Your orders")).to_be_visible()

    shipment = Fulfillment.objects.get(order__email=DEMO_EMAIL, delivery_state="in_transit")
    page.get_by_role("link", name=f"Order #{shipment.order.number}").click()
    expect(page.get_by_role("heading", name=f"Order #{shipment.order.number}")).to_be_visible()
    tracking = page.get_by_role("link", name=f"Track {shipment.tracking_number}")
    expect(tracking).to_have_attribute("href", shipment.tracking_url)
    arrival = f"Arriving on {shipment.estimated_arrival:%B} {shipment.estimated_arrival.day}"
    expect(page.get_by_text(arrival)).to_be_visible()
    expect(page.get_by_text("Partially fulfilled").first).to_be_visible()


def test_sign_in_by_link_in_a_fresh_browser(live_server, new_page, demo_store, settings):
    settings.SITE_URL = live_server.url  # links in emails point at this server
    asking = new_page()
    ask_for_code(asking, live_server.url)
    link = sent_link(latest_sign_in())

    elsewhere = new_page(locale="nl-NL")  # another browser: no session, Dutch
    elsewhere.goto(link)
    expect(elsewhere.get_by_text(DEMO_EMAIL)).to_be_visible()
    with translation.override("nl"):
        sign_in_nl = gettext("Sign in")
    assert sign_in_nl != "Sign in"
    elsewhere.get_by_role("button", name=sign_in_nl, exact=True).click()
    expect(elsewhere).to_have_url(f"{live_server.url}/store/account/orders/")
    # Signed in, the shopper's stored language (English, from their checkout) wins over the browser's.
    expect(elsewhere.get_by_role("heading", name="Your orders")).to_be_visible()

    # The link is spent: opening it again says so.
    again = new_page()
    again.goto(link)
    expect(again.get_by_role("heading", name="This link can't sign you in")).to_be_visible()
