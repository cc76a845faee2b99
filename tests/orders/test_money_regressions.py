"""Bugs the money state machine (test_money_states.py) found, each pinned by the smallest example."""

from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from editing.errors import EditError
from editing.settlement import give_goodwill_discount
from integrations.constants import Scope
from integrations.services import create_api_key
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders import services
from orders.constants import ActorKind, PaymentRequestStatus, TransactionStatus
from orders.errors import OrderError
from orders.gateway import SUCCESS_CARD
from orders.models import PaymentRequest
from tests.editing.conftest import pay_by_card, place

pytestmark = pytest.mark.usefixtures("catalog")
MUG = "CERAMIC-MUG-WHITE"


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("staff-regressions@example.com", "pw-regressions-1")


def test_money_recorded_as_refunded_elsewhere_leaves_what_a_refund_on_its_way_gives_back(staff):
    """A refund recorded as made elsewhere took the money a pending refund was about to give back: the
    order held less than nothing, and the pending refund then landed beyond what was captured."""
    order = place([(MUG, 2)], paid="card")
    services.issue_refund(order=order, amount=D("1.00"), reason="Scratch", with_return=False, actor=staff)
    with pytest.raises(OrderError) as refused:
        services.record_refund(order=order, amount=order.total, idempotency_key="elsewhere-1")
    assert refused.value.code == "over_refund"
    services.record_refund(order=order, amount=order.total - D("1.00"), idempotency_key="elsewhere-2")
    refund = order.transactions.get(status=TransactionStatus.PENDING)
    assert services.send_refund(refund_id=refund.pk) == TransactionStatus.SUCCESS
    order.refresh_from_db()
    assert order.refunded_total == order.captured_total and order.position.held == 0


def test_a_goodwill_discount_on_a_canceled_order_asks_no_payment(staff):
    """It settled against the order's total, not what a canceled order costs (nothing): an imported
    unpaid order, canceled, then given goodwill, got a Pay now request for the rest of its total."""
    order = place([(MUG, 2)], paid=False)
    services.cancel_order(order=order, actor_kind=ActorKind.STAFF, actor=staff)
    with pytest.raises(EditError) as refused:
        give_goodwill_discount(order=order, amount=D("1.00"), reason="Sorry", actor=staff)
    assert refused.value.code == "order_cancelled"
    assert not PaymentRequest.objects.filter(order=order).exists()
    assert not Message.objects.filter(kind=MessageKind.PAYMENT_NEEDED).exists()


def test_the_payment_receipt_shows_the_position(staff):
    """The receipt said "Order total" (the total before goodwill) and "Paid" (refunds on their way
    included), so after a partial payment it didn't add up; now: due = paid (held) + still to pay."""
    order = place([(MUG, 4)], paid=False)
    pay_by_card(order, amount=D("10.00"))
    give_goodwill_discount(order=order, amount=D("2.00"), reason="Sorry", actor=staff)
    request = services.request_balance_payment(
        order_id=order.pk, actor_kind=ActorKind.STAFF, actor=staff, amount=D("5.00")
    )
    services.pay_payment_request(
        request_id=request.pk, card_number=SUCCESS_CARD, use_store_credit=False, attempt_key="a"
    )
    order.refresh_from_db()
    position = order.position
    message = Message.objects.get(kind=MessageKind.PAYMENT_RECEIVED)
    assert message.context["order_total"] == str(position.due) == str(order.total - D("2.00"))
    assert message.context["paid_total"] == str(position.held) == "15.00"
    assert message.context["balance_due"] == str(position.balance_due)
    assert position.due == position.held + position.balance_due
    text = compose(message).body_text
    assert f"Still to pay: €{position.balance_due}" in text


def test_a_paid_up_receipt_shows_nothing_still_to_pay(staff):
    order = place([(MUG, 1)], paid=False)
    request = services.request_balance_payment(order_id=order.pk, actor_kind=ActorKind.CUSTOMER, asked_by_shopper=True)
    services.pay_payment_request(
        request_id=request.pk, card_number=SUCCESS_CARD, use_store_credit=False, attempt_key="a"
    )
    message = compose(Message.objects.get(kind=MessageKind.PAYMENT_RECEIVED))
    assert message.context["balance_due"] == "" and "Still to pay" not in message.body_text
    assert PaymentRequest.objects.get(pk=request.pk).status == PaymentRequestStatus.PAID


def test_both_apis_show_the_money_position(client, staff):
    """The shopper API had only ``balance`` (owed less owed back) and the integration API neither: the
    refunds on their way, what is still to pay and what is owed back come from the position."""
    order = place([(MUG, 2)], paid="card")
    services.issue_refund(order=order, amount=D("3.00"), reason="Scratch", with_return=False, actor=staff)
    order.refresh_from_db()
    position = order.position
    client.force_login(order.customer)
    _key, raw = create_api_key(name="Regressions", scopes=list(Scope.values))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for body in (
        client.get(f"/api/v1/me/orders/{order.number}/").json(),
        api.get(f"/api/v1/orders/{order.number}/").json(),
    ):
        assert D(body["refunding"]) == D("3.00") == position.refunding
        assert D(body["net_paid"]) == position.net_paid == order.total
        assert D(body["balance_due"]) == position.balance_due == 0
        assert D(body["credit_due"]) == position.credit_due == 0


def test_a_failed_refund_shrinks_the_open_request_to_the_balance(staff):
    """Found by the state machine: partly captured, edited so a balance is requested, a staff refund then
    fails: the order page said "Still to pay" 0.28 less than the open request (and its emailed link) asked."""
    order = place([(MUG, 2), ("WOOL-SOCKS-M-GREY", 1)], paid=False)
    pay_by_card(order, amount=(order.total / 2).quantize(D("0.01")))
    order.refresh_from_db()
    request = services.request_balance_payment(order_id=order.pk, actor_kind=ActorKind.CUSTOMER, asked_by_shopper=True)
    services.issue_refund(order=order, amount=D("0.28"), reason="Scratch", with_return=False, actor=staff)
    refund = order.transactions.get(status=TransactionStatus.PENDING)
    services.refunds.fail_refund(refund_id=refund.pk, error="Declined")
    order.refresh_from_db()
    request.refresh_from_db()
    assert request.status == PaymentRequestStatus.OPEN
    assert request.amount <= order.position.balance_due


def test_an_expired_edit_undone_gives_back_what_an_earlier_edit_owed(staff):
    """Found by the state machine: an edit lowering the total (its refund awaiting approval), then one
    raising it (which withdrew that refund), then its Pay now expiring: the undo put the lower total back,
    but nothing was on its way — "Owed to you €36.00" with no refund."""
    from django.utils import timezone

    from editing import services as editing
    from editing.models import EditPolicy
    from editing.settlement import expire_unpaid_edit

    EditPolicy.objects.update(refund_automatically=False)
    order = place([(MUG, 2)], paid="card")
    line = order.lines.get()

    def edit(quantity):
        session = editing.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
        editing.stage_quantity(session_id=session.pk, line_id=line.pk, quantity=quantity)
        editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.CUSTOMER, actor=order.customer)

    edit(1)  # lower: a refund awaiting approval
    edit(4)  # higher: that refund is withdrawn, a Pay now request opens
    request = PaymentRequest.objects.get(order=order, status=PaymentRequestStatus.OPEN)
    expire_unpaid_edit(request_id=request.pk, now=request.expires_at + timezone.timedelta(minutes=1))
    order.refresh_from_db()
    p = order.position
    assert order.lines.get().quantity == 1  # undone
    assert p.credit_due == 0 and p.refunding == order.captured_total - p.due > 0
    refund = order.transactions.get(status=TransactionStatus.AWAITING_APPROVAL)
    assert refund.amount == p.refunding


def test_retrying_a_refund_kept_by_a_cancel_gives_it_back_and_asks_nothing(staff):
    """Found by the state machine: a full refund failed, staff cancelled without a refund (the store kept that
    money), then retried the refund: the canceled order asked the shopper to pay it all again."""
    from editing import services as editing

    order = place([(MUG, 2), ("WOOL-SOCKS-M-GREY", 1)], paid="card")
    services.issue_refund(order=order, amount=order.total, reason="Scratch", with_return=True, actor=staff)
    refund = order.transactions.get(status__in=[TransactionStatus.PENDING, TransactionStatus.AWAITING_APPROVAL])
    if refund.status == TransactionStatus.AWAITING_APPROVAL:
        services.approve_refund(refund=refund, actor=staff)
    services.refunds.fail_refund(refund_id=refund.pk, error="Declined")
    order.refresh_from_db()
    editing.cancel_order(order=order, actor_kind=ActorKind.STAFF, actor=staff, refund=False)
    order.refresh_from_db()
    assert (order.position.kept, order.position.credit_due) == (order.captured_total, 0)

    services.retry_refund(refund=order.transactions.get(status=TransactionStatus.FAILED), actor=staff)
    order.refresh_from_db()
    position = order.position
    assert position.balance_due == 0 and position.credit_due == 0
    assert position.kept == 0 and position.refunding == order.captured_total
