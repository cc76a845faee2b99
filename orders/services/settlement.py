"""Settling a balance: the gap between what an order costs now and what its shopper has paid becomes
a refund (rows the refund job sends) or a payment request (a "Pay now" link)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from accounts.models import User
from core.money import ZERO, quantize
from core.reasons import Reason
from orders import events
from orders.constants import (
    OPEN_REFUND_STATUSES,
    ActorKind,
    MoneySource,
    PaymentRequestStatus,
    TransactionKind,
    TransactionStatus,
)
from orders.models import Order, PaymentRequest, Transaction
from orders.services.payments import create_payment_request
from orders.services.refunds import create_refunds, money_in_hand


@dataclass(frozen=True)
class Settlement:
    refunds: tuple[Transaction, ...] = field(default_factory=tuple)
    payment_request: PaymentRequest | None = None
    left_due: Decimal = ZERO  # owed before the change and not asked for by it (still payable by Pay now)

    @property
    def refund_amount(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), ZERO)

    @property
    def refund_awaits_approval(self) -> bool:
        return any(refund.status == TransactionStatus.AWAITING_APPROVAL for refund in self.refunds)


def settle_balance(
    *,
    order: Order,
    amount_due: Decimal,
    source: MoneySource,
    reason: Reason | str,
    refund_automatically: bool,
    due_days: int = 7,
    reminder_days: list[int] | None = None,
    actor_kind: ActorKind,
    actor: User | None = None,
    leave_due: Decimal = ZERO,
) -> Settlement:
    """Turn the gap between what is due and what is held into refund rows or a payment request.

    The caller holds the order's lock inside its transaction. Settlement not yet in motion (an open
    payment request, a refund still awaiting approval) is withdrawn first and worked out again.
    ``leave_due``: what was owed before the change with no request asking for it (an order never paid at
    checkout); a request asks only for the difference the change makes, and that much stays due.
    """
    still_open = open_settlement(order)
    withdraw_open_settlement(order=order, still_open=still_open)
    # What stays held back: the refunds already on their way (those awaiting approval were just cancelled).
    held = money_in_hand(order, open_refunds=still_open.pending_refunds)
    balance = quantize(amount_due - held, order.currency)
    if balance < 0:
        _memo, refunds = create_refunds(
            order=order,
            amount=min(-balance, held),
            source=source,
            reason=reason,
            awaiting_approval=not refund_automatically,
            actor_kind=actor_kind,
            actor=actor,
        )
        return Settlement(refunds=tuple(refunds))
    left_due = min(max(leave_due, ZERO), max(balance, ZERO))
    balance -= left_due
    if balance > 0:
        request = create_payment_request(
            order=order,
            amount=balance,
            reason=reason,
            due_days=due_days,
            reminder_days=reminder_days or [],
            actor_kind=actor_kind,
            actor=actor,
        )
        return Settlement(payment_request=request, left_due=left_due)
    return Settlement(left_due=left_due)


@dataclass(frozen=True)
class OpenSettlement:
    payment_requests: list[int]  # open: a new balance supersedes them
    awaiting_refunds: list[int]  # awaiting approval: not in motion yet, so cancelled and worked out again
    pending_refunds: Decimal  # on their way to the gateway: they stand


# One statement for what settling reads, where the ORM took three (and longer to build them than to run
# them): it runs inside every edit's commit.
OPEN_SETTLEMENT_SQL = """
    SELECT
        ARRAY(SELECT id FROM orders_paymentrequest WHERE order_id = %(order)s AND status = %(open)s ORDER BY id),
        ARRAY(SELECT id FROM orders_transaction
              WHERE order_id = %(order)s AND kind = %(refund)s AND status = %(awaiting)s ORDER BY id),
        (SELECT COALESCE(sum(amount), 0) FROM orders_transaction
         WHERE order_id = %(order)s AND kind = %(refund)s AND status = ANY(%(in_motion)s))"""
# Refunds that count against what is held and that withdrawing leaves alone.
IN_MOTION = [str(status) for status in OPEN_REFUND_STATUSES if status != TransactionStatus.AWAITING_APPROVAL]


def open_settlement(order: Order) -> OpenSettlement:
    params: dict[str, int | str | list[str]] = {
        "order": order.pk,
        "open": str(PaymentRequestStatus.OPEN),
        "refund": str(TransactionKind.REFUND),
        "awaiting": str(TransactionStatus.AWAITING_APPROVAL),
        "in_motion": IN_MOTION,
    }
    with connection.cursor() as cursor:
        cursor.execute(OPEN_SETTLEMENT_SQL, params)
        requests, refunds, pending = cursor.fetchone()
    return OpenSettlement(payment_requests=requests, awaiting_refunds=refunds, pending_refunds=pending)


def withdraw_open_settlement(*, order: Order, still_open: OpenSettlement | None = None) -> Settlement:
    """Supersede an open payment request and cancel refunds still awaiting approval (not yet in motion),
    with an event naming them. The caller holds the order's lock; ``still_open``: read already."""
    still_open = still_open or open_settlement(order)
    requests, refunds = still_open.payment_requests, still_open.awaiting_refunds
    if requests:
        PaymentRequest.objects.filter(pk__in=requests).update(status=PaymentRequestStatus.SUPERSEDED)
    if refunds:
        Transaction.objects.filter(pk__in=refunds).update(status=TransactionStatus.CANCELLED)
    if requests or refunds:
        events.settlement_withdrawn_event(order=order, payment_requests=requests, refunds=refunds)
    return Settlement()
