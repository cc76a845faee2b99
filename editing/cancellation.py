"""Cancelling a whole order through editing, by the shopper (policy permitting) or by staff: the order is
cancelled with its stock put back, open edit sessions are closed, and what was paid is refunded (staff may
keep the money: ``refund=False``, which withdraws any open Pay now request and counts what the order holds
as kept by the store, not owed back); then the shopper,
and the merchant when a shopper acted, are told. ``cancel_refusals`` (``editing.eligibility``) says why not.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from core.reasons import Reason, ReasonCode
from editing import settlement
from editing.commit import CommitResult, tell_shopper_and_merchant
from editing.constants import SessionStatus
from editing.eligibility import cancel_refusals, is_staff_actor, raise_refusal
from editing.models import EditPolicy, EditSession
from notifications.constants import MessageKind
from orders import services as order_services
from orders.constants import ActorKind, MoneySource, OrderTag
from orders.models import Order
from orders.services import money_in_hand
from orders.services.refunds import check_refund_limit  # not re-exported by orders.services


def cancel_order(
    *,
    order: Order,
    actor_kind: ActorKind,
    actor: User | None = None,
    reason: Reason | str = "",
    refund: bool = True,
) -> CommitResult:
    """Cancel the whole order (policy permitting): stock back, what was paid refunded, edits closed.

    ``reason``: a code (core.reasons.SHOPPER_CANCEL_REASONS or STAFF_CANCEL_REASONS) and a note, or none;
    free text is an "other" note. Staff may cancel without refunding (``refund=False``): the money stays
    with the store.
    """
    reason = Reason.of(reason)
    policy = EditPolicy.load()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        refusals = cancel_refusals(order=order, actor_kind=actor_kind, policy=policy)
        if refusals:
            raise_refusal(refusals[0])
        tags = (OrderTag.CANCELLED_BY_CUSTOMER,) if actor_kind == ActorKind.CUSTOMER else ()
        order = order_services.cancel_order(
            order=order, reason=reason, actor_kind=actor_kind, actor=actor, add_tags=tags
        )
        EditSession.objects.filter(order=order, status=SessionStatus.OPEN).update(status=SessionStatus.ABANDONED)
        if refund or not is_staff_actor(actor_kind):
            if is_staff_actor(actor_kind) and actor is not None:
                check_refund_limit(actor, money_in_hand(order))
                policy = settlement.staff_decided(policy)
            settled = settlement.settle_order(
                order=order,
                amount_due=order.kept_total,  # what the store had already decided to keep stays kept
                source=MoneySource.CANCELLATION,
                reason=reason.or_default(ReasonCode.ORDER_CANCELED),
                policy=policy,
                actor_kind=actor_kind,
                actor=actor,
            )
        else:
            settled = settlement.withdraw_open_settlement(order=order)
            order_services.keep_money_held(order=order, actor=actor)
        context = {
            "order_number": order.number,
            "currency": order.currency,
            "to_refund": str(settled.refund_amount) if settled.refunds else "",
            "refund_waits_for_approval": settled.refund_awaits_approval,
        }
        tell_shopper_and_merchant(
            order,
            policy,
            actor_kind,
            context,
            shopper_kind=MessageKind.ORDER_CANCELLED,
            merchant_kind=MessageKind.MERCHANT_ORDER_CANCELLED,
            key=f"order:{order.pk}:cancelled",
        )
    return CommitResult(order=order, settlement=settled)
