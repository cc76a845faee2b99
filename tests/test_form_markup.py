"""Issue 24's markup, page by page: address fields say what they are for, repeated controls name their item, and
a failed submit gets a summary linked to its fields, errors linked to what they are about and an "Error:" title."""

import re

import pytest

from accounts.models import User
from storefront.models import Variant
from tests.editing.conftest import place
from tests.editing.test_pages import MUG, SOCKS, edit_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog")]

ADDRESS_AUTOFILL = {
    "line1": "address-line1",
    "line2": "address-line2",
    "city": "address-level2",
    "region": "address-level1",
    "postal_code": "postal-code",
    "country": "country",
    "phone": "tel",
}


def autocomplete_of(html: str, name: str) -> str:
    field = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'autocomplete="([^"]*)"', field).group(1)


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def put_in_cart(client, *variants):
    session = client.session
    session["cart"] = [{"variant_id": v.pk, "quantity": 1, "customization": ""} for v in variants]
    session.save()


def test_every_address_form_tells_the_browser_what_each_field_is(client):
    order = place([(SOCKS, 1)])
    client.force_login(order.customer)
    book = client.get("/store/account/addresses/new/").content.decode()
    edit = client.get(edit_url(order)).content.decode()
    put_in_cart(client, Variant.objects.get(sku=MUG))
    checkout = client.get("/store/checkout/").content.decode()
    for name, token in ADDRESS_AUTOFILL.items():
        assert autocomplete_of(book, name) == token  # a book entry ships and bills alike
        assert autocomplete_of(edit, name) == f"shipping {token}"
        assert autocomplete_of(checkout, name) == f"shipping {token}"
    assert autocomplete_of(book, "name") == "name" and autocomplete_of(book, "company") == "organization"


def test_the_carts_repeated_controls_name_their_item(client):
    put_in_cart(client, Variant.objects.get(sku=MUG), Variant.objects.get(sku=SOCKS))
    page = client.get("/store/cart/").content.decode()
    for item in ("Ceramic coffee mug – White", "Wool socks – M / Grey"):
        assert f"Quantity of {item}</label>" in page
        assert f'Update<span class="visually-hidden"> {item}</span>' in page
        assert f'Remove<span class="visually-hidden"> {item}</span>' in page


def test_a_failed_checkout_has_a_summary_linked_to_its_fields_and_an_error_title(client):
    put_in_cart(client, Variant.objects.get(sku=MUG))
    ok = client.get("/store/checkout/").content.decode()
    assert not title_of(ok).startswith("Error:") and "error-summary" not in ok

    page = client.post("/store/checkout/", {"action": "place"}).content.decode()
    assert title_of(page).startswith("Error: Checkout")
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    assert 'role="alert"' in summary and "autofocus" in summary and 'tabindex="-1"' in summary
    assert '<a href="#id_email">Email: This field is required.</a>' in summary
    assert '<a href="#id_delivery_0">Delivery: This field is required.</a>' in summary  # a radio group: its first
    # The delivery choices' error is linked to the group, and the email's to its field.
    assert re.search(r'<fieldset class="bare" aria-describedby="id_delivery_error">', page)
    assert 'id="id_delivery_error"' in page
    email = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in email and 'aria-describedby="id_email_error"' in email
    assert 'id="id_vat_id_helptext"' in page  # what aria-describedby on the VAT ID field points to


def test_a_failed_address_in_japanese_says_error_in_japanese(client):
    client.force_login(User.objects.create_user("ja@example.com"))
    client.post("/store/account/language/", {"language": "ja", "next": "/"})
    page = client.post("/store/account/addresses/new/", {"name": "Aiko"}).content.decode()
    assert title_of(page).startswith("エラー：住所を追加")
    assert "error-summary" in page and 'href="#id_line1"' in page
