"""Derived statuses: one pure function turns an order's facts into its three statuses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from orders.constants import FinancialStatus, FulfillmentStatus, OrderStatus


@dataclass(frozen=True)
class OrderFacts:
    total: Decimal
    captured: Decimal
    refunded: Decimal
    cancelled: bool = False
    archived: bool = False
    # (ordered, fulfilled) per line
    line_quantities: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Statuses:
    status: OrderStatus
    financial_status: FinancialStatus
    fulfillment_status: FulfillmentStatus


def derive_financial_status(
    *, total: Decimal, captured: Decimal, refunded: Decimal, cancelled: bool
) -> FinancialStatus:
    if captured <= 0:
        # Nothing was ever taken: a cancelled order is voided, an open one (even a free one) awaits payment
        # unless there is nothing to pay.
        if cancelled:
            return FinancialStatus.VOIDED
        return FinancialStatus.PAID if total <= 0 else FinancialStatus.PENDING
    if refunded >= captured:
        return FinancialStatus.REFUNDED
    if refunded > 0:
        return FinancialStatus.PARTIALLY_REFUNDED
    if captured >= total:
        return FinancialStatus.PAID
    return FinancialStatus.PARTIALLY_PAID


def derive_fulfillment_status(line_quantities: Iterable[tuple[int, int]]) -> FulfillmentStatus:
    ordered = fulfilled = 0
    for quantity, fulfilled_quantity in line_quantities:
        ordered += quantity
        fulfilled += min(fulfilled_quantity, quantity)
    if fulfilled == 0:
        return FulfillmentStatus.UNFULFILLED
    if fulfilled >= ordered:
        return FulfillmentStatus.FULFILLED
    return FulfillmentStatus.PARTIALLY_FULFILLED


def derive_statuses(facts: OrderFacts) -> Statuses:
    if facts.cancelled:
        status = OrderStatus.CANCELLED
    elif facts.archived:
        status = OrderStatus.ARCHIVED
    else:
        status = OrderStatus.OPEN
    return Statuses(
        status=status,
        financial_status=derive_financial_status(
            total=facts.total, captured=facts.captured, refunded=facts.refunded, cancelled=facts.cancelled
        ),
        fulfillment_status=derive_fulfillment_status(facts.line_quantities),
    )
