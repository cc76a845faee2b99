from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import services
from notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Shows what the outbox keeps: a message's secrets (a sign-in code or link) are never in it, and its
    subject and bodies show them masked (``services.compose``), so nothing here lets staff act as a shopper."""

    list_display = ["id", "kind", "recipient", "language", "status", "attempts", "sent_again", "created_at", "sent_at"]
    list_filter = ["status", "kind", "language", "created_at"]
    search_fields = ["recipient", "subject", "dedupe_key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Message._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False  # messages come from notify(), never typed in

    @admin.action(description=_("Send again (failed or outcome unknown)"), permissions=["change"])
    def send_again(self, request, queryset):
        """The only way a message whose outcome is unknown goes out again: a person decided the recipient
        should rather get it twice than not at all (docs/decisions.md, "Notifications")."""
        selected = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():  # the re-queue and its admin history entry, together
            queued, secrets_gone = services.send_again(message_ids=selected, actor=request.user.get_username())
            for message in queued:
                self.log_change(request, message, message.last_error)
        if queued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message queued to be sent again.",
                    "%(count)d messages queued to be sent again.",
                    len(queued),
                )
                % {"count": len(queued)},
                level=messages.SUCCESS,
            )
        if secrets_gone:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message not sent again: its code or link expired or was erased, and it is never "
                    "stored. The shopper can ask for a new one.",
                    "%(count)d messages not sent again: their codes or links expired or were erased, and they are "
                    "never stored. The shoppers can ask for new ones.",
                    len(secrets_gone),
                )
                % {"count": len(secrets_gone)},
                level=messages.ERROR,
            )
        if skipped := len(selected) - len(queued) - len(secrets_gone):
            self.message_user(
                request,
                ngettext(
                    "%(count)d message left as it is: only failed messages and those whose outcome is unknown "
                    "can be sent again.",
                    "%(count)d messages left as they are: only failed messages and those whose outcome is unknown "
                    "can be sent again.",
                    skipped,
                )
                % {"count": skipped},
                level=messages.WARNING,
            )
