"""The order list and the cancel-the-rest page in Chromium at 1280 px, as a support agent uses them: no
horizontal scroll with the filters open, the payment and fulfilment columns on screen, a typed date range, and
the unshipped rest of a partly shipped order cancelled with part of its money refunded."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.models import User
from accounts.services import give_staff_totp
from demo.loader import load_catalog
from orders.constants import FulfillmentStatus, TransactionKind
from orders.models import Order, Transaction
from storefront.models import StoreSettings
from tests.conftest import STAFF_PASSWORD, current_totp
from tests.editing.conftest import place
from tests.editing.test_cancel_rest import partly_shipped
from tests.editing.test_services import MUG
from tests.orders.conftest import ensure_staff_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AGENT = "agent.list@shop.example"


def sign_in_agent(page, base: str) -> None:
    ensure_staff_groups()
    user = User.objects.create_user(AGENT, STAFF_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Support agents"))
    device, _codes = give_staff_totp(user=user)
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.locator("#id_username").fill(AGENT)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("#id_otp_token").fill(current_totp(device))
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(f"{base}/admin/")


def test_the_order_list_fits_1280_px_and_an_agent_cancels_the_rest(live_server, new_page):
    load_catalog()
    StoreSettings.objects.update(agent_refund_limit=D("100.00"))
    for n in range(8):
        place([(MUG, 1)], email=f"a.rather.long.customer.address.number{n}@example-company-domain.com", paid=False)
    order = partly_shipped()
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in_agent(page, live_server.url)

    page.goto(f"{live_server.url}/admin/orders/order/")
    expect(page.locator("#changelist-filter")).to_be_visible()
    for box in ("document.documentElement", "document.querySelector('#changelist .results')"):
        widths = page.evaluate(f"[{box}.scrollWidth, {box}.clientWidth]")
        assert widths[0] <= widths[1], f"horizontal scroll of {box}: {widths}"
    for column in ("column-payment", "column-fulfilment", "column-held"):
        box = page.locator(f"#result_list th.{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280, (column, box)
    expect(page.locator("#result_list tbody tr")).to_have_count(9)

    # A typed range: today only, then a range that ends before it.
    today = page.evaluate("new Date().toLocaleDateString('sv-SE')")  # YYYY-MM-DD in the browser's zone
    page.locator("#id_placed_from").fill(today)
    page.locator("#id_placed_to").fill(today)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"placed_from={today}"))
    expect(page.locator("#result_list tbody tr")).to_have_count(9)
    page.locator("#id_placed_from").fill("2001-01-02")
    page.locator("#id_placed_to").fill("2001-01-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("The end date is before the start date.")).to_be_visible()

    # The partly shipped order: cancel what has not shipped, refunding part of it.
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    expect(page.get_by_role("link", name="Cancel order", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Cancel unshipped items").click()
    expect(page.get_by_text("2 × Wool socks")).to_be_visible()
    page.locator("#id_reason").select_option("out_of_stock")
    page.get_by_label("An amount").check()
    page.locator("#id_amount").fill("12.50")
    page.get_by_role("button", name="Cancel unshipped items").click()
    expect(page.get_by_text(re.compile(r"2 items not yet shipped were canceled\. €12\.50 is refunded"))).to_be_visible()
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED and order.kept_total == D("17.50")
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    assert refund.amount == D("12.50")
    assert Order.objects.get(pk=order.pk).lines.count() == 1
