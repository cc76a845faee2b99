"""Writes of the outbox: ``notify`` stores a message; the send job renders it once (``compose``) and delivers it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from core import queues
from notifications.constants import MARKETING_KINDS, MessageKind, MessageStatus
from notifications.models import Message


def branding() -> dict:
    """Store name, address, logo and support address for the shared layout; ``EMAIL_BRANDING`` supplies
    them from the app that owns the store's settings (this app sits below it)."""
    defaults = {"store_name": settings.STORE_NAME, "store_address": "", "support_email": "", "logo_url": ""}
    return {**defaults, **import_string(settings.EMAIL_BRANDING)()} if settings.EMAIL_BRANDING else defaults


def render_message(*, kind: str, language: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of a message kind in a language."""
    base = f"notifications/email/{kind}"
    with translation.override(language):
        context = {**branding(), "site_url": settings.SITE_URL, "LANGUAGE_CODE": language, **context}
        # One line; keep no-break spaces (money formats use them between amount and symbol).
        subject = " ".join(
            filter(None, (part.strip(" \t") for part in render_to_string(f"{base}/subject.txt", context).splitlines()))
        )
        text = render_to_string(f"{base}/body.txt", context).strip() + "\n"
        html = render_to_string(f"{base}/body.html", context)
    return subject, text, html


def notify(
    *,
    kind: MessageKind | str,
    recipient: str,
    language: str,
    context: dict,
    dedupe_key: str | None = None,
    unsubscribe_url: str = "",
) -> Message:
    """Queue a message in the recipient's language inside the caller's transaction; send it on commit.

    ``context`` must be JSON-serialisable plain data: the send job renders from it, and it is kept for audit.
    Rendering waits for the job, so a request that tells three people pays for none of the templates.
    Marketing kinds need an ``unsubscribe_url`` (the caller checked consent; see MARKETING_KINDS).
    """
    if kind in MARKETING_KINDS and not unsubscribe_url:
        raise ValueError(f"{kind} is marketing: it needs the recipient's consent and an unsubscribe link")
    message = Message(
        kind=kind,
        recipient=recipient,
        language=language,
        dedupe_key=dedupe_key,
        context=context,
        unsubscribe_url=unsubscribe_url if kind in MARKETING_KINDS else "",
    )
    if not _insert_unless_notified(message):
        # The same dedupe key was notified before (or by a concurrent notify()): that message stands.
        return Message.objects.get(dedupe_key=dedupe_key)
    queues.enqueue_on_commit("notifications", [send_job(message.pk)])
    return message


def _insert_unless_notified(message: Message) -> bool:
    """Insert the row unless its dedupe key is taken: True if inserted. One statement, where the ORM
    needs a savepoint around its insert to survive the unique violation (three round trips)."""
    fields = [field for field in Message._meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(message, add=True), connection) for field in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(Message._meta.db_table)} ({columns}) "  # noqa: S608 - quoted names, values as parameters
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    message.pk = row[0]
    message._state.adding, message._state.db = False, connection.alias
    return True


def compose(message: Message) -> Message:
    """Render the message's subject, text and HTML once and keep them: every retry sends the same email."""
    if not message.subject:
        message.subject, message.body_text, message.body_html = render_message(
            kind=message.kind,
            language=message.language,
            context={**message.context, "unsubscribe_url": message.unsubscribe_url},
        )
        message.save(update_fields=["subject", "body_text", "body_html"])
    return message


# RQ stops a send job at its timeout (and kills its work horse at most a minute and a half later), so
# a message still "sending" after SENDING_LOST_AFTER_SECONDS has no live sender: the send stopped midway.
SEND_JOB_TIMEOUT = 180
SENDING_LOST_AFTER_SECONDS = SEND_JOB_TIMEOUT + 120

# Shown in last_error when a send stopped midway; the outcome can't be known from here.
UNKNOWN_OUTCOME = _(
    "Outcome unknown: the send stopped midway (%(cause)s), so the mail server may or may not have accepted "
    "the message. It is not sent again automatically; “Send again” in admin sends it with the same Message-ID."
)


def send_job(message_id: int) -> tuple:
    """The send job of a message, as (func, args, at, options) for core.queues; by dotted path, as the
    job module imports this one."""
    retry = queues.retry(attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS, intervals=[10, 60, 300, 900])
    options = {"retry": retry, "job_timeout": SEND_JOB_TIMEOUT, "job_id": f"send-message-{message_id}"}
    return "notifications.jobs.send_message", (message_id,), None, options


def enqueue_send(message_id: int) -> None:
    queues.enqueue_many("notifications", [send_job(message_id)])


def requeue_stale_messages(*, older_than_seconds: int | None = None, now=None) -> int:
    """Sweeper: queue again what a lost job left behind (Redis down at commit, a job lost before its claim).
    Only queued and retrying rows: a message claimed for sending (sending, outcome unknown) may have
    reached the mail server, and is never sent again without staff (``mark_lost_sends_uncertain``)."""
    if older_than_seconds is None:
        older_than_seconds = settings.SWEEP_STALE_AFTER_SECONDS
    cutoff = (now or timezone.now()) - timedelta(seconds=older_than_seconds)
    ids = list(
        Message.objects.filter(
            status__in=[MessageStatus.QUEUED, MessageStatus.RETRYING], created_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
    return queues.requeue("notifications", [send_job(message_id) for message_id in ids], now=now)


def mark_lost_sends_uncertain(*, older_than_seconds: int = SENDING_LOST_AFTER_SECONDS) -> int:
    """Sweeper: a message still sending this long after its claim lost its sender mid-send (a killed
    worker), after or before the mail server took it. Marked "outcome unknown" for staff, never re-queued.
    Never sooner than SENDING_LOST_AFTER_SECONDS, whatever the caller's threshold: the send may still run."""
    cutoff = timezone.now() - timedelta(seconds=max(older_than_seconds, SENDING_LOST_AFTER_SECONDS))
    error = str(UNKNOWN_OUTCOME % {"cause": _("the worker stopped before recording the answer")})
    # One UPDATE, its filter re-checked under each row's lock: concurrent sweepers mark a row once, and a
    # row its job has just recorded (sent, retrying) keeps that.
    return Message.objects.filter(status=MessageStatus.SENDING, sending_started_at__lt=cutoff).update(
        status=MessageStatus.UNCERTAIN, last_error=error
    )


RESENDABLE = (MessageStatus.FAILED, MessageStatus.UNCERTAIN)


def send_again(*, message_ids: list[int], actor: str) -> list[Message]:
    """Staff's explicit "Send again" of failed messages and those whose outcome is unknown: queued for a
    new round of attempts, with the same Message-ID (the row's), so a receiver may drop a duplicate. The
    note in last_error says who, when and what it was. Other rows are left as they are; returns those queued."""
    with transaction.atomic():
        rows = list(
            Message.objects.select_for_update().filter(pk__in=message_ids, status__in=RESENDABLE).order_by("pk")
        )
        for message in rows:
            note = _(
                "Sent again by %(actor)s at %(when)s (was: %(status)s, attempts: %(attempts)d). Before: %(error)s"
            ) % {
                "actor": actor,
                "when": timezone.now().isoformat(timespec="seconds"),
                "status": message.get_status_display(),
                "attempts": message.attempts,
                "error": message.last_error,
            }
            message.status, message.attempts, message.sent_again = MessageStatus.QUEUED, 0, message.sent_again + 1
            message.last_error = str(note)[:2000]
            message.save(update_fields=["status", "attempts", "sent_again", "last_error"])
        queues.enqueue_on_commit("notifications", [send_job(message.pk) for message in rows])
    return rows
