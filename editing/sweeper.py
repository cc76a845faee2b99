"""The sweeper: finishes what lost jobs left behind. Every step is idempotent and takes row locks
(or dedupe keys), so any number of sweepers may run at once, beside the jobs they back up.

Lives in editing, the top domain app, because expiring a payment request may undo an edit.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from editing.settlement import expire_unpaid_edit
from notifications.services import mark_lost_sends_uncertain, requeue_stale_messages
from orders import services as order_services
from orders.constants import ActorKind, FinancialStatus, FulfillmentStatus, OrderStatus
from orders.models import Order
from orders.services import send_payment_reminder
from orders.services.payments import due_reminders, overdue_request_ids  # not re-exported by orders.services
from orders.services.refunds import requeue_refunds, stale_refund_ids  # not re-exported by orders.services
from storefront.models import StoreSettings


def sweep(*, now=None, stale_after_seconds: int | None = None) -> dict:
    """One pass; returns what it did, by kind."""
    now = now or timezone.now()
    stale = settings.SWEEP_STALE_AFTER_SECONDS if stale_after_seconds is None else stale_after_seconds
    refunds = requeue_refunds(stale_refund_ids(older_than_seconds=stale, now=now), now=now)
    expired = sum(
        1 for request_id in overdue_request_ids(now=now) if expire_unpaid_edit(request_id=request_id, now=now)
    )
    reminders = sum(
        1
        for request_id, number in due_reminders(now=now)
        if send_payment_reminder(request_id=request_id, number=number)
    )
    return {
        "refunds_requeued": refunds,
        "messages_requeued": requeue_stale_messages(older_than_seconds=stale, now=now),
        # Never re-queued: the mail server may have them; staff decide ("Send again" in admin).
        "messages_uncertain": mark_lost_sends_uncertain(older_than_seconds=stale),
        "payment_requests_expired": expired,
        "reminders_sent": reminders,
        "holds_released": order_services.release_fulfillment_holds(now=now),
        "orders_archived": archive_finished_orders(now=now),
    }


def archive_finished_orders(*, now=None, limit: int = 500) -> int:
    """Archive open orders fully paid and fulfilled at least ``StoreSettings.auto_archive_days`` ago."""
    days = StoreSettings.load().auto_archive_days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    ids = list(
        Order.objects.filter(
            status=OrderStatus.OPEN,
            financial_status=FinancialStatus.PAID,
            fulfillment_status=FulfillmentStatus.FULFILLED,
            updated_at__lte=cutoff,
        ).values_list("pk", flat=True)[:limit]
    )
    archived = 0
    for order_id in ids:
        with transaction.atomic():
            order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()
            if order is not None and order.archived_at is None:
                order_services.archive_order(order=order, actor_kind=ActorKind.SYSTEM)
                archived += 1
    return archived
