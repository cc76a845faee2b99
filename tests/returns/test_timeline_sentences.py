"""Every return event reads as a sentence (orders.presentation): the shopper's timeline (``describe_event``, with
a rejection's reason under it) and the staff's audit trail (``audit_sentence``, with conditions, the comment and
the reason), never raw data."""

from __future__ import annotations

import pytest
from django.utils import translation

from orders import services as orders
from orders.constants import ActorKind, EventType
from orders.events import RETURN_EVENTS
from orders.models import OrderEvent
from orders.presentation import audit_sentence, describe_event, event_reason
from returns import services as returns
from returns.models import ReturnReason
from tests.returns.helpers import MUG, SOCKS, SWEATER_L, SWEATER_M, ask, delivered, line, receive_all

pytestmark = pytest.mark.usefixtures("catalog")


def sentences(event: OrderEvent) -> tuple[str, str]:
    with translation.override("en"):
        return (
            describe_event(event, currency="EUR", language="en"),
            audit_sentence(event, currency="EUR", language="en"),
        )


def test_every_return_event_reads_as_a_sentence_for_the_shopper_and_for_staff():
    order = delivered([(SWEATER_M, 1), (MUG, 1), (SOCKS, 2)], paid="card")
    exchange = ask(order, (SWEATER_M, 1, "too_small", SWEATER_L), refund_to="store_credit")
    returns.approve_return(request=exchange, actor=None, actor_kind=ActorKind.SYSTEM)
    returns.mark_in_transit(request=exchange, carrier="PostNL", tracking_number="3S123", actor_kind=ActorKind.CUSTOMER)
    receive_all(exchange, condition="damaged")
    orders.record_shipment(order=order, quantities={line(order, SWEATER_L).pk: 1}, actor_kind=ActorKind.STAFF)
    returns.mark_exchanged(order_id=order.pk)
    refund = ask(order, (MUG, 1, "changed_mind"))
    receive_all(returns.approve_return(request=refund, actor=None, actor_kind=ActorKind.SYSTEM))
    rejected = ask(order, (SOCKS, 1, "changed_mind"))
    returns.reject_return(request=rejected, reason="Worn", actor=None)
    withdrawn = ask(order, (SOCKS, 1, "too_big"))
    returns.withdraw_return(request=withdrawn, actor_kind=ActorKind.CUSTOMER)

    events = list(OrderEvent.objects.filter(order=order, type__in=RETURN_EVENTS).order_by("id"))
    assert {event.type for event in events} == RETURN_EVENTS
    for event in events:
        for text in sentences(event):
            assert text.startswith("Return R"), text
            assert not any(mark in text for mark in ("{", "}", "[", "'", "return_", "store_credit")), text
            assert str(event.get_type_display()) != text

    by_type = {event.type: sentences(event) for event in events if event.data["number"] == exchange.number}
    number = exchange.number
    assert by_type[EventType.RETURN_REQUESTED][0] == (
        f"Return {number} requested: 1 × Merino crew-neck sweater – M / Navy (Too small), exchange for L / Navy; "
        "refund as store credit"
    )
    assert by_type[EventType.RETURN_IN_TRANSIT][0] == f"Return {number} sent back with PostNL, tracking 3S123"
    received_shopper, received_staff = by_type[EventType.RETURN_RECEIVED]
    assert received_shopper == (
        f"Return {number} received: 1 × Merino crew-neck sweater – M / Navy (Too small), exchange for L / Navy; "
        "nothing to refund, restocking fee €0.00"
    )
    assert "exchange for L / Navy, damaged; nothing to refund" in received_staff
    assert by_type[EventType.RETURN_EXCHANGED][0] == f"Return {number} exchanged: the replacement has shipped"

    mug = {event.type: sentences(event)[0] for event in events if event.data["number"] == refund.number}
    assert mug[EventType.RETURN_RECEIVED] == (
        f"Return {refund.number} received: 1 × Ceramic coffee mug – White (Changed my mind); "
        "refund €18.00 to the original payment method, restocking fee €0.00"
    )
    assert mug[EventType.RETURN_REFUNDED] == f"Return {refund.number} refunded: €18.00 to the original payment method"

    rejection = next(event for event in events if event.type == EventType.RETURN_REJECTED)
    shopper, staff = sentences(rejection)
    assert shopper == f"Return {rejected.number} rejected: 1 × Wool socks – M / Grey (Changed my mind)"
    assert staff == f"{shopper}. Reason: Other (note: Worn)"
    with translation.override("en"):
        assert event_reason(rejection) == "Other (note: Worn)"  # under the shopper's entry
    cancelled = next(event for event in events if event.type == EventType.RETURN_CANCELLED)
    assert sentences(cancelled) == (f"Return {withdrawn.number} withdrawn",) * 2


def test_staff_read_the_comment_and_a_merchants_own_reason_by_its_label():
    ReturnReason.objects.create(code="gift", label="Unwanted gift", position=9)
    order = delivered([(MUG, 1)], paid="card")
    ret = ask(order, (MUG, 1, "gift"))
    event = OrderEvent.objects.get(order=order, type=EventType.RETURN_REQUESTED)
    event.data = {**event.data, "comment": "Two of them"}
    shopper, staff = sentences(event)
    assert shopper == f"Return {ret.number} requested: 1 × Ceramic coffee mug – White (Unwanted gift)"
    assert staff == f"{shopper} (comment: Two of them)"


def test_an_event_with_missing_parts_still_reads():
    order = delivered([(MUG, 1)], paid="card")
    for kind in RETURN_EVENTS:
        event = OrderEvent(order=order, type=kind, actor_kind=ActorKind.SYSTEM, data={"return": 1, "number": "R9-1"})
        for text in sentences(event):
            assert text.startswith("Return R9-1"), text
