"""What every email says about itself: its own Message-ID (kept on a resend), a <title> that is its subject,
and the store's name as the sender, through a real SMTP server."""

import email
import re
from email import policy
from html import unescape

import pytest

from notifications.constants import MessageKind, MessageStatus
from notifications.jobs import build_email, send_message
from notifications.models import Message
from notifications.services import notify, render_for_sending, send_again
from storefront.models import StoreSettings

pytestmark = pytest.mark.django_db

CONTEXT = {
    "order_number": 1042,
    "currency": "EUR",
    "total": "54.10",
    "lines": [{"name": "Mug", "quantity": 2, "total": "36.00"}],
}


def queue(recipient="sam@example.com", language="en") -> Message:
    return notify(kind=MessageKind.ORDER_CONFIRMATION, recipient=recipient, language=language, context=CONTEXT)


@pytest.fixture
def smtp(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = smtp_server.host, smtp_server.port, False
    settings.DEFAULT_FROM_EMAIL = "Deploy default <shop@example.com>"

    def received() -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(env.content, policy=policy.default) for env in smtp_server.messages]

    smtp_server.received = received
    return smtp_server


def test_each_message_has_its_own_message_id_on_the_store_domain(smtp):
    first, second = queue(), queue()
    assert send_message(first.pk) == send_message(second.pk) == MessageStatus.SENT
    one, two = smtp.received()
    assert one["Message-ID"] != two["Message-ID"]
    for mail, message in ((one, first), (two, second)):
        assert re.fullmatch(r"<[^@<>\s]+@example\.com>", mail["Message-ID"])
        assert mail["Message-ID"] == Message.objects.get(pk=message.pk).message_id  # kept on the row
    # Not the row's number: a second store (or a restored database) numbering from 1 again can't collide.
    assert str(first.pk) not in one["Message-ID"].split("@")[0].split(".")


def test_sending_again_keeps_the_message_id(smtp):
    message = queue()
    assert send_message(message.pk) == MessageStatus.SENT
    # As if the send had been cut off after the server took it: outcome unknown, staff send it again.
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.UNCERTAIN)
    assert send_again(message_ids=[message.pk], actor="staff@example.com").queued
    assert send_message(message.pk) == MessageStatus.SENT
    first, again = smtp.received()
    assert first["Message-ID"] == again["Message-ID"] == message.message_id
    assert first["Subject"] == again["Subject"]


def test_a_message_queued_before_ids_were_kept_keeps_the_id_it_went_out_with(settings):
    settings.DEFAULT_FROM_EMAIL = "shop@example.com"
    message = queue()
    Message.objects.filter(pk=message.pk).update(message_id="")  # a row from before the column
    message.refresh_from_db()
    sent = build_email(message, render_for_sending(message)).message()
    assert sent["Message-ID"] == f"<message.{message.pk}@example.com>"


def test_the_message_id_falls_back_to_the_site_domain(settings):
    settings.DEFAULT_FROM_EMAIL, settings.SITE_URL = "webmaster", "https://shop.example.org"
    assert queue().message_id.endswith("@shop.example.org>")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_html_title_is_the_subject(smtp, language):
    message = queue(language=language)
    send_message(message.pk)
    (mail,) = smtp.received()
    html = mail.get_body(("html",)).get_content()
    title = unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))
    # (a folded encoded subject reads back with the folding's space in front)
    assert title == mail["Subject"].strip() == Message.objects.get(pk=message.pk).subject != ""


def test_the_sender_is_named_after_the_store_settings(smtp):
    StoreSettings.load()
    StoreSettings.objects.update(name="Aftersale Demo Store")
    send_message(queue().pk)
    store = StoreSettings.load()
    store.name = "Brouwer & Zonen, Amsterdam"  # a comma and an ampersand: quoted, not a second address
    store.save()
    send_message(queue().pk)
    store.name = "北欧雑貨 Sørensen"
    store.save()
    send_message(queue().pk)
    before, renamed, unicode_name = smtp.received()
    assert before["From"].addresses[0].display_name == "Aftersale Demo Store"
    assert renamed["From"].addresses[0].display_name == "Brouwer & Zonen, Amsterdam"
    assert unicode_name["From"].addresses[0].display_name == "北欧雑貨 Sørensen"
    for mail in (before, renamed, unicode_name):
        assert len(mail["From"].addresses) == 1 and mail["From"].addresses[0].addr_spec == "shop@example.com"
    assert [env.mail_from for env in smtp.messages] == ["shop@example.com"] * 3


def test_without_a_store_name_the_deploy_default_sender_stands(smtp):
    StoreSettings.load()
    StoreSettings.objects.update(name="")
    send_message(queue().pk)
    (mail,) = smtp.received()
    assert str(mail["From"]) == "Deploy default <shop@example.com>"
