"""A shopper who uses only the keyboard signs in, stages and confirms an edit, and pays. After each step the test
says where the focus must be, and every element the focus lands on shows it: its outline or box-shadow while
focused differs from an unfocused copy of it."""

import re

import pytest
from playwright.sync_api import expect

from demo.loader import DEMO_EMAIL, load_catalog, load_demo_shopper
from notifications.constants import MessageKind
from notifications.models import Message
from orders.models import Order
from tests.mail import sent_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How each control looks unfocused, noted before the focus moves (blurring, or copying, a focused date field would
# move its focus), then the focused one's look against its note.
LOOK = "node => { const s = getComputedStyle(node); return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' | '); }"
NOTE_UNFOCUSED = f"""() => {{
    const look = {LOOK};
    window.__unfocused = window.__unfocused || new WeakMap();
    for (const el of document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')) {{
        if (el !== document.activeElement) window.__unfocused.set(el, look(el));
    }}
}}"""
RING = f"""() => {{
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const look = {LOOK};
    return {{focused: look(el), unfocused: (window.__unfocused || new WeakMap()).get(el),
             inside: !el.matches(':focus'), tag: el.tagName, text: (el.innerText || el.value || el.name || '').trim().slice(0, 40)}};
}}"""


class Keyboard:
    def __init__(self, page):
        self.page = page
        self.seen = 0

    def assert_visible_focus(self):
        ring = self.page.evaluate(RING)
        assert ring is not None, "nothing has the focus"
        if ring["inside"]:
            return  # on a part of a browser control (a date field's calendar button), which draws its own ring
        assert ring["unfocused"] is not None, f"{ring['tag']} {ring['text']!r} was not seen unfocused"
        assert ring["focused"] != ring["unfocused"], f"no visible focus on {ring['tag']} {ring['text']!r}: {ring}"
        self.seen += 1

    def tab_to(self, selector, limit=80):
        """Tab forward until ``selector`` has the focus, checking the focus is visible at every stop."""
        target = self.page.locator(selector)
        self.page.evaluate(NOTE_UNFOCUSED)
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            self.assert_visible_focus()
            if target.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{selector} not reached in {limit} tabs")

    def follow(self):
        """Enter on a link or a submit button that loads a new page; back once it has loaded."""
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def focused(self, selector):
        """``selector`` has the focus (a page put it there) and shows it."""
        expect(self.page.locator(selector)).to_be_focused()
        self.page.evaluate("() => document.activeElement.blur()")
        self.page.evaluate(NOTE_UNFOCUSED)
        self.page.locator(selector).focus()
        self.assert_visible_focus()


def test_sign_in_edit_and_pay_with_the_keyboard_alone(live_server, new_page):
    load_catalog()
    load_demo_shopper()
    order = Order.objects.get(email=DEMO_EMAIL, lines__sku="ORGANIC-COTTON-TEE-M-WHITE", lines__quantity=2)
    tee = order.lines.get(sku="ORGANIC-COTTON-TEE-M-WHITE")
    page = new_page(viewport={"width": 390, "height": 844})
    keys = Keyboard(page)

    # Sign in: the email field has the focus; Enter submits; the code page puts the focus in the code field.
    page.goto(f"{live_server.url}/store/account/login/")
    keys.focused("input[name=email]")
    page.keyboard.type(DEMO_EMAIL)
    keys.follow()
    keys.focused("input[name=code]")
    page.keyboard.type("000000")
    keys.follow()
    keys.focused("#error-summary")  # a wrong code: the summary says so first, then the field
    keys.tab_to("#error-summary a")
    page.keyboard.press("Enter")
    keys.focused("input[name=code]")
    page.keyboard.press("Control+a")
    page.keyboard.type(sent_code(Message.objects.filter(kind=MessageKind.SIGN_IN_CODE).latest("id")))
    keys.follow()
    expect(page).to_have_url(f"{live_server.url}/store/account/orders/")

    # To the order and its edit page; on a page without a field to start in, the skip link comes first.
    page.keyboard.press("Tab")
    keys.focused("a.skip")
    keys.tab_to(f"a[href='/store/account/orders/{order.number}/']")
    keys.follow()
    keys.tab_to('a[href$="/edit/"]')
    keys.follow()
    expect(page).to_have_url(re.compile(r"/edit/$"))
    page.wait_for_load_state("load")

    # Stage a quantity: type it and press Enter; the page updates in place and the focus stays in the field.
    keys.tab_to(f"#qty-line-{tee.pk}")
    page.keyboard.press("Control+a")
    page.keyboard.type("3")
    page.keyboard.press("ArrowUp")  # arrow keys change the number and submit nothing
    page.wait_for_timeout(300)
    expect(page.locator(f"tr[data-row=line-{tee.pk}]")).to_have_attribute("data-change", "unchanged")
    page.keyboard.press("Enter")
    expect(page.locator(f"tr[data-row=line-{tee.pk}]")).to_contain_text("Quantity: 2 → 4")
    expect(page.locator("#edit-status")).to_contain_text("Quantity updated.")
    keys.focused(f"#qty-line-{tee.pk}")

    # Confirm: the order page says what happened.
    keys.tab_to("form:has(input[name=action][value=confirm]) button[type=submit]")
    keys.follow()
    expect(page).to_have_url(f"{live_server.url}/store/account/orders/{order.number}/")
    expect(page.get_by_role("status")).to_contain_text("Your changes are confirmed.")

    # Pay the difference: a missing card first (the summary takes the focus), then the test card.
    keys.tab_to("main a[data-pay-now]")
    keys.follow()
    keys.tab_to("input[name=card_number]")
    keys.follow()
    keys.focused("#error-summary")
    keys.tab_to("input[name=card_number]")
    page.keyboard.type("4242 4242 4242 4242")
    keys.follow()
    expect(page.get_by_role("status")).to_contain_text("Thank you! Your payment was received.")
    assert keys.seen > 10
