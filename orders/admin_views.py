"""Staff pages in admin that act on orders' records alone: the shared action page (a form, the facts
above it, one service call on POST; desk's order pages use it too), the refund decisions (approve,
decline, retry) and the printable credit memo.

Wired by TransactionAdmin/CreditMemoAdmin ``get_urls`` (and desk.admin.OrderAdmin's) through
``admin_site.admin_view``, so only staff signed in with their second factor reach them. Moving money
needs the "change order" permission (the Managers and Support agents groups have it); the services then
apply each staff member's refund limit. A refusal (``ApplicationError``) is shown with the page and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.money import format_money
from orders.constants import TransactionKind
from orders.models import CreditMemo, Order, Transaction
from orders.services.refunds import approve_refund, decline_refund, retry_refund
from storefront.models import StoreSettings


def may_change_orders(user) -> bool:
    """Every staff action page (money and fulfilment) needs this; both staff groups have it."""
    return user.is_active and user.is_staff and user.has_perm("orders.change_order")


def money(amount, currency: str) -> str:
    return format_money(amount, currency, get_language() or "en")


def order_url(order_id: int) -> str:
    return reverse("admin:orders_order_change", args=[order_id])


# --- the action page ---------------------------------------------------------------------------------


def action_page(
    request,
    *,
    model_admin,
    order: Order,
    form,
    title: str,
    submit_label: str,
    perform: Callable[[], tuple[int, str]],
    facts: list[tuple[str, str]],
    notes: list[str],
    template: str = "admin/orders/order_action.html",
):
    """One staff action on an order. GET shows the form; POST runs ``perform`` (one service call,
    returning a message level and text) and goes back to the order, or shows the refusal (400)."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                level, message = perform()
            except ApplicationError as error:
                form.show_error(error)
            else:
                messages.add_message(request, level, message)
                return HttpResponseRedirect(order_url(order.pk))
        status = 400
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Order._meta,
        "original": order,
        "order": order,
        "title": title,
        "form": form,
        "submit_label": submit_label,
        "order_url": order_url(order.pk),
        "facts": facts,
        "notes": notes,
    }
    return render(request, template, context, status=status)


# --- refund decisions (buttons on the order page) ---------------------------------------------------

DECISIONS = {
    "approve": approve_refund,
    "decline": decline_refund,
    "retry": retry_refund,
}


def decision_done_message(decision: str, refund: Transaction) -> str:
    values = {"id": refund.pk, "amount": money(refund.amount, refund.currency)}
    if decision == "approve":
        return _("Refund #%(id)s of %(amount)s was approved and is on its way.") % values
    if decision == "decline":
        return _("Refund #%(id)s of %(amount)s was declined; the money stays with the store.") % values
    return _("Refund #%(id)s of %(amount)s is being sent again.") % values


@require_POST
def decide_refund(request, pk: int, *, decision: str):
    """Approve, decline or retry one refund (a POST from the order page's transactions), then back to the order."""
    refund = get_object_or_404(Transaction.objects.select_related("order"), pk=pk, kind=TransactionKind.REFUND)
    if not may_change_orders(request.user):
        raise PermissionDenied
    try:
        refund = DECISIONS[decision](refund=refund, actor=request.user)
    except ApplicationError as error:
        messages.error(request, _("Refund #%(id)s: %(error)s") % {"id": refund.pk, "error": error.message})
    else:
        messages.success(request, decision_done_message(decision, refund))
    return HttpResponseRedirect(order_url(refund.order_id))


# --- printable credit memo ----------------------------------------------------------------------------


def print_credit_memo(request, pk: int):
    if not request.user.has_perm("orders.view_creditmemo"):
        raise PermissionDenied
    memo = get_object_or_404(CreditMemo.objects.select_related("order", "created_by", "invoice"), pk=pk)
    refunds = list(memo.refunds.order_by("created_at", "pk"))
    return render(
        request,
        "admin/orders/creditmemo_print.html",
        {"memo": memo, "order": memo.order, "refunds": refunds, "store": StoreSettings.load()},
    )
