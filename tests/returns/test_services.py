"""Returns from request to refund or exchange (returns.services): what may be asked, stock reserved and
restocked once, the money computed and refunded through orders' refund rows, replacements on the order."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from accounts.models import User
from notifications.constants import MessageKind
from notifications.models import Message
from orders import services as orders
from orders.constants import (
    ActorKind,
    EventType,
    FulfillmentStatus,
    MoneySource,
    ReturnStatus,
    TransactionKind,
)
from orders.models import Order, OrderEvent, StoreCreditEntry, Transaction
from orders.services.refunds import send_refund
from returns import services as returns
from returns.errors import ReturnConflict, ReturnError
from returns.models import ReturnPolicy, ReturnReason
from returns.services import Received
from storefront.models import Product, Variant
from tests.editing.conftest import place, sku
from tests.returns.helpers import MUG, SOCKS, SWEATER_L, SWEATER_M, ask, deliver, delivered, line, receive_all

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_superuser("returns-manager@shop.example", "pw-not-used-here")


def send_refunds(order: Order) -> None:
    for refund in Transaction.objects.filter(order=order, kind=TransactionKind.REFUND, status="pending"):
        send_refund(refund_id=refund.pk)


def test_a_delivered_item_is_returned_restocked_once_and_refunded_in_full(staff, django_capture_on_commit_callbacks):
    order = delivered([(SWEATER_M, 1), (MUG, 2)], paid="card")
    sweater = line(order, SWEATER_M)
    gross = sweater.total + (D(0) if order.prices_include_tax else sweater.tax_amount)
    stock_before = sku(SWEATER_M).stock

    request = ask(order, (SWEATER_M, 1, "too_small"))
    assert request.number == f"R{order.number}-1"
    order.refresh_from_db()
    assert order.return_status == ReturnStatus.REQUESTED
    returns.approve_return(request=request, actor=staff)
    returns.mark_in_transit(request=request, carrier="PostNL", tracking_number="3S123", actor_kind=ActorKind.CUSTOMER)
    request = receive_all(request, actor=staff)

    assert request.status == ReturnStatus.REFUNDED
    assert request.refund_amount == gross
    assert sku(SWEATER_M).stock == stock_before + 1
    order.refresh_from_db()
    assert order.return_status == ReturnStatus.REFUNDED
    assert order.adjustment_total == gross
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    assert (refund.amount, refund.source, refund.credit_memo_id) == (gross, MoneySource.RETURN, request.credit_memo_id)
    send_refunds(order)
    order.refresh_from_db()
    assert order.refunded_total == gross
    assert order.financial_status == "partially_refunded"
    position = order.position
    assert (position.balance_due, position.credit_due) == (0, 0)
    types = list(OrderEvent.objects.filter(order=order, type__startswith="return_").values_list("type", flat=True))
    assert types == [
        EventType.RETURN_REQUESTED,
        EventType.RETURN_APPROVED,
        EventType.RETURN_IN_TRANSIT,
        EventType.RETURN_RECEIVED,
        EventType.RETURN_REFUNDED,
    ]
    kinds = set(Message.objects.filter(recipient=order.email).values_list("kind", flat=True))
    assert {MessageKind.RETURN_REQUESTED, MessageKind.RETURN_APPROVED, MessageKind.RETURN_RECEIVED} <= kinds


def test_never_more_than_delivered_less_what_other_returns_hold():
    order = place([(SWEATER_M, 1), (MUG, 3)], paid="card")
    deliver(order, **{MUG: 2})
    with pytest.raises(ReturnError) as refused:
        ask(order, (MUG, 3, "changed_mind"))
    assert f"lines.{line(order, MUG).pk}" in refused.value.fields
    with pytest.raises(ReturnError) as not_delivered:
        ask(order, (SWEATER_M, 1, "changed_mind"))
    assert "Not delivered yet." in not_delivered.value.fields[f"lines.{line(order, SWEATER_M).pk}"]
    ask(order, (MUG, 2, "changed_mind"))
    with pytest.raises(ReturnError):
        ask(order, (MUG, 1, "changed_mind"))  # both delivered mugs are spoken for
    assert order.returns.count() == 1


def test_a_withdrawn_or_rejected_return_frees_its_units_and_its_reserved_replacement(staff):
    order = delivered([(SWEATER_M, 1)], paid="card")
    large = sku(SWEATER_L).stock
    first = ask(order, (SWEATER_M, 1, "too_small", SWEATER_L))
    returns.approve_return(request=first, actor=staff)
    assert sku(SWEATER_L).stock == large - 1
    returns.reject_return(request=first, reason="Worn, tags removed", actor=staff)
    assert sku(SWEATER_L).stock == large
    second = ask(order, (SWEATER_M, 1, "too_small"))
    returns.withdraw_return(request=second, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    ask(order, (SWEATER_M, 1, "too_small"))  # free again
    assert Message.objects.filter(kind=MessageKind.RETURN_REJECTED, recipient=order.email).exists()


def test_the_window_the_product_flag_and_personalization_refuse_shoppers_but_not_staff(staff):
    order = delivered([(SWEATER_M, 1), (MUG, 1)], paid="card")
    Product.objects.filter(variants__sku=MUG).update(is_returnable=False)
    with pytest.raises(ReturnError) as refused:
        ask(order, (MUG, 1, "changed_mind"))
    assert "This item can't be returned." in refused.value.fields[f"lines.{line(order, MUG).pk}"]
    policy = ReturnPolicy.load()
    policy.window_days = 1
    policy.save()
    order.fulfillments.update(delivered_at=order.placed_at.replace(year=order.placed_at.year - 1))
    with pytest.raises(ReturnError) as closed:
        ask(order, (SWEATER_M, 1, "changed_mind"))
    assert closed.value.message == "The return window has closed."
    request = ask(order, (MUG, 1, "changed_mind"), actor_kind=ActorKind.STAFF, actor=staff)
    assert request.requested_by_staff == staff


def test_an_exchange_reserves_stock_on_approval_and_ships_on_the_same_order(staff, django_capture_on_commit_callbacks):
    order = delivered([(SWEATER_M, 1), (MUG, 1)], paid="card")
    total_before = order.total
    large = sku(SWEATER_L).stock
    request = ask(order, (SWEATER_M, 1, "too_small", SWEATER_L))
    returns.approve_return(request=request, actor=staff)
    assert sku(SWEATER_L).stock == large - 1
    request = receive_all(request, actor=staff)
    assert sku(SWEATER_L).stock == large - 1  # taken once, on approval
    assert request.status == ReturnStatus.RECEIVED
    assert (request.refund_amount, request.exchange_difference) == (0, 0)  # same price: nothing to settle
    order.refresh_from_db()
    replacement = line(order, SWEATER_L)
    assert replacement.quantity == 1 and replacement.fulfilled_quantity == 0
    assert order.fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED
    assert order.total == total_before + replacement.total + (0 if order.prices_include_tax else replacement.tax_amount)
    assert order.position.balance_due == 0 and order.position.credit_due == 0
    with django_capture_on_commit_callbacks(execute=True):
        orders.record_shipment(order=order, quantities={replacement.pk: 1}, actor_kind=ActorKind.STAFF)
    request.refresh_from_db()
    assert request.status == ReturnStatus.EXCHANGED
    order.refresh_from_db()
    assert order.return_status == ReturnStatus.EXCHANGED


def test_a_pricier_replacement_asks_for_the_difference_by_pay_now(staff):
    order = delivered([(SWEATER_M, 1)], paid="card")
    Variant.objects.filter(sku=SWEATER_L).update(price=D("99.00"))  # 10.00 more than M
    request = ask(order, (SWEATER_M, 1, "too_small", SWEATER_L))
    returns.approve_return(request=request, actor=staff)
    request = receive_all(request, actor=staff)
    order.refresh_from_db()
    assert request.exchange_difference > 0
    assert request.payment_request is not None
    assert request.payment_request.amount == order.position.balance_due == request.exchange_difference
    assert not Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).exists()


def test_fees_come_off_unless_it_is_the_stores_fault_and_shipping_comes_back_with_the_whole_order(staff):
    policy = ReturnPolicy.load()
    policy.shipping_payer, policy.shipping_fee = "customer", D("5.00")
    policy.save()
    ReturnReason.objects.filter(code="changed_mind").update(restocking_fee_percent=D("10"))
    order = delivered([(SOCKS, 1), (MUG, 1)], paid="card")  # below free shipping
    assert order.shipping_total > 0
    socks = line(order, SOCKS)
    gross = socks.total + (0 if order.prices_include_tax else socks.tax_amount)
    first = ask(order, (SOCKS, 1, "changed_mind"))
    returns.approve_return(request=first, actor=staff)
    first = receive_all(first, actor=staff)
    assert first.restocking_fee == (gross / 10).quantize(D("0.01"))
    assert first.shipping_fee == D("5.00")
    assert first.refund_amount == gross - first.restocking_fee - D("5.00")
    second = ask(order, (MUG, 1, "damaged"))
    returns.approve_return(request=second, actor=staff)
    second = receive_all(second, condition="damaged", actor=staff)
    mug = line(order, MUG)
    assert (second.restocking_fee, second.shipping_fee) == (0, 0)
    assert second.shipping_refund > 0  # the whole order is back, the last of it for the store's fault
    assert (
        second.refund_amount == mug.total + (0 if order.prices_include_tax else mug.tax_amount) + second.shipping_refund
    )
    order.refresh_from_db()
    refunded = sum(t.amount for t in Transaction.objects.filter(order=order, kind=TransactionKind.REFUND))
    assert refunded == order.captured_total - first.restocking_fee - first.shipping_fee  # the store keeps the fees


def test_receiving_twice_refunds_and_restocks_once(staff):
    order = delivered([(MUG, 2)], paid="card")
    stock = sku(MUG).stock
    request = ask(order, (MUG, 2, "changed_mind"))
    returns.approve_return(request=request, actor=staff)
    receive_all(request, actor=staff)
    with pytest.raises(ReturnConflict):
        receive_all(request, actor=staff)
    assert sku(MUG).stock == stock + 2
    assert Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).count() == 1


def test_a_partly_paid_order_takes_the_return_off_the_balance_before_refunding(staff):
    order = place([(SWEATER_M, 1), (MUG, 1)], paid=False)
    orders.record_payment(order=order, amount=D("20.00"), idempotency_key=f"part-{order.number}")
    order = deliver(order)
    request = ask(order, (MUG, 1, "changed_mind"))
    returns.approve_return(request=request, actor=staff)
    due_before = order.position.balance_due
    request = receive_all(request, actor=staff)
    order.refresh_from_db()
    mug = line(order, MUG)
    value = mug.total + (0 if order.prices_include_tax else mug.tax_amount)
    assert request.refund_amount == 0  # the shopper still owed more than the mug is worth
    assert order.position.balance_due == due_before - value


def test_a_refund_to_store_credit_lands_in_the_ledger(staff):
    order = delivered([(MUG, 1)], paid="card")
    request = ask(order, (MUG, 1, "changed_mind"), refund_to="store_credit")
    returns.approve_return(request=request, actor=staff)
    request = receive_all(request, actor=staff)
    send_refunds(order)
    entry = StoreCreditEntry.objects.get(customer=order.customer)
    assert entry.amount == request.refund_amount > 0
    message = Message.objects.filter(kind=MessageKind.REFUND_ISSUED, recipient=order.email).get()
    assert message.context["to_store_credit"] is True


def test_shoppers_get_the_refund_destinations_the_policy_allows():
    policy = ReturnPolicy.load()
    policy.refund_to = "original"
    policy.save()
    order = delivered([(MUG, 1)], paid="card")
    with pytest.raises(ReturnError) as refused:
        ask(order, (MUG, 1, "changed_mind"), refund_to="store_credit")
    assert "refund_to" in refused.value.fields
    assert not order.returns.exists()


def test_auto_approval_approves_in_the_same_step():
    policy = ReturnPolicy.load()
    policy.auto_approve = True
    policy.save()
    order = delivered([(MUG, 1)], paid="card")
    request = ask(order, (MUG, 1, "changed_mind"))
    request.refresh_from_db()
    assert request.status == ReturnStatus.APPROVED


def test_units_that_never_arrived_can_be_asked_back_again(staff):
    order = delivered([(MUG, 2)], paid="card")
    first = ask(order, (MUG, 2, "changed_mind"))
    returns.approve_return(request=first, actor=staff)
    only_one = {first.lines.get().pk: Received(1, "resellable")}
    returns.receive_return(request=first, received=only_one, actor_kind=ActorKind.STAFF, actor=staff)
    second = ask(order, (MUG, 1, "changed_mind"))  # the other mug is still with the shopper
    assert second.lines.get().quantity == 1
    with pytest.raises(ReturnError):
        ask(order, (MUG, 1, "changed_mind"))
