"""The store-credit ledger: staff give credit (goodwill), shoppers spend it at checkout and on Pay now,
and refunds of what was paid with credit go back to it."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import ZERO, quantize
from core.reasons import Reason
from orders import events
from orders.errors import OrderError
from orders.models import Order, StoreCreditEntry
from orders.services.kernel import lock_order, save_change
from orders.services.refund_limits import check_refund_limit

GATEWAY_NAME = "store_credit"


class StoreCreditError(OrderError):
    code = "store_credit_invalid"


def store_credit_balance(customer: User, *, lock: bool = False) -> Decimal:
    """The sum of the ledger. ``lock`` serialises spenders on the customer row first."""
    if lock:
        User.objects.select_for_update().filter(pk=customer.pk).first()
    return StoreCreditEntry.objects.filter(customer=customer).aggregate(total=Sum("amount"))["total"] or ZERO


def give_store_credit(*, order: Order, amount: Decimal, reason: Reason | str, actor: User) -> StoreCreditEntry:
    """Goodwill as credit for the order's shopper, on the order's timeline. ``reason``: a code
    (core.reasons.GOODWILL_REASONS) and a note; free text is an "other" note."""
    amount = quantize(amount, order.currency)
    reason = Reason.of(reason)
    if amount <= 0:
        raise StoreCreditError(_("Store credit must be more than zero."), fields={"amount": [_("Must be positive.")]})
    if not reason:
        raise StoreCreditError(_("Say why the credit is given."), fields={"reason": [_("This field is required.")]})
    check_refund_limit(actor, amount)
    with transaction.atomic():
        order = lock_order(order)
        entry = StoreCreditEntry.objects.create(
            customer_id=order.customer_id,
            amount=amount,
            currency=order.currency,
            **reason.as_data(),
            order=order,
            created_by=actor,
            idempotency_key=f"credit-{order.pk}-{order.version}",  # version: unique per change of the order
        )
        save_change(order, [], content=False)  # the shopper's credit, not the order's money: nothing to re-edit
        events.store_credit_issued_event(order=order, entry=entry, actor=actor)
    return entry


def ledger_entry(*, customer_id: int, amount: Decimal, currency: str, reason: Reason, order: Order, key: str):
    """Add one movement once per key (spending is negative). Returns the entry and whether it is new."""
    existing = StoreCreditEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            entry = StoreCreditEntry.objects.create(
                customer_id=customer_id,
                amount=amount,
                currency=currency,
                **reason.as_data(),
                order=order,
                idempotency_key=key,
            )
    except IntegrityError:
        return StoreCreditEntry.objects.get(idempotency_key=key), False
    return entry, True
