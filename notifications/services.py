"""Writes of the outbox: ``notify`` stores a message; the send job renders it once (``compose``) and delivers it.

Secrets (a sign-in code, a sign-in link) never reach the database: ``notify(secrets=...)`` keeps them in
Redis (``secret_store``), ``compose`` keeps the text with them masked, and only the send job renders the
real email, in memory (``render_for_sending``), then erases them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from email.utils import make_msgid, parseaddr
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from core import dates, queues
from notifications import secret_store
from notifications.constants import KEEP_LANGUAGE_KINDS, MARKETING_KINDS, SECRET_KINDS, MessageKind, MessageStatus
from notifications.models import Message

# What the kept text (admin, the mailbox) shows instead of a secret: a code, or a link.
CODE_MASK = "••••••"
LINK_MASK = _("[link hidden: only the sent email has it]")


def branding() -> dict:
    """Store name, address, logo and support address for the shared layout; ``EMAIL_BRANDING`` supplies
    them from the app that owns the store's settings (this app sits below it)."""
    defaults = {"store_name": settings.STORE_NAME, "store_address": "", "support_email": "", "logo_url": ""}
    return {**defaults, **import_string(settings.EMAIL_BRANDING)()} if settings.EMAIL_BRANDING else defaults


def sender_domain() -> str:
    """The store's mail domain: DEFAULT_FROM_EMAIL's, else SITE_URL's host (never the machine's name)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return (address.rpartition("@")[2] if "@" in address else "") or urlsplit(settings.SITE_URL).hostname or "localhost"


def new_message_id() -> str:
    """A globally unique Message-ID for a new message (``<time.pid.64 random bits@domain>``)."""
    return make_msgid(domain=sender_domain())


# Functions (context, language) -> context that the apps above give the templates' context before a message
# is rendered, in the message's language: orders names what was bought as the catalog does in that language
# (orders.email_names). Registered in their AppConfig.ready(); this app imports none of them.
_context_hooks: list[Callable[[dict, str], dict]] = []


def register_context_hook(hook: Callable[[dict, str], dict]) -> None:
    if hook not in _context_hooks:
        _context_hooks.append(hook)


class RenderedEmail(NamedTuple):
    subject: str
    text: str
    html: str


def render_message(*, kind: str, language: str, context: dict, time_zone: str = "") -> RenderedEmail:
    """(subject, text, html) of a message kind in a language, its times in ``time_zone`` (else the store's)."""
    base = f"notifications/email/{kind}"
    with translation.override(language), timezone.override(dates.zone(time_zone)):
        for hook in _context_hooks:
            context = hook(context, language)
        context = {**branding(), "site_url": settings.SITE_URL, "LANGUAGE_CODE": language, **context}
        # One line; keep no-break spaces (money formats use them between amount and symbol).
        subject = " ".join(
            filter(None, (part.strip(" \t") for part in render_to_string(f"{base}/subject.txt", context).splitlines()))
        )
        text = render_to_string(f"{base}/body.txt", context).strip() + "\n"
        html = render_to_string(f"{base}/body.html", {**context, "subject": subject})  # its <title>
    return RenderedEmail(subject, text, html)


def notify(
    *,
    kind: MessageKind | str,
    recipient: str,
    language: str,
    context: dict,
    dedupe_key: str | None = None,
    unsubscribe_url: str = "",
    secrets: dict[str, str] | None = None,
    secrets_ttl: int | None = None,
) -> Message:
    """Queue a message in the recipient's language inside the caller's transaction; send it on commit.

    ``context`` must be JSON-serialisable plain data: the send job renders from it, and it is kept for audit.
    Rendering waits for the job, so a request that tells three people pays for none of the templates.
    Marketing kinds need an ``unsubscribe_url`` (the caller checked consent; see MARKETING_KINDS).

    ``secrets`` (a code, a link: whatever would let a reader act as the recipient) are template variables
    that never reach the database: they wait in Redis for ``secrets_ttl`` seconds (their own lifetime),
    the kept text shows them masked (a name ending in ``link`` or ``url`` as a link placeholder, any
    other as ``••••••``), and the send job erases them once the email is sent or has failed for good.
    Kinds in SECRET_KINDS must pass theirs this way. With Redis away this raises ``RedisUnavailable``
    and inserts nothing.
    """
    if kind in MARKETING_KINDS and not unsubscribe_url:
        raise ValueError(f"{kind} is marketing: it needs the recipient's consent and an unsubscribe link")
    secrets = dict(secrets or {})
    _check_secrets(kind, context, secrets, secrets_ttl)
    message = Message(
        kind=kind,
        recipient=recipient,
        language=language,
        dedupe_key=dedupe_key,
        context=context,
        unsubscribe_url=unsubscribe_url if kind in MARKETING_KINDS else "",
        secret_names=sorted(secrets),
        secrets_expire_at=timezone.now() + timedelta(seconds=secrets_ttl) if secrets and secrets_ttl else None,
        message_id=new_message_id(),
    )
    # With secrets, the row and its secrets go together: no row whose secrets Redis never took. (If the
    # caller's transaction rolls back after, the secrets wait in Redis under an id no row will ever have,
    # until their TTL.)
    with transaction.atomic() if secrets else contextlib.nullcontext():
        if not _insert_unless_notified(message):
            # The same dedupe key was notified before (or by a concurrent notify()): that message stands.
            return Message.objects.get(dedupe_key=dedupe_key)
        if secrets and secrets_ttl:
            secret_store.hold(message.pk, secrets, ttl=secrets_ttl)
        queues.enqueue_on_commit("notifications", [send_job(message.pk)])
    return message


def _check_secrets(kind: str, context: dict, secrets: dict[str, str], ttl: int | None) -> None:
    """Refuse a secret in the context (it would be stored), or secrets that can't be kept."""
    expected = SECRET_KINDS.get(MessageKind(kind)) if kind in MessageKind.values else None
    if expected is not None and (secrets.keys() != expected or expected & context.keys()):
        raise ValueError(f"{kind} carries secrets: pass {sorted(expected)} as secrets=, never in the context")
    if not secrets:
        return
    if secrets.keys() & context.keys():
        raise ValueError(f"{sorted(secrets.keys() & context.keys())} given as both secrets and context")
    if not all(isinstance(value, str) and value for value in secrets.values()):
        raise ValueError("secrets are non-empty strings")
    if not ttl or ttl <= 0:
        raise ValueError("secrets need secrets_ttl: seconds they keep working")


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


def masked_secrets(message: Message) -> dict[str, str]:
    """What the kept text shows for each of the message's secrets, in the message's language."""
    with translation.override(message.language):
        return {name: str(LINK_MASK) if name.endswith(("link", "url")) else CODE_MASK for name in message.secret_names}


def reader(message: Message) -> tuple[str, str]:
    """(language, time zone) to render a message in now. A shopper's message follows their profile as it is
    when the send job renders it (they may have changed their language since it was queued): the language
    given to ``notify`` (the order's) and the store's zone are for recipients without an account or without
    that preference. KEEP_LANGUAGE_KINDS keep what ``notify`` was given."""
    language, time_zone = message.language, message.time_zone
    if message.kind in KEEP_LANGUAGE_KINDS or not settings.NOTIFICATIONS_RECIPIENT_PREFERENCES:
        return language, time_zone
    preferences = import_string(settings.NOTIFICATIONS_RECIPIENT_PREFERENCES)(message.recipient)
    if preferences is None:
        return language, time_zone
    stored_language, stored_zone = preferences
    return stored_language or language, dates.valid_time_zone(stored_zone) or time_zone


def compose(message: Message) -> Message:
    """Render the message's subject, text and HTML once and keep them: every retry sends the same email.
    Its language and zone are decided now (``reader``) and kept with the text. A message's secrets are kept
    masked: this text is what admin and the mailbox show, never what is sent (that is ``render_for_sending``)."""
    if not message.subject:
        message.language, message.time_zone = reader(message)
        message.subject, message.body_text, message.body_html = render_message(
            kind=message.kind,
            language=message.language,
            time_zone=message.time_zone,
            context={**message.context, **masked_secrets(message), "unsubscribe_url": message.unsubscribe_url},
        )
        message.save(update_fields=["language", "time_zone", "subject", "body_text", "body_html"])
    return message


def render_for_sending(message: Message) -> RenderedEmail:
    """The email exactly as the send job hands it to the mail server: the kept text, or for a message with
    secrets the same templates rendered again with the real values from Redis, in memory only (never saved).
    Raises SecretsGone when they expired or were lost. Tests read a sent code or link through this too."""
    message = compose(message)
    if not message.has_secrets():
        return RenderedEmail(message.subject, message.body_text, message.body_html)
    secrets = secret_store.read(message.pk, message.secret_names)
    return render_message(
        kind=message.kind,
        language=message.language,
        time_zone=message.time_zone,
        context={**message.context, **secrets, "unsubscribe_url": message.unsubscribe_url},
    )


def secrets_are_held(message: Message) -> bool:
    """Whether a message with secrets could still be sent (their lifetime not over, Redis still has them)."""
    if not message.has_secrets():
        return True
    if message.secrets_expire_at is None or message.secrets_expire_at <= timezone.now():
        return False
    return secret_store.are_held(message.pk)


# Recorded on a message whose secrets were gone when its send job ran: not sent, never retried.
SECRETS_GONE = _(
    "Not sent: its code or link expired (or was lost) before it could be sent. Codes and links are never "
    "stored, so it can't be sent again; the shopper can ask for a new one."
)


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


class SentAgain(NamedTuple):
    queued: list[Message]
    # Resendable, but their secrets (a code, a link) are gone: nothing usable is left to send.
    secrets_gone: list[Message]


def send_again(*, message_ids: list[int], actor: str) -> SentAgain:
    """Staff's explicit "Send again" of failed messages and those whose outcome is unknown: queued for a
    new round of attempts, with the same Message-ID (the row's), so a receiver may drop a duplicate. The
    note in last_error says who, when and what it was. A message whose secrets are gone is refused: the
    database never had them, so it would go out without its code or link. Other rows are left as they are."""
    queued, secrets_gone = [], []
    with transaction.atomic():
        rows = list(
            Message.objects.select_for_update().filter(pk__in=message_ids, status__in=RESENDABLE).order_by("pk")
        )
        for message in rows:
            if not secrets_are_held(message):
                secrets_gone.append(message)
                continue
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
            queued.append(message)
        queues.enqueue_on_commit("notifications", [send_job(message.pk) for message in queued])
    return SentAgain(queued, secrets_gone)


def purge_secret_messages(*, now=None, batch_size: int = 500) -> int:
    """Delete messages that carried secrets (sign-in and email-change codes, sign-in links) once their
    secrets have been dead for NOTIFICATIONS_SECRET_MESSAGES_KEEP_HOURS, in batches, erasing any secrets
    Redis still holds for them. Until then admin shows whether the code was sent. Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.NOTIFICATIONS_SECRET_MESSAGES_KEEP_HOURS)
    purged = 0
    while True:
        ids = list(
            Message.objects.filter(secrets_expire_at__lt=cutoff)
            .order_by("secrets_expire_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return purged
        secret_store.erase(ids)
        purged += Message.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch_size:
            return purged
