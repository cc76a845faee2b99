"""Adding an internal note from the order's page: its "Add note" button posts the page's form here (a form
can't nest in the change form), and only the note's text is read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from desk.services import add_note
from orders.admin_views import order_url
from orders.models import Order


@require_POST
def add_order_note(request, pk: int, *, model_admin):
    order = get_object_or_404(Order, pk=pk)
    if not (model_admin.has_view_permission(request, order) and request.user.has_perm("desk.add_note")):
        raise PermissionDenied
    try:
        add_note(author=request.user, order=order, text=request.POST.get("note_text", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Note added."))
    return HttpResponseRedirect(order_url(order.pk) + "#timeline")
