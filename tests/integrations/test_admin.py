"""Integrations in admin: a new API key is shown once and works; a delivery can be re-sent."""

import re

import pytest
from rest_framework.test import APIClient

from integrations.constants import DeliveryStatus, Scope
from integrations.models import ApiKey, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_a_key_created_in_admin_is_shown_once_stored_hashed_and_works(staff_client, catalog):
    response = staff_client.post(
        "/admin/integrations/apikey/add/",
        {"name": "3PL", "scopes": [Scope.ORDERS_READ], "requests_per_minute": "60", "is_active": "on"},
        follow=True,
    )
    raw = re.search(r"(ak_[0-9a-f]{8}_[\w-]+)", response.content.decode()).group(1)
    key = ApiKey.objects.get(name="3PL")
    assert raw.split("_")[1] == key.prefix and raw not in key.key_hash and len(key.key_hash) == 64
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/orders/").status_code == 200
    assert raw not in staff_client.get(f"/admin/integrations/apikey/{key.pk}/change/").content.decode()


def test_the_resend_action_queues_a_failed_delivery_again(staff_client):
    endpoint = WebhookEndpoint.objects.create(url="https://erp.example/hooks", secret="s", is_active=False)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="order.created", payload={}, status=DeliveryStatus.FAILED, attempts=[{"status": 500}]
    )
    staff_client.post("/admin/integrations/webhookdelivery/", {"action": "resend", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts[-1] == {
        **delivery.attempts[-1],
        "resent": True,
    }
    assert endpoint.is_active


def test_the_resend_action_leaves_a_delivered_one_alone_and_says_so(staff_client):
    endpoint = WebhookEndpoint.objects.create(url="https://erp.example/hooks", secret="s")
    delivered, failed = (
        WebhookDelivery.objects.create(endpoint=endpoint, event="order.created", payload={}, status=status)
        for status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)
    )
    page = staff_client.post(
        "/admin/integrations/webhookdelivery/",
        {"action": "resend", "_selected_action": [delivered.pk, failed.pk]},
        follow=True,
    ).content.decode()
    assert "1 delivery queued again." in page
    assert "1 delivery was already delivered and is not sent again." in page
    delivered.refresh_from_db()
    failed.refresh_from_db()
    assert (delivered.status, failed.status) == (DeliveryStatus.SUCCEEDED, DeliveryStatus.PENDING)
    assert delivered.attempts == []
