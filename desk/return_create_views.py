"""Staff open a return for a customer from the order's page in admin ("Create a return"): the shopper's form
(per line a quantity, a reason, an exchange for another variant; where the refund goes; a comment), without the
shopper's limits: staff may return items outside the window or marked non-returnable, and choose any refund
destination (``request_return(actor_kind=STAFF)`` decides what is allowed).

Wired by desk.admin.OrderAdmin ``get_urls`` through ``admin_site.admin_view``. Needs "add return" (both staff
groups have it). A refusal is shown on the form with status 400 and changes nothing; a return made goes to its
page, where it is approved like any other (or already is, when the policy approves automatically).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from desk.return_forms import CreateReturnForm
from desk.return_views import page_url
from orders.admin_fulfilment import posted
from orders.admin_views import order_url
from orders.constants import ActorKind
from orders.models import Order
from returns import services
from returns.models import ReturnPolicy
from returns.rules import line_refusal, order_refusal, returnable_quantity
from returns.selectors import all_reasons, exchange_options, line_state, order_lines_for_returns, policy_terms


def create_return(request, pk: int, *, model_admin):
    order = get_object_or_404(Order, pk=pk)
    if not (request.user.has_perm("returns.add_returnrequest") and request.user.has_perm("orders.view_order")):
        raise PermissionDenied
    lines = [line for line in order_lines_for_returns(order) if not line.is_fee]
    terms, now = policy_terms(ReturnPolicy.cached()), timezone.now()
    states = {line.pk: line_state(line) for line in lines}
    form = CreateReturnForm(
        posted(request),
        lines=lines,
        returnable={pk: returnable_quantity(state, terms, now=now, staff=True) for pk, state in states.items()},
        reasons=all_reasons(),
        exchanges=exchange_options(lines),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ret = services.request_return(
                    order=order,
                    lines=form.asked(),
                    refund_to=form.cleaned_data["refund_to"],
                    comment=form.cleaned_data["comment"],
                    actor_kind=ActorKind.STAFF,
                    actor=request.user,
                )
            except ApplicationError as error:
                form.show_error(error)
            else:
                messages.success(
                    request,
                    _("Return %(number)s was created for order #%(order)s.")
                    % {"number": ret.number, "order": order.number},
                )
                return HttpResponseRedirect(page_url(ret.pk))
        status = 400
    refusal = order_refusal(
        terms=terms, cancelled=order.cancelled_at is not None, lines=list(states.values()), now=now, staff=True
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Order._meta,
        "original": order,
        "order": order,
        "title": _("Create a return"),
        "form": form,
        "submit_label": _("Create return"),
        "order_url": order_url(order.pk),
        "facts": [(_("Order"), f"#{order.number}"), (_("Customer"), order.email)],
        "notes": [refusal] if refusal else [],
        "rows": [
            (line, quantity, reason, exchange, line_refusal(states[line.pk], terms, now=now))
            for line, quantity, reason, exchange in form.rows()
        ],
    }
    return render(request, "admin/desk/returns/create_return.html", context, status=status)
