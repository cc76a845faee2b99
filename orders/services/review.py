"""Staff review of an order: its tags and risk level, set in admin. A change is versioned and on the
timeline like any other, so the shopper's cached pages and the edit rules (a high risk stops shopper
edits) follow at once.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from orders import events
from orders.models import Order
from orders.services.kernel import lock_order, save_change


def review_order(*, order: Order, tags: list[str], risk_level: str, actor: User) -> Order:
    """Staff set the order's tags and risk. A change bumps the version, like any other: the shopper's
    cached pages and the edit rules (a high risk stops shopper edits) follow at once. No change, no write."""
    with transaction.atomic():
        order = lock_order(order)
        changes = {
            field: {"from": getattr(order, field), "to": value}
            for field, value in (("tags", list(dict.fromkeys(tags))), ("risk_level", risk_level))
            if getattr(order, field) != value
        }
        if not changes:
            return order
        for field, change in changes.items():
            setattr(order, field, change["to"])
        save_change(order, list(changes))
        events.order_reviewed_event(order=order, changes=changes, actor=actor)
    return order
