"""Store settings staff set in admin (storefront.StoreSettings): the order confirmation on or off, and the
sign-in link's lifetime (1 minute to 14 days), which wins over the deploy's SIGN_IN_LINK_MINUTES. Managers
may change them, support agents may not; the cached row never holds what a rolled-back transaction wrote."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.models import SignInLink, User
from accounts.sign_in import link_minutes
from notifications.constants import MessageKind
from notifications.models import Message
from storefront.models import StoreSettings
from tests.accounts.conftest import last_sign_in_link, request_code
from tests.conftest import STAFF_PASSWORD
from tests.factories import place_test_order
from tests.orders.conftest import sign_in

pytestmark = pytest.mark.usefixtures("catalog")
RANGE_ERROR = "Enter a lifetime from 1 minute to 14 days (20160 minutes)."


def staff_client(group: str) -> Client:
    user = User.objects.create_user(f"{group[:3].lower()}@example.com", STAFF_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return sign_in(Client(), user)


def change_url() -> str:
    return f"/admin/storefront/storesettings/{StoreSettings.load().pk}/change/"


def posted(client: Client, **changes):
    """The settings form as it stands, with ``changes``, posted back."""
    form = client.get(change_url()).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = changes.get(name, form.initial.get(name, field.initial))
        if name == "logo":
            continue  # no file: left as it is
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value() if callable(value) else value
    return client.post(change_url(), data)


def test_a_manager_sets_the_link_lifetime_and_turns_confirmations_off(db):
    client = staff_client("Managers")
    response = posted(client, sign_in_link_minutes=60 * 24, send_order_confirmation=False)
    assert response.status_code == 302, response.context["adminform"].form.errors
    store = StoreSettings.load()
    assert (store.sign_in_link_minutes, store.send_order_confirmation) == (1440, False)


@pytest.mark.parametrize("minutes", [0, 20161, -5])
def test_a_lifetime_outside_1_minute_to_14_days_is_a_field_error_and_changes_nothing(db, minutes):
    client = staff_client("Managers")
    response = posted(client, sign_in_link_minutes=minutes)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["sign_in_link_minutes"]
    assert RANGE_ERROR in errors or minutes < 0
    assert StoreSettings.load().sign_in_link_minutes is None


@pytest.mark.parametrize("minutes", [1, 20160])
def test_both_ends_of_the_range_are_allowed(db, minutes):
    assert posted(staff_client("Managers"), sign_in_link_minutes=minutes).status_code == 302
    assert StoreSettings.load().sign_in_link_minutes == minutes


def test_support_agents_may_not_see_or_change_the_settings(db):
    client = staff_client("Support agents")
    assert client.get(change_url()).status_code == 403
    assert client.post(change_url(), {"sign_in_link_minutes": "5"}).status_code == 403
    assert StoreSettings.load().sign_in_link_minutes is None


def test_the_admin_lifetime_wins_over_the_deploy_default(client, settings):
    settings.SIGN_IN_LINK_MINUTES = 15
    place_test_order(email="sam@example.com")
    assert link_minutes() == 15
    StoreSettings.objects.update(sign_in_link_minutes=600)
    before = timezone.now()
    request_code(client, "sam@example.com")
    link = SignInLink.objects.get(user__email="sam@example.com", used_at=None, voided_at=None)
    assert timedelta(minutes=599) < link.expires_at - before <= timedelta(minutes=600, seconds=5)
    message = Message.objects.filter(kind=MessageKind.SIGN_IN_CODE).latest("id")
    assert message.context["link_minutes"] == 600
    path = last_sign_in_link("sam@example.com").removeprefix(settings.SITE_URL)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):  # past the deploy's 15: still works
        assert Client().get(path).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=601)):
        assert Client().get(path).status_code == 400


def test_a_rolled_back_lifetime_is_never_cached(db):
    StoreSettings.objects.update(sign_in_link_minutes=30)
    assert link_minutes() == 30  # cached now, in Redis and this process
    with pytest.raises(RuntimeError), transaction.atomic():
        store = StoreSettings.load()
        store.sign_in_link_minutes = 5
        store.save()
        assert link_minutes() == 5  # this transaction reads its own write, from the database
        raise RuntimeError("rolled back")
    assert link_minutes() == 30
    for holder in ("shared", "process"):
        cached = caches[holder].get(StoreSettings.cache_key)
        assert cached is None or cached.sign_in_link_minutes == 30


def test_the_confirmation_goes_only_while_the_store_sends_them(db):
    place_test_order(email="on@example.com", send_confirmation=True)
    StoreSettings.objects.update(send_order_confirmation=False)
    place_test_order(email="off@example.com", send_confirmation=True)
    sent = set(Message.objects.filter(kind=MessageKind.ORDER_CONFIRMATION).values_list("recipient", flat=True))
    assert sent == {"on@example.com"}
