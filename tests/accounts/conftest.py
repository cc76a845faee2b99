import pytest

from demo.loader import load_catalog
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from tests.factories import place_test_order


@pytest.fixture
def shopper(db):
    """A shopper whose account came from placing an order, as in production."""
    load_catalog()
    order = place_test_order(email="sam@example.com", language="nl")
    return order.customer


def last_sign_in_message(email: str) -> Message:
    """The latest code email as it will be sent (rendered)."""
    return compose(Message.objects.filter(recipient=email, kind=MessageKind.SIGN_IN_CODE).latest("id"))


def sent_secret(message: Message, name: str = "code") -> str:
    """A code or link as the mail carries it."""
    return compose(message).context[name]


def last_message(kind: str, recipient: str) -> Message:
    return Message.objects.filter(kind=kind, recipient=recipient).latest("id")


def request_code(client, email: str, **extra):
    return client.post("/store/account/login/", {"email": email, **extra}, REMOTE_ADDR=extra.pop("ip", "10.0.0.1"))
