"""Every shopper page and state passes axe-core's WCAG 2.0–2.2 A and AA rules, at 390 and 1280 px, in English
and Japanese: a shopper's tour from signing in to paying, each state audited at both widths.

The tour drives the pages by their fields and ids, not their words, so it reads the same in both languages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from accounts.models import Address, User
from demo.loader import DEMO_EMAIL, load_catalog, load_demo_shopper
from notifications.constants import MessageKind
from notifications.models import Message
from orders.models import Order
from orders.status_links import status_path
from returns.models import ReturnRequest
from returns.services import approve_return
from storefront.models import ShippingMethod, Variant
from tests.mail import sent_code
from tests.returns.helpers import MUG, SWEATER_M, delivered, ensure_reasons

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
WIDTHS = (390, 1280)
AXE = Axe()
ERROR_PREFIX = {"en": "Error: ", "ja": "エラー："}


class Tour:
    """A page and the violations found so far, by state and width."""

    def __init__(self, page, base_url, language):
        self.page, self.base_url, self.language, self.found = page, base_url, language, []

    def go(self, path):
        self.page.goto(f"{self.base_url}{path}")

    def submit(self, form="main form"):
        self.page.locator(f"{form} button[type=submit]").first.click()
        self.page.wait_for_load_state("load")

    def failed(self, state):
        """After a failed submit: the error summary has the focus and the title starts with "Error:"."""
        expect(self.page.locator("#error-summary")).to_be_focused()
        assert self.page.title().startswith(ERROR_PREFIX[self.language]), (state, self.page.title())
        self.audit(state)

    def audit(self, state):
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            response = AXE.run(
                self.page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
            ).response
            for violation in response["violations"]:
                targets = [node["target"] for node in violation["nodes"]][:4]
                self.found.append(f"{state} @{width}px: {violation['id']} ({violation['impact']}) {targets}")
        self.page.set_viewport_size({"width": WIDTHS[0], "height": 900})


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_shopper_page_passes_axe_at_both_widths(live_server, new_page, language):
    load_catalog()
    load_demo_shopper()
    shopper = User.objects.get(email=DEMO_EMAIL)
    Address.objects.get_or_create(
        user=shopper,
        line1="Damrak 1",
        defaults={"name": "Sam Jansen", "city": "Amsterdam", "postal_code": "1012 LG", "country": "NL"},
    )
    order = Order.objects.get(email=DEMO_EMAIL, lines__sku="ORGANIC-COTTON-TEE-M-WHITE", lines__quantity=2)
    tee = order.lines.get(sku="ORGANIC-COTTON-TEE-M-WHITE")
    tour = Tour(
        new_page(locale="ja-JP" if language == "ja" else "en-GB", viewport={"width": 390, "height": 900}),
        live_server.url,
        language,
    )
    page = tour.page

    # Signed out: the shop, the cart and checkout, the sign-in pages.
    tour.go("/store/account/login/")
    page.locator(".lang-switch select").select_option(language)
    tour.submit(".lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", language)
    tour.audit("sign-in")
    tour.go("/store/products/")
    tour.audit("products")
    tour.go("/store/products/ceramic-mug/")
    tour.audit("product")
    tour.submit()
    tour.audit("cart")
    tour.go("/store/checkout/")
    tour.audit("checkout")
    page.locator("main form button[type=submit][value=place]").click()
    page.wait_for_load_state("load")
    tour.failed("checkout with errors")
    tour.go(status_path(order.number))
    tour.audit("status link")

    tour.go("/store/account/login/")
    page.locator("input[name=email]").fill(DEMO_EMAIL)
    tour.submit()
    tour.audit("code")
    page.locator("input[name=code]").fill("000000")
    tour.submit()
    tour.failed("code with an error")
    code = sent_code(Message.objects.filter(recipient=DEMO_EMAIL, kind=MessageKind.SIGN_IN_CODE).latest("id"))
    page.locator("input[name=code]").fill(code)
    tour.submit()
    expect(page).to_have_url(f"{live_server.url}/store/account/orders/")

    # Signed in: the account pages.
    tour.audit("orders")
    tour.go(f"/store/account/orders/{order.number}/")
    tour.audit("order")
    tour.go("/store/account/profile/")
    tour.audit("profile")
    tour.go("/store/account/addresses/")
    tour.audit("addresses")
    tour.go("/store/account/addresses/new/")
    tour.submit()
    tour.failed("new address with errors")
    tour.go(f"/store/account/orders/{order.number}/cancel/")
    tour.audit("cancel")

    # Returns: the request form, with errors, then the return asked for, approved (the slip, "I've sent it"), listed.
    ensure_reasons()
    returnable = delivered([(SWEATER_M, 1), (MUG, 1)], paid="card", email=DEMO_EMAIL)
    mug = returnable.lines.get(sku=MUG)
    tour.go(f"/store/account/orders/{returnable.number}/")
    tour.audit("delivered order (return actions)")
    tour.go(f"/store/account/orders/{returnable.number}/return/")
    tour.audit("return request")
    tour.submit()
    tour.failed("return request with errors")
    page.locator(f"#id_qty_{mug.pk}").select_option("1")
    page.locator(f"#id_reason_{mug.pk}").select_option("changed_mind")
    tour.submit()
    asked = ReturnRequest.objects.get(order=returnable)
    expect(page).to_have_url(f"{live_server.url}/store/account/returns/{asked.number}/")
    tour.audit("return")
    approve_return(request=asked, actor=None)
    tour.go(f"/store/account/returns/{asked.number}/")
    tour.audit("return approved")
    tour.go("/store/account/returns/")
    tour.audit("returns")
    tour.go("/store/checkout/")
    tour.audit("checkout, signed in (address book, VAT ID)")
    page.locator("main form button[type=submit][value=place]").click()
    page.wait_for_load_state("load")
    tour.failed("checkout, signed in, with errors")

    # The edit page: fresh, searching, with a change staged, then confirmed (a payment is asked for).
    tour.go(f"/store/account/orders/{order.number}/edit/")
    tour.audit("edit")
    page.locator("#q").fill("ウール" if language == "ja" else "wool")
    page.locator("#search-button").click()
    expect(page.locator(f"#add-{Variant.objects.get(sku='WOOL-SOCKS-M-GREY').pk}")).to_be_visible()
    tour.audit("edit, search results")
    page.locator(f"#qty-line-{tee.pk}").fill("3")
    page.locator(f"#update-line-{tee.pk}").click()
    expect(page.locator(f"tr[data-row=line-{tee.pk}] [data-quantity-change]")).to_be_visible()
    page.locator(f"#m{ShippingMethod.objects.get(code='express').pk}").check()
    page.locator("#delivery-button").click()
    expect(page.locator("[data-changes] li")).to_have_count(2)
    tour.audit("edit, staged")
    page.locator("form:has(input[name=action][value=confirm]) button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/store/account/orders/{order.number}/")
    tour.audit("order after an edit")

    tour.go(f"/store/account/orders/{order.number}/pay/")
    tour.audit("pay now")
    tour.submit("form:has(input[name=card_number])")
    tour.failed("pay now with an error")

    assert not tour.found, "\n".join(tour.found)
