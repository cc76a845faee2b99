"""Closing an order and letting it go: cancelling an unshipped order (its stock goes back), archiving and
unarchiving, and releasing fulfilment holds once the edit window has closed (a cron job), so the warehouse
ships it.
Refunding a cancelled order's money is ``editing``'s cancellation with ``settlement``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.reasons import Reason
from orders import events
from orders.constants import ActorKind, FinancialStatus, PaymentRequestStatus
from orders.errors import OrderError
from orders.models import Order, OrderLine
from orders.services.kernel import lock_order, refresh_statuses, save_change
from storefront.models import StoreSettings, Variant


def cancel_order(
    *,
    order: Order,
    reason: Reason | str = "",
    actor_kind: ActorKind,
    actor: User | None = None,
    add_tags: tuple[str, ...] = (),
) -> Order:
    """Cancel an unshipped order and put its stock back. Refunding what was paid is the money issue's job.
    ``reason``: a code and a note (core.reasons); free text is an "other" note."""
    with transaction.atomic():
        order = lock_order(order)
        if not order.can_cancel():
            raise OrderError(_("This order can no longer be canceled."), code="cannot_cancel")
        lines = list(OrderLine.objects.filter(order=order).order_by("pk"))
        restock: dict[int, int] = {}
        for line in lines:
            if line.variant_id:
                restock[line.variant_id] = restock.get(line.variant_id, 0) + line.quantity
        for variant_id in sorted(restock):
            Variant.objects.filter(pk=variant_id, track_inventory=True).update(stock=F("stock") + restock[variant_id])
        order.cancelled_at = timezone.now()
        order.on_fulfillment_hold = False
        order.tags = [*order.tags, *(tag for tag in add_tags if tag not in order.tags)]
        save_change(order, ["cancelled_at", "on_fulfillment_hold", "tags", *refresh_statuses(order=order, lines=lines)])
        events.order_cancelled_event(order=order, reason=Reason.of(reason), actor_kind=actor_kind, actor=actor)
    return order


def archive_order(*, order: Order, actor_kind: ActorKind = ActorKind.STAFF, actor: User | None = None) -> Order:
    with transaction.atomic():
        order = lock_order(order)
        if order.archived_at is not None or order.cancelled_at is not None:
            return order
        order.archived_at = timezone.now()
        save_change(order, ["archived_at", *refresh_statuses(order=order)])
        events.order_archived_event(order=order, actor_kind=actor_kind, actor=actor)
    return order


def unarchive_order(*, order: Order, actor: User) -> Order:
    """Staff take an archived order back into the open list (to edit, cancel or ship more); the sweeper may
    archive it again ``auto_archive_days`` after this change."""
    with transaction.atomic():
        order = lock_order(order)
        if order.archived_at is None:
            return order
        order.archived_at = None
        save_change(order, ["archived_at", *refresh_statuses(order=order)])
        events.order_unarchived_event(order=order, actor=actor)
    return order


# --- fulfilment hold ----------------------------------------------------------------------------


def release_fulfillment_holds(*, now: datetime | None = None, limit: int = 500) -> int:
    """Hand orders whose edit window has closed to the warehouse, unless money is still owed on them: an
    order with a balance due stays held until it is paid (then the next run releases it), its payment
    request expires (which releases it), or staff release it. Safe to run twice or in parallel: each
    order is released under its own lock, and locked ones are left for the next run."""
    now = now or timezone.now()
    hold_unpaid = StoreSettings.load().hold_unpaid_orders
    window_closed = Q(edit_window_ends_at__lte=now) | Q(edit_window_ends_at__isnull=True)
    due = Order.objects.filter(window_closed, on_fulfillment_hold=True)
    if hold_unpaid:  # most orders still held are the unpaid ones: don't read them again every minute
        due = due.exclude(financial_status__in=UNPAID)
    released = 0
    for order_id in list(due.order_by("edit_window_ends_at").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True).filter(pk=order_id, on_fulfillment_hold=True).first()
            )
            if order is None or (order.edit_window_ends_at is not None and order.edit_window_ends_at > now):
                continue
            if held_for_payment(order, hold_unpaid=hold_unpaid):
                continue
            order.on_fulfillment_hold = False
            save_change(order, ["on_fulfillment_hold"])
            events.released_for_fulfillment_event(order=order)
            released += 1
    return released


UNPAID = (FinancialStatus.PENDING, FinancialStatus.PARTIALLY_PAID)


def held_for_payment(order: Order, *, hold_unpaid: bool) -> bool:
    """Money is owed: always while a Pay now request is open (an edit's, or one sent), else as the store says."""
    if order.position.balance_due <= 0:
        return False
    return hold_unpaid or order.payment_requests.filter(status=PaymentRequestStatus.OPEN).exists()


def release_hold(*, order: Order, reason: Reason | str, actor: User) -> Order:
    """Staff hand a held order to the warehouse now (money owed or not), with their reason on the timeline:
    a code (core.reasons.RELEASE_REASONS) and a note; free text is an "other" note."""
    reason = Reason.of(reason)
    if not reason:
        raise OrderError(
            _("Say why the order is released."),
            code="reason_required",
            fields={"reason": [_("This field is required.")]},
        )
    with transaction.atomic():
        order = lock_order(order)
        if not order.on_fulfillment_hold:
            raise OrderError(_("This order is not on hold."), code="not_on_hold")
        order.on_fulfillment_hold = False
        save_change(order, ["on_fulfillment_hold"])
        events.released_for_fulfillment_event(order=order, reason=reason, actor_kind=ActorKind.STAFF, actor=actor)
    return order
