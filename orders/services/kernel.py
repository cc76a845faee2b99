"""The order-writing kernel every service builds on: lock an order, re-derive its statuses, save a change
(which bumps the version), and add a succeeded transaction once per idempotency key.

Two versions: ``version`` moves with every change (page caches key on it), ``content_version`` with every
change but bookkeeping (``content=False``: money recorded, store credit given, a parcel's progress, a
backorder notice), which leaves alone everything an edit is built from and checked against. Edit
sessions are staged on ``content_version``, so bookkeeping in the background never makes them stale.

Each service of orders (and ``save_revised_order`` for the apps above it) writes an order through these,
following DESIGN.md's template: guard → atomic → lock (primary-key order) → save(update_fields) → event →
on_commit → return. The caller opens the transaction; these run inside it.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.constants import MoneySource, TransactionKind, TransactionStatus
from orders.errors import OrderError
from orders.models import Order, OrderLine, TagName, Transaction
from orders.statuses import OrderFacts, derive_statuses


def refresh_statuses(*, order: Order, lines: list[OrderLine] | None = None) -> list[str]:
    """Re-derive the three stored statuses from the order's facts; returns the fields that changed.

    The caller holds the order's lock and saves the returned fields with its own.
    """
    lines = list(order.lines.all()) if lines is None else lines
    derived = derive_statuses(
        OrderFacts(
            # What it costs now: goodwill and returns given back (an exchange's replacement raises the total
            # as its returned items are given back) are not left to pay.
            total=order.total - min(order.adjustment_total, order.total) + order.kept_total,
            captured=order.captured_total,
            refunded=order.refunded_total,
            cancelled=order.cancelled_at is not None,
            archived=order.archived_at is not None,
            line_quantities=tuple((line.quantity, line.fulfilled_quantity) for line in lines),
        )
    )
    changed = []
    for field in ("status", "financial_status", "fulfillment_status"):
        if getattr(order, field) != getattr(derived, field):
            setattr(order, field, getattr(derived, field))
            changed.append(field)
    return changed


def lock_order(order: Order) -> Order:
    """The order's row, read again under ``SELECT … FOR UPDATE`` (the caller is inside a transaction)."""
    return Order.objects.select_for_update().get(pk=order.pk)


def save_revised_order(*, order: Order, fields: list[str], lines: list[OrderLine] | None = None) -> None:
    """For services above orders (editing) that changed a locked order: statuses, version, save.
    ``lines``: the order's lines as they now are, when the caller has them (else they are read)."""
    save_change(order, [*fields, *refresh_statuses(order=order, lines=lines)])


def save_change(order: Order, fields: list[str], *, content: bool = True) -> None:
    """Every committed change bumps the version (what is shown changed: cached renders are keyed by it).

    ``content``: it also changed what an edit is built from or checked against (lines, prices, totals,
    adjustments, the destination, what shipped, status, hold, risk), so edits staged before conflict.
    Only bookkeeping passes False; the default errs on the side of a conflict, never a stale edit.
    The caller holds the row lock, so the versions it read are current and a plain increment is safe.
    """
    if "tags" in fields and order.tags:
        remember_tags(order.tags)
    fields = [*fields, *track_owing(order)]
    order.version += 1
    versions = ["version"]
    if content:
        order.content_version += 1
        versions.append("content_version")
    order.save(update_fields=[*dict.fromkeys([*fields, *versions, "updated_at"])])


def track_owing(order: Order, *, new: bool = False) -> list[str]:
    """Keep ``Order.owes`` (a balance due, refunds on their way counted) and the customer's count of owing
    orders (``OwingCustomer``) in step: an increment or decrement as the flag flips, so two orders of one
    customer written at once both count. ``new``: an order not yet saved (nothing on its way back).
    Returns the fields it set; the caller saves them."""
    owes = (order.total > order.captured_total) if new else order.position.balance_due > 0
    if owes == order.owes:
        return []
    order.owes = owes
    with connection.cursor() as cursor:
        cursor.execute(
            # The inserted row is checked (orders >= 0) before the conflict turns it into an update.
            "INSERT INTO orders_owingcustomer (customer_id, orders) VALUES (%s, GREATEST(%s, 0)) "
            "ON CONFLICT (customer_id) DO UPDATE SET orders = orders_owingcustomer.orders + %s",
            [order.customer_id, delta := 1 if owes else -1, delta],
        )
    return ["owes"]


def remember_tags(tags: list[str]) -> None:
    """Keep each tag in the list of tags in use (the admin's filter), once."""
    TagName.objects.bulk_create([TagName(name=tag[:50]) for tag in dict.fromkeys(tags)], ignore_conflicts=True)


def give_back(order: Order, amount: Decimal) -> list[str]:
    """Count ``amount`` given back by staff or another system: out of what the store kept first (it is
    giving that up), the rest off what the order costs. Returns the fields it set; the caller saves."""
    from_kept = min(order.kept_total, amount)
    order.kept_total -= from_kept
    order.adjustment_total = min(order.adjustment_total + amount - from_kept, order.total)
    return ["kept_total", "adjustment_total"]


def record_money(
    *,
    order: Order,
    kind: TransactionKind,
    amount: Decimal,
    idempotency_key: str,
    gateway: str,
    gateway_reference: str,
    source: MoneySource = MoneySource.CHECKOUT,
) -> tuple[Order, Transaction, bool]:
    """Lock the order and add a succeeded transaction once per key. Returns (order, transaction, created).

    Bookkeeping: what was paid moves, not what the order is; an edit's settlement reads it under its lock."""
    order = lock_order(order)
    existing = Transaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return order, existing, False
    # Less the refunds on their way: money recorded as given back elsewhere can't be the money they give back.
    if kind == TransactionKind.REFUND and amount > (refundable := order.position.held):
        raise OrderError(
            _("At most %(amount)s can be refunded.") % {"amount": refundable},
            code="over_refund",
            fields={"amount": [_("More than was paid.")]},
        )
    txn = Transaction.objects.create(
        order=order,
        kind=kind,
        amount=amount,
        currency=order.currency,
        status=TransactionStatus.SUCCESS,
        gateway=gateway,
        gateway_reference=gateway_reference,
        idempotency_key=idempotency_key,
        source=source,
        processed_at=timezone.now(),
    )
    if kind == TransactionKind.CHARGE:
        order.captured_total += amount
        save_change(order, ["captured_total", *refresh_statuses(order=order)], content=False)
    else:
        order.refunded_total += amount
        save_change(order, ["refunded_total", *refresh_statuses(order=order)], content=False)
    return order, txn, True
