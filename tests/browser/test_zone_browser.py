"""A browser in Tokyo (issue 19): static/js/timezone.js tells the server its zone, so the order page shows local
times with the zone named, the edit deadline names its zone, the profile keeps the zone at sign-in, and an
email about the order reads in it."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import CustomerProfile
from core import dates
from demo.loader import load_catalog
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import ActorKind
from orders.services import request_balance_payment
from tests.factories import place_test_order
from tests.mail import sent_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "aoi@example.com"
TOKYO = "Asia/Tokyo"


def in_tokyo(value, render=dates.when) -> str:
    with timezone.override(ZoneInfo(TOKYO)), translation.override("en"):
        return render(value)


def test_a_browser_in_tokyo_reads_its_own_times_and_its_emails_follow(live_server, new_page, settings):
    settings.SITE_URL = live_server.url
    settings.TIME_ZONE = "Europe/Amsterdam"  # the store's: not what this shopper reads
    load_catalog()
    order = place_test_order(email=EMAIL, language="en")  # unpaid: a balance is due, payable by a link
    page = new_page(timezone_id=TOKYO)
    base = live_server.url

    page.goto(f"{base}/store/account/login/")  # the first page sets the zone cookie
    expect(page.get_by_label("Email")).to_be_visible()
    assert any(c["name"] == dates.TIME_ZONE_COOKIE and c["value"] == TOKYO for c in page.context.cookies())
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    code = sent_code(Message.objects.filter(recipient=EMAIL, kind=MessageKind.SIGN_IN_CODE).latest("id"))
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/store/account/orders/")
    assert CustomerProfile.objects.get(user=order.customer).time_zone == TOKYO  # kept at sign-in

    page.goto(f"{base}/store/account/orders/{order.number}/")
    placed = in_tokyo(order.placed_at)
    assert placed.endswith(" JST")
    expect(page.locator(".badges .muted").first).to_have_text(placed)
    expect(page.locator("ol.timeline time").first).to_have_text(placed)
    deadline = page.get_by_text(re.compile(r"You can change this order until"))
    expect(deadline).to_have_text(
        f"You can change this order until {in_tokyo(order.edit_window_ends_at, dates.deadline)}."
    )
    expect(deadline).to_contain_text("JST")
    assert "CET" not in page.content() and "CEST" not in page.content()

    # Staff ask for the balance: the email's deadline reads in the profile's zone, named.
    request_balance_payment(order_id=order.pk, actor_kind=ActorKind.STAFF)
    email = compose(Message.objects.get(kind=MessageKind.PAYMENT_NEEDED, recipient=EMAIL))
    request = order.payment_requests.get()
    assert email.time_zone == TOKYO
    assert f"Please pay by {in_tokyo(request.expires_at)} so we can send your order." in email.body_text
