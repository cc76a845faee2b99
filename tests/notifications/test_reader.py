"""A shopper's email is rendered in their profile's language and time zone as they are when the send job renders
it, not as they were when it was queued; merchant alerts and account emails keep what they were given."""

import pytest

from accounts.models import CustomerProfile
from demo.loader import load_catalog
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.samples import SAMPLES
from notifications.services import compose, notify
from tests.factories import place_test_order

pytestmark = pytest.mark.django_db

# 10:00 UTC: 19:00 in Tokyo, 05:00 in New York.
PAYMENT = {**SAMPLES[MessageKind.PAYMENT_NEEDED], "expires_at": "2026-12-08T10:00:00+00:00", "balance": True}


@pytest.fixture
def shopper():
    load_catalog()
    return place_test_order(email="sam@example.com", language="en").customer


def queue(kind=MessageKind.PAYMENT_NEEDED, recipient="sam@example.com", language="en", context=PAYMENT) -> Message:
    return notify(kind=kind, recipient=recipient, language=language, context=context)


def test_an_email_queued_in_english_renders_in_the_profiles_new_language_and_zone(shopper):
    message = queue()
    assert (message.language, message.subject) == ("en", "")  # queued: nothing rendered yet
    CustomerProfile.objects.filter(user=shopper).update(language="de", time_zone="Asia/Tokyo")
    message = compose(Message.objects.get(pk=message.pk))  # what the send job does first
    assert (message.language, message.time_zone) == ("de", "Asia/Tokyo")
    assert "36,00\xa0€" in message.subject and "Bitte" in message.body_text
    assert "8. Dezember 2026" in message.body_text and "19:00 JST" in message.body_text  # the profile's zone
    # Kept with the text: a retry sends the same email, whatever the profile says by then.
    CustomerProfile.objects.filter(user=shopper).update(language="fr", time_zone="America/New_York")
    again = compose(Message.objects.get(pk=message.pk))
    assert (again.language, again.body_text) == ("de", message.body_text)


def test_without_a_stored_zone_times_read_in_the_stores_named_zone(shopper, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    message = compose(queue())
    assert (message.language, message.time_zone) == ("en", "")
    assert "December 8, 2026" in message.body_text and "11:00\u202fAM CET" in message.body_text


def test_a_recipient_without_an_account_keeps_the_language_it_was_queued_in(shopper):
    message = compose(queue(recipient="guest@example.com", language="nl"))
    assert message.language == "nl" and "8 december 2026" in message.body_text


def test_merchant_alerts_keep_the_stores_language_even_to_a_shoppers_address(shopper):
    CustomerProfile.objects.filter(user=shopper).update(language="ja", time_zone="Asia/Tokyo")
    alert = SAMPLES[MessageKind.MERCHANT_REFUND_FAILED]
    message = compose(queue(kind=MessageKind.MERCHANT_REFUND_FAILED, language="en", context=alert))
    assert (message.language, message.time_zone) == ("en", "")


def test_the_sign_in_email_keeps_the_language_it_was_asked_in(shopper):
    """The language picked before signing in beats the stored one (accounts.sign_in): not overridden here."""
    CustomerProfile.objects.filter(user=shopper).update(language="ja")
    context = {"code_minutes": 15, "link_minutes": 15}
    message = notify(
        kind=MessageKind.SIGN_IN_CODE,
        recipient="sam@example.com",
        language="fr",
        context=context,
        secrets={"code": "123456", "link": "https://shop.example/x/"},
        secrets_ttl=600,
    )
    assert compose(message).language == "fr"
