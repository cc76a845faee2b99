"""Issue 20's proof, at 1280 px: a support agent signs in with TOTP, finds a customer by phone number, builds a
draft order and sends a payment link; the customer pays it from the email; the agent sees the order paid,
downloads its invoice PDF (its number and VAT lines read back from the PDF), and after a partial shipment
cancels the unshipped rest, refunding it; the customer is told."""

import io
import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Address, User
from accounts.services import get_or_create_customer, give_staff_totp
from demo.loader import load_catalog
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders import services
from orders.constants import FinancialStatus, TransactionKind
from orders.models import Order
from tests.conftest import STAFF_PASSWORD, current_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "femke.bakker@example.com"
AGENT = "agent.browser@example.com"
CARD = "4242 4242 4242 4242"


def link_in(message: Message, attribute: str) -> str:
    return re.search(rf'<a href="([^"]+)"[^>]*{attribute}', message.body_html).group(1)


def test_an_agent_drafts_an_order_and_the_customer_pays_the_link(live_server, new_page, settings):
    settings.SITE_URL = live_server.url  # links in emails point at this server
    load_catalog()
    customer = get_or_create_customer(email=CUSTOMER, name="Femke Bakker", language="en")
    Address.objects.create(
        user=customer,
        name="Femke Bakker",
        line1="Oudegracht 12",
        city="Utrecht",
        postal_code="3511 AL",
        country="NL",
        phone="+31 6 5550 1234",
        is_default=True,
    )
    agent = User.objects.create_user(AGENT, STAFF_PASSWORD, is_staff=True)
    agent.groups.add(Group.objects.get_or_create(name="Support agents")[0])
    if not agent.has_perm("drafts.add_draftorder"):  # a flushed test database lost the migration's grants
        from django.contrib.auth.models import Permission

        agent.groups.get().permissions.add(
            *Permission.objects.filter(content_type__app_label__in=["drafts", "orders"], codename__startswith="view_"),
            *Permission.objects.filter(content_type__app_label="drafts"),
            Permission.objects.get(codename="change_order"),
            Permission.objects.get(codename="view_invoice"),
        )
    device, _codes = give_staff_totp(user=agent)
    base = live_server.url
    page = new_page(viewport={"width": 1280, "height": 900})

    # The agent signs in with a password and an authenticator code.
    page.goto(f"{base}/admin/login/?next=/admin/drafts/draftorder/")
    page.locator("#id_username").fill(AGENT)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("#id_otp_token").fill(current_totp(device))
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(f"{base}/admin/drafts/draftorder/")

    # A new draft: find the customer by phone number.
    page.get_by_role("link", name=re.compile("Add draft order")).click()
    page.get_by_role("textbox", name="Find a customer").fill("5550 1234")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"New draft for {CUSTOMER}").click()
    expect(page.get_by_text(re.compile(r"Draft D-\d+ was created"))).to_be_visible()

    # Items from the catalog search.
    page.get_by_role("searchbox", name="Search the catalog").fill("sweater")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Add Merino crew-neck sweater – M / Navy").click()
    expect(page.get_by_text("The item was added")).to_be_visible()
    page.get_by_role("searchbox", name="Search the catalog").fill("socks")
    page.get_by_role("button", name="Search").click()
    page.locator("#catalog-results tr", has_text="WOOL-SOCKS-M-GREY").get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add Wool socks – M / Grey").click()
    expect(page.locator("#draft-items tbody tr")).to_have_count(2)

    # The address from the book, standard delivery, and a discount with a reason.
    page.get_by_label(re.compile("Oudegracht 12")).check()
    page.get_by_role("button", name="Use this address").click()
    page.get_by_label("Standard delivery (PostNL)").check()
    page.get_by_role("button", name="Use this delivery").click()
    page.get_by_label("Amount").check()
    page.get_by_label("Value").fill("9")
    page.get_by_label("Reason").select_option("customer_request")
    page.get_by_role("button", name="Save discount").click()
    totals = page.locator("#draft-totals")
    # €89 + 2 × €15 = €119, less €9: €110.00, shipped free in the Netherlands from €75.
    expect(totals).to_contain_text("€9.00")
    expect(totals).to_contain_text("€110.00")

    # Send the payment link.
    page.get_by_label("Message to the customer").fill("As agreed on the phone.")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text(re.compile(r"a payment link for €110.00 was emailed"))).to_be_visible()
    order = Order.objects.get(email=CUSTOMER)
    assert order.financial_status == FinancialStatus.PENDING and order.total == 110

    # The customer opens the link from the email and pays.
    needed = compose(Message.objects.get(kind=MessageKind.PAYMENT_NEEDED, recipient=CUSTOMER))
    assert "As agreed on the phone." in needed.body_text
    shopper = new_page(viewport={"width": 1280, "height": 900})
    shopper.goto(link_in(needed, "data-pay-now"))
    shopper.get_by_label("Card number").fill(CARD)
    shopper.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(shopper.get_by_text("Thank you! Your payment was received.")).to_be_visible()

    # The agent sees it paid, on the draft and in the list.
    page.reload()
    expect(page.get_by_text(f"Placed as order #{order.number}")).to_be_visible()
    expect(page.locator(".action-facts").first).to_contain_text("Paid")
    page.goto(f"{base}/admin/drafts/draftorder/")
    expect(page.locator("#result_list")).to_contain_text(f"#{order.number} (Paid)")

    # The invoice, issued when the order was placed: the agent downloads its PDF from the order's page.
    invoice = order.invoice
    page.goto(f"{base}/admin/orders/order/{order.pk}/change/")
    pdf_link = page.get_by_role("link", name="PDF", exact=True)
    expect(pdf_link).to_be_visible()
    pdf = page.request.get(f"{base}{pdf_link.get_attribute('href')}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert invoice.number in text and "VAT 21%" in text and "€110.00" in text, text

    # The warehouse ships the sweater; the socks are late, and the agent cancels them with a full refund.
    sweater = order.lines.get(sku="MERINO-CREW-SWEATER-M-NAVY")
    services.record_shipment(order=order, quantities={sweater.pk: 1}, carrier="PostNL")
    page.reload()
    page.get_by_role("link", name="Cancel unshipped items").click()
    page.get_by_label("Reason").select_option(index=1)
    page.get_by_label("Those items in full").check()
    page.get_by_role("button", name="Cancel unshipped items").click()
    expect(page.get_by_text(re.compile(r"2 items not yet shipped were canceled"))).to_be_visible()
    order.refresh_from_db()
    assert list(order.lines.values_list("sku", flat=True)) == ["MERINO-CREW-SWEATER-M-NAVY"]
    refund = order.transactions.get(kind=TransactionKind.REFUND)
    assert refund.amount > 0 and order.position.balance_due == 0
    told = compose(Message.objects.get(kind=MessageKind.ORDER_REST_CANCELLED, recipient=CUSTOMER))
    assert "Wool socks" in told.body_text
