"""What returns offer on the shopper's order page (orders.order_actions): "Return or exchange" while some
delivered unit is within the window, and the order's returns with their status."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from orders.constants import DeliveryState
from orders.models import Order
from returns.models import ReturnPolicy, ReturnRequest
from returns.rules import LineState, order_refusal
from returns.selectors import line_state, order_lines_for_returns, policy_terms


@dataclass(frozen=True)
class ReturnFacts:
    cancelled: bool
    lines: tuple[LineState, ...]
    returns: tuple[tuple[str, str, str], ...]  # (number, status, status label)


class ReturnActions:
    def facts(self, order: Order) -> ReturnFacts:
        """No query for an order with nothing delivered (its page read its shipments already) and none for its
        returns while it has had none (``return_status`` is blank until the first)."""
        delivered = any(shipment.delivery_state == DeliveryState.DELIVERED for shipment in order.fulfillments.all())
        returns = (
            ReturnRequest.objects.filter(order=order).order_by("-created_at", "-pk") if order.return_status else ()
        )
        return ReturnFacts(
            cancelled=order.cancelled_at is not None,
            lines=tuple(line_state(line) for line in order_lines_for_returns(order)) if delivered else (),
            returns=tuple((r.number, r.status, str(r.get_status_display())) for r in returns),
        )

    def render(self, facts: ReturnFacts, *, number: int, request: HttpRequest) -> str:
        if not facts.returns and not any(line.delivered for line in facts.lines):
            return ""  # nothing delivered yet: nothing to say about returns
        refusal = order_refusal(
            terms=policy_terms(ReturnPolicy.cached()),
            cancelled=facts.cancelled,
            lines=list(facts.lines),
            now=timezone.now(),
        )
        offered = refusal is None
        context = {"number": number, "offered": offered, "refusal": refusal, "returns": facts.returns}
        return render_to_string("returns/_order_actions.html", context, request=request)
