"""How orders read to shoppers: timeline sentences. Pure formatting in the active language."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from core.money import format_money
from core.reasons import Reason
from orders.constants import DeliveryState, EventType
from orders.models import OrderEvent

# Events whose reason the shopper reads under them: money given back, whose reason staff enter for the shopper
# (the refund email shows it too). A cancellation's or a release's reason is for staff.
SHOWN_REASONS = frozenset({EventType.REFUND_RECORDED, EventType.GOODWILL_DISCOUNT, EventType.STORE_CREDIT_ISSUED})


def describe_event(event: OrderEvent, *, currency: str, language: str) -> str:
    data = event.data or {}
    if event.type == EventType.PLACED:
        return _("Order placed")
    if event.type == EventType.PAYMENT_CAPTURED:
        return _("Payment of %(amount)s received") % {"amount": format_money(_amount(data), currency, language)}
    if event.type == EventType.REFUND_RECORDED:
        return _("Refund of %(amount)s issued") % {"amount": format_money(_amount(data), currency, language)}
    if event.type == EventType.FULFILLMENT_CREATED:
        if data.get("carrier"):
            return _("Shipped with %(carrier)s") % {"carrier": data["carrier"]}
        return _("Shipped")
    if event.type == EventType.DELIVERY_UPDATED:
        state = (data.get("after") or {}).get("state")
        return str(DeliveryState(state).label) if state in DeliveryState.values else _("Delivery updated")
    if event.type == EventType.CANCELLED:
        return _("Order canceled")
    if event.type == EventType.EDITED:
        total = format_money(_amount({"amount": (data.get("after") or {}).get("total", "0")}), currency, language)
        if event.actor_kind == "staff":
            return _("Order changed by our team; new total %(total)s") % {"total": total}
        return _("You changed the order; new total %(total)s") % {"total": total}
    if event.type == EventType.PAYMENT_REQUESTED:
        return _("Payment of %(amount)s requested") % {"amount": format_money(_amount(data), currency, language)}
    if event.type == EventType.PAYMENT_REQUEST_EXPIRED:
        return _("Payment request of %(amount)s expired") % {"amount": format_money(_amount(data), currency, language)}
    if event.type == EventType.EDIT_REVERTED:
        return _("Unpaid change undone; total back to %(total)s") % {
            "total": format_money(_amount(data), currency, language)
        }
    if event.type == EventType.STORE_CREDIT_ISSUED:
        return _("%(amount)s store credit given") % {"amount": format_money(_amount(data), currency, language)}
    if event.type == EventType.GOODWILL_DISCOUNT:
        return _("Goodwill discount of %(amount)s") % {"amount": format_money(_amount(data), currency, language)}
    return str(event.get_type_display())


def event_reason(event: OrderEvent) -> str:
    """The reason shown under a timeline entry, in the active language (core.reasons), or ""."""
    if event.type not in SHOWN_REASONS:
        return ""
    return Reason.from_data(event.data).text()


def _amount(data: dict):
    return Decimal(data.get("amount", "0"))


def describe_changes(changes: list[dict]) -> list[str]:
    """An edit's changes as sentences ("Added 2 × Tee M / Navy"), from the edited event's data."""
    sentences = []
    for change in changes:
        kind, item = change.get("type"), change.get("item", "")
        if kind == "added":
            sentences.append(_("Added %(qty)s × %(item)s") % {"qty": change.get("to"), "item": item})
        elif kind == "removed":
            sentences.append(_("Removed %(item)s") % {"item": item})
        elif kind == "swapped":
            sentences.append(_("Changed to %(item)s") % {"item": item})
        elif kind == "changed":
            sentences.append(
                _("%(item)s: quantity %(old)s → %(new)s")
                % {"item": item, "old": change.get("from"), "new": change.get("to")}
            )
        elif kind == "address":
            sentences.append(_("New shipping address"))
        elif kind == "delivery":
            sentences.append(_("New delivery option"))
    return sentences
