"""Reminders and expiry of a Pay now request: RQ scheduled jobs, run by a real worker's scheduler days ahead."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from editing import services as editing
from editing.constants import SessionStatus
from editing.models import EditPolicy, EditSession
from editing.sweeper import sweep
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import EventType, PaymentRequestStatus
from orders.models import OrderEvent
from tests.editing.conftest import place, sku
from tests.editing.test_services import MUG, SWEATER_M, edit, line

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]


def reminders(order) -> list[str]:
    return list(
        Message.objects.filter(kind=MessageKind.PAYMENT_REMINDER, recipient=order.email)
        .order_by("pk")
        .values_list("dedupe_key", flat=True)
    )


@pytest.fixture
def raised():
    """A paid order (sweater + mug) raised by an edit: 2 more mugs to pay for."""
    order = place([(SWEATER_M, 1), (MUG, 1)], paid="card")
    result = edit(order, (editing.stage_quantity, {"line_id": line(order, MUG).pk, "quantity": 3}))
    return result.order, result.settlement.payment_request


def test_reminders_after_one_and_three_days_then_expiry_undoes_the_edit(run_worker, raised):
    order, request = raised
    mug_stock, total_before = sku(MUG).stock, order.total - request.amount
    start = request.created_at
    run_worker(at=start + timedelta(hours=12))
    assert reminders(order) == []  # nothing due yet
    run_worker(at=start + timedelta(days=1, minutes=1))
    assert reminders(order) == [f"payment-request:{request.pk}:reminder:1"]
    run_worker(at=start + timedelta(days=1, hours=2))
    assert len(reminders(order)) == 1  # sent once, however often the scheduler runs
    run_worker(at=start + timedelta(days=3, minutes=1))
    assert len(reminders(order)) == 2
    run_worker(at=start + timedelta(days=7, minutes=1))
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == PaymentRequestStatus.EXPIRED
    # The edit is undone: lines, totals and stock as before it, as a new version, hold released.
    assert order.total == total_before and order.lines.get(sku=MUG).quantity == 1
    assert sku(MUG).stock == mug_stock + 2 and not order.on_fulfillment_hold
    assert OrderEvent.objects.filter(order=order, type=EventType.EDIT_REVERTED).count() == 1
    assert EditSession.objects.get(payment_request=request).status == SessionStatus.REVERTED
    alert = Message.objects.get(kind=MessageKind.MERCHANT_PAYMENT_EXPIRED)
    assert "undone" in alert.body_text and alert.recipient == "alerts@shop.example"
    assert order.balance == 0


def test_a_paid_request_gets_no_reminders_and_never_expires(run_worker, raised, client):
    order, request = raised
    from tests.orders.test_pay_now import pay

    assert pay(client, request).status_code == 302
    run_worker(at=request.created_at + timedelta(days=8))
    request.refresh_from_db()
    assert request.status == PaymentRequestStatus.PAID and reminders(order) == []
    assert order.lines.get(sku=MUG).quantity == 3


def test_expiry_without_undo_when_the_policy_keeps_unpaid_edits(run_worker, raised):
    EditPolicy.objects.update(revert_unpaid_edits=False)
    order, request = raised
    run_worker(at=request.created_at + timedelta(days=7, minutes=1))
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == PaymentRequestStatus.EXPIRED and order.lines.get(sku=MUG).quantity == 3
    assert not order.on_fulfillment_hold
    assert (
        "released for fulfilment as it is" in Message.objects.get(kind=MessageKind.MERCHANT_PAYMENT_EXPIRED).body_text
    )


def test_the_sweeper_sends_missed_reminders_and_expires_once_even_run_twice(raised):
    order, request = raised
    total_before = order.total - request.amount
    with time_machine.travel(request.created_at + timedelta(days=3, hours=1)):
        assert sweep()["reminders_sent"] == 2
        assert sweep()["reminders_sent"] == 0
    with time_machine.travel(request.created_at + timedelta(days=7, hours=1)):
        assert sweep()["payment_requests_expired"] == 1
        assert sweep()["payment_requests_expired"] == 0
    order.refresh_from_db()
    assert order.total == total_before and len(reminders(order)) == 2


def test_an_undo_is_refused_when_the_order_changed_since(run_worker, raised):
    order, request = raised
    from orders import services

    services.record_shipment(order=order, quantities={line(order, SWEATER_M).pk: 1})
    run_worker(at=request.created_at + timedelta(days=7, minutes=1))
    order.refresh_from_db()
    assert order.lines.get(sku=MUG).quantity == 3
    assert "could not be undone" in Message.objects.get(kind=MessageKind.MERCHANT_PAYMENT_EXPIRED).body_text
    assert timezone.now() < request.expires_at  # real time never moved
