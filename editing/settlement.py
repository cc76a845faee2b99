"""Settlement hand-off: after an edit, a cancellation or a goodwill discount, the balance becomes a
refund or a "Pay now" request, and a request's reminders and expiry are scheduled. An expired request
undoes the edit it asked payment for, when the policy says so.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import models, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from accounts.models import User
from core import queues
from core.money import ZERO, quantize
from core.reasons import Reason, ReasonCode
from editing.constants import SessionStatus
from editing.errors import EditError
from editing.models import EditPolicy, EditSession
from notifications.constants import MessageKind
from orders import events
from orders import jobs as order_jobs
from orders import services as order_services
from orders.constants import ActorKind, EventType, MoneySource, PaymentRequestStatus
from orders.models import Order, OrderEvent, OrderLine, PaymentRequest
from orders.services import Settlement, expire_payment_request, settle_balance
from orders.services.refunds import alert_merchant, check_refund_limit  # not re-exported by orders.services
from orders.services.settlement import withdraw_open_settlement  # noqa: F401  (not re-exported; for cancellation)
from storefront.models import Variant

# Queued by its dotted path (the worker imports it): editing.jobs imports this module, and the sweeper
# that imports it too, so this module does not import editing.jobs.
EXPIRE_UNPAID_EDIT_JOB = "editing.jobs.expire_unpaid_edit_job"

# The order's fields an undo puts back (money and destination), beside its lines.
RESTORED_ORDER_FIELDS = (
    "subtotal",
    "discount_total",
    "shipping_total",
    "shipping_tax_rate",
    "tax_total",
    "total",
    "shipping_address",
    "shipping_method_id",
    "shipping_method_name",
    "pickup_location_id",
)
RESTORED_LINE_FIELDS = (
    "variant_id",
    "product_name",
    "variant_name",
    "sku",
    "options",
    "quantity",
    "unit_price",
    "tax_rate",
    "subtotal",
    "discount_amount",
    "tax_amount",
    "total",
    "is_free",
    "is_fee",
    "is_custom",
    "customization",
    "position",
    "list_price",
    "group_discount_percent",
)


# What may happen to an order after an unpaid edit without blocking its undo.
UNDO_SAFE_EVENTS = (
    EventType.RELEASED_FOR_FULFILLMENT,
    EventType.PAYMENT_REQUEST_EXPIRED,
    EventType.REFUND_RECORDED,
    EventType.REFUND_FAILED,
    EventType.REFUND_APPROVED,
)


def _changed_since(order: Order, session: EditSession) -> bool:
    # By ``version`` (what events carry), not the content version: each event since is judged by its type.
    return (
        OrderEvent.objects.filter(order=order, order_version__gt=session.committed_version)
        .exclude(type__in=UNDO_SAFE_EVENTS)
        .exists()
    )


def settle_order(
    *,
    order: Order,
    source: MoneySource,
    reason: Reason | str,
    policy: EditPolicy,
    actor_kind: ActorKind,
    actor: User | None = None,
    amount_due: Decimal | None = None,
    leave_due: Decimal = ZERO,
) -> Settlement:
    """Settle what the order costs now (``order.amount_due`` unless given). The caller holds the lock.
    ``leave_due``: owed before the change with no request for it (``unrequested_due``), left as it is."""
    settlement = settle_balance(
        leave_due=leave_due,
        order=order,
        amount_due=order.amount_due if amount_due is None else amount_due,
        source=source,
        reason=reason,
        refund_automatically=policy.refund_automatically,
        due_days=policy.payment_due_days,
        reminder_days=list(policy.payment_reminder_days or []),
        actor_kind=actor_kind,
        actor=actor,
    )
    if settlement.payment_request is not None:
        request = settlement.payment_request
        queues.enqueue_on_commit("default", payment_followups(request))
    return settlement


def unrequested_due(order: Order) -> Decimal:
    """What ``order`` (locked, before a change) owes that no open Pay now request asks for: an order never
    paid at checkout, or only partly. A change then asks only for the difference it makes."""
    if order.captured_total - order.refunded_total >= order.amount_due:
        return ZERO  # paid in full before the change: the usual case, and no query
    requested = PaymentRequest.objects.filter(order=order, status=PaymentRequestStatus.OPEN).aggregate(
        total=Sum("amount")
    )["total"]
    return max(order.position.balance_due - (requested or ZERO), ZERO)


def payment_followups(request: PaymentRequest) -> list[tuple]:
    """Reminders on the policy's days and the expiry, as RQ scheduled jobs (the sweeper is the safety net)."""
    reminders: list[tuple] = [
        (
            order_jobs.send_payment_reminder,
            (request.pk, number),
            request.created_at + timedelta(days=days),
            {"job_id": f"payment-reminder-{request.pk}-{number}"},
        )
        for number, days in enumerate(request.reminder_days, start=1)
    ]
    expiry = (EXPIRE_UNPAID_EDIT_JOB, (request.pk,), request.expires_at, {"job_id": f"payment-expiry-{request.pk}"})
    return [*reminders, expiry]


# --- expiry and undo ---------------------------------------------------------------------------------------


def restore_point(order: Order, lines: list[OrderLine]) -> dict:
    """Everything an undo needs to put the order back, as JSON."""
    return {
        "order": {field: _plain(getattr(order, field)) for field in RESTORED_ORDER_FIELDS},
        "lines": [{"id": line.pk, **{f: _plain(getattr(line, f)) for f in RESTORED_LINE_FIELDS}} for line in lines],
    }


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def _typed(model, field: str, value):
    """A restore point's JSON value back as the model field's type (money and rates were saved as text)."""
    is_decimal = isinstance(model._meta.get_field(field.removesuffix("_id")), models.DecimalField)
    return Decimal(value) if is_decimal and value is not None else value


def expire_unpaid_edit(*, request_id: int, now=None) -> PaymentRequest | None:
    """Expire an overdue request; undo the edit that raised it (policy permitting); tell the merchant."""
    policy = EditPolicy.load()
    with transaction.atomic():
        request = expire_payment_request(request_id=request_id, now=now)
        if request is None:
            return None
        session = EditSession.objects.filter(payment_request=request).first()
        reverted = blocked = False
        if policy.revert_unpaid_edits and session is not None:
            reverted = revert_edit(session=session)
            blocked = not reverted
        if reverted:
            refund_overpaid(order_id=request.order_id, policy=policy)
        alert_merchant(
            kind=MessageKind.MERCHANT_PAYMENT_EXPIRED,
            order=request.order,
            context={
                "amount": str(request.amount),
                "reason": request.reason.as_data(),
                "reverted": reverted,
                "revert_blocked": blocked,
            },
            dedupe_key=f"payment-request:{request.pk}:expired",
        )
    return request


def refund_overpaid(*, order_id: int, policy: EditPolicy) -> Settlement | None:
    """After an undo: what the order holds beyond what it costs goes back (as the policy says: at once, or
    awaiting approval). The edit being undone had withdrawn an earlier edit's refund still awaiting
    approval, so without this the shopper would be owed that money with nothing on its way."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order_services.money_in_hand(order) <= order.amount_due:
        return None  # nothing overpaid; a balance still due stays as it was (no new request)
    return settle_order(
        order=order,
        source=MoneySource.EDIT,
        reason=Reason(code=ReasonCode.ORDER_EDITED.value),
        policy=policy,
        actor_kind=ActorKind.SYSTEM,
    )


def revert_edit(*, session: EditSession) -> bool:
    """Put the order back as it was before ``session``'s edit, as a new version with its own event.

    Only while nothing but bookkeeping happened to the order since (see ``UNDO_SAFE_EVENTS``);
    otherwise False and the merchant decides.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=session.order_id)
        if session.status != SessionStatus.COMMITTED or _changed_since(order, session):
            return False
        point = session.restore_point or {}
        lines = {line.pk: line for line in OrderLine.objects.select_for_update().filter(order=order).order_by("pk")}
        if any(line.fulfilled_quantity for line in lines.values()):
            return False
        before_total = order.total
        stock: dict[int, int] = {}  # variant → units going back to the shelf (negative: taken again)
        for line in lines.values():
            if line.variant_id:
                stock[line.variant_id] = stock.get(line.variant_id, 0) + line.quantity
        for saved in point["lines"]:
            if saved["variant_id"]:
                stock[saved["variant_id"]] = stock.get(saved["variant_id"], 0) - saved["quantity"]
        OrderLine.objects.filter(order=order).delete()
        OrderLine.objects.bulk_create(
            # (a restore point saved before a field existed leaves it at its default)
            OrderLine(order=order, **{f: _typed(OrderLine, f, saved[f]) for f in RESTORED_LINE_FIELDS if f in saved})
            for saved in point["lines"]
        )
        for variant_id in sorted(stock):
            if stock[variant_id]:
                Variant.objects.filter(pk=variant_id, track_inventory=True).update(stock=F("stock") + stock[variant_id])
        for field, value in point["order"].items():
            setattr(order, field, _typed(Order, field, value))
        order.on_fulfillment_hold = False
        fields = [f.removesuffix("_id") for f in RESTORED_ORDER_FIELDS]
        order_services.save_revised_order(order=order, fields=[*fields, "on_fulfillment_hold"])
        events.edit_reverted_event(
            order=order,
            edit_session_id=session.pk,
            before={"total": str(before_total)},
            after={"total": str(order.total)},
        )
        session.status = SessionStatus.REVERTED
        session.save(update_fields=["status", "updated_at"])
    return True


# --- goodwill --------------------------------------------------------------------------------------------


def give_goodwill_discount(*, order: Order, amount: Decimal, reason: Reason | str, actor: User) -> Settlement:
    """Staff take an amount off what the order costs; what was overpaid is refunded, an open request shrinks.
    Refused for a canceled order, which costs nothing already. ``reason``: a code
    (core.reasons.GOODWILL_REASONS) and a note; free text is an "other" note."""
    amount = quantize(amount, order.currency)
    reason = Reason.of(reason)
    if amount <= 0:
        raise EditError(
            _("A discount must be more than zero."), code="bad_amount", fields={"amount": [_("Must be positive.")]}
        )
    if not reason:
        raise EditError(
            _("Say why the discount is given."), code="no_reason", fields={"reason": [_("This field is required.")]}
        )
    check_refund_limit(actor, amount)
    policy = EditPolicy.load()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.cancelled_at is not None:
            # It costs nothing: settling would ask its shopper to pay (staff give money back by a refund).
            raise EditError(_("This order was canceled."), code="order_cancelled")
        if amount > order.amount_due - order.kept_total:  # what the order costs, not what the store kept
            raise EditError(
                _("The discount can't be more than what the order costs."),
                code="bad_amount",
                fields={"amount": [_("Too large.")]},
            )
        left_due = unrequested_due(order)  # an unpaid order's discount asks for nothing: less stays due
        order.adjustment_total += amount
        order_services.save_revised_order(order=order, fields=["adjustment_total"])
        events.goodwill_discount_event(order=order, amount=amount, reason=reason, actor=actor)
        # Staff decided: a refund it causes needs no second approval.
        settlement = settle_order(
            order=order,
            source=MoneySource.APPEASEMENT,
            reason=reason,
            policy=staff_decided(policy),
            actor_kind=ActorKind.STAFF,
            actor=actor,
            leave_due=left_due,
        )
    return settlement


def staff_decided(policy: EditPolicy) -> EditPolicy:
    """Refunds a staff member causes need no second approval (their limit was checked instead)."""
    policy.refund_automatically = True
    return policy
