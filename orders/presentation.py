"""How orders read to shoppers: timeline sentences. Pure formatting in the active language."""

from __future__ import annotations

from decimal import Decimal

from babel.lists import format_list
from babel.numbers import format_percent
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from core.money import format_money, to_babel_locale
from core.reasons import Reason
from orders.constants import DeliveryState, EventType
from orders.models import Order, OrderEvent, OrderLine

HUNDRED = Decimal("100")

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
    if event.type == EventType.REST_CANCELLED:
        return _("Items not yet shipped were canceled; new total %(total)s") % {
            "total": format_money(_amount(data), currency, language)
        }
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
    """An edit's changes as sentences in the active language, from the records ``editing`` keeps in the edited
    event and hands its emails (``editing.presentation.change_records``): the edit page's preview, the Pay now
    page and the order-edited emails (the ``change_sentences`` filter) all read them here.

    "Added 2 × Tee M / Navy", "Removed Mug White", "Tee: M / White → L / Black", "Socks M / Grey: quantity 2 → 3",
    "Deliver to: Sam Jansen, Prinsengracht 263, 1016 GV Amsterdam, Netherlands", "Delivery: Express (DHL)",
    "Pick up at Amsterdam store". Records from before swaps, addresses and deliveries were named read as they
    did then ("Changed to …", "New shipping address", "New delivery option").
    """
    sentences = []
    for change in changes:
        kind, item = change.get("type"), change.get("item", "")
        if kind == "added":
            sentences.append(_("Added %(qty)s × %(item)s") % {"qty": change.get("to"), "item": item})
        elif kind == "removed":
            sentences.append(_("Removed %(item)s") % {"item": item})
        elif kind == "swapped":
            if "from_variant" not in change:
                sentences.append(_("Changed to %(item)s") % {"item": item})
                continue
            sentences.append(
                _("%(product)s: %(old)s → %(new)s")
                % {"product": change.get("product", ""), "old": change["from_variant"], "new": change.get("to_variant")}
            )
            if change.get("from") != change.get("to"):
                sentences.append(_quantity(item, change))
        elif kind == "changed":
            sentences.append(_quantity(item, change))
        elif kind == "address":
            address = change.get("address")
            if address:
                sentences.append(_("Deliver to: %(address)s") % {"address": one_line_address(address)})
            else:
                sentences.append(_("New shipping address"))
        elif kind == "delivery":
            if change.get("pickup"):
                sentences.append(_("Pick up at %(place)s") % {"place": change["pickup"]})
            elif change.get("method"):
                method = change["method"]
                if change.get("carrier"):
                    method = _("%(method)s (%(carrier)s)") % {"method": method, "carrier": change["carrier"]}
                sentences.append(_("Delivery: %(method)s") % {"method": method})
            else:
                sentences.append(_("New delivery option"))
    return sentences


def discount_reasons(line: OrderLine, order: Order, *, language: str) -> str:
    """Why ``line`` costs less than its price, as the page says it: the buyer's group discount ("Member price
    −10%") and the order's discount code ("SPRING10"); empty when nothing was taken off it."""
    reasons = []
    if line.has_group_price:
        percent = format_percent(  # 10%, 12.5% (never rounded to 12%)
            line.group_discount_percent / HUNDRED, locale=to_babel_locale(language), decimal_quantization=False
        )
        reasons.append(_("Member price −%(percent)s") % {"percent": percent})
    if line.discount_amount and order.discount_code:
        reasons.append(order.discount_code)
    elif line.discount_amount:
        reasons.append(_("Discount"))
    return ", ".join(reasons)


def item_summary(line_names: list, *, language: str) -> str:
    """An order list row's items: the first two product names and how many more ("Merino sweater, Wool socks
    and 3 more"). ``line_names``: [[name, is a fee], ...] in the lines' order (orders.selectors.orders_by_id);
    a name bought in two sizes counts once, and fees (gift wrapping) only on an order of nothing else."""
    goods = [name for name, is_fee in line_names if not is_fee] or [name for name, _is_fee in line_names]
    names = list(dict.fromkeys(goods))
    if len(names) <= 2:
        return format_list(names, locale=to_babel_locale(language)) if names else ""
    more = len(names) - 2
    return ngettext(
        "%(first)s, %(second)s and %(count)d more",
        "%(first)s, %(second)s and %(count)d more",
        more,
    ) % {"first": names[0], "second": names[1], "count": more}


def _quantity(item: str, change: dict) -> str:
    return _("%(item)s: quantity %(old)s → %(new)s") % {
        "item": item,
        "old": change.get("from"),
        "new": change.get("to"),
    }


def one_line_address(address: dict) -> str:
    """A shipping address on one line, its country named in the active language:
    "Sam Jansen, Prinsengracht 263, 1016 GV Amsterdam, Netherlands"."""
    code = address.get("country") or ""
    place = " ".join(part for part in (address.get("postal_code"), address.get("city")) if part)
    parts = (
        address.get("name"),
        address.get("company"),
        address.get("line1"),
        address.get("line2"),
        place,
        address.get("region"),
        (countries.name(code) or code) if code else "",
    )
    return ", ".join(str(part).strip() for part in parts if part and str(part).strip())
