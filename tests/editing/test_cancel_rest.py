"""Staff cancel the unshipped rest of a partly shipped order (editing.rest): lines, stock, totals, statuses,
the refund chosen (in full, an amount, none), the shopper's email, and refusals that change nothing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from core.reasons import Reason, ReasonCode
from editing import services as editing
from editing.constants import SessionStatus
from editing.errors import EditError
from editing.models import EditSession
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import render_message
from orders import services as orders
from orders.constants import (
    ActorKind,
    EventType,
    FinancialStatus,
    FulfillmentStatus,
    OrderStatus,
    PaymentRequestStatus,
    RestRefund,
    TransactionKind,
    TransactionStatus,
)
from orders.errors import RefundError
from orders.models import Order, OrderEvent, PaymentRequest, Transaction
from storefront.models import StoreSettings
from tests.editing.conftest import place, sku
from tests.editing.test_services import MUG, SOCKS, SWEATER_M, line

pytestmark = pytest.mark.usefixtures("catalog")
WHY = Reason(ReasonCode.OUT_OF_STOCK, "supplier stopped the line")


@pytest.fixture
def manager(db) -> User:
    return User.objects.create_superuser("manager-rest@shop.example", "pw-not-used-here")


def ship(order: Order, **quantities_by_sku) -> None:
    quantities = {line(order, code).pk: quantity for code, quantity in quantities_by_sku.items()}
    orders.record_shipment(order=order, quantities=quantities, actor_kind=ActorKind.STAFF)


def partly_shipped(paid="card") -> Order:
    """Sweater (89.00) shipped; two pairs of socks (2 × 15.00) not."""
    order = place([(SWEATER_M, 1), (SOCKS, 2)], paid=paid)
    ship(order, **{SWEATER_M: 1})
    order.refresh_from_db()
    return order


def refunds(order: Order):
    return list(Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).order_by("pk"))


def adds_up(order: Order) -> None:
    """The money position's identity, and never both owed and owing."""
    p = order.position
    assert p.due == p.net_paid - p.refunding + p.balance_due - p.credit_due
    assert not (p.balance_due > 0 and p.credit_due > 0)


def test_in_full_cancels_the_rest_refunds_those_items_and_tells_the_shopper(manager):
    order = partly_shipped()
    total_before, socks_stock = order.total, sku(SOCKS).stock
    session = editing.begin_edit(order=order, actor_kind=ActorKind.STAFF, actor=manager)

    result = editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.FULL, actor=manager)

    order.refresh_from_db()
    assert [(item.sku, item.quantity) for item in order.lines.order_by("pk")] == [(sku(SWEATER_M).sku, 1)]
    assert order.total == total_before - D("30.00")
    assert (order.status, order.fulfillment_status) == (OrderStatus.OPEN, FulfillmentStatus.FULFILLED)
    assert order.financial_status == FinancialStatus.PAID  # the refund is on its way, not done
    assert sku(SOCKS).stock == socks_stock + 2
    assert EditSession.objects.get(pk=session.pk).status == SessionStatus.ABANDONED
    (refund,) = refunds(order)
    assert (refund.amount, refund.status, refund.created_by) == (D("30.00"), TransactionStatus.PENDING, manager)
    assert result.settlement.refund_amount == D("30.00") and result.kept == 0
    position = order.position
    assert (position.due, position.refunding, position.balance_due, position.credit_due) == (
        order.total,
        D("30.00"),
        0,
        0,
    )
    adds_up(order)
    event = OrderEvent.objects.get(order=order, type=EventType.REST_CANCELLED)
    assert event.customer_visible and event.actor == manager
    assert event.data["items"][0]["quantity"] == 2 and event.data["items"][0]["total"] == "30.00"
    assert (event.data["reason_code"], event.data["refund"]) == (ReasonCode.OUT_OF_STOCK, "full")
    message = Message.objects.get(kind=MessageKind.ORDER_REST_CANCELLED, recipient=order.email)
    subject, text, _html = render_message(kind=message.kind, language="en", context=message.context)
    assert f"#{order.number}" in subject and "2 × Wool socks" in text
    assert "We're refunding €30.00" in text and f"New total: €{order.total}" in text


def test_a_partly_shipped_line_keeps_what_shipped(manager):
    order = place([(SOCKS, 3)], paid="card")
    ship(order, **{SOCKS: 1})
    editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.FULL, actor=manager)
    socks = order.lines.get()
    assert (socks.quantity, socks.fulfilled_quantity, socks.total) == (1, 1, D("15.00"))
    assert sum(refund.amount for refund in refunds(order)) == D("30.00")


def test_an_amount_refunds_that_and_the_store_keeps_the_rest(manager):
    order = partly_shipped()
    result = editing.cancel_unshipped(
        order=order, reason=WHY, refund=RestRefund.AMOUNT, amount=D("10.00"), actor=manager
    )
    order.refresh_from_db()
    assert [refund.amount for refund in refunds(order)] == [D("10.00")]
    assert result.kept == order.kept_total == D("20.00")
    position = order.position
    assert (position.kept, position.balance_due, position.credit_due) == (D("20.00"), 0, 0)
    adds_up(order)
    assert OrderEvent.objects.get(order=order, type=EventType.MONEY_KEPT).data["amount"] == "20.00"


def test_no_refund_keeps_all_the_items_freed(manager):
    order = partly_shipped()
    editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.NONE, actor=manager)
    order.refresh_from_db()
    assert refunds(order) == [] and order.kept_total == D("30.00")
    assert order.position.credit_due == 0 and order.position.balance_due == 0
    context = Message.objects.get(kind=MessageKind.ORDER_REST_CANCELLED).context
    assert context["to_refund"] == ""


def test_more_than_the_items_freed_is_a_field_error_and_changes_nothing(manager):
    order = partly_shipped()
    version, lines = order.version, list(order.lines.values_list("pk", "quantity"))
    with pytest.raises(RefundError) as refused:
        editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.AMOUNT, amount=D("30.01"), actor=manager)
    assert refused.value.code == "over_refund" and "amount" in refused.value.fields
    assert "€30.00" in str(refused.value.message)
    order.refresh_from_db()
    assert order.version == version and list(order.lines.values_list("pk", "quantity")) == lines
    assert not OrderEvent.objects.filter(order=order, type=EventType.REST_CANCELLED).exists()
    assert not Message.objects.filter(kind=MessageKind.ORDER_REST_CANCELLED).exists()


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"reason": "", "refund": RestRefund.FULL}, "reason_required", "reason"),
        ({"reason": WHY, "refund": "half"}, "bad_refund", "refund"),
        ({"reason": WHY, "refund": RestRefund.AMOUNT}, "bad_amount", "amount"),
    ],
)
def test_bad_input_is_refused_on_its_field(manager, kwargs, code, field):
    order = partly_shipped()
    with pytest.raises(EditError) as refused:
        editing.cancel_unshipped(order=order, actor=manager, **kwargs)
    assert refused.value.code == code and field in refused.value.fields
    assert Order.objects.get(pk=order.pk).version == order.version


def test_refused_before_anything_shipped_after_everything_did_and_once_closed(manager):
    unshipped = place([(SOCKS, 1)], paid="card")
    everything = place([(SOCKS, 1)], paid="card", email="all@example.com")
    ship(everything, **{SOCKS: 1})
    cancelled = place([(SOCKS, 1)], paid="card", email="gone@example.com")
    editing.cancel_order(order=cancelled, actor_kind=ActorKind.STAFF, actor=manager)
    archived = partly_shipped()
    orders.archive_order(order=archived, actor=manager)
    for order, code in [
        (unshipped, "nothing_shipped"),
        (everything, "order_fulfilled"),
        (cancelled, "order_cancelled"),
        (archived, "order_archived"),
    ]:
        with pytest.raises(EditError) as refused:
            editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.FULL, actor=manager)
        assert refused.value.code == code
        assert editing.rest_refusals(order=Order.objects.get(pk=order.pk))[0].code == code


def test_a_delivered_parcel_does_not_stop_it(manager):
    order = partly_shipped()
    shipment = order.fulfillments.get()
    orders.update_delivery_state(fulfillment=shipment, delivery_state="delivered")
    editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.FULL, actor=manager)
    assert Order.objects.get(pk=order.pk).fulfillment_status == FulfillmentStatus.FULFILLED


def test_an_unpaid_order_owes_less_and_its_open_request_shrinks(manager):
    order = partly_shipped(paid=False)
    requested = orders.request_balance_payment(order_id=order.pk, actor_kind=ActorKind.STAFF, actor=manager)
    assert requested.amount == order.total
    result = editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.FULL, actor=manager)
    order.refresh_from_db()
    assert refunds(order) == [] and order.kept_total == 0
    assert PaymentRequest.objects.get(pk=requested.pk).status == PaymentRequestStatus.SUPERSEDED
    new_request = PaymentRequest.objects.get(order=order, status=PaymentRequestStatus.OPEN)
    assert new_request.amount == order.total == result.settlement.payment_request.amount
    assert order.position.balance_due == order.total
    adds_up(order)
    with pytest.raises(RefundError):  # nothing was paid for these items: nothing to refund
        editing.cancel_unshipped(order=partly_shipped(paid=False), reason=WHY, refund="amount", amount=1, actor=manager)


def test_a_support_agent_refunds_within_their_limit_only(manager):
    agent = User.objects.create_user("agent-rest@shop.example", "pw-not-used-here", is_staff=True)
    agent.groups.add(Group.objects.get(name="Support agents"))
    StoreSettings.objects.update(agent_refund_limit=D("20.00"))
    order = partly_shipped()
    with pytest.raises(RefundError) as refused:
        editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.FULL, actor=agent)
    assert refused.value.code == "over_limit"
    assert order.lines.count() == 2 and refunds(order) == []  # rolled back whole
    editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.AMOUNT, amount=D("20.00"), actor=agent)
    assert [refund.amount for refund in refunds(order)] == [D("20.00")]
    other = partly_shipped()
    editing.cancel_unshipped(order=other, reason=WHY, refund=RestRefund.NONE, actor=agent)  # keeping is no refund
    assert Order.objects.get(pk=other.pk).kept_total == D("30.00")


def test_the_mug_with_tax_exclusive_prices_takes_its_tax_off_too(manager):
    StoreSettings.objects.update(prices_include_tax=False)
    order = place([(SWEATER_M, 1), (MUG, 1)], paid="card")
    ship(order, **{SWEATER_M: 1})
    before = Order.objects.get(pk=order.pk)
    shipping_tax = before.tax_total - sum(item.tax_amount for item in before.lines.all())
    editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.FULL, actor=manager)
    order.refresh_from_db()
    sweater = order.lines.get()
    assert order.tax_total == sweater.tax_amount + shipping_tax and order.tax_total < before.tax_total
    assert order.total == order.subtotal - order.discount_total + order.shipping_total + order.tax_total
    assert sum(refund.amount for refund in refunds(order)) == before.total - order.total


def test_a_staff_discount_of_an_amount_stays_whole_on_what_shipped(manager):
    """As through an edit: the amount off stays as given (capped at the goods left), so cancelling the socks
    refunds what they added, not less."""
    from orders.services.discounts import StaffDiscount

    discount = StaffDiscount(amount=D("20.00"), reason=Reason(ReasonCode.GOODWILL, "regular customer"))
    order = place([(SWEATER_M, 1), (SOCKS, 2)], paid="card", staff_discount=discount)
    ship(order, **{SWEATER_M: 1})
    order.refresh_from_db()
    paid = order.captured_total
    editing.cancel_unshipped(order=order, reason=WHY, refund=RestRefund.FULL, actor=manager)
    order.refresh_from_db()
    (sweater,) = order.lines.all()
    assert order.discount_total == D("20.00") and sweater.discount_amount == D("20.00")
    (refund,) = refunds(order)
    assert refund.amount == paid - order.total
    adds_up(order)
