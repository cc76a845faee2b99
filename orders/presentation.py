"""How orders read: the shoppers' timeline sentences and the staff audit trail. Pure formatting in the active
language."""

from __future__ import annotations

from decimal import Decimal

from babel.lists import format_list
from babel.numbers import format_percent
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from core.money import format_money, to_babel_locale
from core.reasons import Reason
from orders.constants import BackorderKind, DeliveryState, EventType, RiskLevel
from orders.events import RETURN_EVENTS
from orders.models import Order, OrderEvent, OrderLine
from orders.return_sentences import return_sentence

HUNDRED = Decimal("100")

# Events whose reason the shopper reads under them: money given back, whose reason staff enter for the shopper
# (the refund email shows it too). A cancellation's or a release's reason is for staff.
# A rejected return's reason is the store's answer to the shopper (its email says it too).
SHOWN_REASONS = frozenset(
    {
        EventType.REFUND_RECORDED,
        EventType.GOODWILL_DISCOUNT,
        EventType.STORE_CREDIT_ISSUED,
        EventType.RETURN_REJECTED,
    }
)


def describe_event(event: OrderEvent, *, currency: str, language: str) -> str:
    data = event.data or {}
    if event.type in RETURN_EVENTS:
        return return_sentence(event.type, data, currency=currency, language=language)
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


# --- the staff audit trail ---------------------------------------------------------------------------


def event_actor(event: OrderEvent) -> str:
    """Who did it, for staff: the staff member's or shopper's email, else the kind ("System", "Integration")."""
    if event.actor_id is not None and event.actor is not None:
        return event.actor.email
    return str(event.get_actor_kind_display())


def audit_sentence(event: OrderEvent, *, currency: str, language: str) -> str:
    """One event as staff read it in the order's and the customer's timelines: what happened, with its figures,
    what changed from what to what (addresses on one line), and the reason given. Built on the shopper's
    wording (``describe_event``, ``describe_changes``, ``one_line_address``): one set of sentences."""
    data = event.data or {}
    text = _audit_text(event, data, currency=currency, language=language)
    reason = Reason.from_data(data).text() if (data.get("reason_code") or data.get("reason")) else ""
    if reason:
        return _("%(what)s. Reason: %(reason)s") % {"what": text, "reason": reason}
    return text


def _audit_text(event: OrderEvent, data: dict, *, currency: str, language: str) -> str:
    def money(value) -> str:
        return format_money(Decimal(value or "0"), data.get("currency") or currency, language)

    kind = event.type
    if kind == EventType.PLACED:
        lines = int(data.get("lines") or 0)
        return ngettext(
            "Order placed: %(count)d line, total %(total)s",
            "Order placed: %(count)d lines, total %(total)s",
            lines,
        ) % {"count": lines, "total": money(data.get("total"))}
    if kind == EventType.FULFILLMENT_CREATED:
        count = sum(int(quantity) for quantity in (data.get("lines") or {}).values())
        shipped = ngettext("%(count)d item shipped", "%(count)d items shipped", count) % {"count": count}
        if data.get("tracking_number"):
            return _("%(shipped)s with %(carrier)s, tracking %(tracking)s") % {
                "shipped": shipped,
                "carrier": data.get("carrier") or "—",
                "tracking": data["tracking_number"],
            }
        return shipped
    if kind == EventType.DELIVERY_UPDATED:
        return _delivery_change(data.get("before") or {}, data.get("after") or {})
    if kind == EventType.EDITED:
        return _edit_sentence(data, money)
    if kind == EventType.EDIT_REVERTED:
        return _("Unpaid change undone: total %(old)s → %(new)s") % {
            "old": money((data.get("before") or {}).get("total")),
            "new": money((data.get("after") or {}).get("total")),
        }
    if kind in (EventType.REFUND_REQUESTED, EventType.REFUND_APPROVED, EventType.REFUND_DECLINED):
        template = {
            EventType.REFUND_REQUESTED: _("Refund of %(amount)s requested"),
            EventType.REFUND_APPROVED: _("Refund of %(amount)s approved"),
            EventType.REFUND_DECLINED: _("Refund of %(amount)s declined"),
        }[EventType(kind)]
        return template % {"amount": money(data.get("amount"))}
    if kind == EventType.REFUND_FAILED:
        return _("Refund of %(amount)s failed: %(error)s") % {
            "amount": money(data.get("amount")),
            "error": data.get("error") or "—",
        }
    if kind == EventType.MONEY_KEPT:
        return _("%(amount)s kept by the store") % {"amount": money(data.get("amount"))}
    if kind == EventType.PAYMENT_DISPUTED:
        return _("Payment of %(amount)s disputed by the cardholder: %(reason)s") % {
            "amount": money(data.get("amount")),
            "reason": data.get("reason") or "—",
        }
    if kind == EventType.BACKORDER_REPORTED:
        return _backorder_sentence(data)
    if kind == EventType.SETTLEMENT_WITHDRAWN:
        requests, refunds = len(data.get("payment_requests") or []), len(data.get("refunds") or [])
        return _("Withdrawn before settling again: %(requests)s, %(refunds)s") % {
            "requests": ngettext("%(count)d payment request", "%(count)d payment requests", requests)
            % {"count": requests},
            "refunds": ngettext("%(count)d refund", "%(count)d refunds", refunds) % {"count": refunds},
        }
    if kind == EventType.REVIEWED:
        return "; ".join(_review_change(field, change) for field, change in data.items() if isinstance(change, dict))
    if kind in (EventType.CANCELLED, EventType.ARCHIVED, EventType.RELEASED_FOR_FULFILLMENT):
        return str(event.get_type_display())
    if kind in RETURN_EVENTS:
        return return_sentence(kind, data, currency=currency, language=language, staff=True)
    return describe_event(event, currency=currency, language=language)


def _edit_sentence(data: dict, money) -> str:
    before, after, records = data.get("before") or {}, data.get("after") or {}, data.get("changes") or []
    parts = describe_changes([change for change in records if change.get("type") not in ("address", "delivery")])
    old_address, new_address = before.get("shipping_address"), after.get("shipping_address")
    if new_address and old_address and old_address != new_address:
        parts.append(
            _("Shipping address: %(old)s → %(new)s")
            % {"old": one_line_address(old_address), "new": one_line_address(new_address)}
        )
    else:  # records from before the snapshots kept the address
        parts += describe_changes([change for change in records if change.get("type") == "address"])
    old_method, new_method = before.get("shipping_method"), after.get("shipping_method")
    if old_method and new_method and old_method != new_method and not after.get("pickup"):
        parts.append(_("Delivery: %(old)s → %(new)s") % {"old": old_method, "new": new_method})
    else:
        parts += describe_changes([change for change in records if change.get("type") == "delivery"])
    parts.append(_("total %(old)s → %(new)s") % {"old": money(before.get("total")), "new": money(after.get("total"))})
    return _("Order changed: %(changes)s") % {"changes": "; ".join(parts)}


def _delivery_change(before: dict, after: dict) -> str:
    def state(value) -> str:
        return str(DeliveryState(value).label) if value in DeliveryState.values else (value or "—")

    parts = []
    if before.get("state") != after.get("state"):
        parts.append(
            _("Delivery: %(old)s → %(new)s") % {"old": state(before.get("state")), "new": state(after.get("state"))}
        )
    if before.get("estimated_arrival") != after.get("estimated_arrival"):
        parts.append(
            _("Estimated arrival: %(old)s → %(new)s")
            % {"old": before.get("estimated_arrival") or "—", "new": after.get("estimated_arrival") or "—"}
        )
    return "; ".join(parts) or _("Delivery updated")


def _backorder_sentence(data: dict) -> str:
    count = sum(int(quantity) for quantity in (data.get("lines") or {}).values())
    kind = BackorderKind(data["kind"]).label if data.get("kind") in BackorderKind.values else _("Delayed")
    sentence = ngettext("%(count)d item: %(kind)s", "%(count)d items: %(kind)s", count) % {"count": count, "kind": kind}
    if data.get("expected"):
        sentence = _("%(delay)s, expected %(date)s") % {"delay": sentence, "date": data["expected"]}
    if data.get("note"):
        sentence = _("%(delay)s (note: %(note)s)") % {"delay": sentence, "note": data["note"]}
    return sentence


def _review_change(field: str, change: dict) -> str:
    old, new = change.get("from"), change.get("to")
    if field == "tags":
        return _("Tags: %(old)s → %(new)s") % {"old": ", ".join(old or []) or "—", "new": ", ".join(new or []) or "—"}
    if field == "risk_level":

        def risk(value) -> str:
            return str(RiskLevel(value).label) if value in RiskLevel.values else str(value)

        return _("Risk: %(old)s → %(new)s") % {"old": risk(old), "new": risk(new)}
    return f"{field}: {old} → {new}"
