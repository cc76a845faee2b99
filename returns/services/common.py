"""What every return service shares: the lock order, the status kept on the order, the event, the email."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.signed_ids import SignedId
from notifications.services import notify
from orders import events
from orders.constants import ActorKind, EventType, ReturnStatus
from orders.models import Order
from orders.services.kernel import lock_order, save_change
from orders.status_links import status_path
from returns.errors import ReturnConflict
from returns.models import ReturnLine, ReturnRequest
from storefront.models import Variant

SLIP_LINKS = SignedId("returns.slip")


def lock_return(request_id: int, *, expected_version: int | None = None) -> tuple[Order, ReturnRequest]:
    """The return's order, then the return, locked (every writer of a return locks in that order).
    ``expected_version``: the version the asking page showed; a return changed since is refused (409)."""
    order_id = ReturnRequest.objects.values_list("order_id", flat=True).get(pk=request_id)
    order = lock_order(Order(pk=order_id))
    request = ReturnRequest.objects.select_for_update().get(pk=request_id)
    if expected_version is not None and request.version != expected_version:
        raise ReturnConflict(_("This return changed since the page was shown; look again."))
    return order, request


def refuse_unless(request: ReturnRequest, *statuses: ReturnStatus, message: str) -> None:
    if request.status not in statuses:
        raise ReturnConflict(message, code="return_status")


def save_return(
    order: Order,
    request: ReturnRequest,
    fields: list[str],
    *,
    content: bool = False,
    order_fields: tuple[str, ...] | list[str] = (),
) -> None:
    """Save the return (its version moves) and the order's ``return_status`` (its latest return's), with
    ``order_fields`` the caller changed; ``content``: what an edit is built from changed too."""
    request.version += 1
    request.save(update_fields=[*dict.fromkeys([*fields, "version", "updated_at"])])
    latest = (
        ReturnRequest.objects.filter(order_id=order.pk).order_by("-created_at", "-pk").values_list("status", flat=True)
    ).first()
    order.return_status = latest or ReturnStatus.NONE
    save_change(order, ["return_status", *order_fields], content=content)


def items_data(lines: list[ReturnLine], *, language: str, received: bool = False) -> list[dict]:
    """A return's items as plain data for events and emails, named as their lines were bought (in the order's
    ``language``; emails and pages rename them in the reader's by variant id)."""
    items = []
    for line in lines:
        quantity = line.received_quantity if received else line.quantity
        if not quantity:
            continue
        order_line = line.order_line
        item: dict[str, Any] = {
            "name": f"{order_line.product_name} – {order_line.variant_name}".strip(" –"),
            "variant_id": order_line.variant_id,
            "quantity": quantity,
            "reason": line.reason.code,
        }
        variant = line.exchange_variant
        if variant is not None:
            with translation.override(language):
                name = f"{order_line.product_name} – {variant.name}"
            item["exchange_for"] = {"name": name, "variant_id": variant.pk}
        if received and line.condition:
            item["condition"] = line.condition
        items.append(item)
    return items


def record(
    order: Order,
    request: ReturnRequest,
    type: EventType,
    *,
    data: dict,
    actor_kind: ActorKind,
    actor=None,
) -> None:
    events.return_event(
        order=order,
        type=type,
        return_id=request.pk,
        return_number=request.number,
        data=data,
        actor_kind=actor_kind,
        actor=actor,
    )


def slip_path(request: ReturnRequest) -> str:
    return reverse("returns:slip", args=[SLIP_LINKS.token(request.pk)])


def tell_shopper(order: Order, request: ReturnRequest, kind: str, context: dict) -> None:
    """An email about this return in the order's language, once per return and step."""
    notify(
        kind=kind,
        recipient=order.email,
        language=order.language,
        context={
            "order_number": order.number,
            "return_number": request.number,
            "currency": order.currency,
            "status_url": settings.SITE_URL + status_path(order.number),
            "slip_url": settings.SITE_URL + slip_path(request),
            **context,
        },
        dedupe_key=f"return:{request.pk}:{kind}:{request.version}",
    )


def release_reservations(lines: list[ReturnLine], *, keep: dict[int, int] | None = None) -> None:
    """Give back the stock taken for replacements, less ``keep`` (line id → units now on the order)."""
    keep = keep or {}
    for line in sorted(lines, key=lambda line: line.exchange_variant_id or 0):
        if line.reserved and line.exchange_variant_id:
            units = line.quantity - keep.get(line.pk, 0)
            if units > 0:
                Variant.objects.filter(pk=line.exchange_variant_id, track_inventory=True).update(
                    stock=F("stock") + units
                )
            line.reserved = False
            line.save(update_fields=["reserved"])
