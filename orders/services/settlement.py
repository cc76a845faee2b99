"""Settling a balance: the gap between what an order costs now and what its shopper has paid becomes
a refund (rows the refund job sends) or a payment request (a "Pay now" link)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import User
from core.money import ZERO, quantize
from orders import events
from orders.constants import ActorKind, MoneySource, PaymentRequestStatus, TransactionKind, TransactionStatus
from orders.models import Order, PaymentRequest, Transaction
from orders.services.payments import create_payment_request
from orders.services.refunds import create_refunds, money_in_hand


@dataclass(frozen=True)
class Settlement:
    refunds: tuple[Transaction, ...] = field(default_factory=tuple)
    payment_request: PaymentRequest | None = None

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
    reason: str,
    refund_automatically: bool,
    due_days: int = 7,
    reminder_days: list[int] | None = None,
    actor_kind: ActorKind,
    actor: User | None = None,
) -> Settlement:
    """Turn the gap between what is due and what is held into refund rows or a payment request.

    The caller holds the order's lock inside its transaction. Settlement not yet in motion (an open
    payment request, a refund still awaiting approval) is withdrawn first and worked out again.
    """
    withdraw_open_settlement(order=order)
    held = money_in_hand(order)
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
        return Settlement(payment_request=request)
    return Settlement()


def withdraw_open_settlement(*, order: Order) -> Settlement:
    """Supersede an open payment request and cancel refunds still awaiting approval (not yet in motion),
    with an event naming them. The caller holds the order's lock."""
    requests = list(
        PaymentRequest.objects.filter(order=order, status=PaymentRequestStatus.OPEN).values_list("pk", flat=True)
    )
    refunds = list(
        Transaction.objects.filter(
            order=order, kind=TransactionKind.REFUND, status=TransactionStatus.AWAITING_APPROVAL
        ).values_list("pk", flat=True)
    )
    if requests:
        PaymentRequest.objects.filter(pk__in=requests).update(status=PaymentRequestStatus.SUPERSEDED)
    if refunds:
        Transaction.objects.filter(pk__in=refunds).update(status=TransactionStatus.CANCELLED)
    if requests or refunds:
        events.settlement_withdrawn_event(order=order, payment_requests=requests, refunds=refunds)
    return Settlement()
