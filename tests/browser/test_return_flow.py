"""Issue 21's proof, end to end in Chromium: a German shopper (390 px, browser in German) returns one of two
delivered items for a refund and exchanges the other for another size; a manager (1280 px, TOTP) approves and
marks both received in admin; a real RQ worker sends the refund through the gateway; the manager ships the
replacement from the order's page; the shopper's pages show each step with the right figures, and the emails
arrived in German. With ``SCREENSHOTS_DIR`` set, the shopper's return page and staff's are saved there."""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from accounts.models import CustomerProfile, User
from accounts.services import give_staff_totp
from core.money import format_money
from demo.loader import load_catalog
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import DeliveryState, FinancialStatus, ReturnStatus, TransactionKind, TransactionStatus
from returns.models import ReturnRequest
from tests.conftest import STAFF_PASSWORD, current_totp
from tests.mail import sent_code
from tests.returns.helpers import MUG, SWEATER_L, SWEATER_M, delivered, ensure_reasons

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
SHOPPER = "lena.schmidt@example.com"
MANAGER = "manager.returns@example.com"


def de(message: str, context: str | None = None) -> str:
    with translation.override("de"):
        return pgettext(context, message) if context else gettext(message)


def euros(amount: Decimal, language="de") -> str:
    return format_money(amount, "EUR", language)


def no_wider_than_the_screen(page):
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    assert width <= PHONE["width"], width


def sign_in_shopper(page, base):
    page.goto(f"{base}/store/account/login/")
    page.locator("input[name=email]").fill(SHOPPER)
    page.get_by_role("button", name=de("Send me a code")).click()
    code = sent_code(Message.objects.filter(recipient=SHOPPER, kind=MessageKind.SIGN_IN_CODE).latest("id"))
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name=de("Sign in")).click()
    expect(page).to_have_url(f"{base}/store/account/orders/")


def sign_in_manager(page, base, device):
    page.goto(f"{base}/admin/login/?next=/admin/returns/returnrequest/")
    page.locator("#id_username").fill(MANAGER)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("#id_otp_token").fill(current_totp(device))
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(f"{base}/admin/returns/returnrequest/")


def test_a_return_and_an_exchange_from_request_to_refund_and_shipment(live_server, new_page, run_worker, settings):
    settings.SITE_URL = live_server.url  # links in emails point at this server
    base = live_server.url
    load_catalog()
    ensure_reasons()
    order = delivered([(SWEATER_M, 1), (MUG, 1)], paid="card", email=SHOPPER)
    CustomerProfile.objects.filter(user=order.customer).update(language="de")
    assert order.fulfillments.get().delivery_state == DeliveryState.DELIVERED
    mug_line, sweater_line = order.lines.get(sku=MUG), order.lines.get(sku=SWEATER_M)
    mug_paid = mug_line.total + (0 if order.prices_include_tax else mug_line.tax_amount)
    manager = User.objects.create_superuser(MANAGER, STAFF_PASSWORD)
    device, _codes = give_staff_totp(user=manager)

    # The shopper asks: the mug back for a refund, the sweater for a size L.
    shopper = new_page(locale="de-DE", viewport=PHONE)
    sign_in_shopper(shopper, base)
    shopper.goto(f"{base}/store/account/orders/{order.number}/")
    shopper.get_by_role("link", name=de("Return or exchange")).click()
    mug = shopper.locator(f"fieldset[data-line='{mug_line.pk}']")
    mug.locator("select[name^=qty_]").select_option("1")
    mug.locator("select[name^=reason_]").select_option("changed_mind")
    sweater = shopper.locator(f"fieldset[data-line='{sweater_line.pk}']")
    sweater.locator("select[name^=qty_]").select_option("1")
    sweater.locator("select[name^=reason_]").select_option("too_small")
    large = sweater_line.variant.product.variants.get(sku=SWEATER_L)
    sweater.locator("select[name^=exchange_]").select_option(str(large.pk))
    shopper.get_by_label(de("Original payment method")).check()
    no_wider_than_the_screen(shopper)
    shopper.get_by_role("button", name=de("Send return request")).click()
    ret = ReturnRequest.objects.get(order=order)
    expect(shopper).to_have_url(f"{base}/store/account/returns/{ret.number}/")
    expect(shopper.locator("[data-return-status]")).to_have_text(de("Requested", "return status"))

    # The manager approves it in the returns queue, then marks both items received, resellable.
    desk = new_page(viewport=DESK)
    sign_in_manager(desk, base, device)
    desk.get_by_role("link", name=ret.number).click()
    desk.get_by_role("button", name="Approve").click()
    expect(desk.get_by_text(re.compile(rf"Return {ret.number} was approved"))).to_be_visible()
    for line in ret.lines.all():
        desk.locator(f"#return-items tr.line-{line.pk} select[name^=condition_]").select_option("resellable")
    desk.get_by_role("button", name="Mark received").click()
    expect(desk.get_by_text(re.compile(rf"Return {ret.number} was received; a refund of"))).to_be_visible()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RECEIVED  # the exchange is still to ship
    assert (ret.refund_amount, ret.exchange_difference) == (mug_paid, 0)

    # The worker sends the refund through the gateway.
    run_worker()
    refund = order.transactions.get(kind=TransactionKind.REFUND)
    assert (refund.status, refund.amount) == (TransactionStatus.SUCCESS, mug_paid)
    order.refresh_from_db()
    assert order.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert order.position.balance_due == 0 and order.position.credit_due == 0

    # The manager ships the replacement from the order's page.
    desk.get_by_role("link", name="Ship items").click()
    desk.get_by_label("Carrier").fill("DHL")
    desk.get_by_role("button", name="Ship items").click()
    expect(desk.get_by_text(re.compile("shipped|Shipped")).first).to_be_visible()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.EXCHANGED
    replacement = order.lines.get(sku=SWEATER_L)
    assert replacement.fulfilled_quantity == 1

    # The shopper's return page: exchanged, the mug's price refunded to the card.
    shopper.reload()
    expect(shopper.locator("[data-return-status]")).to_have_text(de("Exchanged", "return status"))
    expect(shopper.locator("[data-money=refund]")).to_have_text(euros(mug_paid))
    with translation.override("de"):
        large_in_german = large.name  # "L / Marineblau": the catalog in the reader's language
    expect(shopper.locator("[data-return-items]")).to_contain_text(large_in_german)
    no_wider_than_the_screen(shopper)
    if shots := os.environ.get("SCREENSHOTS_DIR"):  # docs/pages/ is made this way
        Path(shots).mkdir(parents=True, exist_ok=True)
        shopper.screenshot(path=f"{shots}/return-de-390.png", full_page=True)
        desk.goto(f"{base}/admin/returns/returnrequest/{ret.pk}/change/")
        desk.screenshot(path=f"{shots}/return-desk-1280.png", full_page=True)
    shopper.goto(f"{base}/store/account/orders/{order.number}/")
    expect(shopper.locator("body")).to_contain_text(de("Partially refunded"))
    no_wider_than_the_screen(shopper)

    # Every step's email arrived in German.
    for kind, subject in [
        (MessageKind.RETURN_REQUESTED, "Order #%(number)s: return %(return)s requested"),
        (MessageKind.RETURN_APPROVED, "Order #%(number)s: return %(return)s approved"),
        (MessageKind.RETURN_RECEIVED, "Order #%(number)s: return %(return)s received"),
    ]:
        message = compose(Message.objects.get(kind=kind, recipient=SHOPPER))
        assert message.language == "de", kind
        assert message.subject == de(subject) % {"number": order.number, "return": ret.number}, message.subject
    refunded = compose(Message.objects.get(kind=MessageKind.REFUND_ISSUED, recipient=SHOPPER))
    assert refunded.language == "de" and euros(mug_paid) in refunded.body_text
