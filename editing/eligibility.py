"""Who may edit or cancel an order now, and why not: snapshots of the policy and the order for the pure
rules (``editing.rules``), the store's count of shopper edits this month, and the refusals they give. The
order page asks ``refusals_for`` with a snapshot it keeps per order version; staging, commit and
cancellation ask ``edit_refusals`` / ``cancel_refusals`` on the rows they locked, and ``raise_refusal``
turns the first refusal into the error the shopper sees.
"""

from __future__ import annotations

from django.utils import timezone

from editing import rules
from editing.constants import ChangeType, SessionStatus
from editing.errors import EditError
from editing.models import EditPolicy, EditSession
from orders.constants import ActorKind, RiskLevel
from orders.models import Order, OrderLine


def is_staff_actor(actor_kind: str) -> bool:
    """Staff and integrations (the store's own systems) may pass the customer-only limits."""
    return actor_kind in (ActorKind.STAFF, ActorKind.INTEGRATION)


def raise_refusal(refusal: rules.Refusal, error=EditError):
    raise error(refusal.message, code=refusal.code)


def policy_view(policy: EditPolicy) -> rules.PolicyView:
    allowed = {
        ChangeType.ADDRESS: policy.allow_address,
        ChangeType.DELIVERY: policy.allow_delivery,
        ChangeType.SWAP: policy.allow_swap,
        ChangeType.ADD: policy.allow_add,
        ChangeType.REMOVE: policy.allow_remove,
        ChangeType.QUANTITY: policy.allow_quantity,
        ChangeType.CANCEL: policy.allow_cancel,
    }
    return rules.PolicyView(
        enabled=policy.enabled,
        allowed=frozenset(kind for kind, on in allowed.items() if on),
        lock_discounted_orders=policy.lock_discounted_orders,
        max_quantity_increase=policy.max_quantity_increase,
        address_same_country_only=policy.address_same_country_only,
        max_address_changes=policy.max_address_changes,
        block_address_change_high_risk=policy.block_address_change_high_risk,
        monthly_edit_allowance=policy.monthly_edit_allowance,
    )


def order_view(order: Order, lines: list[OrderLine], product_ids: dict[int, int]) -> rules.OrderView:
    return rules.OrderView(
        cancelled=order.cancelled_at is not None,
        archived=order.archived_at is not None,
        edit_window_ends_at=order.edit_window_ends_at,
        discount_code=order.discount_code,
        staff_discount=bool(order.fixed_discount or (order.discount_percent and not order.discount_code)),
        high_risk=order.risk_level == RiskLevel.HIGH,
        country=(order.shipping_address or {}).get("country", ""),
        is_pickup=order.pickup_location_id is not None,
        address_changes=order.address_changes,
        lines=tuple(
            rules.LineView(
                id=line.pk,
                product_id=product_ids.get(line.variant_id) if line.variant_id is not None else None,
                quantity=line.quantity,
                fulfilled_quantity=line.fulfilled_quantity,
                is_free=line.is_free,
                is_fee=line.is_fee,
                is_custom=line.is_custom,
                customization=line.customization,
            )
            for line in lines
        ),
    )


def customer_edits_this_month(now=None) -> int:
    now = timezone.localtime(now or timezone.now())
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return EditSession.objects.filter(
        actor_kind=ActorKind.CUSTOMER, status=SessionStatus.COMMITTED, committed_at__gte=month_start
    ).count()


def edit_refusals(
    *, order: Order, actor_kind: str, lines: list[OrderLine] | None = None, policy: EditPolicy | None = None
) -> list[rules.Refusal]:
    """Why this actor can't edit this order now (empty: they can). For the order page's "Edit order"."""
    lines = list(order.lines.all()) if lines is None else lines
    return refusals_for(order_view(order, lines, {}), actor_kind=actor_kind, policy=policy)[0]


def refusals_for(
    view: rules.OrderView, *, actor_kind: str, policy: EditPolicy | None = None
) -> tuple[list[rules.Refusal], list[rules.Refusal]]:
    """(why not edit, why not cancel) for an order snapshot, as of now: the order page keeps the snapshot
    per order version, while the window, the policy and the month's allowance are read fresh."""
    staff = is_staff_actor(actor_kind)
    policy = policy or EditPolicy.load()
    counted = not staff and policy.monthly_edit_allowance is not None  # the count is a query: only when it matters
    rules_policy, now = policy_view(policy), timezone.now()
    edit = rules.order_refusals(
        view,
        rules_policy,
        staff=staff,
        now=now,
        edits_this_month=customer_edits_this_month() if counted else 0,
    )
    return edit, rules.cancel_refusals(view, rules_policy, staff=staff, now=now)


def cancel_refusals(
    *, order: Order, actor_kind: str, lines: list[OrderLine] | None = None, policy: EditPolicy | None = None
) -> list[rules.Refusal]:
    lines = list(order.lines.all()) if lines is None else lines
    return rules.cancel_refusals(
        order_view(order, lines, {}),
        policy_view(policy or EditPolicy.load()),
        staff=is_staff_actor(actor_kind),
        now=timezone.now(),
    )
