import email
from email import policy

import django_rq
import pytest
from django.core import mail

from notifications.constants import MessageKind, MessageStatus
from notifications.jobs import send_message
from notifications.models import Message
from notifications.services import compose, notify, requeue_stale_messages

CONTEXT = {
    "order_number": 1042,
    "currency": "EUR",
    "total": "54.10",
    "lines": [{"name": "Mug", "quantity": 2, "total": "36.00"}],
}


def queue_one(dedupe_key="order:1:confirmation", language="en", recipient="sam@example.com"):
    return notify(
        kind=MessageKind.ORDER_CONFIRMATION,
        recipient=recipient,
        language=language,
        context=CONTEXT,
        dedupe_key=dedupe_key,
    )


@pytest.mark.django_db
def test_notify_queues_and_compose_renders_subject_text_and_html_in_the_language():
    message = queue_one(language="de")
    assert message.subject == message.body_text == ""  # rendering waits for the send job
    message, english = compose(message), compose(queue_one(language="en", dedupe_key=None))
    message.refresh_from_db()  # kept, so a retry sends the same text
    assert "1042" in message.subject and "54,10\xa0€" in message.subject
    assert message.subject != english.subject and "confirmed" not in message.subject  # translated, not English
    assert "2 × Mug" in message.body_text and "<html" in message.body_html
    assert message.status == MessageStatus.QUEUED


@pytest.mark.django_db
def test_same_dedupe_key_makes_one_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue_one()
        second = queue_one()
    assert first.pk == second.pk and Message.objects.count() == 1
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_send_job_run_twice_sends_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = queue_one()
    assert send_message(message.pk) == MessageStatus.SENT
    assert send_message(message.pk) == MessageStatus.SENT
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1 and message.sent_at is not None


@pytest.mark.django_db
def test_failed_send_is_recorded_then_given_up(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, False, 2
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    message = queue_one()
    with pytest.raises(RuntimeError):
        send_message(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.RETRYING and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert send_message(message.pk) == MessageStatus.FAILED  # last attempt: recorded, not raised again
    message.refresh_from_db()
    assert message.attempts == 2 and message.status == MessageStatus.FAILED


@pytest.mark.django_db
def test_sweeper_requeues_messages_a_lost_job_left_behind():
    queue_one()
    Message.objects.update(created_at="2020-01-01T00:00:00Z")
    assert requeue_stale_messages(older_than_seconds=60) == 1
    assert django_rq.get_queue("notifications").count == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_delivers_once_through_a_real_smtp_server(smtp_server, run_worker):
    message = queue_one(language="fr")  # autocommit: on_commit enqueues right away
    from notifications.services import enqueue_send

    enqueue_send(message.pk)  # a duplicate job, as a retry or the sweeper could make
    assert django_rq.get_queue("notifications").count == 2

    run_worker(
        extra_env={
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": smtp_server.host,
            "EMAIL_PORT": str(smtp_server.port),
            "EMAIL_USE_TLS": "0",
        }
    )

    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["sam@example.com"]
    received = email.message_from_bytes(envelope.content, policy=policy.default)
    assert received.is_multipart()
    assert {part.get_content_type() for part in received.walk()} >= {"text/plain", "text/html"}
    assert received["Content-Language"] == "fr"
    message.refresh_from_db()
    assert received["Subject"] == message.subject != "" and received["Message-ID"]  # the text the job kept
    assert message.status == MessageStatus.SENT and message.attempts == 1
