"""Messages that carry secrets (a sign-in code, a sign-in link): kept in Redis until sent, never in the
database; the outbox shows them masked; a message whose secrets are gone fails and is never sent again;
old ones are purged. The end-to-end proof through the real views is tests/accounts/test_secrets_at_rest.py."""

import importlib
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from core.redis_outage import RedisUnavailable
from notifications import secret_store
from notifications.constants import MessageKind, MessageStatus
from notifications.jobs import send_message
from notifications.models import Message
from notifications.secret_store import SecretsGone, secrets_key
from notifications.services import (
    CODE_MASK,
    LINK_MASK,
    SECRETS_GONE,
    compose,
    notify,
    purge_secret_messages,
    render_for_sending,
    send_again,
)

pytestmark = pytest.mark.django_db

CODE = "482913"
TOKEN = "Zq9_secret-token-that-signs-in-as-the-shopper-0123456789"
LINK = f"https://shop.example/store/account/login/link/{TOKEN}/"
CONTEXT = {"code_minutes": 15, "link_minutes": 15}


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def sign_in_message(ttl=900, **secrets) -> Message:
    return notify(
        kind=MessageKind.SIGN_IN_CODE,
        recipient="sam@example.com",
        language="en",
        context=CONTEXT,
        secrets={"code": CODE, "link": LINK, **secrets},
        secrets_ttl=ttl,
    )


def stored_text(message: Message) -> str:
    """Every column of the row as the database has it."""
    row = Message.objects.filter(pk=message.pk).values().get()
    return " ".join(str(value) for value in row.values())


def test_notify_keeps_secrets_in_redis_only_and_the_kept_text_shows_them_masked():
    message = sign_in_message()
    assert message.context == CONTEXT and message.secret_names == ["code", "link"]
    assert timedelta(seconds=890) < message.secrets_expire_at - timezone.now() <= timedelta(seconds=900)
    assert caches["default"].get(secrets_key(message.pk)) == {"code": CODE, "link": LINK}
    ttl = caches["default"]._cache.get_client().ttl(caches["default"].make_and_validate_key(secrets_key(message.pk)))
    assert 0 < ttl <= 900  # gone with the code's lifetime, sent or not

    compose(message)  # what the send job keeps, what admin and the mailbox show
    kept = Message.objects.get(pk=message.pk)
    assert kept.subject == f"Your sign-in code: {CODE_MASK}"
    assert CODE_MASK in kept.body_text and str(LINK_MASK) in kept.body_text and str(LINK_MASK) in kept.body_html
    assert CODE not in stored_text(message) and TOKEN not in stored_text(message)

    sent = render_for_sending(kept)  # the real email, in memory
    assert sent.subject == f"Your sign-in code: {CODE}" and CODE in sent.text and LINK in sent.text
    assert f'href="{LINK}"' in sent.html
    assert CODE not in stored_text(message) and TOKEN not in stored_text(message)  # rendering saved nothing


def test_notify_refuses_a_secret_in_the_context_or_secrets_it_cannot_keep():
    with pytest.raises(ValueError, match="never in the context"):
        notify(
            kind=MessageKind.SIGN_IN_CODE,
            recipient="sam@example.com",
            language="en",
            context={**CONTEXT, "code": CODE, "link": LINK},
        )
    with pytest.raises(ValueError, match="never in the context"):  # the kind's secrets, all of them
        notify(kind=MessageKind.EMAIL_CHANGE_CODE, recipient="s@example.com", language="en", context={}, secrets_ttl=60)
    with pytest.raises(ValueError, match="secrets_ttl"):
        sign_in_message(ttl=None)
    with pytest.raises(ValueError, match="both secrets and context"):
        notify(
            kind=MessageKind.ORDER_CONFIRMATION,
            recipient="s@example.com",
            language="en",
            context={"token": "x"},
            secrets={"token": "y"},
            secrets_ttl=60,
        )
    assert not Message.objects.exists()


def test_with_redis_away_notify_stores_no_message_without_its_secrets(monkeypatch):
    def unavailable(*args, **kwargs):
        raise RedisUnavailable("redis://test")

    monkeypatch.setattr(secret_store, "hold", unavailable)
    with pytest.raises(RedisUnavailable):
        sign_in_message()
    assert not Message.objects.exists()  # the row went with its secrets (the request answers 503)


def test_the_send_job_sends_the_real_code_and_link_then_erases_them():
    message = sign_in_message()
    assert send_message(message.pk) == MessageStatus.SENT
    (email,) = mail.outbox
    assert email.subject == f"Your sign-in code: {CODE}" and CODE in email.body and LINK in email.body
    assert LINK in email.alternatives[0][0]
    assert caches["default"].get(secrets_key(message.pk)) is None
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.subject == f"Your sign-in code: {CODE_MASK}"
    assert CODE not in stored_text(message) and TOKEN not in stored_text(message)
    with pytest.raises(SecretsGone):
        render_for_sending(message)


def test_a_message_failed_for_good_has_its_secrets_erased(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, False, 2
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    message = sign_in_message()
    with pytest.raises(RuntimeError):
        send_message(message.pk)  # retrying: the secrets wait for the next attempt
    assert caches["default"].get(secrets_key(message.pk)) is not None
    assert send_message(message.pk) == MessageStatus.FAILED
    assert caches["default"].get(secrets_key(message.pk)) is None


def test_secrets_past_their_ttl_fail_the_send_for_good_with_the_reason_and_no_retry():
    message = sign_in_message(ttl=1)
    time.sleep(1.5)  # Redis's own clock: the key expired
    assert send_message(message.pk) == MessageStatus.FAILED  # returned, not raised: RQ does not retry it
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 1 and message.sent_at is None
    assert message.last_error == str(SECRETS_GONE)
    assert message.last_error.startswith("Not sent: its code or link expired")
    assert mail.outbox == []
    assert send_message(message.pk) == MessageStatus.FAILED and message.attempts == 1  # a duplicate job: nothing


def test_send_again_refuses_a_message_whose_secrets_are_gone(staff_client):
    gone, held, plain = (
        sign_in_message(),
        sign_in_message(),
        notify(kind=MessageKind.UNKNOWN_ACCOUNT, recipient="x@example.com", language="en", context={"shop_url": "/"}),
    )
    Message.objects.filter(pk__in=[gone.pk, held.pk, plain.pk]).update(status=MessageStatus.UNCERTAIN, attempts=1)
    caches["default"].delete(secrets_key(gone.pk))  # Redis lost them
    response = staff_client.post(
        "/admin/notifications/message/",
        {"action": "send_again", "_selected_action": [gone.pk, held.pk, plain.pk]},
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 messages queued to be sent again.",
        "1 message not sent again: its code or link expired or was erased, and it is never stored. "
        "The shopper can ask for a new one.",
    ]
    statuses = dict(Message.objects.values_list("pk", "status"))
    assert statuses == {gone.pk: MessageStatus.UNCERTAIN, held.pk: MessageStatus.QUEUED, plain.pk: MessageStatus.QUEUED}
    # Past their lifetime, refused without asking Redis (an outcome-unknown send keeps them until then).
    Message.objects.filter(pk=held.pk).update(
        status=MessageStatus.UNCERTAIN, secrets_expire_at=timezone.now() - timedelta(seconds=1)
    )
    assert send_again(message_ids=[held.pk], actor="staff") == ([], [Message.objects.get(pk=held.pk)])


def test_admin_shows_no_usable_code_or_link_before_or_after_sending(staff_client):
    message = sign_in_message()
    for moment in ("queued", "sent"):
        if moment == "sent":
            assert send_message(message.pk) == MessageStatus.SENT
        pages = [
            staff_client.get("/admin/notifications/message/"),
            staff_client.get(f"/admin/notifications/message/{message.pk}/change/"),
            staff_client.get(f"/admin/notifications/message/{message.pk}/history/"),
        ]
        for page in pages:
            html = page.content.decode()
            assert page.status_code == 200 and CODE not in html and TOKEN not in html, moment
        assert staff_client.get("/admin/notifications/message/", {"q": CODE}).context["cl"].result_count == 0
    detail = staff_client.get(f"/admin/notifications/message/{message.pk}/change/").content.decode()
    assert CODE_MASK in detail and "Sent only in the email and never stored" in detail


def test_the_debug_mailbox_shows_the_real_email_while_its_secrets_live(client, settings):
    settings.DEBUG = True  # the demo: no inbox, so the send job leaves the secrets until their TTL
    message = sign_in_message()
    assert send_message(message.pk) == MessageStatus.SENT
    listing = client.get(reverse("notifications:mailbox")).content.decode()
    assert CODE not in listing and f"Your sign-in code: {CODE_MASK}" in listing
    detail = client.get(reverse("notifications:mailbox-message", args=[message.pk])).content.decode()
    assert CODE in detail and LINK in detail
    html = client.get(reverse("notifications:mailbox-message", args=[message.pk]), {"format": "html"})
    assert LINK in html.content.decode()
    caches["default"].delete(secrets_key(message.pk))  # expired
    detail = client.get(reverse("notifications:mailbox-message", args=[message.pk])).content.decode()
    assert CODE not in detail and CODE_MASK in detail


def test_purge_deletes_secret_messages_a_day_after_they_expired_in_batches_and_erases_leftovers(settings):
    settings.NOTIFICATIONS_SECRET_MESSAGES_KEEP_HOURS = 24
    now = timezone.now()
    old = [sign_in_message() for _ in range(5)]
    recent, plain = (
        sign_in_message(),
        notify(kind=MessageKind.UNKNOWN_ACCOUNT, recipient="x@example.com", language="en", context={"shop_url": "/"}),
    )
    Message.objects.filter(pk__in=[m.pk for m in old]).update(secrets_expire_at=now - timedelta(hours=24, minutes=1))
    Message.objects.filter(pk=recent.pk).update(secrets_expire_at=now - timedelta(hours=23))
    Message.objects.filter(pk=plain.pk).update(created_at=now - timedelta(days=400))  # not ours to purge
    assert caches["default"].get(secrets_key(old[0].pk)) is not None  # a leftover (TTLs are not moved here)

    assert purge_secret_messages(now=now, batch_size=2) == 5
    assert set(Message.objects.values_list("pk", flat=True)) == {recent.pk, plain.pk}
    assert caches["default"].get_many([secrets_key(m.pk) for m in old]) == {}
    assert caches["default"].get(secrets_key(recent.pk)) is not None
    assert purge_secret_messages(now=now) == 0


def test_the_purge_runs_hourly_from_the_cron_config():
    from rq import cron

    config = importlib.import_module("config.cron")
    cron._job_data_registry.clear()
    importlib.reload(config)
    (entry,) = [job for job in cron._job_data_registry if job["name"] == "purge-secret-messages"]
    assert entry["func"].__module__ == "notifications.jobs" and entry["func"].__name__ == "purge_secret_messages"
    assert entry["queue_name"] == "notifications" and entry["interval"] == 3600
    cron._job_data_registry.clear()


def test_the_migration_takes_codes_and_links_out_of_messages_stored_before():
    migration = importlib.import_module("notifications.migrations.0009_message_secrets_kept_out")
    legacy = Message.objects.create(
        kind=MessageKind.SIGN_IN_CODE,
        recipient="sam@example.com",
        language="en",
        context={**CONTEXT, "code": CODE, "link": LINK},
        subject=f"Your sign-in code: {CODE}",
        body_text=f"Your code is {CODE}.\n{LINK}\n",
        body_html=f'<p data-code>{CODE}</p><a href="{LINK}">Sign in</a>',
    )
    other = Message.objects.create(
        kind=MessageKind.UNKNOWN_ACCOUNT, recipient="x@example.com", language="en", context={"shop_url": "/"}
    )
    migration.scrub_kept_secrets(apps, None)
    legacy.refresh_from_db()
    assert legacy.context == CONTEXT and legacy.secret_names == ["code", "link"]
    assert legacy.secrets_expire_at == legacy.created_at  # counts as expired: the purge takes it a day on
    assert CODE not in stored_text(legacy) and TOKEN not in stored_text(legacy)
    assert legacy.subject == f"Your sign-in code: {CODE_MASK}" and migration.LINK_MASK in legacy.body_html
    assert str(LINK_MASK) == migration.LINK_MASK
    other.refresh_from_db()
    assert other.secret_names == [] and other.secrets_expire_at is None
