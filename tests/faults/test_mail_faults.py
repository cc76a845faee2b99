"""Email at most once: real workers, a real SMTP server, and the faults between "the server has it" and
"our row says so" (a worker killed mid-send, a connection cut mid-conversation, two jobs at once)."""

from __future__ import annotations

import asyncio
import email
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy

import django_rq
import psutil
import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.utils import timezone
from rq.job import Job

from core import queues
from editing.sweeper import sweep
from notifications.constants import MessageKind, MessageStatus
from notifications.jobs import send_message
from notifications.models import Message
from notifications.services import enqueue_send, notify, requeue_stale_messages
from tests.conftest import ROOT, _free_port, worker_env


@dataclass
class HookedInbox:
    """What the server received, and what it does on each DATA before answering (``on_data``)."""

    host: str
    port: int
    messages: list = field(default_factory=list)
    on_data: object = None  # async (server, envelope) -> a reply to send instead of "250 OK", or None

    def env(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "0",
        }

    def received(self) -> list:
        return [email.message_from_bytes(envelope.content, policy=policy.default) for envelope in self.messages]


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) that keeps each message on DATA, then runs the test's hook."""
    from aiosmtpd.controller import Controller

    inbox = HookedInbox(host="127.0.0.1", port=_free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            inbox.messages.append(envelope)  # the server has it: delivered, whatever happens next
            reply = await inbox.on_data(server, envelope) if inbox.on_data else None
            return reply or "250 OK"

    controller = Controller(Handler(), hostname=inbox.host, port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


def queue_one(key: str) -> Message:
    return notify(
        kind=MessageKind.ORDER_CONFIRMATION,
        recipient="sam@example.com",
        language="en",
        context={"order_number": 1042, "currency": "EUR", "total": "54.10", "lines": []},
        dedupe_key=key,
    )


def start_worker(inbox: HookedInbox) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "notifications", "--burst"],
        cwd=ROOT,
        env=worker_env(inbox.env()),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def row_status(message_id: int) -> str:
    """Read from another thread (aiosmtpd's loop can't use the ORM), on a connection of its own."""
    try:
        return Message.objects.values_list("status", flat=True).get(pk=message_id)
    finally:
        connection.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_is_not_sent_again_until_staff_say_so(smtp, run_worker, staff_client):
    message = queue_one("fault:killed-mid-send")  # autocommit: its send job is queued now

    async def kill_the_sender(server, envelope):
        # After the server has the message, before the worker hears back: the worker and its work horse.
        tree = psutil.Process(worker.pid)
        processes = [*tree.children(recursive=True), tree]
        for process in processes:
            process.kill()
        psutil.wait_procs(processes, timeout=10)
        smtp.on_data = None  # only the first send

    smtp.on_data = kill_the_sender
    worker = start_worker(smtp)
    worker.communicate(timeout=60)
    assert len(smtp.messages) == 1
    after_kill = Message.objects.get(pk=message.pk)

    # Later than any send could last: the sweeper, then a stray job for it (RQ's retry of the lost job).
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        swept = sweep(stale_after_seconds=0)
    enqueue_send(message.pk)
    run_worker(queues=("notifications",), extra_env=smtp.env())
    assert len(smtp.messages) == 1, "sent twice: the sweeper or a retry sent a message the server had"
    message.refresh_from_db()
    assert after_kill.status == MessageStatus.SENDING and after_kill.attempts == 1
    assert swept["messages_requeued"] == 0 and swept["messages_uncertain"] == 1
    assert message.status == MessageStatus.UNCERTAIN and message.attempts == 1 and message.sent_at is None
    assert message.last_error.startswith("Outcome unknown")

    # Staff decide it should rather arrive twice than not at all.
    response = staff_client.post(
        "/admin/notifications/message/", {"action": "send_again", "_selected_action": [message.pk]}
    )
    assert response.status_code == 302
    run_worker(queues=("notifications",), extra_env=smtp.env())
    first, second = smtp.received()
    assert first["Message-ID"] == second["Message-ID"] == Message.objects.get(pk=message.pk).message_id != ""
    assert first["Subject"] == second["Subject"]
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.sent_again == 1 and message.attempts == 1
    assert message.last_error.startswith("Sent again by staff-test@example.com")
    assert "Outcome unknown" in message.last_error  # what it was, kept
    (entry,) = LogEntry.objects.filter(object_id=str(message.pk), content_type__model="message")
    assert entry.user.email == "staff-test@example.com" and "Sent again" in entry.get_change_message()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_send_jobs_at_once_deliver_once(smtp):
    message = queue_one("fault:two-jobs")
    # A second job of its own id (a stray or hand-made one): the claim, not the job id, keeps it to one send.
    queues.enqueue("notifications", "notifications.jobs.send_message", message.pk)
    queue = django_rq.get_queue("notifications")
    job_ids = queue.job_ids
    assert len(set(job_ids)) == 2
    seen, overlapped = [], []

    async def hold_until_the_other_job_is_done(server, envelope):
        # What the row said while the server held the message, read by a third party.
        seen.append(await asyncio.to_thread(row_status, message.pk))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while queue.finished_job_registry.count < 1 and loop.time() < deadline:
            await asyncio.sleep(0.05)
        overlapped.append(queue.finished_job_registry.count >= 1)

    smtp.on_data = hold_until_the_other_job_is_done
    workers = [start_worker(smtp), start_worker(smtp)]
    for worker in workers:
        _out, errors = worker.communicate(timeout=90)
        assert worker.returncode == 0, errors[-3000:]

    assert len(smtp.messages) == 1
    assert overlapped == [True], "the second job did not run while the first was sending"
    assert seen == ["sending"], "the claim was not committed before the server was called"
    results = sorted(str(Job.fetch(job_id, connection=queue.connection).return_value()) for job_id in job_ids)
    assert results == ["sending", "sent"]  # the second job found it claimed
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1


@pytest.fixture
def smtp_settings(settings, smtp):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = smtp.host, smtp.port, False
    settings.EMAIL_TIMEOUT = 5
    return settings


@pytest.mark.django_db
def test_a_connection_cut_after_the_data_is_outcome_unknown_and_not_retried(smtp, smtp_settings):
    async def hang_up(server, envelope):
        server.transport.abort()  # the message is in; the client never gets the answer

    smtp.on_data = hang_up
    message = queue_one("fault:cut")
    assert send_message(message.pk) == MessageStatus.UNCERTAIN  # recorded, not raised: no RQ retry
    smtp.on_data = None
    assert send_message(message.pk) == MessageStatus.UNCERTAIN  # a duplicate job leaves it alone
    assert requeue_stale_messages(older_than_seconds=0) == 0
    assert len(smtp.messages) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.UNCERTAIN and message.attempts == 1
    assert "SMTPServerDisconnected" in message.last_error and message.last_error.startswith("Outcome unknown")


@pytest.mark.django_db
def test_a_message_the_server_refuses_is_retried(smtp, smtp_settings):
    async def refuse(server, envelope):
        return "451 4.3.0 try again later"

    smtp.on_data = refuse
    message = queue_one("fault:refused")
    with pytest.raises(RuntimeError):
        send_message(message.pk)  # RQ's retry comes next
    message.refresh_from_db()
    assert message.status == MessageStatus.RETRYING and "SMTPDataError" in message.last_error
    smtp.on_data = None
    assert send_message(message.pk) == MessageStatus.SENT
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2 and len(smtp.messages) == 2
