"""The money figures a shopper reads on a phone, over the demo store: on every kind of order (cancelled and
refunded, voided, partly refunded, partly paid, imported unpaid) they add up and are the order's money
position; a balance shows "Pay now", a cancelled order never "Still to pay"; paying a balance by card
leaves nothing to pay."""

import re
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from demo.loader import DEMO_ADDRESS, DEMO_EMAIL, load_catalog, load_demo_shopper
from integrations.services import place_external_order
from orders.constants import FinancialStatus, OrderStatus
from orders.models import Order
from tests.browser.test_sign_in_browser import ask_for_code, latest_sign_in
from tests.mail import sent_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
CARD = "4242 4242 4242 4242"


@pytest.fixture
def demo_store():
    """The demo shopper's orders, and one more imported by the integration API without a payment."""
    load_catalog()
    load_demo_shopper()
    order, _created = place_external_order(
        {
            "external_id": "browser-import-1",
            "email": DEMO_EMAIL,
            "name": DEMO_ADDRESS["name"],
            "language": "en",
            "lines": [{"sku": "CERAMIC-MUG-WHITE", "quantity": 2, "customization": ""}],
            "shipping_method": "standard",
            "shipping_address": dict(DEMO_ADDRESS),
            "discount_code": "",
            "send_confirmation": False,
            "payments": [],
        },
        actor=None,
    )
    return order


def amount(text: str) -> D:
    """ "€1,234.50" or "−€3.00" as a number without its sign (the page puts a minus before what it takes off)."""
    return D(re.sub(r"[^\d.]", "", text))


def figures(page) -> dict[str, D]:
    """Every ``data-money`` figure of the order page, by name, and the total."""
    found = {}
    for cell in page.locator("dd[data-money]").all():
        # The balance's cell also holds the "Pay now" button: its first text is the amount.
        found[cell.get_attribute("data-money")] = amount(cell.evaluate("node => node.firstChild.textContent"))
    found["total"] = amount(page.locator("dd.grand").inner_text())
    return found


def check_figures(page, order: Order) -> dict[str, D]:
    order.refresh_from_db()
    p = order.position
    shown = figures(page)
    get = lambda name: shown.get(name, D("0"))  # noqa: E731 - a figure the page leaves out is nothing
    # They add up: what it costs now = paid − refunded − on its way + still to pay − owed to you.
    due = get("total") - get("given-back") - get("cancelled")
    assert due == get("paid") - get("refunded") - get("refunding") + get("balance-due") - get("credit-due"), shown
    # And they are the position's.
    assert (get("total"), get("given-back"), get("cancelled")) == (p.total, p.given_back, p.cancelled)
    assert (get("paid"), get("refunded"), get("refunding")) == (p.paid, p.refunded, p.refunding)
    assert (get("balance-due"), get("credit-due")) == (p.balance_due, p.credit_due)
    return shown


def sign_in(page, base_url):
    ask_for_code(page, base_url)
    page.get_by_label("Code").fill(sent_code(latest_sign_in()))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/store/account/orders/")


def test_every_order_shows_figures_that_add_up_and_a_balance_can_be_paid(live_server, new_page, demo_store):
    base = live_server.url
    page = new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, base)

    orders = Order.objects.filter(email=DEMO_EMAIL)
    cancelled_refunded = orders.get(status=OrderStatus.CANCELLED, captured_total__gt=0)
    voided = orders.get(financial_status=FinancialStatus.VOIDED)
    partly_refunded = orders.get(financial_status=FinancialStatus.PARTIALLY_REFUNDED)
    partly_paid = orders.get(financial_status=FinancialStatus.PARTIALLY_PAID)
    imported = demo_store
    assert imported.captured_total == 0 and imported.external_id

    for order, owes in [
        (cancelled_refunded, False),
        (voided, False),
        (partly_refunded, False),
        (partly_paid, True),
        (imported, True),
    ]:
        page.goto(f"{base}/store/account/orders/{order.number}/")
        expect(page.get_by_role("heading", name=f"Order #{order.number}")).to_be_visible()
        shown = check_figures(page, order)
        if owes:
            assert shown["balance-due"] > 0
            expect(page.get_by_text("Still to pay", exact=True)).to_be_visible()
            expect(page.get_by_role("link", name="Pay now")).to_be_visible()
        else:
            assert "balance-due" not in shown
            expect(page.get_by_text("Still to pay")).to_have_count(0)
            expect(page.get_by_role("link", name="Pay now")).to_have_count(0)
        if order.status == OrderStatus.CANCELLED:  # nothing of it costs anything: given back, or cancelled
            assert order.position.due == 0
            assert shown.get("cancelled", D("0")) + shown.get("given-back", D("0")) == order.total

    # Pay the partly paid order's balance with the test card: nothing is left to pay.
    page.goto(f"{base}/store/account/orders/{partly_paid.number}/")
    balance = check_figures(page, partly_paid)["balance-due"]
    page.get_by_role("link", name="Pay now").click()
    expect(page.get_by_role("heading", name=re.compile("Amount to pay"))).to_contain_text(f"€{balance}")
    page.get_by_label("Card number").fill(CARD)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_text("Thank you! Your payment was received.")).to_be_visible()
    expect(page).to_have_url(f"{base}/store/account/orders/{partly_paid.number}/")
    shown = check_figures(page, partly_paid)
    assert "balance-due" not in shown and shown["paid"] == partly_paid.total
    expect(page.get_by_text("Still to pay")).to_have_count(0)
    expect(page.get_by_role("link", name="Pay now")).to_have_count(0)
    # The list agrees: a "Still to pay" for each order with a balance (the imported one among them), and
    # none for the order just paid.
    page.goto(f"{base}/store/account/orders/")
    owing = [order for order in Order.objects.filter(email=DEMO_EMAIL) if order.position.balance_due > 0]
    assert imported in owing and partly_paid not in owing
    expect(page.locator(".due")).to_have_count(len(owing))
    row = page.locator("li", has=page.get_by_role("link", name=f"Order #{imported.number}"))
    expect(row.locator(".due")).to_contain_text(f"€{imported.position.balance_due}")
    row = page.locator("li", has=page.get_by_role("link", name=f"Order #{partly_paid.number}"))
    expect(row.locator(".due")).to_have_count(0)
