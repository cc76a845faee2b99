"""The DEBUG-only mailbox: where the demo's codes and confirmations arrive."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from notifications.models import Message
from notifications.services import compose


def _require_debug() -> None:
    if not settings.DEBUG:
        raise Http404


def mailbox(request):
    _require_debug()
    messages = Message.objects.only("id", "kind", "recipient", "subject", "status", "created_at", "language")[:200]
    return render(request, "notifications/mailbox.html", {"messages": messages})


def mailbox_message(request, pk: int):
    _require_debug()
    message = compose(get_object_or_404(Message, pk=pk))  # shown before the worker got to it, too
    if request.GET.get("format") == "html":
        # Shown inside a sandboxed iframe on the detail page.
        return HttpResponse(message.body_html, content_type="text/html; charset=utf-8")
    return render(request, "notifications/mailbox_message.html", {"message": message})
