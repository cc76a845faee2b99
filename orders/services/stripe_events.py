"""Stripe's webhook events, each handled once, in any order, converging on what Stripe says.

``/webhooks/stripe/`` (``orders.stripe_webhook``) checks the signature and hands the event here. The
event's row (``GatewayEvent``, unique by event id) is written in the transaction that handles it: a
second delivery of the same event waits for the first and then changes nothing; a handler that fails
rolls its row back, and Stripe delivers the event again.

Whichever arrives first, the synchronous answer or the webhook, the records end the same:
- ``payment_intent.succeeded``: the charge is recorded by the request that took it (checkout, Pay now),
  under the payment key's advisory lock, which this handler takes too — so it waits for that request and
  then finds the charge. A payment no order records (the page never came back, or its transaction failed
  after Stripe took the money) is refunded whole by a job ``STRIPE_ORPHAN_AFTER_SECONDS`` later, unless an
  order recorded it meanwhile.
- ``charge.refunded``, ``refund.created``, ``refund.updated``, ``refund.failed``: a refund row still on its
  way is completed or failed as Stripe says; one that had succeeded and then failed is reversed; a refund
  made in Stripe's dashboard (no key of ours) is recorded as given back elsewhere.
- ``charge.dispute.created``: a timeline event and an alert to the merchant.
- ``payment_intent.payment_failed``: nothing to record (a declined card leaves no order and no row).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import queues
from notifications.constants import MessageKind
from orders import events
from orders.constants import TransactionKind, TransactionStatus
from orders.gateway import GatewayError, get_gateway
from orders.models import GatewayEvent, Order, Transaction
from orders.services.kernel import lock_order, refresh_statuses, save_change
from orders.services.payments import lock_payment_key
from orders.services.recording import record_refund
from orders.services.refunds import _lock_refund, alert_merchant, complete_refund, fail_refund
from orders.stripe_gateway import METADATA_KEY, from_minor

logger = logging.getLogger(__name__)

GATEWAY = "stripe"
REFUND_KEY = re.compile(r"^refund-(\d+)(?:-retry\d+)?$")


def handle_event(event: dict) -> str:
    """Handle one verified event once; the outcome is kept on its row (and answered to Stripe)."""
    obj = event.get("data", {}).get("object") or {}
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = GatewayEvent.objects.create(
                    gateway=GATEWAY, event_id=event["id"], type=event.get("type", ""), object_id=obj.get("id", "")
                )
        except IntegrityError:
            return "duplicate"
        handler = HANDLERS.get(event.get("type", ""))
        row.outcome = handler(obj) if handler else "ignored"
        row.save(update_fields=["outcome"])
    return row.outcome


# --- payments --------------------------------------------------------------------------------------


def _charge_of(intent_id: str) -> Transaction | None:
    return Transaction.objects.filter(gateway=GATEWAY, kind=TransactionKind.CHARGE, gateway_reference=intent_id).first()


def payment_succeeded(intent: dict) -> str:
    key = (intent.get("metadata") or {}).get(METADATA_KEY)
    if not key:
        return "not ours"
    lock_payment_key(key)  # the request that took it, if still at work, commits or rolls back first
    if _charge_of(intent["id"]) is not None:
        return "recorded"
    at = timezone.now() + timedelta(seconds=settings.STRIPE_ORPHAN_AFTER_SECONDS)
    queues.enqueue_on_commit(
        "default",
        [("orders.jobs.refund_orphaned_payment", (intent["id"], key), at, {"job_id": f"stripe-orphan-{intent['id']}"})],
    )
    return "awaiting its order"


def refund_orphaned_payment(*, intent_id: str, key: str) -> str:
    """A payment Stripe took that no order recorded: give it all back, once (the job's key), unless an
    order recorded it meanwhile. The key's lock is held while refunding, so a late page can't record it
    in between (it would then find the payment refunded and refuse it)."""
    with transaction.atomic():
        lock_payment_key(key)
        if _charge_of(intent_id) is not None:
            return "recorded"
        gateway = get_gateway()
        try:
            gateway.refund_whole(charge_reference=intent_id, idempotency_key=f"orphan-{intent_id}")  # type: ignore[attr-defined]
        except GatewayError as error:
            if error.retryable:
                raise
            logger.warning("Orphaned Stripe payment %s not refunded: %s", intent_id, error.message)
            return "not refunded"
    logger.warning("Stripe payment %s (key %s) was recorded by no order: refunded", intent_id, key)
    return "refunded"


def payment_failed(intent: dict) -> str:
    return "declined"


# --- refunds ---------------------------------------------------------------------------------------


def _refund_row(refund: dict) -> Transaction | None:
    row = Transaction.objects.filter(
        kind=TransactionKind.REFUND, gateway=GATEWAY, gateway_reference=refund["id"]
    ).first()
    if row is not None:
        return row
    match = REFUND_KEY.match((refund.get("metadata") or {}).get(METADATA_KEY) or "")
    if match is None:
        return None
    row = Transaction.objects.filter(pk=int(match.group(1)), kind=TransactionKind.REFUND).first()
    if row is not None and row.gateway_key != refund["metadata"][METADATA_KEY]:
        return None  # a staff retry's key since: this refund is of an earlier round (already failed)
    return row


def converge_refund(refund: dict) -> str:
    row = _refund_row(refund)
    status = refund.get("status")
    if row is None:
        return _refund_from_elsewhere(refund)
    if status == "succeeded":
        if row.status == TransactionStatus.PENDING:
            return complete_refund(refund_id=row.pk, gateway_reference=refund["id"])
        return row.status
    if status in ("failed", "canceled"):
        error = f"Stripe: {refund.get('failure_reason') or status}"
        if row.status == TransactionStatus.PENDING:
            return fail_refund(refund_id=row.pk, error=error)
        if row.status == TransactionStatus.SUCCESS:
            return reverse_refund(refund_id=row.pk, error=error)
    return row.status


def _refund_from_elsewhere(refund: dict) -> str:
    """A refund made in Stripe's dashboard: given back outside our flows, recorded once by its id."""
    intent_id = refund.get("payment_intent")
    charge = _charge_of(intent_id) if intent_id else None
    if charge is None or refund.get("status") != "succeeded":
        return "not ours"
    record_refund(
        order=charge.order,
        amount=from_minor(int(refund["amount"]), charge.currency),
        idempotency_key=f"stripe-{refund['id']}",
        gateway=GATEWAY,
        gateway_reference=refund["id"],
    )
    return "recorded from Stripe"


def refund_event(refund: dict) -> str:
    return converge_refund(refund)


def charge_refunded(charge: dict) -> str:
    """The charge's refunds as the event carries them (older API versions), else as Stripe lists them now."""
    refunds = (charge.get("refunds") or {}).get("data")
    if refunds is None and charge.get("payment_intent"):
        gateway = get_gateway()
        page = gateway.client.v1.refunds.list(params={"payment_intent": charge["payment_intent"], "limit": 100})  # type: ignore[attr-defined]
        refunds = [refund.to_dict() for refund in page.auto_paging_iter()]
    return ", ".join(converge_refund(refund) for refund in refunds or []) or "no refunds"


def reverse_refund(*, refund_id: int, error: str) -> str:
    """Stripe failed a refund it had reported done: the money is back with the store, so it no longer counts
    as refunded; staff see a failed refund they can retry."""
    with transaction.atomic():
        order, refund = _lock_refund(refund_id)
        if refund.status != TransactionStatus.SUCCESS:
            return refund.status
        refund.status, refund.error, refund.processed_at = TransactionStatus.FAILED, error[:2000], timezone.now()
        refund.save(update_fields=["status", "error", "processed_at"])
        order.refunded_total -= refund.amount
        save_change(order, ["refunded_total", *refresh_statuses(order=order)], content=False)
        events.refund_failed_event(order=order, refund=refund)
        alert_merchant(
            kind=MessageKind.MERCHANT_REFUND_FAILED,
            order=order,
            context={"amount": str(refund.amount), "error": error[:300], "reason": refund.reason.as_data()},
            dedupe_key=f"refund:{refund.pk}:failed:{refund.retry_round}",
        )
    return "reversed"


# --- disputes --------------------------------------------------------------------------------------


def dispute_created(dispute: dict) -> str:
    intent_id = dispute.get("payment_intent")
    charge = _charge_of(intent_id) if intent_id else None
    if charge is None:
        return "not ours"
    order = lock_order(Order(pk=charge.order_id))
    amount = from_minor(int(dispute.get("amount") or 0), charge.currency)
    save_change(order, [], content=False)  # a new line on the timeline: a new version
    events.payment_disputed_event(
        order=order, charge=charge, amount=str(amount), reason=dispute.get("reason") or "", dispute=dispute["id"]
    )
    alert_merchant(
        kind=MessageKind.MERCHANT_PAYMENT_DISPUTED,
        order=order,
        context={"amount": str(amount), "reason": dispute.get("reason") or "", "dispute": dispute["id"]},
        dedupe_key=f"stripe-dispute:{dispute['id']}",
    )
    return "disputed"


HANDLERS = {
    "payment_intent.succeeded": payment_succeeded,
    "payment_intent.payment_failed": payment_failed,
    "charge.refunded": charge_refunded,
    "refund.created": refund_event,
    "refund.updated": refund_event,
    "refund.failed": refund_event,
    "charge.dispute.created": dispute_created,
}
