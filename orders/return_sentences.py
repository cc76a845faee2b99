"""How a return's steps read on the timelines (the shopper's and staff's audit trail): one sentence per return
event, from its data, in the active language. The returns app sits above orders, so it registers how its
reason codes are named (``register_return_reason_label``, in ReturnsConfig.ready)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.money import format_money
from orders.constants import EventType

# How a returned item's reason code is named in the active language. The reasons are the returns app's (above
# orders), which registers its own naming (``register_return_reason_label``, in ReturnsConfig.ready).
_return_reason_label: Callable[[str], str] = str


def register_return_reason_label(label: Callable[[str], str]) -> None:
    global _return_reason_label
    _return_reason_label = label


def _condition(value: str) -> str:
    if value == "resellable":
        return pgettext("returned item", "resellable")
    if value == "damaged":
        return pgettext("returned item", "damaged")
    return value


def _exchange_name(item: str, replacement: str) -> str:
    """The replacement as its variant alone when it is the same product: "L / Navy", not the whole name again."""
    product, sep, _variant = item.partition(" – ")
    other, other_sep, variant = replacement.partition(" – ")
    return variant if sep and other_sep and product == other and variant else replacement


def return_items(items: list, *, staff: bool = False) -> str:
    """A return's items from its event's data: "1 × Merino sweater – M / Navy (Too small), exchange for L / Navy";
    for staff, a received item's condition too ("…, damaged")."""
    parts = []
    for item in items:
        if not isinstance(item, dict):
            continue
        name = item.get("name") or ""
        text = f"{item.get('quantity', 0)} × {name}"
        if item.get("reason"):
            text = _("%(item)s (%(reason)s)") % {"item": text, "reason": _return_reason_label(item["reason"])}
        exchange = item.get("exchange_for")
        if isinstance(exchange, dict) and exchange.get("name"):
            text = _("%(item)s, exchange for %(variant)s") % {
                "item": text,
                "variant": _exchange_name(name, exchange["name"]),
            }
        if staff and item.get("condition"):
            text = _("%(item)s, %(condition)s") % {"item": text, "condition": _condition(item["condition"])}
        parts.append(text)
    return "; ".join(parts)


def _refund_to(amount: str, destination: str | None) -> str:
    if destination == "store_credit":
        return _("refund %(amount)s as store credit") % {"amount": amount}
    return _("refund %(amount)s to the original payment method") % {"amount": amount}


def _received_figures(data: dict, money: Callable[[str], str]) -> str:
    refund = Decimal(data.get("refund") or "0")
    parts = [_refund_to(money("refund"), data.get("refund_to")) if refund > 0 else _("nothing to refund")]
    parts.append(_("restocking fee %(amount)s") % {"amount": money("restocking_fee")})
    if Decimal(data.get("shipping_fee") or "0"):
        parts.append(_("return shipping %(amount)s") % {"amount": money("shipping_fee")})
    if Decimal(data.get("shipping_refund") or "0"):
        parts.append(_("shipping refunded %(amount)s") % {"amount": money("shipping_refund")})
    difference = Decimal(data.get("exchange_difference") or "0")
    if difference > 0:
        parts.append(_("the replacement costs %(amount)s more") % {"amount": money("exchange_difference")})
    elif difference < 0:
        parts.append(_("the replacement costs %(amount)s less") % {"amount": money("exchange_difference")})
    return ", ".join(parts)


def return_sentence(kind: str, data: dict, *, currency: str, language: str, staff: bool = False) -> str:
    """A return's step as one sentence (the shopper's timeline; for staff, with conditions and the comment):
    "Return R1042-1 requested: 1 × Merino sweater – M / Navy (Too small), exchange for L / Navy",
    "Return R1042-1 received: …; refund €89.00 to the original payment method, restocking fee €0.00"."""

    def money(key: str) -> str:
        return format_money(abs(Decimal(data.get(key) or "0")), data.get("currency") or currency, language)

    number = data.get("number") or ""
    items = return_items(data.get("items") or [], staff=staff)
    values = {"number": number, "items": items}
    if kind == EventType.RETURN_REQUESTED:
        text = _("Return %(number)s requested: %(items)s") % values
        if data.get("refund_to") == "store_credit":
            text = _("%(what)s; refund as store credit") % {"what": text}
        if staff and data.get("comment"):
            text = _("%(what)s (comment: %(comment)s)") % {"what": text, "comment": data["comment"]}
        return text
    if kind == EventType.RETURN_APPROVED:
        return _("Return %(number)s approved: %(items)s") % values
    if kind == EventType.RETURN_REJECTED:
        return _("Return %(number)s rejected: %(items)s") % values
    if kind == EventType.RETURN_IN_TRANSIT:
        carrier, tracking = data.get("carrier"), data.get("tracking_number")
        if carrier and tracking:
            return _("Return %(number)s sent back with %(carrier)s, tracking %(tracking)s") % {
                "number": number,
                "carrier": carrier,
                "tracking": tracking,
            }
        if carrier or tracking:
            return _("Return %(number)s sent back (%(tracking)s)") % {"number": number, "tracking": carrier or tracking}
        return _("Return %(number)s sent back") % values
    if kind == EventType.RETURN_RECEIVED:
        return _("Return %(number)s received: %(items)s; %(figures)s") % {
            **values,
            "figures": _received_figures(data, money),
        }
    if kind == EventType.RETURN_REFUNDED:
        if not Decimal(data.get("refund") or "0"):
            return _("Return %(number)s closed: nothing to refund") % values
        if data.get("refund_to") == "store_credit":
            return _("Return %(number)s refunded: %(amount)s as store credit") % {**values, "amount": money("refund")}
        return _("Return %(number)s refunded: %(amount)s to the original payment method") % {
            **values,
            "amount": money("refund"),
        }
    if kind == EventType.RETURN_EXCHANGED:
        return _("Return %(number)s exchanged: the replacement has shipped") % values
    if kind == EventType.RETURN_CANCELLED:
        return _("Return %(number)s withdrawn") % values
    return str(EventType(kind).label) if kind in EventType.values else kind
