"""The project as a whole: migrations, deploy checks, health, the DEBUG mailbox, admin pages."""

import os
import secrets
import subprocess
import sys
from io import StringIO

import django_rq
import pytest
from django.core.management import call_command
from django.urls import reverse

from core.worker import Worker as HeartbeatingWorker
from notifications.constants import MessageKind
from notifications.services import notify
from tests.conftest import ROOT


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def deploy_check(fail_level: str, **overrides: str | None) -> subprocess.CompletedProcess:
    """``manage.py check --deploy`` as production runs it; an override of None unsets the variable."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "shop.example.com",
        "SITE_URL": "https://shop.example.com",
        "SECURE_SSL_REDIRECT": "",
        **overrides,
    }
    env = {name: value for name, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", fail_level],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_are_clean_with_debug_off():
    result = deploy_check("WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_start_fails_without_a_site_url():
    """README: production runs `check --deploy --fail-level ERROR` before gunicorn; SITE_URL left at its
    DEBUG default (plain http on this machine) fails it."""
    result = deploy_check("ERROR", SITE_URL=None)
    assert result.returncode != 0 and "core.E001" in result.stderr, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "SECRET_KEY": ""}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_healthz_checks_database_redis_and_a_worker_heartbeat(client):
    queue = django_rq.get_queue("default")
    worker = HeartbeatingWorker([queue], connection=django_rq.get_connection("default"))
    worker.register_birth()  # RQ's registration alone is not a live worker: a Redis flush loses it for good
    try:
        response = client.get(reverse("healthz"), HTTP_ACCEPT="application/json")
        assert response.status_code == 500
        assert "no RQ worker on 'default' sent a heartbeat" in response.content.decode()

        worker.heartbeat()
        response = client.get(reverse("healthz"), HTTP_ACCEPT="application/json")
    finally:
        worker.register_death()
    assert response.status_code == 200, response.content
    assert set(response.json().values()) == {"OK"} and len(response.json()) == 3


def test_probes_reach_the_health_endpoints_over_plain_http_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/livez").status_code == 200
    assert client.get("/store/products/").status_code == 301  # everything else goes to HTTPS


@pytest.mark.django_db
def test_mailbox_lists_messages_only_in_debug(client, settings):
    message = notify(
        kind=MessageKind.ORDER_CONFIRMATION,
        recipient="sam@example.com",
        language="en",
        context={"order_number": 7, "currency": "EUR", "total": "1.00", "lines": []},
    )
    settings.DEBUG = False
    assert client.get(reverse("notifications:mailbox")).status_code == 404
    assert client.get(reverse("notifications:mailbox-message", args=[message.pk])).status_code == 404
    settings.DEBUG = True
    page = client.get(reverse("notifications:mailbox"))
    assert page.status_code == 200 and message.subject in page.content.decode()
    detail = client.get(reverse("notifications:mailbox-message", args=[message.pk]))
    assert "sam@example.com" in detail.content.decode()


ADMIN_MODELS = [
    "accounts/user",
    "accounts/customerprofile",
    "accounts/customergroup",
    "accounts/address",
    "accounts/staffsigninattempt",
    "storefront/product",
    "storefront/variant",
    "storefront/shippingmethod",
    "storefront/pickuplocation",
    "storefront/taxrate",
    "storefront/discountcode",
    "storefront/storesettings",
    "orders/order",
    "orders/fulfillment",
    "orders/transaction",
    "orders/orderevent",
    "orders/fulfillmentline",
    "notifications/message",
    "orders/creditmemo",
    "orders/paymentrequest",
    "editing/editpolicy",
    "editing/editsession",
]


@pytest.mark.django_db
def test_every_model_has_a_working_admin_list_and_the_order_page_shows_its_parts(staff_client):
    from demo.loader import load_catalog, load_demo_shopper
    from orders.models import Order

    load_catalog()
    load_demo_shopper()
    for model in ADMIN_MODELS:
        response = staff_client.get(f"/admin/{model}/")
        assert response.status_code == 200, model
    filtered = staff_client.get("/admin/orders/order/", {"financial_status__exact": "voided"})
    assert filtered.context["cl"].result_count == 1
    order = Order.objects.filter(fulfillments__isnull=False, transactions__isnull=False).first()
    page = staff_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    for part in ("PostNL", order.lines.first().product_name, "Order placed", str(order.captured_total)):
        assert part in page


@pytest.mark.django_db
def test_staff_find_orders_by_number_email_and_tag(staff_client):
    from demo.loader import DEMO_EMAIL, load_catalog, load_demo_shopper
    from orders.models import Order

    load_catalog()
    load_demo_shopper()
    order = Order.objects.order_by("number").first()
    from accounts.models import User
    from orders.services import review_order

    staff = User.objects.get(email="staff-test@example.com")
    review_order(order=order, tags=["Edited by Customer"], risk_level=order.risk_level, actor=staff)

    by_number = staff_client.get("/admin/orders/order/", {"q": str(order.number)})
    assert list(by_number.context["cl"].result_list) == [order]
    by_email = staff_client.get("/admin/orders/order/", {"q": DEMO_EMAIL})
    assert by_email.status_code == 200 and by_email.context["cl"].result_count == 13
    by_tag = staff_client.get("/admin/orders/order/", {"tag": "Edited by Customer"})
    assert list(by_tag.context["cl"].result_list) == [order]
    assert "Edited by Customer" in staff_client.get("/admin/orders/order/").content.decode()
