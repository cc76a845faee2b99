"""Staff-in-admin fixtures shared by the money and fulfilment admin tests."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts.models import User
from accounts.services import give_staff_totp
from orders.models import Order
from tests.conftest import STAFF_PASSWORD, current_totp


def url(order: Order, page: str) -> str:
    return f"/admin/orders/order/{order.pk}/{page}/"


def change_url(order: Order) -> str:
    return f"/admin/orders/order/{order.pk}/change/"


def csrf_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def flashed(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def sign_in(client: Client, user: User) -> Client:
    """Password plus authenticator code, as staff_client does."""
    device, _codes = give_staff_totp(user=user)
    token = csrf_token(client.get("/admin/login/"))
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": user.email,
            "password": STAFF_PASSWORD,
            "otp_token": current_totp(device),
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302, "admin sign-in failed"
    return client


# What the staff groups' data migrations grant (orders/0007, 0008, 0012, 0020).
GROUP_PERMISSIONS = {
    "Managers": ["view_order", "change_order", "view_storesettings", "change_storesettings"],
    "Support agents": ["view_order", "change_order"],
}


def ensure_staff_groups() -> None:
    """The staff groups for a transactional test: the flush before it emptied what the migrations made (the
    permissions come back with the flush's post_migrate; the groups don't)."""
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def staff_user(staff_client) -> User:
    return User.objects.get(email="staff-test@example.com")


@pytest.fixture
def agent(db) -> User:
    user = User.objects.create_user("agent@example.com", STAFF_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Support agents"))  # created by migration orders/0007
    return user


@pytest.fixture
def agent_client(agent) -> Client:
    return sign_in(Client(), agent)
