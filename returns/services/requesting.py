"""A return asked for (by the shopper or by staff for them), withdrawn, or sent back."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from notifications.constants import MessageKind
from orders.constants import ActorKind, EventType, ReturnStatus
from orders.models import Order
from orders.services.kernel import lock_order
from returns.constants import RefundTo
from returns.errors import ReturnError
from returns.models import ReturnLine, ReturnPolicy, ReturnReason, ReturnRequest
from returns.rules import line_refusal, order_refusal, returnable_quantity
from returns.selectors import line_state, order_lines_for_returns, policy_terms
from returns.services.approval import approve_locked
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


@dataclass(frozen=True)
class AskedLine:
    """Units of one order line asked back: to refund, or to exchange for ``exchange_variant_id``."""

    order_line_id: int
    quantity: int
    reason_code: str
    exchange_variant_id: int | None = None


def _check_lines(
    order: Order, asked: list[AskedLine], *, policy: ReturnPolicy, reasons: dict[str, ReturnReason], staff: bool
) -> dict:
    """Field errors for what was asked, keyed ``lines.<order line id>``; empty when all is well."""
    now = timezone.now()
    terms = policy_terms(policy)
    lines = {line.pk: line for line in order_lines_for_returns(order)}
    states = {pk: line_state(line) for pk, line in lines.items()}
    if refusal := order_refusal(
        terms=terms, cancelled=order.cancelled_at is not None, lines=list(states.values()), now=now, staff=staff
    ):
        raise ReturnError(refusal, code="not_returnable")
    if not asked:
        raise ReturnError(
            _("Choose at least one item to return."), code="no_lines", fields={"lines": [_("Choose items.")]}
        )
    wanted: dict[int, int] = {}
    for item in asked:
        wanted[item.order_line_id] = wanted.get(item.order_line_id, 0) + item.quantity
    variants = Variant.objects.select_related("product").in_bulk(
        [item.exchange_variant_id for item in asked if item.exchange_variant_id]
    )
    errors: dict[str, list[str]] = {}
    for item in asked:
        key = f"lines.{item.order_line_id}"
        state = states.get(item.order_line_id)
        if state is None:
            errors[key] = [_("Not an item of this order.")]
            continue
        allowed = returnable_quantity(state, terms, now=now, staff=staff)
        if item.quantity < 1:
            errors[key] = [_("Choose at least 1.")]
        elif wanted[item.order_line_id] > allowed:
            refusal = line_refusal(state, terms, now=now) if not allowed else None
            errors[key] = [
                refusal
                or ngettext("Only %(count)s can be returned.", "Only %(count)s can be returned.", allowed)
                % {"count": allowed}
            ]
        reason = reasons.get(item.reason_code)
        if reason is None or (not reason.is_active and not staff):
            errors.setdefault(key, []).append(_("Choose a reason."))
        if item.exchange_variant_id:
            variant = variants.get(item.exchange_variant_id)
            if not policy.exchanges_allowed and not staff:
                errors.setdefault(key, []).append(_("This store doesn't take exchanges; choose a refund."))
            elif (
                variant is None
                or variant.product_id != state.product_id
                or variant.pk == state.variant_id
                or not variant.product.is_active
            ):
                errors.setdefault(key, []).append(_("Choose another size or colour of the same item."))
            elif variant.track_inventory and variant.stock < item.quantity:
                errors.setdefault(key, []).append(
                    ngettext(
                        "Only %(count)s left of %(name)s.", "Only %(count)s left of %(name)s.", max(variant.stock, 0)
                    )
                    % {"count": max(variant.stock, 0), "name": variant.name}
                )
    return errors


def request_return(
    *,
    order: Order,
    lines: list[AskedLine],
    refund_to: str = RefundTo.ORIGINAL,
    comment: str = "",
    actor_kind: ActorKind = ActorKind.CUSTOMER,
    actor: User | None = None,
) -> ReturnRequest:
    """Open a return of delivered units (never more than delivered less what other returns hold), approved at
    once when the policy says so. Staff are not held to the window, the product flags or the refund choice."""
    staff = actor_kind == ActorKind.STAFF
    policy = ReturnPolicy.load()
    if not staff and refund_to not in policy.refund_choices():
        raise ReturnError(
            _("Choose where the refund goes."), code="refund_to", fields={"refund_to": [_("Not offered.")]}
        )
    with transaction.atomic():
        order = lock_order(order)  # two requests for the same units: the second sees the first's
        reasons = {reason.code: reason for reason in ReturnReason.objects.all()}
        if errors := _check_lines(order, lines, policy=policy, reasons=reasons, staff=staff):
            raise ReturnError(_("Please check the items."), code="invalid_lines", fields=errors)
        count = ReturnRequest.objects.filter(order=order).count()
        request = ReturnRequest.objects.create(
            order=order,
            number=f"R{order.number}-{count + 1}",
            refund_to=refund_to,
            comment=comment.strip()[:500],
            requested_by_staff=actor if staff else None,
        )
        ReturnLine.objects.bulk_create(
            ReturnLine(
                request=request,
                order_line_id=item.order_line_id,
                quantity=item.quantity,
                reason=reasons[item.reason_code],
                exchange_variant_id=item.exchange_variant_id,
            )
            for item in lines
        )
        return_lines = list(request.lines.select_related("order_line", "exchange_variant", "reason"))
        save_return(order, request, [])
        items = items_data(return_lines, language=order.language)
        record(
            order,
            request,
            EventType.RETURN_REQUESTED,
            data={"items": items, "refund_to": refund_to, "comment": request.comment},
            actor_kind=actor_kind,
            actor=actor,
        )
        tell_shopper(order, request, MessageKind.RETURN_REQUESTED, {"items": items, "approved": policy.auto_approve})
        if policy.auto_approve:
            approve_locked(order, request, return_lines, actor_kind=ActorKind.SYSTEM, actor=None)
    return request


def withdraw_return(*, request: ReturnRequest, actor_kind: ActorKind, actor: User | None = None) -> ReturnRequest:
    """The shopper (or staff for them) withdraws a return not yet received; reserved replacements go back."""
    with transaction.atomic():
        order, request = lock_return(request.pk)
        refuse_unless(
            request,
            ReturnStatus.REQUESTED,
            ReturnStatus.APPROVED,
            ReturnStatus.IN_TRANSIT,
            message=_("This return can no longer be withdrawn."),
        )
        release_reservations(list(request.lines.all()))
        request.status, request.closed_at = ReturnStatus.CANCELLED, timezone.now()
        save_return(order, request, ["status", "closed_at"])
        record(order, request, EventType.RETURN_CANCELLED, data={}, actor_kind=actor_kind, actor=actor)
    return request


def mark_in_transit(
    *,
    request: ReturnRequest,
    carrier: str = "",
    tracking_number: str = "",
    actor_kind: ActorKind,
    actor: User | None = None,
    version: int | None = None,
) -> ReturnRequest:
    """The parcel is on its way back (the shopper's or the warehouse's word, with its tracking). ``version``: the
    version the asking page showed (staff's page); a return changed since is refused."""
    with transaction.atomic():
        order, request = lock_return(request.pk, expected_version=version)
        refuse_unless(
            request,
            ReturnStatus.APPROVED,
            ReturnStatus.IN_TRANSIT,
            message=_("Only an approved return can be sent back."),
        )
        request.status = ReturnStatus.IN_TRANSIT
        request.carrier, request.tracking_number = carrier.strip()[:100], tracking_number.strip()[:100]
        save_return(order, request, ["status", "carrier", "tracking_number"])
        record(
            order,
            request,
            EventType.RETURN_IN_TRANSIT,
            data={"carrier": request.carrier, "tracking_number": request.tracking_number},
            actor_kind=actor_kind,
            actor=actor,
        )
    return request
