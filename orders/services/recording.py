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
from orders import events
from orders.constants import ActorKind, MoneySource, TransactionKind
from orders.errors import OrderError
from orders.models import Order, Transaction
from orders.services.kernel import give_back, record_money, save_change


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
