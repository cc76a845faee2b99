"""Staff money pages in admin: refund, goodwill (store credit or order discount), cancel, the refund
decisions (approve, decline, retry) and the printable credit memo.

Wired by OrderAdmin/TransactionAdmin/CreditMemoAdmin ``get_urls`` through ``admin_site.admin_view``,
so only staff signed in with their second factor reach them. Moving money needs the "change order"
permission (the Managers and Support agents groups have it); the services then apply each staff
member's refund limit. Every page calls one service with ``actor=request.user``; a refusal
(``ApplicationError``) is shown on the form with status 400 and changes nothing.
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
from orders.admin_forms import CancelForm, GoodwillForm, OrderActionForm, RefundForm
from orders.constants import TransactionKind
from orders.models import CreditMemo, Order, Transaction
from orders.services.credit import give_store_credit, store_credit_balance
from orders.services.refunds import (
    approve_refund,
    decline_refund,
    issue_refund,
    money_in_hand,
    refund_limit,
    retry_refund,
)
from storefront.models import StoreSettings


def may_change_orders(user) -> bool:
    """Every staff action page (money and fulfilment) needs this; both staff groups have it."""
    return user.is_active and user.is_staff and user.has_perm("orders.change_order")


def money(amount, currency: str) -> str:
    return format_money(amount, currency, get_language() or "en")


def order_url(order_id: int) -> str:
    return reverse("admin:orders_order_change", args=[order_id])


def limit_text(user, currency: str) -> str:
    try:
        limit = refund_limit(user)
    except ApplicationError as error:
        return str(error.message)
    return _("No limit") if limit is None else money(limit, currency)


# --- the three order pages -------------------------------------------------------------------------


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


def _money_page(
    request,
    pk: int,
    *,
    model_admin,
    form_class: type[OrderActionForm],
    title: str,
    submit_label: str,
    perform: Callable[[Order, OrderActionForm], str],
    facts: Callable[[Order], list[tuple[str, str]]] | None = None,
    notes: Callable[[Order], list[str]] | None = None,
):
    """A money page: the order's money facts first; ``perform`` returns the success message."""
    order = get_object_or_404(Order.objects.select_related("customer"), pk=pk)
    if not may_change_orders(request.user):
        raise PermissionDenied
    form = form_class(request.POST or None)
    return action_page(
        request,
        model_admin=model_admin,
        order=order,
        form=form,
        title=title,
        submit_label=submit_label,
        perform=lambda: (messages.SUCCESS, perform(order, form)),
        facts=[
            (_("Order"), f"#{order.number}"),
            (_("Customer"), order.email),
            (_("Order total"), money(order.total, order.currency)),
            (_("Refundable (paid, less refunds done or on their way)"), money(money_in_hand(order), order.currency)),
            (_("Your refund limit"), limit_text(request.user, order.currency)),
            *(facts(order) if facts else []),
        ],
        notes=notes(order) if notes else [],
    )


def refund_order(request, pk: int, *, model_admin):
    def perform(order: Order, form: RefundForm) -> str:
        data = form.cleaned_data
        memo = issue_refund(
            order=order,
            amount=data["amount"],
            reason=data["reason"],
            with_return=data["with_return"],
            actor=request.user,
        )
        return _("Credit memo %(memo)s: a refund of %(amount)s is on its way to the customer.") % {
            "memo": memo.number,
            "amount": money(memo.amount, memo.currency),
        }

    return _money_page(
        request,
        pk,
        model_admin=model_admin,
        form_class=RefundForm,
        title=_("Refund"),
        submit_label=_("Refund"),
        perform=perform,
        facts=lambda order: [
            (_("Given back so far (goodwill and returns)"), money(order.adjustment_total, order.currency))
        ],
    )


def give_goodwill(request, pk: int, *, model_admin):
    def perform(order: Order, form: GoodwillForm) -> str:
        from editing.settlement import give_goodwill_discount

        data = form.cleaned_data
        amount = money(data["amount"], order.currency)
        if data["kind"] == GoodwillForm.STORE_CREDIT:
            entry = give_store_credit(order=order, amount=data["amount"], reason=data["reason"], actor=request.user)
            return _("%(amount)s of store credit given to %(email)s.") % {
                "amount": money(entry.amount, entry.currency),
                "email": order.email,
            }
        settlement = give_goodwill_discount(
            order=order, amount=data["amount"], reason=data["reason"], actor=request.user
        )
        if settlement.refunds:
            return _("A goodwill discount of %(amount)s was given; %(refund)s is refunded to the customer.") % {
                "amount": amount,
                "refund": money(settlement.refund_amount, order.currency),
            }
        if settlement.payment_request is not None:
            return _("A goodwill discount of %(amount)s was given; the customer now owes %(due)s.") % {
                "amount": amount,
                "due": money(settlement.payment_request.amount, order.currency),
            }
        return _("A goodwill discount of %(amount)s was given.") % {"amount": amount}

    def facts(order: Order) -> list[tuple[str, str]]:
        rows = [(_("Given back so far (goodwill and returns)"), money(order.adjustment_total, order.currency))]
        if order.customer_id:
            balance = store_credit_balance(order.customer)
            rows.append((_("Customer's store credit"), money(balance, order.currency)))
        return rows

    return _money_page(
        request,
        pk,
        model_admin=model_admin,
        form_class=GoodwillForm,
        title=_("Give goodwill"),
        submit_label=_("Give goodwill"),
        perform=perform,
        facts=facts,
    )


def cancel_order(request, pk: int, *, model_admin):
    from editing import services as editing
    from orders.constants import ActorKind

    def perform(order: Order, form: CancelForm) -> str:
        refund = form.cleaned_data["refund"]
        result = editing.cancel_order(
            order=order, actor_kind=ActorKind.STAFF, actor=request.user, reason=form.reason_text(), refund=refund
        )
        settlement, number = result.settlement, result.order.number
        if not settlement.refunds:
            return _("Order #%(number)s was canceled; nothing is refunded.") % {"number": number}
        amount = money(settlement.refund_amount, result.order.currency)
        if settlement.refund_awaits_approval:
            return _("Order #%(number)s was canceled; a refund of %(amount)s awaits approval.") % {
                "number": number,
                "amount": amount,
            }
        return _("Order #%(number)s was canceled; %(amount)s is refunded to the customer.") % {
            "number": number,
            "amount": amount,
        }

    def notes(order: Order) -> list[str]:
        return [str(refusal.message) for refusal in editing.cancel_refusals(order=order, actor_kind=ActorKind.STAFF)]

    return _money_page(
        request,
        pk,
        model_admin=model_admin,
        form_class=CancelForm,
        title=_("Cancel order"),
        submit_label=_("Cancel order"),
        perform=perform,
        notes=notes,
    )


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
    memo = get_object_or_404(CreditMemo.objects.select_related("order", "created_by"), pk=pk)
    refunds = list(memo.refunds.order_by("created_at", "pk"))
    return render(
        request,
        "admin/orders/creditmemo_print.html",
        {"memo": memo, "order": memo.order, "refunds": refunds, "store": StoreSettings.load()},
    )
