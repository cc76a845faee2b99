"""Items received: restocked once, valued, refunded through orders' refund rows, replacements put on the order.

One transaction under the order's lock, then the return's: a second "received" for the same return (two
staff, a warehouse retrying) finds it received and is refused, so it refunds and restocks once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import ZERO, quantize
from core.reasons import Reason, ReasonCode
from notifications.constants import MessageKind
from orders.calculations import tax_on
from orders.constants import ActorKind, EventType, MoneySource, PaymentRequestStatus, ReturnStatus
from orders.lines import new_order_line
from orders.models import Order, OrderEvent, OrderLine, PaymentRequest
from orders.selectors import refunding
from orders.services import request_balance_payment
from orders.services.kernel import give_back, refresh_statuses
from orders.services.refund_limits import check_refund_limit
from orders.services.refunds import create_refunds
from orders.services.settlement import OpenSettlement, withdraw_open_settlement  # not re-exported by orders.services
from returns.calculations import LineFacts, ReturnMoney, UnitsBack, line_gross, replacement_line, return_money
from returns.constants import Condition, RefundTo, ShippingPayer
from returns.errors import ReturnError
from returns.models import ReturnLine, ReturnPolicy, ReturnRequest
from returns.selectors import order_lines_for_returns
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
class Received:
    """What arrived of one returned line, and in what state."""

    quantity: int
    condition: str


def _check(lines: list[ReturnLine], received: dict[int, Received]) -> None:
    errors: dict[str, list[str]] = {}
    for line in lines:
        got = received.get(line.pk)
        if got is None:
            continue
        key = f"lines.{line.pk}"
        if not 0 <= got.quantity <= line.quantity:
            errors[key] = [_("Between 0 and %(most)s.") % {"most": line.quantity}]
        elif got.quantity and got.condition not in Condition.values:
            errors[key] = [_("Say what state the items are in.")]
    if unknown := set(received) - {line.pk for line in lines}:
        errors["lines"] = [_("Not items of this return: %(ids)s") % {"ids": ", ".join(map(str, sorted(unknown)))}]
    if errors:
        raise ReturnError(_("Please check the items received."), code="invalid_lines", fields=errors)
    if not any(got.quantity for got in received.values()):
        raise ReturnError(_("Nothing was received."), code="no_lines", fields={"lines": [_("Count what arrived.")]})


def _value(order: Order, request: ReturnRequest, lines: list[ReturnLine], policy: ReturnPolicy) -> ReturnMoney:
    order_lines = order_lines_for_returns(order, exclude_request=request.pk)
    facts = [
        LineFacts(
            line_id=line.pk,
            quantity=line.quantity,
            gross=line_gross(total=line.total, tax=line.tax_amount, prices_include_tax=order.prices_include_tax),
            returned_before=getattr(line, "received_before"),  # noqa: B009 - annotated by order_lines_for_returns
            is_fee=line.is_fee,
        )
        for line in order_lines
    ]
    units = []
    for line in lines:
        if not line.received_quantity:
            continue
        replacement = None
        if line.exchange_variant_id:
            replacement = _replacement(order, line)[2]
        units.append(
            UnitsBack(
                line_id=line.order_line_id,
                quantity=line.received_quantity,
                store_fault=line.reason.store_fault,
                restocking_fee_percent=line.reason.restocking_fee_percent,
                replacement_gross=replacement,
                key=line.pk,
            )
        )
    shipping_tax = tax_on(
        order.shipping_total, order.shipping_tax_rate, included=order.prices_include_tax, currency=order.currency
    )
    return return_money(
        lines=facts,
        units=units,
        shipping_gross=line_gross(
            total=order.shipping_total, tax=shipping_tax, prices_include_tax=order.prices_include_tax
        ),
        shipping_fee=policy.shipping_fee if policy.shipping_payer == ShippingPayer.CUSTOMER else ZERO,
        currency=order.currency,
    )


def _replacement(order: Order, line: ReturnLine):
    old, new = line.order_line, line.exchange_variant
    if new is None:
        raise ValueError(f"return line {line.pk} is not an exchange")
    difference = new.price - old.variant.price if old.variant is not None else ZERO
    return replacement_line(
        unit_price=old.unit_price,
        catalog_difference=difference,
        discount_per_unit=old.discount_amount / old.quantity if old.quantity else ZERO,
        tax_rate=old.tax_rate,
        quantity=line.received_quantity,
        prices_include_tax=order.prices_include_tax,
        currency=order.currency,
        discount_percent=order.discount_percent,
        discountable=not (old.is_free or old.is_fee),
    )


def _add_replacements(order: Order, lines: list[ReturnLine]) -> list[OrderLine]:
    """Each exchanged line's replacement as a new line of the order (its stock was taken on approval)."""
    position = (OrderLine.objects.filter(order=order).aggregate(top=Max("position"))["top"] or 0) + 1
    added = []
    for line in lines:
        if not (line.exchange_variant_id and line.received_quantity):
            continue
        priced, amounts, _gross = _replacement(order, line)
        variant = Variant.objects.select_related("product").get(pk=line.exchange_variant_id)
        new = new_order_line(
            order=order,
            variant=variant,
            quantity=line.received_quantity,
            priced=priced,
            amounts=amounts,
            position=position,
        )
        new.save()
        position += 1
        line.exchange_line = new
        line.save(update_fields=["exchange_line"])
        order.subtotal += amounts.subtotal
        order.discount_total += amounts.discount
        order.tax_total += amounts.tax
        order.total += amounts.total if order.prices_include_tax else amounts.total + amounts.tax
        added.append(new)
    return added


def _restock(lines: list[ReturnLine]) -> None:
    for line in sorted(lines, key=lambda line: line.order_line.variant_id or 0):
        units = line.received_quantity - line.restocked_quantity
        if line.condition == Condition.RESELLABLE and units > 0 and line.order_line.variant_id:
            Variant.objects.filter(pk=line.order_line.variant_id, track_inventory=True).update(stock=F("stock") + units)
            line.restocked_quantity += units
            line.save(update_fields=["restocked_quantity"])


def _refund(order: Order, money: ReturnMoney) -> Decimal:
    """What a receipt refunds once its value is given back: what it nets, never more than the order then holds
    beyond its cost (a shopper who still owes money sees the balance fall first)."""
    return min(max(money.net, ZERO), order.position.credit_due)


def preview_receipt(
    *, request: ReturnRequest, received: dict[int, Received] | None = None
) -> tuple[ReturnMoney, Decimal]:
    """What receiving ``received`` (every unit, when None) would give back and refund, computed as
    ``receive_return`` computes it and writing nothing: staff's page shows it before they confirm. The refund is
    what the order would then hold beyond its cost (less for a shopper who still owes money)."""
    order = Order.objects.annotate(refunding=refunding()).get(pk=request.order_id)
    lines = list(request.lines.select_related("order_line__variant", "exchange_variant", "reason").order_by("pk"))
    for line in lines:
        got = Received(line.quantity, Condition.RESELLABLE) if received is None else received.get(line.pk)
        line.received_quantity = min(max(got.quantity, 0), line.quantity) if got else 0
    money = _value(order, request, lines, ReturnPolicy.cached())
    order.total += money.replacements
    give_back(order, money.given_back)
    return money, _refund(order, money)


def receive_return(
    *,
    request: ReturnRequest,
    received: dict[int, Received],
    actor_kind: ActorKind,
    actor: User | None = None,
    version: int | None = None,
) -> ReturnRequest:
    """Record what arrived (return line id → quantity and condition), once. Resellable units go back in stock;
    the units are valued (``returns.calculations``) and what the order then holds beyond its cost is refunded
    (to the card or the store-credit ledger, as the shopper chose); replacements join the order, to ship; a
    pricier replacement leaves a balance the shopper pays by the Pay now link."""
    policy = ReturnPolicy.load()
    with transaction.atomic():
        order, request = lock_return(request.pk, expected_version=version)
        refuse_unless(
            request,
            ReturnStatus.APPROVED,
            ReturnStatus.IN_TRANSIT,
            message=_("Only an approved return can be received (and only once)."),
        )
        lines = list(request.lines.select_related("order_line__variant", "exchange_variant", "reason").order_by("pk"))
        _check(lines, received)
        for line in lines:
            got = received.get(line.pk, Received(0, ""))
            line.received_quantity, line.condition = got.quantity, got.condition if got.quantity else ""
            line.save(update_fields=["received_quantity", "condition"])
        _restock(lines)
        money = _value(order, request, lines, policy)
        for line in lines:
            line.refund_amount = ZERO if line.exchange_variant_id else money.line_values.get(line.pk, ZERO)
            line.save(update_fields=["refund_amount"])
        added = _add_replacements(order, lines)
        release_reservations(lines, keep={line.pk: line.received_quantity for line in lines})
        fields = ["subtotal", "discount_total", "tax_total", "total"] if added else []
        fields += give_back(order, money.given_back)
        refund = _refund(order, money)
        if refund > 0 and actor_kind == ActorKind.STAFF and actor is not None:
            check_refund_limit(actor, refund)
        request.items_value = money.items_value + money.exchanged_value
        request.restocking_fee, request.shipping_fee = money.restocking_fee, money.shipping_fee
        request.shipping_refund, request.exchange_difference = money.shipping_refund, money.exchange_difference
        request.refund_amount = refund
        request.received_at = timezone.now()
        request.status = ReturnStatus.RECEIVED if added else ReturnStatus.REFUNDED
        if not added:
            request.closed_at = request.received_at
        save_return(
            order,
            request,
            [
                "items_value",
                "restocking_fee",
                "shipping_fee",
                "shipping_refund",
                "exchange_difference",
                "refund_amount",
                "received_at",
                "status",
                "closed_at",
            ],
            content=True,
            order_fields=[*fields, *refresh_statuses(order=order)],
        )
        figures = _figures(order, request)
        record(
            order,
            request,
            EventType.RETURN_RECEIVED,
            data={"items": items_data(lines, language=order.language, received=True), **figures},
            actor_kind=actor_kind,
            actor=actor,
        )
        if refund > 0:
            memo, _refunds = create_refunds(
                order=order,
                amount=refund,
                source=MoneySource.RETURN,
                reason=Reason(ReasonCode.RETURNED, request.number),
                awaiting_approval=False,
                actor_kind=actor_kind,
                actor=actor,
                to_store_credit=request.refund_to == RefundTo.STORE_CREDIT,
            )
            request.credit_memo = memo
            request.save(update_fields=["credit_memo"])
        if not added:
            record(order, request, EventType.RETURN_REFUNDED, data=figures, actor_kind=actor_kind, actor=actor)
        _settle_balance(order, request, money)
        tell_shopper(
            order,
            request,
            MessageKind.RETURN_RECEIVED,
            {
                "items": items_data(lines, language=order.language, received=True),
                **figures,
                "to_pay": str(request.payment_request.amount) if request.payment_request else "",
            },
        )
    return request


def _settle_balance(order: Order, request: ReturnRequest, money: ReturnMoney) -> None:
    """What the shopper still owes once the return is settled: a pricier replacement asks for the balance by
    Pay now; an open request asking for more than is now due (the return lowered it) is replaced by one for
    what is still due, or withdrawn when nothing is."""
    open_requests = list(
        PaymentRequest.objects.filter(order=order, status=PaymentRequestStatus.OPEN).values_list("pk", "amount")
    )
    balance = order.position.balance_due
    if balance > 0 and (money.net < 0 or any(amount > balance for _pk, amount in open_requests)):
        asked = request_balance_payment(  # supersedes an open request
            order_id=order.pk, actor_kind=ActorKind.SYSTEM, reason=Reason(ReasonCode.RETURNED, request.number)
        )
        if money.net < 0:
            request.payment_request = asked
            request.save(update_fields=["payment_request"])
    elif open_requests and balance <= 0:
        withdraw_open_settlement(
            order=order,
            still_open=OpenSettlement(
                payment_requests=[pk for pk, _amount in open_requests], awaiting_refunds=[], pending_refunds=ZERO
            ),
        )


def _figures(order: Order, request: ReturnRequest) -> dict:
    def amount(value: Decimal) -> str:
        return str(quantize(value, order.currency))

    return {
        "currency": order.currency,
        "items_value": amount(request.items_value),
        "restocking_fee": amount(request.restocking_fee),
        "shipping_fee": amount(request.shipping_fee),
        "shipping_refund": amount(request.shipping_refund),
        "exchange_difference": amount(request.exchange_difference),
        "refund": amount(request.refund_amount),
        "refund_to": request.refund_to,
    }


def mark_exchanged(*, order_id: int) -> list[ReturnRequest]:
    """Returns of the order waiting for their replacements to ship, closed once every replacement has
    shipped (after any shipment of the order: ``on_order_event``). Safe to run any number of times."""
    done = []
    waiting = list(
        ReturnRequest.objects.filter(order_id=order_id, status=ReturnStatus.RECEIVED).values_list("pk", flat=True)
    )
    for request_id in waiting:
        with transaction.atomic():
            order, request = lock_return(request_id)
            if request.status != ReturnStatus.RECEIVED:
                continue
            lines = list(request.lines.select_related("exchange_line").order_by("pk"))
            replacements = [line.exchange_line for line in lines if line.exchange_line is not None]
            if any(
                line.exchange_variant_id and line.received_quantity and line.exchange_line is None for line in lines
            ):
                continue  # a replacement was taken off the order (cancelled with the rest): it never ships
            if any(line.fulfilled_quantity < line.quantity for line in replacements):
                continue
            request.status, request.closed_at = ReturnStatus.EXCHANGED, timezone.now()
            save_return(order, request, ["status", "closed_at"])
            record(
                order,
                request,
                EventType.RETURN_EXCHANGED,
                data=_figures(order, request),
                actor_kind=ActorKind.SYSTEM,
            )
            done.append(request)
    return done


def on_order_event(event: OrderEvent) -> None:
    """``ORDER_EVENT_LISTENERS``: a shipment may carry a return's replacements."""
    if event.type == EventType.FULFILLMENT_CREATED:
        mark_exchanged(order_id=event.order_id)
