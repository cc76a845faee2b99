"""The shopper's "Edit order" and "Cancel order" on their order page, offered to orders.order_actions."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from editing.eligibility import order_view, refusals_for
from editing.models import EditPolicy
from editing.rules import OrderView
from orders.constants import ActorKind
from orders.models import Order


class EditActions:
    def facts(self, order: Order) -> OrderView:
        return order_view(order, list(order.lines.all()), {})

    def render(self, facts: OrderView, *, number: int, request: HttpRequest) -> str:
        edit, cancel = refusals_for(facts, actor_kind=ActorKind.CUSTOMER, policy=EditPolicy.cached())
        context = {"number": number, "facts": facts, "edit_refusals": edit, "cancel_refusals": cancel}
        return render_to_string("editing/_order_actions.html", context, request=request)
