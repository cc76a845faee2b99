"""Refunds: a row first (in the business transaction), then a job sends it to the gateway.

A refund row returns money through one charge (``parent``); a refund larger than any one charge is
split over several rows under one credit memo. Rows waiting for approval or for the gateway count as
spent, so no two requests can refund the same money, however they interleave: every writer holds the
order's row lock while it works out what is left.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core import queues
from core.money import ZERO, format_money, quantize
from core.reasons import Reason
from notifications.constants import MessageKind
from notifications.services import notify
from orders import events
from orders.constants import (
    OPEN_REFUND_STATUSES,
    ActorKind,
    MoneySource,
    PaymentRequestStatus,
    TransactionKind,
    TransactionStatus,
)
from orders.errors import RefundError
from orders.gateway import GatewayError, PaymentDeclined, get_gateway
from orders.models import CreditMemo, Invoice, Order, PaymentRequest, Transaction
from orders.services import credit
from orders.services.kernel import give_back, lock_order, refresh_statuses, save_change
from orders.services.refund_limits import check_refund_limit, refund_limit
from storefront.models import StoreSettings

# Refunds that hold money: done, or on their way.
HOLDING_STATUSES = (TransactionStatus.SUCCESS, *OPEN_REFUND_STATUSES)


def _money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, translation.get_language() or "en")


class RetryLater(Exception):
    """Raised by the refund job so RQ runs it again after the next back-off interval."""


def money_in_hand(order: Order, open_refunds: Decimal | None = None) -> Decimal:
    """Captured, less refunded, less refunds on their way or awaiting approval (they can't be given twice).
    ``open_refunds``: their sum, when it was read with the order. The money position's ``held``."""
    if open_refunds is None:
        return order.position.held
    return order.captured_total - order.refunded_total - open_refunds


def refundable_charges(order: Order) -> list[tuple[Transaction, Decimal]]:
    """Succeeded charges with what is left to refund on each, newest first (one query)."""
    spent = (
        Transaction.objects.filter(parent=OuterRef("pk"), kind=TransactionKind.REFUND, status__in=HOLDING_STATUSES)
        .values("parent")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    charges = (
        Transaction.objects.filter(order=order, kind=TransactionKind.CHARGE, status=TransactionStatus.SUCCESS)
        .annotate(spent=Coalesce(Subquery(spent), Value(ZERO), output_field=DecimalField()))
        .order_by("-created_at", "-pk")
    )
    return [(charge, charge.amount - charge.spent) for charge in charges if charge.amount > charge.spent]


def create_refunds(
    *,
    order: Order,
    amount: Decimal,
    source: MoneySource,
    reason: Reason | str,
    awaiting_approval: bool,
    actor_kind: ActorKind,
    actor: User | None = None,
    to_store_credit: bool = False,
) -> tuple[CreditMemo, list[Transaction]]:
    """A credit memo and the refund rows that pay it, each with the reason (core.reasons: free text is an
    "other" note). The caller holds the order's lock. ``to_store_credit``: the rows pay the customer's
    store-credit ledger instead of going back through the charges (which they still count against).

    Pending rows are sent to the gateway when the caller's transaction commits.
    """
    amount = quantize(amount, order.currency)
    reason = Reason.of(reason)
    available = money_in_hand(order)
    if amount <= 0:
        raise RefundError(_("A refund must be more than zero."), fields={"amount": [_("Must be positive.")]})
    if amount > available:
        raise RefundError(
            _("At most %(amount)s can be refunded.") % {"amount": _money(available, order.currency)},
            code="over_refund",
            fields={"amount": [_("More than was paid and not yet refunded.")]},
        )
    memo = CreditMemo.objects.create(
        order=order,
        # The invoice it corrects: an invoice is never changed, what is given back is documented here.
        invoice_id=Invoice.objects.filter(order_id=order.pk).values_list("pk", flat=True).first(),
        amount=amount,
        currency=order.currency,
        source=source,
        **reason.as_data(),
        created_by=actor if actor_kind == ActorKind.STAFF else None,
    )
    status = TransactionStatus.AWAITING_APPROVAL if awaiting_approval else TransactionStatus.PENDING
    refunds, left = [], amount
    for charge, refundable in refundable_charges(order):
        part = min(left, refundable)
        refunds.append(_new_refund(order, memo, charge, part, status, source, reason, actor_kind, actor))
        left -= part
        if left == 0:
            break
    if left > 0:
        # Money recorded as captured without a charge row behind it (imports): nothing to send it back through.
        refunds.append(_new_refund(order, memo, None, left, status, source, reason, actor_kind, actor))
    if to_store_credit:
        Transaction.objects.filter(pk__in=[refund.pk for refund in refunds]).update(gateway=credit.GATEWAY_NAME)
        for refund in refunds:
            refund.gateway = credit.GATEWAY_NAME
    if awaiting_approval:
        alert_merchant(
            kind=MessageKind.MERCHANT_REFUND_AWAITING_APPROVAL,
            order=order,
            context={"amount": str(amount), "reason": reason.as_data()},
            dedupe_key=f"credit-memo:{memo.pk}:awaiting-approval",
        )
    for refund in refunds:
        events.refund_requested_event(order=order, refund=refund, actor_kind=actor_kind, actor=actor)
        if refund.status == TransactionStatus.PENDING:
            queues.on_commit(partial(enqueue_refund, refund.pk))
    return memo, refunds


def _new_refund(order, memo, charge, amount, status, source, reason, actor_kind, actor) -> Transaction:
    refund = Transaction.objects.create(
        order=order,
        kind=TransactionKind.REFUND,
        amount=amount,
        currency=order.currency,
        status=status,
        source=source,
        **reason.as_data(),
        gateway=charge.gateway if charge else "",
        parent=charge,
        credit_memo=memo,
        created_by=actor if actor_kind == ActorKind.STAFF else None,
        # Unique per row; the gateway gets ``gateway_key`` (the row's id), known once the row exists.
        idempotency_key=f"refund-memo{memo.pk}-{charge.pk if charge else 'none'}",
    )
    return refund


def refund_job(refund_id: int) -> tuple:
    """The refund job (``orders.jobs.send_refund``, by its dotted path: the jobs module imports this one),
    as (func, args, at, options); its id is the refund's, so the sweeper can tell whether it still lives."""
    retry = queues.retry(attempts=settings.REFUND_MAX_ATTEMPTS, intervals=settings.REFUND_RETRY_INTERVALS)
    return (
        "orders.jobs.send_refund",
        (refund_id,),
        None,
        {"retry": retry, "job_timeout": 120, "job_id": f"refund-{refund_id}"},
    )


def enqueue_refund(refund_id: int) -> None:
    queues.enqueue_many("default", [refund_job(refund_id)])


def requeue_refunds(refund_ids: list[int], *, now=None) -> int:
    """Sweeper: queue again the refunds whose job is gone (not merely waiting, running or retrying)."""
    return queues.requeue("default", [refund_job(refund_id) for refund_id in refund_ids], now=now)


# --- staff ------------------------------------------------------------------------------------------


def issue_refund(*, order: Order, amount: Decimal, reason: Reason | str, with_return: bool, actor: User) -> CreditMemo:
    """Staff refund part or all of what was paid, for a return or as goodwill. Sent to the gateway on commit.
    ``reason``: a code (core.reasons.REFUND_REASONS) and a note; free text is an "other" note.

    The amount counts as given back (``give_back``), so a later edit doesn't bill it again.
    """
    amount = quantize(amount, order.currency)
    reason = Reason.of(reason)
    check_refund_limit(actor, amount)
    if not reason:
        raise RefundError(_("Say why the money is refunded."), fields={"reason": [_("This field is required.")]})
    with transaction.atomic():
        order = lock_order(order)
        memo, _refunds = create_refunds(
            order=order,
            amount=amount,
            source=MoneySource.RETURN if with_return else MoneySource.STAFF,
            reason=reason,
            awaiting_approval=False,
            actor_kind=ActorKind.STAFF,
            actor=actor,
        )
        save_change(order, give_back(order, amount))  # content: what a later edit settles against moved
    return memo


def _lock_refund(refund_id: int, *, expected: TransactionStatus | None = None) -> tuple[Order, Transaction]:
    """The refund's order, then the refund, locked (every writer locks in that order); with
    ``expected``, a staff decision on a refund no longer in that status is refused."""
    order_id = Transaction.objects.values_list("order_id", flat=True).get(pk=refund_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    refund = Transaction.objects.select_for_update().get(pk=refund_id)
    if expected == TransactionStatus.AWAITING_APPROVAL and refund.status != expected:
        raise RefundError(_("This refund is not waiting for approval."), code="not_awaiting_approval")
    if expected == TransactionStatus.FAILED and refund.status != expected:
        raise RefundError(_("Only a failed refund can be retried."), code="not_failed")
    return order, refund


def approve_refund(*, refund: Transaction, actor: User) -> Transaction:
    check_refund_limit(actor, refund.amount)
    with transaction.atomic():
        order, refund = _lock_refund(refund.pk, expected=TransactionStatus.AWAITING_APPROVAL)
        refund.status = TransactionStatus.PENDING
        refund.created_by = refund.created_by or actor
        refund.save(update_fields=["status", "created_by"])
        events.refund_approved_event(order=order, refund=refund, actor=actor)
        queues.on_commit(partial(enqueue_refund, refund.pk))
    return refund


def decline_refund(*, refund: Transaction, actor: User) -> Transaction:
    """Staff keep the money (a refund awaiting approval is not sent): it is kept, not owed to the shopper."""
    refund_limit(actor)  # refuses staff who may not decide on refunds at all
    with transaction.atomic():
        order, refund = _lock_refund(refund.pk, expected=TransactionStatus.AWAITING_APPROVAL)
        refund.status = TransactionStatus.CANCELLED
        refund.save(update_fields=["status"])
        order.kept_total += refund.amount
        save_change(order, ["kept_total"], content=False)  # bookkeeping: an edit settles against it at commit
        events.refund_declined_event(order=order, refund=refund, actor=actor)
    return refund


def keep_money_held(*, order: Order, actor: User | None) -> None:
    """Staff cancelled without a refund: what the order holds is the store's now, not owed back.
    The caller holds the order's lock (after withdrawing refunds still awaiting approval)."""
    held = money_in_hand(order)
    if held > order.kept_total:
        order.kept_total = held
        save_change(order, ["kept_total"], content=False)
        events.money_kept_event(order=order, amount=held, actor=actor)


def keep_money(*, order: Order, amount: Decimal, actor: User | None) -> None:
    """Staff decided the store keeps ``amount`` the shopper paid and no longer owes (unshipped items cancelled
    without refunding them in full): kept, not owed back. The caller holds the order's lock."""
    if amount > 0:
        order.kept_total += amount
        save_change(order, ["kept_total"], content=False)
        events.money_kept_event(order=order, amount=amount, actor=actor)


def retry_refund(*, refund: Transaction, actor: User) -> Transaction:
    """Send a failed refund again, with a new key (the processor remembers the old key's failure)."""
    check_refund_limit(actor, refund.amount)
    with transaction.atomic():
        order, refund = _lock_refund(refund.pk, expected=TransactionStatus.FAILED)
        position = order.position
        if refund.amount > position.held:
            raise RefundError(_("The order no longer holds enough money for this refund."), code="over_refund")
        # Sending it after all gives back what staff had kept of it (a cancel without a refund keeps a failed
        # refund's money): else the shopper would be asked to pay it again.
        released = min(order.kept_total, max(refund.amount - position.credit_due, ZERO))
        order.kept_total -= released
        refund.status, refund.retry_round, refund.attempts, refund.error = (
            TransactionStatus.PENDING,
            refund.retry_round + 1,
            0,
            "",
        )
        refund.save(update_fields=["status", "retry_round", "attempts", "error"])
        # On its way again: the order's money figures change.
        save_change(order, ["kept_total"] if released else [], content=False)
        events.refund_approved_event(order=order, refund=refund, actor=actor)
        queues.on_commit(partial(enqueue_refund, refund.pk))
    return refund


# --- the job's work ---------------------------------------------------------------------------------


def send_refund(*, refund_id: int) -> str:
    """Ask the gateway for one pending refund and record the answer. Safe to run any number of times:
    the gateway key is the row's id, and only a pending row is ever completed."""
    refund = (
        Transaction.objects.select_related("parent__order").filter(pk=refund_id, kind=TransactionKind.REFUND).first()
    )
    if refund is None or refund.status != TransactionStatus.PENDING:
        return refund.status if refund else "missing"
    refund.attempts += 1
    Transaction.objects.filter(pk=refund.pk).update(attempts=refund.attempts)
    to_ledger = refund.gateway == credit.GATEWAY_NAME
    if to_ledger or (refund.parent is not None and refund.parent.gateway == credit.GATEWAY_NAME):
        # Paid with store credit, or refunded as credit (a return's choice): back to the ledger, once per key.
        order = refund.parent.order if refund.parent is not None else refund.order
        entry, _new = credit.ledger_entry(
            customer_id=order.customer_id,
            amount=refund.amount,
            currency=refund.currency,
            reason=refund.reason,
            order=order,
            key=refund.gateway_key,
        )
        return complete_refund(refund_id=refund.pk, gateway_reference=f"credit-{entry.pk}")
    gateway = get_gateway()
    try:
        if refund.parent is None or refund.parent.gateway != gateway.name or not refund.parent.gateway_reference:
            raise PaymentDeclined(
                _("This payment was not taken through %(gateway)s; refund it where it was taken.")
                % {"gateway": gateway.name}
            )
        if refund.amount > refundable_now(refund, refund.parent):
            # What we recorded says the payment can't give this back; never ask the processor (localstripe,
            # for one, would pay out more than the charge).
            raise PaymentDeclined(_("The refund is more than what is left of the payment."))
        result = gateway.refund(
            amount=refund.amount,
            currency=refund.currency,
            charge_reference=refund.parent.gateway_reference,
            idempotency_key=refund.gateway_key,
        )
    except GatewayError as exc:
        if exc.retryable and refund.attempts < settings.REFUND_MAX_ATTEMPTS:
            Transaction.objects.filter(pk=refund.pk).update(error=exc.message[:2000])
            raise RetryLater(f"refund {refund.pk}, attempt {refund.attempts}: {exc.message}") from exc
        return fail_refund(refund_id=refund.pk, error=exc.message)
    if result.pending:  # accepted, not finished: the processor's webhook (or this job run again) completes it
        Transaction.objects.filter(pk=refund.pk, status=TransactionStatus.PENDING).update(
            gateway_reference=result.reference
        )
        return TransactionStatus.PENDING
    return complete_refund(refund_id=refund.pk, gateway_reference=result.reference)


def refundable_now(refund: Transaction, payment: Transaction) -> Decimal:
    """What is left of the refund's payment after the refunds of it that went through (this one aside)."""
    done = Transaction.objects.filter(parent=payment, kind=TransactionKind.REFUND, status=TransactionStatus.SUCCESS)
    return payment.amount - (done.exclude(pk=refund.pk).aggregate(total=Sum("amount"))["total"] or ZERO)


def complete_refund(*, refund_id: int, gateway_reference: str) -> str:
    with transaction.atomic():
        order, refund = _lock_refund(refund_id)
        if refund.status != TransactionStatus.PENDING:
            return refund.status
        refund.status, refund.gateway_reference = TransactionStatus.SUCCESS, gateway_reference
        refund.processed_at, refund.error = timezone.now(), ""
        refund.save(update_fields=["status", "gateway_reference", "processed_at", "error"])
        order.refunded_total += refund.amount
        # Bookkeeping: the money was already held back as in flight; nothing an edit reads changed.
        save_change(order, ["refunded_total", *refresh_statuses(order=order)], content=False)
        events.refund_recorded_event(order=order, transaction=refund, actor_kind=ActorKind.SYSTEM)
        notify(
            kind=MessageKind.REFUND_ISSUED,
            recipient=order.email,
            language=order.language,
            context={
                "order_number": order.number,
                "currency": order.currency,
                "amount": str(refund.amount),
                "reason": refund.reason.as_data(),
                "refunded_total": str(order.refunded_total),
                "to_store_credit": refund.gateway == credit.GATEWAY_NAME,
            },
            dedupe_key=f"refund:{refund.pk}:issued",
        )
    return refund.status


def _fit_open_request(order: Order) -> None:
    """Money that failed to go back stays with the store, so less is owed: an open Pay now request never
    asks more than the balance due (what was given back still counts, as a discount off the balance)."""
    request = PaymentRequest.objects.select_for_update().filter(order=order, status=PaymentRequestStatus.OPEN).first()
    if request is None:
        return
    due = order.position.balance_due
    if due <= 0:
        request.status = PaymentRequestStatus.CANCELLED
        request.save(update_fields=["status"])
    elif request.amount > due:
        request.amount = due
        request.save(update_fields=["amount"])


def fail_refund(*, refund_id: int, error: str) -> str:
    with transaction.atomic():
        order, refund = _lock_refund(refund_id)
        if refund.status != TransactionStatus.PENDING:
            return refund.status
        refund.status, refund.error, refund.processed_at = TransactionStatus.FAILED, error[:2000], timezone.now()
        refund.save(update_fields=["status", "error", "processed_at"])
        save_change(order, [], content=False)  # no longer on its way: the order's money figures change
        _fit_open_request(order)
        events.refund_failed_event(order=order, refund=refund)
        alert_merchant(
            kind=MessageKind.MERCHANT_REFUND_FAILED,
            order=order,
            context={"amount": str(refund.amount), "error": error[:300], "reason": refund.reason.as_data()},
            dedupe_key=f"refund:{refund.pk}:failed:{refund.retry_round}",
        )
    return refund.status


def alert_merchant(*, kind: MessageKind, order: Order, context: dict, dedupe_key: str) -> None:
    """An email to the store's alert address, in the store's language, linking to the order in admin."""
    store = StoreSettings.load()
    if not store.alert_email:
        return
    notify(
        kind=kind,
        recipient=store.alert_email,
        language=store.language,
        context={
            "order_number": order.number,
            "currency": order.currency,
            "admin_url": f"{settings.SITE_URL}/admin/orders/order/{order.pk}/change/",
            **context,
        },
        dedupe_key=dedupe_key,
    )


def stale_refund_ids(*, older_than_seconds: int, now=None) -> list[int]:
    """Pending refunds no job has finished: Redis was down at commit, or a worker died mid-call."""
    cutoff = (now or timezone.now()) - timedelta(seconds=older_than_seconds)
    return list(
        Transaction.objects.filter(
            Q(kind=TransactionKind.REFUND, status=TransactionStatus.PENDING, created_at__lte=cutoff)
        ).values_list("pk", flat=True)[:500]
    )
