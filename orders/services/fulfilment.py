"""Fulfilment: shipments with tracking, their delivery states, and backorders reported before dispatch.

The warehouse side (an integration, or staff in admin) calls these; each change the shopper should hear
about queues one message, keyed by the change's event, so an update delivered twice notifies once.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.selectors import marketing_recipient
from notifications.constants import MessageKind
from notifications.services import notify
from orders import events
from orders.constants import ActorKind, BackorderKind, DeliveryState
from orders.email_names import item_title
from orders.errors import OrderError
from orders.models import Fulfillment, FulfillmentLine, Order, OrderEvent, OrderLine
from orders.services.kernel import lock_order, refresh_statuses, save_change
from orders.status_links import status_path


def record_shipment(
    *,
    order: Order,
    quantities: dict[int, int],
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    delivery_state: DeliveryState = DeliveryState.IN_TRANSIT,
    estimated_arrival: date | None = None,
    shipped_at: datetime | None = None,
    actor_kind: ActorKind = ActorKind.SYSTEM,
    actor: User | None = None,
) -> Fulfillment:
    """Ship some quantities of some lines ({line id: quantity}) with their tracking."""
    if not quantities or any(q <= 0 for q in quantities.values()):
        raise OrderError(
            _("Choose at least one item to ship."), code="no_lines", fields={"lines": [_("Choose items.")]}
        )
    with transaction.atomic():
        order = lock_order(order)
        if order.cancelled_at is not None:
            raise OrderError(_("A canceled order can't be shipped."), code="order_cancelled")
        lines = list(OrderLine.objects.select_for_update().filter(order=order).order_by("pk"))
        by_id = _lines_left_to_ship(lines, quantities)
        fulfillment = Fulfillment.objects.create(
            order=order,
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=tracking_url,
            delivery_state=delivery_state,
            estimated_arrival=estimated_arrival,
            shipped_at=shipped_at or timezone.now(),
            delivered_at=timezone.now() if delivery_state == DeliveryState.DELIVERED else None,
        )
        FulfillmentLine.objects.bulk_create(
            FulfillmentLine(fulfillment=fulfillment, order_line_id=line_id, quantity=quantity)
            for line_id, quantity in sorted(quantities.items())
        )
        for line_id, quantity in quantities.items():
            line = by_id[line_id]
            line.fulfilled_quantity += quantity
            line.backordered_quantity = min(line.backordered_quantity, line.unfulfilled_quantity)
            if not line.backordered_quantity:
                line.backorder_kind, line.backorder_expected = "", None
        OrderLine.objects.bulk_update(
            [by_id[i] for i in quantities],
            ["fulfilled_quantity", "backordered_quantity", "backorder_kind", "backorder_expected"],
        )
        order.on_fulfillment_hold = False  # something shipped: the hold is moot
        save_change(order, ["on_fulfillment_hold", *refresh_statuses(order=order, lines=lines)])
        event = events.fulfillment_created_event(
            order=order, fulfillment=fulfillment, quantities=quantities, actor_kind=actor_kind, actor=actor
        )
        items = [_item(by_id[line_id], quantity) for line_id, quantity in sorted(quantities.items())]
        _notify_shipment(order, fulfillment, items, event)
    return fulfillment


def update_delivery_state(
    *,
    fulfillment: Fulfillment,
    delivery_state: DeliveryState,
    estimated_arrival: date | None = None,
    actor_kind: ActorKind = ActorKind.SYSTEM,
    actor: User | None = None,
) -> Fulfillment:
    """Move a shipment along (in transit → out for delivery → delivered). The same update twice is a no-op."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=fulfillment.order_id)
        fulfillment = Fulfillment.objects.select_for_update().get(pk=fulfillment.pk)
        before = {"state": fulfillment.delivery_state, "estimated_arrival": _iso(fulfillment.estimated_arrival)}
        fulfillment.delivery_state = delivery_state
        if estimated_arrival is not None:
            fulfillment.estimated_arrival = estimated_arrival
        after = {"state": fulfillment.delivery_state, "estimated_arrival": _iso(fulfillment.estimated_arrival)}
        if before == after:
            return fulfillment
        if delivery_state != DeliveryState.DELIVERED:
            fulfillment.delivered_at = None
        elif before["state"] != DeliveryState.DELIVERED:  # a new date on a delivered parcel keeps its time
            fulfillment.delivered_at = timezone.now()
        fulfillment.save(update_fields=["delivery_state", "estimated_arrival", "delivered_at", "updated_at"])
        save_change(order, [], content=False)  # a parcel's progress: no edit reads it (what shipped is unchanged)
        event = events.delivery_updated_event(
            order=order, fulfillment=fulfillment, before=before, after=after, actor_kind=actor_kind, actor=actor
        )
        if before["state"] != after["state"]:  # a new arrival date alone is shown on the page, not emailed
            items = [
                _item(shipped.order_line, shipped.quantity)
                for shipped in fulfillment.lines.select_related("order_line").order_by("pk")
            ]
            _notify_shipment(order, fulfillment, items, event)
            if delivery_state == DeliveryState.DELIVERED:
                _offer_shop_again(order, items, fulfillment)
    return fulfillment


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _lines_left_to_ship(lines: list[OrderLine], quantities: dict[int, int]) -> dict[int, OrderLine]:
    """The order's lines by id, once every asked-for quantity is known to be on it and not yet shipped."""
    by_id = {line.pk: line for line in lines}
    for line_id, quantity in quantities.items():
        line = by_id.get(line_id)
        if line is None:
            raise OrderError(
                _("That item is not on this order."),
                code="unknown_line",
                fields={f"lines.{line_id}": [_("Not on this order.")]},
            )
        if quantity > line.unfulfilled_quantity:
            raise OrderError(
                ngettext(
                    "Only %(left)s of %(item)s is left to ship.",
                    "Only %(left)s of %(item)s are left to ship.",
                    line.unfulfilled_quantity,
                )
                % {"left": line.unfulfilled_quantity, "item": line.product_name},
                code="over_fulfilment",
                fields={f"lines.{line_id}": [_("More than is left to ship.")]},
            )
    return by_id


# --- backorders ----------------------------------------------------------------------------------------


def report_backorder(
    *,
    order: Order,
    quantities: dict[int, int],
    kind: BackorderKind = BackorderKind.BACKORDER,
    expected: date | None = None,
    note: str = "",
    actor_kind: ActorKind = ActorKind.SYSTEM,
    actor: User | None = None,
) -> Order:
    """The warehouse can't send some units yet ({line id: quantity}): the lines show it and the shopper
    is told which items and what happens next. Reporting the same thing again changes nothing; a
    quantity of 0 clears a line's backorder (no email)."""
    if not quantities or any(q < 0 for q in quantities.values()):
        raise OrderError(_("Choose at least one item."), code="no_lines", fields={"lines": [_("Choose items.")]})
    with transaction.atomic():
        order = lock_order(order)
        if order.cancelled_at is not None:
            raise OrderError(_("This order is canceled."), code="order_cancelled")
        lines = _lines_left_to_ship(
            list(OrderLine.objects.select_for_update().filter(order=order).order_by("pk")), quantities
        )
        changed = []
        for line_id, quantity in sorted(quantities.items()):
            line = lines[line_id]
            wanted = (quantity, kind, expected) if quantity else (0, "", None)
            if (line.backordered_quantity, line.backorder_kind, line.backorder_expected) != wanted:
                line.backordered_quantity, line.backorder_kind, line.backorder_expected = wanted
                changed.append(line)
        if not changed:
            return order
        OrderLine.objects.bulk_update(changed, ["backordered_quantity", "backorder_kind", "backorder_expected"])
        save_change(order, [], content=False)  # a notice: every line may still be edited as staged
        event = events.backorder_reported_event(
            order=order,
            quantities=quantities,
            kind=kind,
            expected=expected,
            note=note,
            actor_kind=actor_kind,
            actor=actor,
        )
        delayed = [line for line in changed if line.backordered_quantity]
        if not delayed:  # only cleared: nothing to tell the shopper
            return order
        notify(
            kind=MessageKind.BACKORDER_NOTICE,
            recipient=order.email,
            language=order.language,
            context={
                **_order_context(order),
                "items": [
                    {**_item(line, line.backordered_quantity), "kind": kind, "expected": _iso(expected)}
                    for line in delayed
                ],
                "note": note[:300],
            },
            dedupe_key=f"event:{event.pk}",
        )
    return order


# --- what the shopper hears ---------------------------------------------------------------------------

SHIPMENT_MESSAGES: dict[str, MessageKind] = {  # by Fulfillment.delivery_state
    DeliveryState.IN_TRANSIT: MessageKind.SHIPMENT_SHIPPED,
    DeliveryState.OUT_FOR_DELIVERY: MessageKind.SHIPMENT_OUT_FOR_DELIVERY,
    DeliveryState.DELIVERED: MessageKind.SHIPMENT_DELIVERED,
    DeliveryState.READY_FOR_PICKUP: MessageKind.SHIPMENT_READY_FOR_PICKUP,
    DeliveryState.FAILED: MessageKind.SHIPMENT_FAILED,
}


def _item(line: OrderLine, quantity: int) -> dict:
    """An item of a shipment or backorder email; named in the email's language when it is sent (orders.email_names)."""
    return {
        "name": item_title(line.product_name, line.variant_name),
        "variant_id": line.variant_id,
        "quantity": quantity,
    }


def _order_context(order: Order) -> dict:
    return {"order_number": order.number, "status_url": settings.SITE_URL + status_path(order.number)}


def _notify_shipment(order: Order, fulfillment: Fulfillment, items: list[dict], event: OrderEvent) -> None:
    """One message per shipment change, keyed by its event: a repeated update has no event, so no message."""
    pickup = order.pickup_location
    with translation.override(order.language):  # the place's name as the shopper reads it
        place = {"pickup_name": pickup.name, "pickup_hours": pickup.hours} if pickup else {}
    notify(
        kind=SHIPMENT_MESSAGES[fulfillment.delivery_state],
        recipient=order.email,
        language=order.language,
        context={
            **_order_context(order),
            "items": items,
            "carrier": fulfillment.carrier,
            "tracking_number": fulfillment.tracking_number,
            "tracking_url": fulfillment.tracking_url,
            "estimated_arrival": _iso(fulfillment.estimated_arrival),
            "pickup_name": "",
            "pickup_hours": "",
            **place,
            "pickup_address": pickup.address if pickup else "",
        },
        dedupe_key=f"event:{event.pk}",
    )


def _offer_shop_again(order: Order, items: list[dict], fulfillment: Fulfillment) -> None:
    """Marketing, so only with the shopper's consent; with a one-click unsubscribe."""
    unsubscribe_url = marketing_recipient(order.customer_id)
    if unsubscribe_url is None:
        return
    notify(
        kind=MessageKind.SHOP_AGAIN,
        recipient=order.email,
        language=order.language,
        context={"items": items, "shop_url": settings.SITE_URL + "/store/products/"},
        dedupe_key=f"shop-again:{order.pk}",
        unsubscribe_url=unsubscribe_url,
    )
