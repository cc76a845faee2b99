"""Cancelling the unshipped rest of a partly shipped order, by staff: each line drops to what shipped (a line
with nothing shipped goes; its event keeps it), stock goes back, open edits close, the totals are worked out
again at the prices paid (shipping stays: part of the order went out), and the money the cancelled items
free is refunded in full, in part (the rest kept by the store) or not at all, as staff chose. Then the
balance is settled as after an edit (an open Pay now request shrinks to what is still due) and the shopper
is told. ``editing.rules.cancel_rest_refusals`` says when it can't be done.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import ZERO, format_money, quantize
from core.reasons import Reason
from editing import rules, settlement
from editing.constants import SessionStatus
from editing.eligibility import order_view, raise_refusal
from editing.errors import EditError
from editing.models import EditPolicy, EditSession
from notifications.constants import MessageKind
from notifications.services import notify
from orders import events
from orders import services as order_services
from orders.calculations import LineInput, Totals, split_rest_money, totals_of_shipped
from orders.constants import ActorKind, MoneySource, RestRefund
from orders.email_names import item_title
from orders.errors import RefundError
from orders.models import Order, OrderLine
from orders.services import Settlement, money_in_hand
from orders.services.refunds import check_refund_limit, keep_money  # not re-exported by orders.services
from orders.services.settlement import open_settlement  # not re-exported by orders.services
from orders.status_links import status_path
from storefront.models import Variant

# A line's fields the cancellation rewrites (amounts at the quantity shipped; nothing is left to backorder).
LINE_FIELDS = ["quantity", "subtotal", "discount_amount", "tax_amount", "total", "backordered_quantity"]
ORDER_FIELDS = ["subtotal", "discount_total", "tax_total", "total", "on_fulfillment_hold"]


@dataclass(frozen=True)
class RestCancelled:
    order: Order
    items: list[dict]  # what was cancelled: name, variant_id, quantity, total (what it cost)
    settlement: Settlement
    kept: Decimal  # what the store keeps of the money the items freed


def cancel_unshipped(
    *,
    order: Order,
    reason: Reason | str,
    refund: RestRefund | str,
    amount: Decimal | None = None,
    actor: User,
) -> RestCancelled:
    """Cancel what has not shipped of ``order``, with ``reason`` (core.reasons.STAFF_CANCEL_REASONS and a note)
    and ``refund`` (``RestRefund``: those items in full, ``amount`` of what they freed, or nothing)."""
    reason = Reason.of(reason)
    if not reason:
        raise EditError(
            _("Say why the items are canceled."),
            code="reason_required",
            fields={"reason": [_("This field is required.")]},
        )
    if refund not in RestRefund.values:
        raise EditError(_("Choose what to refund."), code="bad_refund", fields={"refund": [_("Choose one.")]})
    if refund == RestRefund.AMOUNT and amount is None:
        raise EditError(
            _("Enter the amount to refund."), code="bad_amount", fields={"amount": [_("This field is required.")]}
        )
    policy = settlement.staff_decided(EditPolicy.load())  # staff decided: the refund needs no second approval
    with transaction.atomic():
        # Order first, then its lines in primary-key order: the lock order of every writer.
        order = Order.objects.select_for_update().get(pk=order.pk)
        lines = list(OrderLine.objects.select_for_update().filter(order=order).order_by("pk"))
        if refusals := rest_refusals(order=order, lines=lines):
            raise_refusal(refusals[0])
        left_due = settlement.unrequested_due(order)  # before the change: it asks only for what is still due
        due_before, total_before = order.amount_due, order.total
        items, kept_lines = _cancel_lines(order, lines)
        EditSession.objects.filter(order=order, status=SessionStatus.OPEN).update(status=SessionStatus.ABANDONED)
        order_services.save_revised_order(order=order, fields=ORDER_FIELDS, lines=kept_lines)
        events.rest_cancelled_event(
            order=order, items=items, before_total=total_before, refund=refund, reason=reason, actor=actor
        )
        # Held as settling will count it: refunds awaiting approval are withdrawn first, so they count as held.
        held = money_in_hand(order, open_refunds=open_settlement(order).pending_refunds)
        try:
            money = split_rest_money(
                held=held,
                due_before=due_before,
                due_after=order.amount_due,
                refund=refund,
                amount=None if amount is None else quantize(amount, order.currency),
            )
        except ValueError:
            raise _over_refund(order, max(held - order.amount_due, ZERO) - max(held - due_before, ZERO)) from None
        keep_money(order=order, amount=money.keep, actor=actor)
        settled = settlement.settle_order(
            order=order,
            source=MoneySource.CANCELLATION,
            reason=reason,
            policy=policy,
            actor_kind=ActorKind.STAFF,
            actor=actor,
            leave_due=left_due,
        )
        if settled.refunds:
            check_refund_limit(actor, settled.refund_amount)  # raising here rolls the whole cancellation back
        _tell_shopper(order, items, settled)
    return RestCancelled(order=order, items=items, settlement=settled, kept=money.keep)


def rest_refusals(*, order: Order, lines: list[OrderLine] | None = None) -> list[rules.Refusal]:
    """Why the rest of ``order`` can't be cancelled now (empty: it can)."""
    lines = list(order.lines.all()) if lines is None else lines
    return rules.cancel_rest_refusals(order_view(order, lines, {}))


@dataclass(frozen=True)
class RestPlan:
    totals: Totals  # the order's, once the rest is cancelled
    kept: list[OrderLine]  # the lines with something shipped, in the order given
    items: list[dict]  # what is cancelled: line, name, variant_id, quantity, total (what it cost)

    @property
    def value(self) -> Decimal:
        return sum((Decimal(item["total"]) for item in self.items), ZERO)


def plan_rest(order: Order, lines: list[OrderLine]) -> RestPlan:
    """What cancelling the rest would do, written nowhere (the cancel page shows it; ``cancel_unshipped``
    applies it). Names are the ones frozen on the lines, in the order's language."""
    shipped = [line.fulfilled_quantity for line in lines]
    totals = totals_of_shipped(
        lines=[
            LineInput(
                unit_price=line.unit_price,
                quantity=line.quantity,
                tax_rate=line.tax_rate,
                discountable=not (line.is_free or line.is_fee),
            )
            for line in lines
        ],
        shipped=shipped,
        shipping_price=order.shipping_total,
        shipping_tax_rate=order.shipping_tax_rate,
        discount_percent=order.discount_percent,
        prices_include_tax=order.prices_include_tax,
        currency=order.currency,
        discount_amount=order.fixed_discount,
    )
    kept = [line for line in lines if line.fulfilled_quantity > 0]
    after = {line.pk: amounts.total for line, amounts in zip(kept, totals.lines, strict=True)}
    items = [
        {
            "line": line.pk,
            "name": item_title(line.product_name, line.variant_name),
            "variant_id": line.variant_id,
            "quantity": line.unfulfilled_quantity,
            "total": str(line.total - after.get(line.pk, ZERO)),
        }
        for line in lines
        if line.unfulfilled_quantity
    ]
    return RestPlan(totals=totals, kept=kept, items=items)


def _cancel_lines(order: Order, lines: list[OrderLine]) -> tuple[list[dict], list[OrderLine]]:
    """Lines down to what shipped, the order's totals worked out again, stock back. Returns the cancelled items
    and the lines kept."""
    plan = plan_rest(order, lines)
    for line, amounts in zip(plan.kept, plan.totals.lines, strict=True):
        line.quantity, line.backordered_quantity = line.fulfilled_quantity, 0
        line.subtotal, line.discount_amount = amounts.subtotal, amounts.discount
        line.tax_amount, line.total = amounts.tax, amounts.total
    OrderLine.objects.filter(order=order, fulfilled_quantity=0).delete()
    OrderLine.objects.bulk_update(plan.kept, LINE_FIELDS)
    restock: dict[int, int] = {}
    for item in plan.items:
        if item["variant_id"]:
            restock[item["variant_id"]] = restock.get(item["variant_id"], 0) + item["quantity"]
    for variant_id in sorted(restock):
        Variant.objects.filter(pk=variant_id, track_inventory=True).update(stock=F("stock") + restock[variant_id])
    totals = plan.totals
    order.subtotal, order.discount_total, order.tax_total, order.total = (
        totals.subtotal,
        totals.discount,
        totals.tax,
        totals.total,
    )
    order.on_fulfillment_hold = False  # nothing is left for the warehouse to hold
    return plan.items, plan.kept


def _over_refund(order: Order, freed: Decimal) -> RefundError:
    amount = format_money(max(freed, ZERO), order.currency, translation.get_language() or "en")
    return RefundError(
        _("At most %(amount)s can be refunded for these items.") % {"amount": amount},
        code="over_refund",
        fields={"amount": [_("More than these items freed.")]},
    )


def _tell_shopper(order: Order, items: list[dict], settled: Settlement) -> None:
    request = settled.payment_request
    context = {
        "order_number": order.number,
        "currency": order.currency,
        "status_url": settings.SITE_URL + status_path(order.number),
        "items": [{key: item[key] for key in ("name", "variant_id", "quantity", "total")} for item in items],
        "total": str(order.total),
        "to_refund": str(settled.refund_amount) if settled.refunds else "",
        "to_pay": str(request.amount) if request else "",
        "still_due": str(settled.left_due) if settled.left_due else "",
    }
    notify(
        kind=MessageKind.ORDER_REST_CANCELLED,
        recipient=order.email,
        language=order.language,
        context=context,
        dedupe_key=f"order:{order.pk}:rest-cancelled:{order.version}",
    )
