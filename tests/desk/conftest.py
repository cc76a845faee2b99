"""Staff of both groups, signed in to admin the real way (password and authenticator code)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import User
from tests.conftest import STAFF_PASSWORD
from tests.orders.conftest import agent, agent_client, sign_in  # noqa: F401 - fixtures shared with orders' tests


@pytest.fixture
def manager(db) -> User:
    user = User.objects.create_user("manager@example.com", STAFF_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Managers"))
    return user


@pytest.fixture
def manager_client(manager) -> Client:
    return sign_in(Client(), manager)


@pytest.fixture
def outsider_client(db) -> Client:
    """Staff in neither group: signed in, but no customer or order permission."""
    return sign_in(Client(), User.objects.create_user("outsider@example.com", STAFF_PASSWORD, is_staff=True))


@pytest.fixture(params=["agent", "manager"])
def desk_client(request) -> Client:
    """Each test using it runs once per staff group."""
    return request.getfixturevalue(f"{request.param}_client")
