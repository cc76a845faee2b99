import email
from datetime import timedelta
from email import policy

import django_rq
import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone

from notifications.constants import MessageKind, MessageStatus
from notifications.jobs import send_message
from notifications.models import Message
from notifications.services import (
    SENDING_LOST_AFTER_SECONDS,
    compose,
    mark_lost_sends_uncertain,
    notify,
    requeue_stale_messages,
)

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


@pytest.mark.django_db
def test_the_sweeper_never_requeues_a_claimed_message_and_marks_a_lost_send_uncertain():
    sending, uncertain, queued = queue_one("a"), queue_one("b"), queue_one("c")
    Message.objects.filter(pk=sending.pk).update(
        status=MessageStatus.SENDING, attempts=1, sending_started_at=timezone.now()
    )
    Message.objects.filter(pk=uncertain.pk).update(status=MessageStatus.UNCERTAIN, attempts=1)
    Message.objects.update(created_at="2020-01-01T00:00:00Z")
    assert requeue_stale_messages(older_than_seconds=0) == 1  # only the queued one
    assert [job.args for job in django_rq.get_queue("notifications").jobs] == [(queued.pk,)]
    # A send may still be running: never "unknown" before the send job's timeout, whatever the caller asks.
    assert mark_lost_sends_uncertain(older_than_seconds=0) == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=SENDING_LOST_AFTER_SECONDS + 1)):
        assert mark_lost_sends_uncertain() == 1
        assert mark_lost_sends_uncertain() == 0
    sending.refresh_from_db()
    assert sending.status == MessageStatus.UNCERTAIN and sending.last_error.startswith("Outcome unknown")
    assert requeue_stale_messages(older_than_seconds=0) == 0  # and its job still waits: not queued twice
    assert [job.args for job in django_rq.get_queue("notifications").jobs] == [(queued.pk,)]
    assert send_message(sending.pk) == MessageStatus.UNCERTAIN and len(mail.outbox) == 0


@pytest.mark.django_db
def test_staff_send_again_only_failed_and_uncertain_messages(staff_client, django_capture_on_commit_callbacks):
    failed, uncertain, sent = queue_one("f"), queue_one("u"), queue_one("s")
    Message.objects.filter(pk=failed.pk).update(status=MessageStatus.FAILED, attempts=5, last_error="refused")
    Message.objects.filter(pk=uncertain.pk).update(status=MessageStatus.UNCERTAIN, attempts=1, last_error="cut")
    Message.objects.filter(pk=sent.pk).update(status=MessageStatus.SENT, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/notifications/message/",
            {"action": "send_again", "_selected_action": [failed.pk, uncertain.pk, sent.pk]},
        )
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == [
        "2 messages queued to be sent again.",
        "1 message left as it is: only failed messages and those whose outcome is unknown can be sent again.",
    ]
    for message, was in [
        (failed, "(was: Failed, attempts: 5). Before: refused"),
        (uncertain, "Outcome unknown, attempts: 1"),
    ]:
        message.refresh_from_db()
        assert message.status == MessageStatus.QUEUED and message.attempts == 0 and message.sent_again == 1
        assert message.last_error.startswith("Sent again by staff-test@example.com") and was in message.last_error
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT and sent.sent_again == 0
    queued = django_rq.get_queue("notifications").jobs
    assert sorted(job.args for job in queued) == [(failed.pk,), (uncertain.pk,)]
    assert {job.timeout for job in queued} == {180}


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
