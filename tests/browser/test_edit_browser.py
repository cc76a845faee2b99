import re

import pytest
from playwright.sync_api import expect

from demo.loader import DEMO_EMAIL, MERCHANT_ALERTS, load_catalog, load_demo_shopper
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import EventType, OrderTag
from orders.models import Order
from tests.mail import sent_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url):
    page.goto(f"{base_url}/store/account/login/")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    code = sent_code(Message.objects.filter(recipient=DEMO_EMAIL, kind=MessageKind.SIGN_IN_CODE).latest("id"))
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/store/account/orders/")


def test_change_size_quantity_and_address_then_confirm(live_server, new_page):
    load_catalog()
    load_demo_shopper()
    # The paid, unshipped tee-and-mug order placed minutes ago.
    order = Order.objects.get(email=DEMO_EMAIL, lines__sku="ORGANIC-COTTON-TEE-M-WHITE", lines__quantity=2)
    page = new_page()
    sign_in(page, live_server.url)

    page.get_by_role("link", name=f"Order #{order.number}").click()
    page.get_by_role("link", name="Edit order").click()
    expect(page.get_by_role("heading", name=f"Edit order #{order.number}")).to_be_visible()

    tee = order.lines.get(sku="ORGANIC-COTTON-TEE-M-WHITE")
    page.wait_for_load_state("load")  # the size picker applies on change once static/js/autosubmit.js ran
    page.locator(f"#swap-{tee.pk}").select_option(label="L / Black")
    expect(page.locator("[data-change=swapped]")).to_be_visible()
    page.locator(f"#qty-{tee.pk}").fill("3")
    page.locator(f"#qty-{tee.pk}").press("Enter")
    expect(page.locator("[data-change=swapped]")).to_contain_text("2 → 3")

    page.get_by_label("Address", exact=True).fill("Damrak 1")
    page.get_by_role("button", name="Use this address").last.click()
    new_total = page.locator("[data-new-total]")
    expect(new_total).to_have_text(re.compile(r"€\d"))
    expect(page.locator("[data-balance]")).to_be_visible()

    page.get_by_role("button", name="Confirm changes").click()
    expect(page).to_have_url(f"{live_server.url}/store/account/orders/{order.number}/")
    expect(page.get_by_text("Your changes are confirmed")).to_be_visible()
    expect(page.get_by_text("You changed the order; new total")).to_be_visible()

    order.refresh_from_db()
    line = order.lines.get(pk=tee.pk)
    assert (line.sku, line.quantity) == ("ORGANIC-COTTON-TEE-L-BLACK", 3)
    assert order.shipping_address["line1"] == "Damrak 1" and OrderTag.EDITED_BY_CUSTOMER in order.tags
    assert order.events.filter(type=EventType.EDITED, customer_visible=True).count() == 1
    alert = compose(Message.objects.get(kind=MessageKind.MERCHANT_ORDER_EDITED))
    assert alert.recipient == MERCHANT_ALERTS and str(order.number) in alert.subject
