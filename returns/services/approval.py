"""Staff approve a return (its replacements' stock is taken then) or reject it with a reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from core.reasons import Reason
from notifications.constants import MessageKind
from orders.constants import ActorKind, EventType, ReturnStatus
from orders.models import Order
from returns.errors import ReturnError
from returns.models import ReturnLine, ReturnRequest
from returns.services.common import (
    items_data,
    lock_return,
    record,
    refuse_unless,
    release_reservations,
    save_return,
    tell_shopper,
)
from storefront.models import Variant


def _reserve_replacements(lines: list[ReturnLine]) -> None:
    """Take the replacements' stock, variants locked in primary-key order; refuse if any ran out."""
    exchanges = [line for line in lines if line.exchange_variant_id and not line.reserved]
    if not exchanges:
        return
    wanted: dict[int, int] = {}
    for line in exchanges:
        variant_id = int(line.exchange_variant_id or 0)
        wanted[variant_id] = wanted.get(variant_id, 0) + line.quantity
    variants = {v.pk: v for v in Variant.objects.select_for_update().filter(pk__in=sorted(wanted)).order_by("pk")}
    short = [
        variants[pk] for pk, units in wanted.items() if variants[pk].track_inventory and variants[pk].stock < units
    ]
    if short:
        variant = short[0]
        left = max(variant.stock, 0)
        raise ReturnError(
            ngettext("Only %(count)s left of %(name)s.", "Only %(count)s left of %(name)s.", left)
            % {"count": left, "name": variant.name},
            code="out_of_stock",
        )
    for pk, units in wanted.items():
        if variants[pk].track_inventory:
            variants[pk].stock -= units
            variants[pk].save(update_fields=["stock"])
    for line in exchanges:
        line.reserved = True
        line.save(update_fields=["reserved"])


def approve_locked(
    order: Order, request: ReturnRequest, lines: list[ReturnLine], *, actor_kind: ActorKind, actor: User | None
) -> None:
    """Approve a return whose order and row the caller locked."""
    _reserve_replacements(lines)
    request.status, request.approved_at = ReturnStatus.APPROVED, timezone.now()
    save_return(order, request, ["status", "approved_at"])
    items = items_data(lines, language=order.language)
    record(order, request, EventType.RETURN_APPROVED, data={"items": items}, actor_kind=actor_kind, actor=actor)
    tell_shopper(order, request, MessageKind.RETURN_APPROVED, {"items": items})


def approve_return(
    *, request: ReturnRequest, actor: User | None, actor_kind: ActorKind = ActorKind.STAFF, version: int | None = None
) -> ReturnRequest:
    with transaction.atomic():
        order, request = lock_return(request.pk, expected_version=version)
        refuse_unless(request, ReturnStatus.REQUESTED, message=_("This return is not waiting for approval."))
        lines = list(request.lines.select_related("order_line", "exchange_variant", "reason").order_by("pk"))
        approve_locked(order, request, lines, actor_kind=actor_kind, actor=actor)
    return request


def reject_return(
    *, request: ReturnRequest, reason: Reason | str, actor: User | None, version: int | None = None
) -> ReturnRequest:
    """Refuse a return not yet received, saying why to the shopper; reserved replacements go back to stock."""
    reason = Reason.of(reason)
    if not reason:
        raise ReturnError(_("Say why the return is rejected."), fields={"reason": [_("This field is required.")]})
    with transaction.atomic():
        order, request = lock_return(request.pk, expected_version=version)
        refuse_unless(
            request,
            ReturnStatus.REQUESTED,
            ReturnStatus.APPROVED,
            ReturnStatus.IN_TRANSIT,
            message=_("Only a return not yet received can be rejected."),
        )
        lines = list(request.lines.select_related("order_line", "exchange_variant", "reason").order_by("pk"))
        release_reservations(lines)
        request.status, request.closed_at = ReturnStatus.REJECTED, timezone.now()
        request.reason = reason
        save_return(order, request, ["status", "closed_at", "reason_code", "reason_note"])
        record(
            order,
            request,
            EventType.RETURN_REJECTED,
            data={"items": items_data(lines, language=order.language), **reason.as_data()},
            actor_kind=ActorKind.STAFF,
            actor=actor,
        )
        tell_shopper(
            order,
            request,
            MessageKind.RETURN_REJECTED,
            {"items": items_data(lines, language=order.language), "reason": reason.as_data()},
        )
    return request
