from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.constants import MessageKind, MessageStatus


class Message(models.Model):
    """One email in the outbox. The send job renders it on its first attempt and keeps the text
    (``services.compose``), so a retry sends the same email; until then subject and bodies are empty.

    A message that carries secrets (a sign-in code, a sign-in link) keeps only their names here: the
    values wait in Redis (``notifications.secret_store``) until the email is sent, the kept text shows
    them masked, and the send job renders the real email in memory (``services.render_for_sending``)."""

    kind = models.CharField(_("kind"), max_length=64, choices=MessageKind.choices)
    recipient = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=16)
    # The zone its times are shown in (an IANA name; empty: the store's), with ``language`` decided when the
    # send job renders it: a shopper's come from their profile then (services.compose).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("plain text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The last error, kept once sent: with "Send again" notes it is the message's audit trail.
    last_error = models.TextField(_("last error"), blank=True)
    # When the latest attempt claimed the row, just before calling the mail server (the sweeper's clock).
    sending_started_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    # Times staff sent it again (failed, or outcome unknown); each starts a new round of attempts.
    sent_again = models.PositiveSmallIntegerField(_("sent again"), default=0)
    # One message per business event: a second notify() with the same key returns the first.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True, null=True, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    # Names only (["code", "link"]): the values are never written to the database.
    secret_names = models.JSONField(
        _("secrets"),
        default=list,
        blank=True,
        help_text=_("Sent only in the email and never stored: the text kept here shows them masked."),
    )
    # When the secrets stop working (and leave Redis); the purge deletes the message a while after.
    secrets_expire_at = models.DateTimeField(_("secrets expire"), null=True, blank=True)
    # Marketing messages only: where the recipient opts out (sent as List-Unsubscribe).
    unsubscribe_url = models.URLField(_("unsubscribe link"), max_length=500, blank=True)
    # Its own Message-ID header, made once when the message is queued (``services.new_message_id``): every
    # attempt and every "Send again" carries it, so a receiver can tell a repeat from a new email. Blank on
    # messages queued before it existed: those keep the id they went out with (``jobs.build_email``).
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The purge's walk over messages that carried secrets (a small share of the outbox).
            models.Index(
                fields=["secrets_expire_at"],
                name="message_secrets_expire_idx",
                condition=models.Q(secrets_expire_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"

    def is_sent(self) -> bool:
        return self.status == MessageStatus.SENT

    def has_secrets(self) -> bool:
        return bool(self.secret_names)
