"""Money already moved, recorded as facts: a payment captured or money given back somewhere else (an
integration's order, an import, a bank transfer; ``gateway`` "manual" by default), once per idempotency
key, with its timeline event. Charges and refunds Aftersale makes itself are ``payments`` and ``refunds``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import quantize
from core.reasons import Reason, ReasonCode
from orders import events
from orders.constants import ActorKind, MoneySource, PaymentRequestStatus, TransactionKind
from orders.errors import OrderError
from orders.models import Order, PaymentRequest, Transaction
from orders.services.kernel import give_back, lock_order, record_money, save_change


def _positive(amount: Decimal, currency: str, message: str) -> Decimal:
    amount = quantize(amount, currency)
    if amount <= 0:
        raise OrderError(message, code="bad_amount", fields={"amount": [_("Must be positive.")]})
    return amount


def record_payment(
    *,
    order: Order,
    amount: Decimal,
    idempotency_key: str,
    gateway: str = "manual",
    gateway_reference: str = "",
    source: MoneySource = MoneySource.CHECKOUT,
    actor_kind: ActorKind = ActorKind.SYSTEM,
    actor: User | None = None,
) -> Transaction:
    """Record money captured for an order. Recording the same key twice records it once.

    ``gateway`` "manual": taken outside Aftersale (an import, a bank transfer); refunds of it go back by hand.
    """
    amount = _positive(amount, order.currency, _("A payment must be more than zero."))
    with transaction.atomic():
        order, txn, created = record_money(
            order=order,
            kind=TransactionKind.CHARGE,
            amount=amount,
            idempotency_key=idempotency_key,
            gateway=gateway,
            gateway_reference=gateway_reference,
            source=source,
        )
        if created:
            events.payment_captured_event(order=order, transaction=txn, actor_kind=actor_kind, actor=actor)
    return txn


def record_refund(
    *,
    order: Order,
    amount: Decimal,
    idempotency_key: str,
    gateway: str = "manual",
    gateway_reference: str = "",
    actor_kind: ActorKind = ActorKind.SYSTEM,
    actor: User | None = None,
) -> Transaction:
    """Record money returned to the shopper outside our refund flow; never more than was captured and not yet
    refunded. It counts as given back (goodwill and returns), as a staff refund does."""
    amount = _positive(amount, order.currency, _("A refund must be more than zero."))
    with transaction.atomic():
        order, txn, created = record_money(
            order=order,
            kind=TransactionKind.REFUND,
            amount=amount,
            idempotency_key=idempotency_key,
            gateway=gateway,
            gateway_reference=gateway_reference,
        )
        if created:
            # Money given back from outside our flows (another system, a return handled by hand) is
            # given back on purpose: the order costs that much less, or its page would show it as owed.
            save_change(order, give_back(order, amount))
            events.refund_recorded_event(order=order, transaction=txn, actor_kind=actor_kind, actor=actor)
    return txn


def record_payment_elsewhere(*, order_id: int, actor: User, reference: str = "", note: str = "") -> Transaction:
    """Staff record the whole balance due as paid another way (a bank transfer, a card taken on the phone).

    Under the order's lock an open Pay now request is withdrawn first, so a shopper paying it at the same
    moment is either done before (and nothing is due here) or finds it withdrawn: the balance is paid once.
    """
    with transaction.atomic():
        order = lock_order(Order(pk=order_id))
        due = order.position.balance_due
        if due <= 0:
            raise OrderError(
                _("Nothing is due on order #%(number)s.") % {"number": order.number},
                code="nothing_due",
                fields={"reference": [_("Nothing is due.")]},
            )
        open_requests = list(
            PaymentRequest.objects.select_for_update()
            .filter(order=order, status=PaymentRequestStatus.OPEN)
            .values_list("pk", flat=True)
        )
        if open_requests:
            PaymentRequest.objects.filter(pk__in=open_requests).update(status=PaymentRequestStatus.CANCELLED)
            events.settlement_withdrawn_event(order=order, payment_requests=open_requests, refunds=[])
        txn = record_payment(
            order=order,
            amount=due,
            idempotency_key=f"elsewhere-{order.pk}-{order.version}",
            gateway_reference=reference.strip()[:200],
            source=MoneySource.STAFF,
            actor_kind=ActorKind.STAFF,
            actor=actor,
        )
        txn.reason = Reason(ReasonCode.PAID_ELSEWHERE, note)
        txn.created_by = actor
        txn.save(update_fields=["reason_code", "reason_note", "created_by"])
    return txn
