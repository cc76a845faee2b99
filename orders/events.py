"""One factory per OrderEvent type. Events are written only here, and never changed afterwards.

A reason is kept as ``reason_code`` and ``reason_note`` (core.reasons), never as a sentence; events written
before kept a ``reason`` sentence, which readers take as an "other" note (``Reason.from_data``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.reasons import Reason
from orders.constants import CUSTOMER_VISIBLE_EVENTS, ActorKind, EventType
from orders.models import Fulfillment, Invoice, Order, OrderEvent, PaymentRequest, StoreCreditEntry, Transaction

logger = logging.getLogger(__name__)


def _event(*, order: Order, type: EventType, actor_kind: ActorKind, actor=None, data: dict, at=None) -> OrderEvent:
    event = OrderEvent.objects.create(
        created_at=at or timezone.now(),
        order=order,
        type=type,
        actor_kind=actor_kind,
        actor=actor,
        data=data,
        customer_visible=type in CUSTOMER_VISIBLE_EVENTS,
        order_version=order.version,
    )
    if settings.ORDER_EVENT_LISTENERS:
        transaction.on_commit(lambda: _tell_listeners(event))
    return event


def _tell_listeners(event: OrderEvent) -> None:
    """Apps above orders hear of committed events (``ORDER_EVENT_LISTENERS``: webhooks). A listener's
    failure is logged, never the caller's: the change is committed, and the listener has its own sweeper."""
    for path in settings.ORDER_EVENT_LISTENERS:
        try:
            import_string(path)(event)
        except Exception:
            logger.exception("order event listener %s failed for event %s", path, event.pk)


def order_placed_event(
    *,
    order: Order,
    line_count: int,
    actor_kind: ActorKind,
    actor=None,
    draft_id: int | None = None,
    staff_discount: dict | None = None,
) -> OrderEvent:
    """``draft_id``, ``staff_discount`` (percent, amount, reason_code, reason_note): staff placed a draft."""
    data: dict = {"total": str(order.total), "currency": order.currency, "lines": line_count}
    if draft_id is not None:
        data["draft"] = draft_id
    if staff_discount:
        data["staff_discount"] = staff_discount
    return _event(order=order, type=EventType.PLACED, actor_kind=actor_kind, actor=actor, data=data, at=order.placed_at)


def payment_captured_event(*, order: Order, transaction: Transaction, actor_kind: ActorKind, actor=None) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.PAYMENT_CAPTURED,
        actor_kind=actor_kind,
        actor=actor,
        data={"transaction": transaction.pk, "amount": str(transaction.amount), "currency": transaction.currency},
    )


def refund_recorded_event(*, order: Order, transaction: Transaction, actor_kind: ActorKind, actor=None) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.REFUND_RECORDED,
        actor_kind=actor_kind,
        actor=actor,
        data={
            "transaction": transaction.pk,
            "amount": str(transaction.amount),
            "currency": transaction.currency,
            **(transaction.reason.as_data() if transaction.reason else {}),  # shown with it on the timeline
        },
    )


def fulfillment_created_event(
    *, order: Order, fulfillment: Fulfillment, quantities: dict[int, int], actor_kind: ActorKind, actor=None
) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.FULFILLMENT_CREATED,
        actor_kind=actor_kind,
        actor=actor,
        data={
            "fulfillment": fulfillment.pk,
            "carrier": fulfillment.carrier,
            "tracking_number": fulfillment.tracking_number,
            "lines": {str(line_id): quantity for line_id, quantity in quantities.items()},
        },
    )


def delivery_updated_event(
    *, order: Order, fulfillment: Fulfillment, before: dict, after: dict, actor_kind: ActorKind, actor=None
) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.DELIVERY_UPDATED,
        actor_kind=actor_kind,
        actor=actor,
        data={"fulfillment": fulfillment.pk, "before": before, "after": after},
    )


def order_cancelled_event(*, order: Order, reason: Reason, actor_kind: ActorKind, actor=None) -> OrderEvent:
    return _event(order=order, type=EventType.CANCELLED, actor_kind=actor_kind, actor=actor, data=reason.as_data())


def order_archived_event(*, order: Order, actor_kind: ActorKind, actor=None) -> OrderEvent:
    return _event(order=order, type=EventType.ARCHIVED, actor_kind=actor_kind, actor=actor, data={})


def order_unarchived_event(*, order: Order, actor) -> OrderEvent:
    return _event(order=order, type=EventType.UNARCHIVED, actor_kind=ActorKind.STAFF, actor=actor, data={})


def rest_cancelled_event(
    *, order: Order, items: list[dict], before_total, refund: str, reason: Reason, actor
) -> OrderEvent:
    """Staff cancelled what had not shipped: the items (name, quantity, what they cost), the totals before and
    after, and the refund staff chose (``RestRefund``); the money itself is in the refund and kept events."""
    return _event(
        order=order,
        type=EventType.REST_CANCELLED,
        actor_kind=ActorKind.STAFF,
        actor=actor,
        data={
            "items": items,
            "before": {"total": str(before_total)},
            "after": {"total": str(order.total)},
            "amount": str(order.total),
            "currency": order.currency,
            "refund": refund,
            **reason.as_data(),
        },
    )


def order_edited_event(
    *,
    order: Order,
    before: dict,
    after: dict,
    changes: list[dict],
    delta: str,
    reason: Reason,
    actor_kind: ActorKind,
    actor=None,
) -> OrderEvent:
    """The edit's revision: every line and total before and after, and the money delta. Never changed."""
    return _event(
        order=order,
        type=EventType.EDITED,
        actor_kind=actor_kind,
        actor=actor,
        data={"before": before, "after": after, "changes": changes, "delta": delta, **reason.as_data()},
    )


def refund_requested_event(*, order: Order, refund: Transaction, actor_kind: ActorKind, actor=None) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.REFUND_REQUESTED,
        actor_kind=actor_kind,
        actor=actor,
        data={
            "transaction": refund.pk,
            "amount": str(refund.amount),
            "currency": refund.currency,
            "status": refund.status,
        },
    )


def payment_requested_event(*, order: Order, request: PaymentRequest, actor_kind: ActorKind, actor=None) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.PAYMENT_REQUESTED,
        actor_kind=actor_kind,
        actor=actor,
        data={"payment_request": request.pk, "amount": str(request.amount), "currency": request.currency},
    )


def released_for_fulfillment_event(
    *, order: Order, reason: Reason | None = None, actor_kind: ActorKind = ActorKind.SYSTEM, actor=None
) -> OrderEvent:
    data = reason.as_data() if reason else {}
    return _event(order=order, type=EventType.RELEASED_FOR_FULFILLMENT, actor_kind=actor_kind, actor=actor, data=data)


def _refund_data(refund: Transaction, **extra) -> dict:
    return {"transaction": refund.pk, "amount": str(refund.amount), "currency": refund.currency, **extra}


def refund_approved_event(*, order: Order, refund: Transaction, actor) -> OrderEvent:
    return _event(
        order=order, type=EventType.REFUND_APPROVED, actor_kind=ActorKind.STAFF, actor=actor, data=_refund_data(refund)
    )


def refund_declined_event(*, order: Order, refund: Transaction, actor) -> OrderEvent:
    return _event(
        order=order, type=EventType.REFUND_DECLINED, actor_kind=ActorKind.STAFF, actor=actor, data=_refund_data(refund)
    )


def money_kept_event(*, order: Order, amount, actor) -> OrderEvent:
    """Staff cancelled without a refund: what the order held is kept, not owed back."""
    return _event(
        order=order,
        type=EventType.MONEY_KEPT,
        actor_kind=ActorKind.STAFF,
        actor=actor,
        data={"amount": str(amount), "currency": order.currency},
    )


def refund_failed_event(*, order: Order, refund: Transaction) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.REFUND_FAILED,
        actor_kind=ActorKind.SYSTEM,
        data=_refund_data(refund, error=refund.error[:300]),
    )


def payment_disputed_event(*, order: Order, charge: Transaction, amount: str, reason: str, dispute: str) -> OrderEvent:
    """The cardholder disputed a payment with their bank (Stripe's ``charge.dispute.created``): staff only."""
    return _event(
        order=order,
        type=EventType.PAYMENT_DISPUTED,
        actor_kind=ActorKind.SYSTEM,
        data={
            "transaction": charge.pk,
            "amount": amount,
            "currency": charge.currency,
            "reason": reason,
            "dispute": dispute,
        },
    )


def payment_request_expired_event(*, order: Order, request: PaymentRequest) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.PAYMENT_REQUEST_EXPIRED,
        actor_kind=ActorKind.SYSTEM,
        data={"payment_request": request.pk, "amount": str(request.amount), "currency": request.currency},
    )


def edit_reverted_event(*, order: Order, edit_session_id: int, before: dict, after: dict) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.EDIT_REVERTED,
        actor_kind=ActorKind.SYSTEM,
        data={"edit_session": edit_session_id, "before": before, "after": after, "amount": after.get("total", "0")},
    )


def store_credit_issued_event(*, order: Order, entry: StoreCreditEntry, actor) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.STORE_CREDIT_ISSUED,
        actor_kind=ActorKind.STAFF,
        actor=actor,
        data={"entry": entry.pk, "amount": str(entry.amount), "currency": entry.currency, **entry.reason.as_data()},
    )


def goodwill_discount_event(*, order: Order, amount, reason: Reason, actor) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.GOODWILL_DISCOUNT,
        actor_kind=ActorKind.STAFF,
        actor=actor,
        data={"amount": str(amount), "currency": order.currency, **reason.as_data()},
    )


def backorder_reported_event(
    *, order: Order, quantities: dict[int, int], kind: str, expected, note: str, actor_kind: ActorKind, actor=None
) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.BACKORDER_REPORTED,
        actor_kind=actor_kind,
        actor=actor,
        data={
            "lines": {str(line_id): quantity for line_id, quantity in quantities.items()},
            "kind": kind,
            "expected": expected.isoformat() if expected else None,
            "note": note[:300],
        },
    )


def settlement_withdrawn_event(*, order: Order, payment_requests: list[int], refunds: list[int]) -> OrderEvent:
    """Before a balance is worked out again, what was not yet in motion is withdrawn: say which."""
    return _event(
        order=order,
        type=EventType.SETTLEMENT_WITHDRAWN,
        actor_kind=ActorKind.SYSTEM,
        data={"payment_requests": payment_requests, "refunds": refunds},
    )


def order_reviewed_event(*, order: Order, changes: dict[str, dict], actor) -> OrderEvent:
    """Staff changed how the order is handled (tags, risk): ``changes`` maps each field to {from, to}."""
    return _event(order=order, type=EventType.REVIEWED, actor_kind=ActorKind.STAFF, actor=actor, data=changes)


def invoice_issued_event(*, order: Order, invoice: Invoice, actor_kind: ActorKind, actor=None) -> OrderEvent:
    return _event(
        order=order,
        type=EventType.INVOICE_ISSUED,
        actor_kind=actor_kind,
        actor=actor,
        data={
            "invoice": invoice.pk,
            "number": invoice.number,
            "total": str(invoice.total),
            "currency": invoice.currency,
        },
    )


# Return events (written by the returns app): each carries the return's number and its items as plain data.
RETURN_EVENTS = frozenset(
    {
        EventType.RETURN_REQUESTED,
        EventType.RETURN_APPROVED,
        EventType.RETURN_REJECTED,
        EventType.RETURN_IN_TRANSIT,
        EventType.RETURN_RECEIVED,
        EventType.RETURN_REFUNDED,
        EventType.RETURN_EXCHANGED,
        EventType.RETURN_CANCELLED,
    }
)


def return_event(
    *,
    order: Order,
    type: EventType,
    return_id: int,
    return_number: str,
    data: dict,
    actor_kind: ActorKind,
    actor=None,
) -> OrderEvent:
    """A step of one return: ``data`` holds its items ({name, variant_id, quantity[, exchange_for]}) and the
    step's figures (amounts as strings with ``currency``) or reason."""
    if type not in RETURN_EVENTS:
        raise ValueError(f"{type} is not a return event")
    return _event(
        order=order,
        type=type,
        actor_kind=actor_kind,
        actor=actor,
        data={"return": return_id, "number": return_number, **data},
    )
