import pytest

from demo.loader import load_catalog
from notifications import secret_store
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from tests.factories import place_test_order
from tests.mail import sent_code, sent_link


@pytest.fixture
def shopper(db):
    """A shopper whose account came from placing an order, as in production."""
    load_catalog()
    order = place_test_order(email="sam@example.com", language="nl")
    return order.customer


def last_sign_in_message(email: str) -> Message:
    """The latest code email as the outbox keeps it (rendered, its code and link masked)."""
    return compose(Message.objects.filter(recipient=email, kind=MessageKind.SIGN_IN_CODE).latest("id"))


def last_sign_in_code(email: str) -> str:
    """The code of the latest sign-in email, as sent (never stored: read through the send job's rendering)."""
    return sent_code(last_sign_in_message(email))


def last_sign_in_link(email: str) -> str:
    return sent_link(last_sign_in_message(email))


def last_email_change_code() -> str:
    return sent_code(Message.objects.filter(kind=MessageKind.EMAIL_CHANGE_CODE).latest("id"))


def sent_secret(message: Message, name: str = "code") -> str:
    """A code or link of a message not yet sent (never stored: it waits in Redis for the send job)."""
    return secret_store.read(message.pk, [name])[name]


def last_message(kind: str, recipient: str) -> Message:
    return Message.objects.filter(kind=kind, recipient=recipient).latest("id")


def request_code(client, email: str, **extra):
    return client.post("/store/account/login/", {"email": email, **extra}, REMOTE_ADDR=extra.pop("ip", "10.0.0.1"))
