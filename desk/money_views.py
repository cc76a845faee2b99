"""Staff money pages of an order in admin: refund, goodwill (store credit, or an order discount settled by
editing), cancel (editing's cancellation, with or without a refund) and a payment link for a balance due.

Wired by desk.admin.OrderAdmin ``get_urls`` through ``admin_site.admin_view``, so only staff signed in
with their second factor reach them. Moving money needs the "change order" permission (the Managers and
Support agents groups have it); the services then apply each staff member's refund limit. Every page
calls one service with ``actor=request.user``; a refusal (``ApplicationError``) is shown on the form with
status 400 and changes nothing. The page itself is orders.admin_views.action_page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import ApplicationError
from core.text import join_items, join_sentences
from desk.forms import CancelForm, CancelRestForm, GoodwillForm, PaymentLinkForm, RefundForm
from editing import services as editing
from editing.settlement import give_goodwill_discount
from orders.admin_forms import OrderActionForm
from orders.admin_views import action_page, may_change_orders, money
from orders.constants import ActorKind
from orders.models import Order
from orders.services import request_balance_payment
from orders.services.credit import give_store_credit, store_credit_balance
from orders.services.refund_limits import refund_limit
from orders.services.refunds import issue_refund, money_in_hand

F = TypeVar("F", bound=OrderActionForm)


def limit_text(user, currency: str) -> str:
    try:
        limit = refund_limit(user)
    except ApplicationError as error:
        return str(error.message)
    return _("No limit") if limit is None else money(limit, currency)


def _money_page(
    request,
    pk: int,
    *,
    model_admin,
    form_class: type[F],
    title: str,
    submit_label: str,
    perform: Callable[[Order, F], str],
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
            reason=form.reason_value(),
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
        data = form.cleaned_data
        amount = money(data["amount"], order.currency)
        if data["kind"] == GoodwillForm.STORE_CREDIT:
            entry = give_store_credit(
                order=order, amount=data["amount"], reason=form.reason_value(), actor=request.user
            )
            return _("%(amount)s of store credit given to %(email)s.") % {
                "amount": money(entry.amount, entry.currency),
                "email": order.email,
            }
        settlement = give_goodwill_discount(
            order=order, amount=data["amount"], reason=form.reason_value(), actor=request.user
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
    def perform(order: Order, form: CancelForm) -> str:
        refund = form.cleaned_data["refund"]
        result = editing.cancel_order(
            order=order, actor_kind=ActorKind.STAFF, actor=request.user, reason=form.reason_value(), refund=refund
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


def cancel_rest(request, pk: int, *, model_admin):
    """Staff cancel what has not shipped of a partly shipped order and choose the refund (editing.rest)."""

    def perform(order: Order, form: CancelRestForm) -> str:
        data = form.cleaned_data
        result = editing.cancel_unshipped(
            order=order,
            reason=form.reason_value(),
            refund=data["refund"],
            amount=form.amount_value(),
            actor=request.user,
        )
        values = {"number": result.order.number, "count": sum(item["quantity"] for item in result.items)}
        done = ngettext(
            "Order #%(number)s: %(count)s item not yet shipped was canceled.",
            "Order #%(number)s: %(count)s items not yet shipped were canceled.",
            values["count"],
        )
        currency, refunded, kept = result.order.currency, "", ""
        if result.settlement.refunds:
            amount = money(result.settlement.refund_amount, currency)
            refunded = _("%(amount)s is refunded to the customer.") % {"amount": amount}
        if result.kept:
            kept = _("The store keeps %(amount)s.") % {"amount": money(result.kept, currency)}
        return join_sentences(done % values, refunded, kept)

    def facts(order: Order) -> list[tuple[str, str]]:
        plan = editing.plan_rest(order, list(order.lines.order_by("pk")))
        items = join_items(f"{item['quantity']} × {item['name']}" for item in plan.items)
        return [
            (_("Not shipped yet"), items or "—"),
            (_("What these items cost"), money(plan.value, order.currency)),
            (_("New order total"), money(plan.totals.total, order.currency)),
        ]

    def notes(order: Order) -> list[str]:
        refusals = editing.rest_refusals(order=order)
        return [str(refusal.message) for refusal in refusals]

    return _money_page(
        request,
        pk,
        model_admin=model_admin,
        form_class=CancelRestForm,
        title=_("Cancel what has not shipped"),
        submit_label=_("Cancel unshipped items"),
        perform=perform,
        facts=facts,
        notes=notes,
    )


def send_payment_link(request, pk: int, *, model_admin):
    """Staff ask for (part of) a balance due by a Pay now link, with the same reminders and expiry."""

    def perform(order: Order, form: PaymentLinkForm) -> str:
        data = form.cleaned_data
        sent = request_balance_payment(
            order_id=order.pk,
            actor_kind=ActorKind.STAFF,
            actor=request.user,
            amount=data["amount"],
            due_days=data["due_days"],
            reason=form.reason_value(),
        )
        if sent is None:
            return _("Nothing is due on this order: no link was sent.")
        return _("A payment link for %(amount)s was emailed to %(email)s.") % {
            "amount": money(sent.amount, sent.currency),
            "email": order.email,
        }

    return _money_page(
        request,
        pk,
        model_admin=model_admin,
        form_class=PaymentLinkForm,
        title=_("Send payment link"),
        submit_label=_("Send payment link"),
        perform=perform,
        facts=lambda order: [(_("Balance due"), money(order.position.balance_due, order.currency))],
    )
