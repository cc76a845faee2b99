"""RQ entry points of the outbox. Safe to run twice: a sent message is never sent again."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from notifications.constants import MessageStatus
from notifications.models import Message
from notifications.services import branding, compose, requeue_stale_messages


def build_email(message: Message) -> EmailMultiAlternatives:
    """Multipart (text + HTML) of a composed message. The Message-ID is the outbox row's, so a retried send is the same email;
    List-Unsubscribe (with one-click POST, RFC 8058) only on marketing."""
    sender_domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    headers = {
        "Content-Language": message.language,
        "Message-ID": f"<message.{message.pk}@{sender_domain}>",
        "X-Aftersale-Message": str(message.pk),
    }
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        headers["Auto-Submitted"] = "auto-generated"
    reply_to = settings.REPLY_TO_EMAIL or branding().get("support_email")
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def send_message(message_id: int) -> str:
    """Deliver one outbox message. Holds the row lock while sending so two jobs can't both send it."""
    with transaction.atomic():
        message = Message.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None:
            return "locked-or-missing"
        if message.status in (MessageStatus.SENT, MessageStatus.FAILED):
            return message.status
        message.attempts += 1
        try:
            build_email(compose(message)).send(fail_silently=False)
        except Exception as exc:  # any transport error: record it, then let RQ retry
            error = f"{type(exc).__name__}: {exc}"
        else:
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
            message.save(update_fields=["status", "sent_at", "attempts", "last_error"])
            return message.status
        message.last_error = error[:2000]
        exhausted = message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
        message.status = MessageStatus.FAILED if exhausted else MessageStatus.RETRYING
        message.save(update_fields=["status", "attempts", "last_error"])
    if exhausted:
        return message.status
    raise RuntimeError(f"message {message_id} not sent (attempt {message.attempts}): {error}")


def sweep_outbox() -> int:
    """Re-queue messages a lost job left behind (Redis down at commit, a worker killed mid-send)."""
    return requeue_stale_messages()
