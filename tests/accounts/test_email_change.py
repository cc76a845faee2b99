"""Changing the account's email needs a code from the new address and one from the current address; the old
address is told and can undo the change for 7 days, signing out every session."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from accounts.models import User
from notifications.constants import MessageKind
from notifications.models import Message
from tests.accounts.conftest import last_message, sent_secret

pytestmark = pytest.mark.django_db
CHANGE, CONFIRM, PROFILE = (
    "/store/account/profile/email/",
    "/store/account/profile/email/confirm/",
    "/store/account/profile/",
)


@pytest.fixture
def client_in(client, shopper):
    client.force_login(shopper)
    return client


def ask(client, email="new@example.com"):
    assert client.post(CHANGE, {"email": email}).status_code == 302
    new = sent_secret(last_message(MessageKind.EMAIL_CHANGE_CODE, email))
    current = sent_secret(last_message(MessageKind.EMAIL_CHANGE_APPROVAL, "sam@example.com"))
    return new, current


def other_than(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def undo_path() -> str:
    link = sent_secret(last_message(MessageKind.EMAIL_CHANGED, "sam@example.com"), "undo_link")
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_the_change_needs_both_codes_and_tells_the_old_address(client_in, shopper):
    new, current = ask(client_in)
    approval = last_message(MessageKind.EMAIL_CHANGE_APPROVAL, "sam@example.com")
    assert approval.context["new_email"] == "new@example.com"
    # The new address's code alone — all a stolen session can get — changes nothing.
    page = client_in.post(CONFIRM, {"new_code": new, "current_code": other_than(current)})
    assert page.status_code == 200 and set(page.context["form"].errors) == {"current_code"}
    assert User.objects.get(pk=shopper.pk).email == "sam@example.com"

    assert client_in.post(CONFIRM, {"new_code": new, "current_code": current})["Location"] == PROFILE
    shopper.refresh_from_db()
    assert shopper.email == "new@example.com" and EmailAddress.objects.get(user=shopper).email == "new@example.com"
    told = last_message(MessageKind.EMAIL_CHANGED, "sam@example.com")
    assert told.context["new_email"] == "new@example.com" and told.context["days"] == 7
    assert sent_secret(told, "undo_link").startswith("http://127.0.0.1:8000/store/account/profile/email/undo/")
    # The account keeps its orders, and the new email signs in to it.
    assert shopper.orders.count() == 1
    Client().post("/store/account/login/", {"email": "new@example.com"})
    assert Message.objects.filter(kind=MessageKind.SIGN_IN_CODE, recipient="new@example.com").exists()


def test_three_wrong_tries_cancel_the_change(client_in, shopper):
    new, current = ask(client_in)
    for _ in range(3):
        client_in.post(CONFIRM, {"new_code": new, "current_code": other_than(current)})
    response = client_in.post(CONFIRM, {"new_code": new, "current_code": current})
    assert response.status_code == 302 and response["Location"] == CHANGE
    assert User.objects.get(pk=shopper.pk).email == "sam@example.com"


def test_a_change_to_a_taken_address_is_refused_after_the_codes(client_in, shopper):
    User.objects.create_user("taken@example.com")
    new, current = ask(client_in, "taken@example.com")
    response = client_in.post(CONFIRM, {"new_code": new, "current_code": current})
    assert response.status_code == 302
    assert "Another account already uses that email" in client_in.get(response["Location"]).content.decode()
    assert User.objects.get(pk=shopper.pk).email == "sam@example.com"


def test_undo_puts_the_email_back_and_signs_out_every_session(client_in, shopper):
    other_device = Client()
    other_device.force_login(shopper)
    client_in.post(CONFIRM, dict(zip(("new_code", "current_code"), ask(client_in), strict=True)))
    assert User.objects.get(pk=shopper.pk).email == "new@example.com"
    old_owner = Client()
    path = undo_path()
    assert old_owner.get(path).status_code == 200  # a link scanner's GET changes nothing
    assert User.objects.get(pk=shopper.pk).email == "new@example.com"

    assert old_owner.post(path).status_code == 302
    shopper.refresh_from_db()
    assert shopper.email == "sam@example.com" and EmailAddress.objects.get(user=shopper).email == "sam@example.com"
    for device in (client_in, other_device):
        assert device.get(PROFILE).status_code == 302  # signed out
    assert old_owner.post(path).status_code == 400  # once


def test_the_undo_link_works_for_seven_days(client_in, shopper):
    client_in.post(CONFIRM, dict(zip(("new_code", "current_code"), ask(client_in), strict=True)))
    path = undo_path()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert Client().post(path).status_code == 400
    assert User.objects.get(pk=shopper.pk).email == "new@example.com"


def test_codes_are_limited_per_account(client_in, shopper):
    for i in range(5):
        assert client_in.post(CHANGE, {"email": f"new{i}@example.com"}).status_code == 302
    page = client_in.post(CHANGE, {"email": "new9@example.com"})
    assert page.status_code == 200 and "Too many codes" in page.content.decode()
    assert not Message.objects.filter(recipient="new9@example.com").exists()
