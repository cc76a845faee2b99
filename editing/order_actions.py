"""What editing offers orders: the shopper's "Edit order" and "Cancel order" (orders.order_actions), and the
edit policy's terms for paying a balance (orders.payment_terms)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from editing.eligibility import order_view, refusals_for
from editing.models import EditPolicy
from editing.rules import OrderView
from orders.constants import ActorKind
from orders.models import Order
from orders.payment_terms import PaymentTerms


class EditActions:
    def facts(self, order: Order) -> OrderView:
        return order_view(order, list(order.lines.all()), {})

    def render(self, facts: OrderView, *, number: int, request: HttpRequest) -> str:
        edit, cancel = refusals_for(facts, actor_kind=ActorKind.CUSTOMER, policy=EditPolicy.cached())
        context = {"number": number, "facts": facts, "edit_refusals": edit, "cancel_refusals": cancel}
        return render_to_string("editing/_order_actions.html", context, request=request)


def policy_payment_terms() -> PaymentTerms:
    """The edit policy's days to pay a balance and its reminder days, for every Pay now request."""
    policy = EditPolicy.cached()
    return PaymentTerms(due_days=policy.payment_due_days, reminder_days=tuple(policy.payment_reminder_days or ()))
