"""RQ entry points of the outbox. Safe to run twice: a message is handed to the mail server at most once
per round of attempts (docs/decisions.md, "Notifications")."""

from __future__ import annotations

import contextlib
import smtplib
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from notifications import secret_store
from notifications.constants import MessageStatus
from notifications.models import Message
from notifications.secret_store import SecretsGone
from notifications.services import (
    SECRETS_GONE,
    UNKNOWN_OUTCOME,
    RenderedEmail,
    branding,
    mark_lost_sends_uncertain,
    render_for_sending,
    requeue_stale_messages,
    sender_domain,
)
from notifications.services import purge_secret_messages as run_purge


def from_address(store_name: str) -> str:
    """``"Store name <address>"``: the display name from the store settings, the address from
    DEFAULT_FROM_EMAIL (whatever name that carries is the deploy's default, shown only without a store name)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    name = " ".join(store_name.split())  # one line, whatever was typed
    if not (name and address):
        return settings.DEFAULT_FROM_EMAIL
    return str(Address(display_name=name, addr_spec=address))  # quoted where the name needs it


def build_email(message: Message, rendered: RenderedEmail) -> EmailMultiAlternatives:
    """Multipart (text + HTML) of a message as rendered for sending. The Message-ID is the outbox row's, made
    when it was queued, so a retried or sent-again send is the same email; List-Unsubscribe (with one-click
    POST, RFC 8058) only on marketing. From names the store as its settings say now."""
    headers = {
        "Content-Language": message.language,
        # Rows queued before they had their own id keep the one they went out with.
        "Message-ID": message.message_id or f"<message.{message.pk}@{sender_domain()}>",
        "X-Aftersale-Message": str(message.pk),
    }
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        headers["Auto-Submitted"] = "auto-generated"
    store = branding()
    reply_to = settings.REPLY_TO_EMAIL or store.get("support_email")
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=from_address(str(store.get("store_name") or "")),
        to=[message.recipient],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    if rendered.html:
        email.attach_alternative(rendered.html, "text/html")
    return email


# The server answered "no" (to the sender, the recipients or the message): it did not take the message.
REFUSED = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError)


def send_message(message_id: int) -> str:
    """Deliver one outbox message, at most once. The row is claimed (status "sending", committed) before
    the mail server is called, so a second job, an RQ retry or the sweeper never hands it over again;
    a send that stops midway leaves it "sending", then "outcome unknown", for staff to decide.

    A message's secrets are rendered here, in memory, and erased from Redis once it is sent or has failed
    for good; with them gone before it could be sent, it fails at once (SECRETS_GONE), never retried."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "missing"
        finished = message.status not in (MessageStatus.QUEUED, MessageStatus.RETRYING)
        if not finished:
            message.status, message.attempts = MessageStatus.SENDING, message.attempts + 1
            message.sending_started_at = timezone.now()
            message.save(update_fields=["status", "attempts", "sending_started_at"])
    if finished:  # sent, given up, or claimed by another job (which may have sent it)
        if message.status in (MessageStatus.SENT, MessageStatus.FAILED):
            _erase_secrets(message)  # in case the job that finished it could not
        return message.status
    connection = None
    try:
        email = build_email(message, render_for_sending(message))
        email.message()  # a bad address or header fails here, before any byte is sent
        connection = get_connection(fail_silently=False)
        connection.open()
    except SecretsGone:  # expired before its turn, or Redis lost them: nothing usable to send, ever
        _finish(message, status=MessageStatus.FAILED, last_error=str(SECRETS_GONE))
        _erase_secrets(message)
        return MessageStatus.FAILED
    except Exception as exc:  # nothing reached the server: record it, then let RQ retry
        _close(connection)
        return _not_sent(message, exc)
    try:
        connection.send_messages([email])
    except REFUSED as exc:  # the server answered no: not taken, retried like the above
        return _not_sent(message, exc)
    except Exception as exc:  # cut off mid-conversation (timeout, disconnect, the job's timeout): unknown
        # The secrets stay until their TTL: staff may "Send again" while the code still works.
        cause = f"{type(exc).__name__}: {exc}"
        _finish(message, status=MessageStatus.UNCERTAIN, last_error=str(UNKNOWN_OUTCOME % {"cause": cause}))
        return MessageStatus.UNCERTAIN
    finally:
        _close(connection)
    # Whatever the row says now (a sweeper's "outcome unknown" after a very slow send), the server took it.
    Message.objects.filter(pk=message.pk).exclude(status=MessageStatus.SENT).update(
        status=MessageStatus.SENT, sent_at=timezone.now()
    )
    _erase_secrets(message)
    return MessageStatus.SENT


def _erase_secrets(message: Message) -> None:
    """Forget a finished message's secrets. Not in DEBUG: the demo has no inbox, and its mailbox page shows
    the code and link the shopper needs until they expire (their TTL)."""
    if message.has_secrets() and not settings.DEBUG:
        secret_store.erase([message.pk])


def _close(connection) -> None:
    """QUIT after the answer: a failure here changes nothing about the message."""
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()


def _finish(message: Message, **fields) -> bool:
    """Record a send's outcome, if the row is still this attempt's claim (a sweeper may have moved it)."""
    return bool(
        Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, sending_started_at=message.sending_started_at
        ).update(**fields)
    )


def _not_sent(message: Message, exc: Exception) -> str:
    """The server did not take the message: retrying (RQ runs the job again) or, out of attempts, failed."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    limit = settings.NOTIFICATIONS_MAX_ATTEMPTS
    status = MessageStatus.FAILED if message.attempts >= limit else MessageStatus.RETRYING
    _finish(message, status=status, last_error=error)
    if status == MessageStatus.FAILED:
        _erase_secrets(message)
        return status
    raise RuntimeError(f"message {message.pk} not sent (attempt {message.attempts}): {error}")


def sweep_outbox() -> dict:
    """Re-queue messages a lost job left behind (Redis down at commit); mark those whose send stopped
    midway (a worker killed after claiming them) as outcome unknown, for staff."""
    return {"requeued": requeue_stale_messages(), "uncertain": mark_lost_sends_uncertain()}


def purge_secret_messages() -> int:
    """Delete sign-in and email-change messages a while after their code or link expired (hourly, config/cron.py)."""
    return run_purge()
