"""The DEBUG-only mailbox: where the demo's codes and confirmations arrive."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from notifications.models import Message
from notifications.secret_store import SecretsGone
from notifications.services import compose, render_for_sending


def _require_debug() -> None:
    if not settings.DEBUG:
        raise Http404


def mailbox(request):
    _require_debug()
    messages = Message.objects.only("id", "kind", "recipient", "subject", "status", "created_at", "language")[:200]
    return render(request, "notifications/mailbox.html", {"messages": messages})


def mailbox_message(request, pk: int):
    """The email as sent: the demo has no inbox, so a code or link shows here until it expires (the send
    job leaves a message's secrets in Redis in DEBUG), masked after."""
    _require_debug()
    message = compose(get_object_or_404(Message, pk=pk))  # shown before the worker got to it, too
    try:
        subject, text, html = render_for_sending(message)
    except SecretsGone:
        subject, text, html = message.subject, message.body_text, message.body_html
    if request.GET.get("format") == "html":
        # Shown inside a sandboxed iframe on the detail page.
        return HttpResponse(html, content_type="text/html; charset=utf-8")
    email = {"subject": subject, "text": text, "html": html}
    return render(request, "notifications/mailbox_message.html", {"message": message, "email": email})
