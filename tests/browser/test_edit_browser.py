"""The edit page in Chromium on a phone-sized screen (390 px): every kind of change staged in place with htmx
(no page load between them), the items table and the preview showing it, the focus kept and the result said
in the status region; then the same flow with JavaScript off, by plain form submits. Both confirm, and the
order-edited email names every change."""

import re

import pytest
from playwright.sync_api import expect

from demo.loader import DEMO_EMAIL, MERCHANT_ALERTS, load_catalog, load_demo_shopper
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import EventType, OrderTag
from orders.models import Order
from storefront.models import Variant
from tests.mail import sent_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def sign_in(page, base_url):
    page.goto(f"{base_url}/store/account/login/")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    code = sent_code(Message.objects.filter(recipient=DEMO_EMAIL, kind=MessageKind.SIGN_IN_CODE).latest("id"))
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/store/account/orders/")


@pytest.fixture
def editable(live_server):
    """The demo store; its paid, unshipped order of 2 tees (M / White) and a mug, placed minutes ago."""
    load_catalog()
    load_demo_shopper()
    order = Order.objects.get(email=DEMO_EMAIL, lines__sku="ORGANIC-COTTON-TEE-M-WHITE", lines__quantity=2)
    return order, order.lines.get(sku="ORGANIC-COTTON-TEE-M-WHITE"), order.lines.get(sku="CERAMIC-MUG-WHITE")


def open_edit_page(page, base_url, order):
    sign_in(page, base_url)
    page.get_by_role("link", name=f"Order #{order.number}").click()
    page.get_by_role("link", name="Edit order").click()
    expect(page.get_by_role("heading", name=f"Edit order #{order.number}")).to_be_visible()


EXPECTED_CHANGES = [
    "Organic cotton T-shirt: M / White → L / Black",
    "Organic cotton T-shirt – L / Black: quantity 2 → 3",
    "Removed Ceramic coffee mug – White",
    "Added 1 × Wool socks – M / Grey",
    "Deliver to: Sam Jansen, Damrak 1, 1016 GV Amsterdam, Netherlands",
]


def assert_staged(page, tee, mug, socks):
    """The items table and the preview show every staged change."""
    rows = page.locator("#edit-items tbody tr")
    expect(rows).to_have_count(3)
    tee_row, mug_row, socks_row = (
        page.locator(f"tr[data-row={key}]") for key in (f"line-{tee.pk}", f"line-{mug.pk}", f"new-{socks.pk}")
    )
    expect(tee_row).to_have_attribute("data-change", "swapped")
    expect(tee_row).to_contain_text("M / White → L / Black")
    expect(tee_row).to_contain_text("Quantity: 2 → 3")
    expect(page.locator(f"#qty-line-{tee.pk}")).to_have_value("3")
    expect(mug_row).to_have_attribute("data-change", "removed")
    expect(mug_row.locator("del").first).to_contain_text("Ceramic coffee mug")
    expect(mug_row).to_contain_text("Removed")
    expect(mug_row.get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
    expect(mug_row.get_by_role("button", name=re.compile("^(Remove|Update)"))).to_have_count(0)
    expect(socks_row).to_have_attribute("data-change", "added")
    expect(socks_row).to_contain_text("Wool socks")
    expect(socks_row).to_contain_text("New")
    expect(page.locator(f"#qty-new-{socks.pk}")).to_have_value("1")
    expect(socks_row.get_by_role("button", name=re.compile("^Remove"))).to_be_visible()
    expect(page.locator("[data-changes] li")).to_have_text(EXPECTED_CHANGES)
    expect(page.locator("[data-new-total]")).to_have_text(re.compile(r"€\d"))


def assert_confirmed(page, base_url, order, tee):
    page.get_by_role("button", name="Confirm changes").click()
    expect(page).to_have_url(f"{base_url}/store/account/orders/{order.number}/")
    expect(page.get_by_text("Your changes are confirmed")).to_be_visible()
    expect(page.get_by_text("You changed the order; new total")).to_be_visible()

    order.refresh_from_db()
    line = order.lines.get(pk=tee.pk)
    assert (line.sku, line.quantity) == ("ORGANIC-COTTON-TEE-L-BLACK", 3)
    assert sorted(order.lines.values_list("sku", flat=True)) == ["ORGANIC-COTTON-TEE-L-BLACK", "WOOL-SOCKS-M-GREY"]
    assert order.shipping_address["line1"] == "Damrak 1" and OrderTag.EDITED_BY_CUSTOMER in order.tags
    assert order.events.filter(type=EventType.EDITED, customer_visible=True).count() == 1
    email = compose(Message.objects.get(kind=MessageKind.ORDER_EDITED))
    assert email.recipient == DEMO_EMAIL
    for sentence in EXPECTED_CHANGES:
        assert f"- {sentence}\n" in email.body_text, (sentence, email.body_text)
        assert f"<li>{sentence}</li>" in email.body_html
    alert = compose(Message.objects.get(kind=MessageKind.MERCHANT_ORDER_EDITED))
    assert alert.recipient == MERCHANT_ALERTS and str(order.number) in alert.subject
    assert all(f"- {sentence}\n" in alert.body_text for sentence in EXPECTED_CHANGES)


def test_every_change_in_place_on_a_phone_then_confirm(live_server, new_page, editable):
    order, tee, mug = editable
    socks = Variant.objects.get(sku="WOOL-SOCKS-M-GREY")
    page = new_page(viewport=PHONE)
    open_edit_page(page, live_server.url, order)
    page.wait_for_load_state("load")  # htmx and static/js/edit-page.js run deferred
    page.evaluate("() => { window.__samePage = 'never reloaded' }")
    status = page.get_by_role("status")

    # A new size: picking it sends nothing (arrow keys on the picker never do); its button does.
    page.locator(f"#swap-line-{tee.pk}").select_option(label="L / Black")
    page.wait_for_timeout(300)
    expect(page.locator(f"tr[data-row=line-{tee.pk}]")).to_have_attribute("data-change", "unchanged")
    page.locator(f"#change-line-{tee.pk}").click()
    expect(page.locator(f"tr[data-row=line-{tee.pk}]")).to_have_attribute("data-change", "swapped")
    expect(status).to_contain_text("Size or colour changed. New total:")
    expect(page.locator(f"#change-line-{tee.pk}")).to_be_focused()  # the same button, in the new table

    # A new quantity, by Enter in the field; the focus stays in it.
    page.locator(f"#qty-line-{tee.pk}").fill("3")
    page.locator(f"#qty-line-{tee.pk}").press("Enter")
    expect(page.locator(f"tr[data-row=line-{tee.pk}]")).to_contain_text("Quantity: 2 → 3")
    expect(status).to_contain_text("Quantity updated.")
    expect(page.locator(f"#qty-line-{tee.pk}")).to_be_focused()

    # Remove the mug: its row is struck through and the focus moves to its Undo; Undo brings it back.
    page.locator(f"#remove-line-{mug.pk}").click()
    expect(page.locator(f"tr[data-row=line-{mug.pk}]")).to_have_attribute("data-change", "removed")
    expect(page.locator(f"#undo-line-{mug.pk}")).to_be_focused()
    expect(status).to_contain_text("Item removed.")
    page.keyboard.press("Enter")  # Undo, from the keyboard
    expect(page.locator(f"tr[data-row=line-{mug.pk}]")).to_have_attribute("data-change", "unchanged")
    expect(page.locator(f"#remove-line-{mug.pk}")).to_be_focused()
    expect(status).to_contain_text("Change undone.")
    page.locator(f"#remove-line-{mug.pk}").click()
    expect(page.locator(f"tr[data-row=line-{mug.pk}]")).to_have_attribute("data-change", "removed")

    # Add socks: the search and the addition both in place.
    page.get_by_label("Search the catalog").fill("wool socks")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(status).to_contain_text("items found.")
    page.locator(f"#add-{socks.pk}").click()
    expect(page.locator(f"tr[data-row=new-{socks.pk}]")).to_be_visible()
    expect(status).to_contain_text("Item added.")

    # A new address.
    page.get_by_label("Address", exact=True).fill("Damrak 1")
    page.get_by_role("button", name="Use this address").last.click()
    expect(status).to_contain_text("Delivery address changed.")

    assert_staged(page, tee, mug, socks)
    expect(status).to_have_text(re.compile(r"^Delivery address changed\. New total: €[\d.,]+\.\s*$"))
    assert page.evaluate("() => window.__samePage") == "never reloaded"  # every step was in place

    assert_confirmed(page, live_server.url, order, tee)


def test_every_change_with_javascript_off_then_confirm(live_server, new_page, editable):
    order, tee, mug = editable
    socks = Variant.objects.get(sku="WOOL-SOCKS-M-GREY")
    page = new_page(viewport=PHONE, java_script_enabled=False)
    open_edit_page(page, live_server.url, order)
    edit_url = f"{live_server.url}/store/account/orders/{order.number}/edit/"

    page.locator(f"#swap-line-{tee.pk}").select_option(label="L / Black")
    page.locator(f"#change-line-{tee.pk}").click()
    expect(page).to_have_url(edit_url)  # POST, then redirected back (POST/redirect/GET)
    expect(page.get_by_role("status")).to_contain_text("Size or colour changed.")
    page.locator(f"#qty-line-{tee.pk}").fill("3")
    page.locator(f"#update-line-{tee.pk}").click()
    expect(page.locator(f"tr[data-row=line-{tee.pk}]")).to_contain_text("Quantity: 2 → 3")
    page.locator(f"#remove-line-{mug.pk}").click()
    page.locator(f"#undo-line-{mug.pk}").click()
    expect(page.locator(f"tr[data-row=line-{mug.pk}]")).to_have_attribute("data-change", "unchanged")
    page.locator(f"#remove-line-{mug.pk}").click()
    page.get_by_label("Search the catalog").fill("wool socks")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?q=wool\+socks$"))
    page.locator(f"#add-{socks.pk}").click()
    page.get_by_label("Address", exact=True).fill("Damrak 1")
    page.get_by_role("button", name="Use this address").last.click()
    expect(page.get_by_role("status")).to_contain_text("Delivery address changed. New total:")

    assert_staged(page, tee, mug, socks)
    assert_confirmed(page, live_server.url, order, tee)
