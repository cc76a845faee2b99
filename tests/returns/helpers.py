"""Orders delivered and returned, for the returns tests."""

from __future__ import annotations

from orders import services as orders
from orders.constants import ActorKind, DeliveryState
from orders.models import Order
from returns import services as returns
from returns.constants import DEFAULT_REASONS
from returns.models import ReturnReason, ReturnRequest
from returns.services import AskedLine, Received
from tests.editing.conftest import place

SWEATER_M, SWEATER_L = "MERINO-CREW-SWEATER-M-NAVY", "MERINO-CREW-SWEATER-L-NAVY"
SOCKS, MUG = "WOOL-SOCKS-M-GREY", "CERAMIC-MUG-WHITE"


def line(order: Order, code: str):
    return order.lines.get(sku=code)


def deliver(order: Order, **quantities_by_sku) -> Order:
    """Ship and deliver these units (all of every line when none are named)."""
    quantities = (
        {line(order, code).pk: q for code, q in quantities_by_sku.items()}
        if quantities_by_sku
        else {ln.pk: ln.unfulfilled_quantity for ln in order.lines.all() if ln.unfulfilled_quantity}
    )
    orders.record_shipment(
        order=order, quantities=quantities, delivery_state=DeliveryState.DELIVERED, actor_kind=ActorKind.STAFF
    )
    order.refresh_from_db()
    return order


def delivered(lines, **kwargs) -> Order:
    return deliver(place(lines, **kwargs))


def ask(order: Order, *items, refund_to="original", actor_kind=ActorKind.CUSTOMER, actor=None) -> ReturnRequest:
    """``items``: (sku, quantity, reason code[, exchange sku])."""
    from tests.editing.conftest import sku

    asked = [
        AskedLine(
            order_line_id=line(order, code).pk,
            quantity=quantity,
            reason_code=reason,
            exchange_variant_id=sku(rest[0]).pk if rest else None,
        )
        for code, quantity, reason, *rest in items
    ]
    return returns.request_return(
        order=order,
        lines=asked,
        refund_to=refund_to,
        actor_kind=actor_kind,
        actor=actor or (order.customer if actor_kind == ActorKind.CUSTOMER else None),
    )


def receive_all(request: ReturnRequest, condition="resellable", actor=None) -> ReturnRequest:
    received = {ln.pk: Received(ln.quantity, condition) for ln in request.lines.all()}
    return returns.receive_return(
        request=request, received=received, actor_kind=ActorKind.STAFF if actor else ActorKind.SYSTEM, actor=actor
    )


def ensure_reasons() -> None:
    """The reasons the migration seeds, again: a transactional test (the browser's) flushes every table after it."""
    for position, (code, (_label, store_fault)) in enumerate(DEFAULT_REASONS.items()):
        ReturnReason.objects.get_or_create(code=code, defaults={"store_fault": store_fault, "position": position})
