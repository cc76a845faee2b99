"""Issue 18: every link the project emails or shows whole starts with SITE_URL, whatever Host header the
request that caused it came with (core.links). Each request here comes to another allowed host."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from integrations.constants import Scope
from integrations.services import create_api_key
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.models import Order
from tests.editing.conftest import place
from tests.editing.test_balances import partly_paid
from tests.editing.test_services import MUG, SOCKS, SWEATER_M
from tests.mail import sent_link
from tests.orders.test_checkout import fill_cart, form

pytestmark = pytest.mark.usefixtures("catalog")

SITE_URL = "https://shop.example"
OTHER_HOST = "other-name.example"


@pytest.fixture(autouse=True)
def another_allowed_host(settings):
    settings.SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, OTHER_HOST]


def links(message: Message) -> list[str]:
    """Every link of a message as it will be sent: the HTML's hrefs and the text's URLs."""
    message = compose(message)
    hrefs = re.findall(r'href="([^"]+)"', message.body_html)
    urls = re.findall(r"https?://\S+", message.body_text)
    assert OTHER_HOST not in message.body_html + message.body_text
    return [link for link in hrefs + urls if not link.startswith("mailto:")]


def assert_on_site(message: Message, *, at_least: int = 1) -> None:
    found = [link for link in links(message) if link.startswith(("http://", "https://", "//", "/"))]
    ours = [link for link in found if not link.startswith("https://postnl.example")]
    assert len(ours) >= at_least, found
    assert all(link.startswith(SITE_URL + "/") for link in ours), ours


def test_checkout_from_another_host_emails_links_to_site_url(client):
    fill_cart(client, (MUG, 1))
    response = client.post("/store/checkout/", form(), HTTP_HOST=OTHER_HOST)
    assert response.status_code == 302
    assert_on_site(Message.objects.get(kind=MessageKind.ORDER_CONFIRMATION), at_least=2)


def test_a_shopper_cancelling_from_another_host_alerts_staff_with_a_site_url_link():
    order = place([(SWEATER_M, 1)], paid=True)
    client = Client()
    client.force_login(order.customer)
    response = client.post(f"/store/account/orders/{order.number}/cancel/", {"reason": ""}, HTTP_HOST=OTHER_HOST)
    assert response.status_code == 302 and Order.objects.get(pk=order.pk).status == "cancelled"
    assert_on_site(Message.objects.get(kind=MessageKind.MERCHANT_ORDER_CANCELLED))


def test_staff_sending_a_payment_link_from_another_host_emails_site_url_links(staff_client):
    order = partly_paid()
    response = staff_client.post(
        f"/admin/orders/order/{order.pk}/payment-link/", {"amount": "", "note": ""}, HTTP_HOST=OTHER_HOST
    )
    assert response.status_code == 302
    message = Message.objects.get(kind=MessageKind.PAYMENT_NEEDED)
    assert message.context["pay_url"].startswith(SITE_URL + "/store/pay/")
    assert_on_site(message, at_least=2)


def test_the_shopper_api_pages_link_to_site_url():
    order = place([(MUG, 1)], paid=True)
    for _ in range(20):
        place([(SOCKS, 1)], email=order.email, paid=True)
    client = APIClient()
    client.force_login(order.customer)
    first = client.get("/api/v1/me/orders/", HTTP_HOST=OTHER_HOST).json()
    assert first["next"] == f"{SITE_URL}/api/v1/me/orders/?page=2"
    second = client.get("/api/v1/me/orders/?page=2", HTTP_HOST=OTHER_HOST).json()
    assert second["previous"] == f"{SITE_URL}/api/v1/me/orders/"


def test_the_integration_api_sync_pages_link_to_site_url():
    for _ in range(3):
        place([(MUG, 1)], paid=True)
    _key, raw = create_api_key(name="Warehouse", scopes=[Scope.ORDERS_READ])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    first = client.get("/api/v1/orders/?page_size=2", HTTP_HOST=OTHER_HOST).json()
    assert first["next"].startswith(f"{SITE_URL}/api/v1/orders/?") and "cursor=" in first["next"]
    second = client.get(first["next"], HTTP_HOST=OTHER_HOST).json()
    assert len(second["results"]) == 1 and second["next"] is None  # sync reads forward: no previous link


def test_the_sign_in_email_from_another_host_links_to_site_url(client):
    order = place([(MUG, 1)], paid=True)
    response = client.post("/store/account/login/", {"email": order.email}, HTTP_HOST=OTHER_HOST)
    assert response.status_code == 302
    message = Message.objects.filter(kind=MessageKind.SIGN_IN_CODE, recipient=order.email).latest("id")
    assert sent_link(message).startswith(SITE_URL + "/store/account/login/link/")
    assert_on_site(message)
