"""Cancel the unshipped rest from the order page in admin (desk.money_views.cancel_rest): the button shows only
where it applies, each staff group may use it within its refund limit, bad input is a field error that changes
nothing, and two staff submitting at once cancel and refund once."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from accounts.models import User
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import EventType, FulfillmentStatus, TransactionKind
from orders.models import Order, OrderEvent, Transaction
from storefront.models import StoreSettings
from tests.conftest import STAFF_PASSWORD
from tests.editing.conftest import place
from tests.editing.test_cancel_rest import partly_shipped
from tests.editing.test_services import SOCKS
from tests.orders.conftest import change_url, ensure_staff_groups, flashed, sign_in, url

pytestmark = pytest.mark.usefixtures("catalog")
FORM = {"reason": "out_of_stock", "note": "", "refund": "full"}


def staff(email: str, group: str | None) -> User:
    user = User.objects.create_user(email, STAFF_PASSWORD, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def manager_client(db) -> Client:
    return sign_in(Client(), staff("manager@example.com", "Managers"))


def refunds(order: Order):
    return Transaction.objects.filter(order=order, kind=TransactionKind.REFUND)


def test_the_button_shows_only_on_a_partly_shipped_open_order(manager_client):
    order = partly_shipped()
    html = manager_client.get(change_url(order)).content.decode()
    assert f'href="{url(order, "cancel-rest")}"' in html and f'href="{url(order, "cancel")}"' not in html
    fresh = place([(SOCKS, 1)], email="fresh@example.com")
    html = manager_client.get(change_url(fresh)).content.decode()
    assert f'href="{url(fresh, "cancel-rest")}"' not in html and f'href="{url(fresh, "cancel")}"' in html


def test_the_page_shows_what_is_cancelled_and_what_it_costs(manager_client):
    order = partly_shipped()
    page = manager_client.get(url(order, "cancel-rest"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "2 × Wool socks" in html and "€30.00" in html and f"€{order.total - 30}" in html
    assert 'name="refund" value="amount"' in html and 'name="amount"' in html


@pytest.mark.parametrize("group", ["Managers", "Support agents"])
def test_each_staff_group_cancels_the_rest(db, group):
    StoreSettings.objects.update(agent_refund_limit=D("50.00"))
    client = sign_in(Client(), staff(f"{group[:3].lower()}@example.com", group))
    order = partly_shipped()
    response = client.post(url(order, "cancel-rest"), FORM, follow=True)
    assert response.redirect_chain == [(change_url(order), 302)]
    assert any("2 items not yet shipped were canceled" in m and "€30.00 is refunded" in m for m in flashed(response))
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED
    assert [refund.amount for refund in refunds(order)] == [D("30.00")]


def test_an_agent_above_their_limit_is_refused_and_nothing_changes(db):
    StoreSettings.objects.update(agent_refund_limit=D("10.00"))
    client = sign_in(Client(), staff("agent@example.com", "Support agents"))
    order = partly_shipped()
    response = client.post(url(order, "cancel-rest"), FORM)
    assert response.status_code == 400
    assert "Above your refund limit." in response.context["form"].errors["amount"]
    assert Order.objects.get(pk=order.pk).version == order.version and not refunds(order).exists()
    response = client.post(url(order, "cancel-rest"), {**FORM, "refund": "amount", "amount": "10.00"})
    assert response.status_code == 302 and [r.amount for r in refunds(order)] == [D("10.00")]


def test_staff_without_a_group_may_not(db):
    client = sign_in(Client(), staff("nobody@example.com", None))
    order = partly_shipped()
    assert client.get(url(order, "cancel-rest")).status_code == 403
    assert client.post(url(order, "cancel-rest"), FORM).status_code == 403
    assert Order.objects.get(pk=order.pk).version == order.version


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({**FORM, "refund": "amount", "amount": ""}, "amount", "Enter the amount to refund."),
        ({**FORM, "refund": "amount", "amount": "30.01"}, "amount", "More than these items freed."),
        ({**FORM, "refund": "amount", "amount": "-1"}, "amount", None),
        ({**FORM, "reason": "other"}, "note", "Say why in a note."),
        ({**FORM, "refund": "most"}, "refund", None),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(manager_client, data, field, error):
    order = partly_shipped()
    response = manager_client.post(url(order, "cancel-rest"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and (error is None or error in errors[field])
    assert Order.objects.get(pk=order.pk).version == order.version and order.lines.count() == 2
    assert not Message.objects.filter(kind=MessageKind.ORDER_REST_CANCELLED).exists()


def test_a_refused_order_says_why_on_the_page(manager_client):
    order = place([(SOCKS, 1)], email="fresh@example.com", paid="card")
    page = manager_client.get(url(order, "cancel-rest")).content.decode()
    assert "Nothing has shipped yet: cancel the whole order instead." in page
    response = manager_client.post(url(order, "cancel-rest"), FORM)
    assert response.status_code == 400 and order.lines.get().quantity == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_submitting_at_once_cancel_and_refund_once(catalog):
    """Two signed-in staff post the page at the same moment, each request on its own database connection:
    the order's row lock lets one cancel and refund; the other finds nothing left and is refused."""
    ensure_staff_groups()
    order = partly_shipped()
    clients = [sign_in(Client(), staff(f"rush{i}@example.com", "Managers")) for i in range(2)]
    barrier, statuses = threading.Barrier(2), []

    def submit(client):
        try:
            barrier.wait()
            statuses.append(client.post(url(order, "cancel-rest"), FORM).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 400]
    assert [refund.amount for refund in refunds(order)] == [D("30.00")]
    assert OrderEvent.objects.filter(order=order, type=EventType.REST_CANCELLED).count() == 1
    assert Message.objects.filter(kind=MessageKind.ORDER_REST_CANCELLED).count() == 1
