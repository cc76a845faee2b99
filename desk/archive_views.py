"""Staff archive and unarchive orders by hand: a button on the order page (a POST) and two actions on the order
list. An archived order leaves the default list (desk.filters.StatusFilter shows it on request) and can't be
edited or cancelled until it is unarchived; each change is a versioned write with its event on the timeline
(orders.services.closing). Needs the "change order" permission, as every staff action on orders does: both
the Managers and the Support agents groups have it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from orders.admin_views import may_change_orders, order_url
from orders.constants import ActorKind, OrderStatus
from orders.models import Order
from orders.services.closing import archive_order, unarchive_order


def _order(request, pk: int) -> Order:
    order = get_object_or_404(Order, pk=pk)
    if not may_change_orders(request.user):
        raise PermissionDenied
    return order


@require_POST
def archive(request, pk: int, *, model_admin):
    order = _order(request, pk)
    if order.status != OrderStatus.OPEN:
        messages.error(request, _("Only an open order can be archived."))
    else:
        archive_order(order=order, actor_kind=ActorKind.STAFF, actor=request.user)
        messages.success(request, _("Order #%(number)s is archived.") % {"number": order.number})
    return HttpResponseRedirect(order_url(order.pk))


@require_POST
def unarchive(request, pk: int, *, model_admin):
    order = _order(request, pk)
    if order.status != OrderStatus.ARCHIVED:
        messages.error(request, _("This order is not archived."))
    else:
        unarchive_order(order=order, actor=request.user)
        messages.success(request, _("Order #%(number)s is open again.") % {"number": order.number})
    return HttpResponseRedirect(order_url(order.pk))


def archive_many(queryset, *, actor) -> int:
    """Archive the open orders among those selected, each under its own lock; returns how many were."""
    ids = list(queryset.filter(status=OrderStatus.OPEN).order_by("pk").values_list("pk", flat=True))
    return sum(
        archive_order(order=Order(pk=pk), actor_kind=ActorKind.STAFF, actor=actor).status == OrderStatus.ARCHIVED
        for pk in ids
    )


def unarchive_many(queryset, *, actor) -> int:
    ids = list(queryset.filter(status=OrderStatus.ARCHIVED).order_by("pk").values_list("pk", flat=True))
    return sum(unarchive_order(order=Order(pk=pk), actor=actor).status == OrderStatus.OPEN for pk in ids)


def archived_message(count: int) -> str:
    return ngettext("%(count)s order archived.", "%(count)s orders archived.", count) % {"count": count}


def unarchived_message(count: int) -> str:
    return ngettext("%(count)s order unarchived.", "%(count)s orders unarchived.", count) % {"count": count}
