"""Pricing an order's lines and shipping for one buyer and destination.

Shared by ``place_order`` and by editing's preview/commit, so a new line or a re-rated shipment costs
the same whichever path prices it. Reads rates; writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from core.money import ZERO
from orders.calculations import LineInput, Totals, calculate_totals
from storefront.models import ShippingMethod
from storefront.pricing import CustomerPricing, customer_unit_price
from storefront.selectors import shipping_price_for


@dataclass(frozen=True)
class PricingContext:
    currency: str
    prices_include_tax: bool
    customer: CustomerPricing
    discount_percent: Decimal
    tax_rate: Decimal  # the destination's rate
    discount_amount: Decimal = ZERO  # a fixed amount off the goods (a staff discount), instead of the percent


def price_line(*, price: Decimal, quantity: int, discountable: bool, ctx: PricingContext) -> LineInput:
    """A line at today's catalog price for this buyer (group discount, tax exemption)."""
    unit, rate = customer_unit_price(
        price=price,
        tax_rate=ctx.tax_rate,
        prices_include_tax=ctx.prices_include_tax,
        customer=ctx.customer,
        currency=ctx.currency,
    )
    group = ctx.customer.group_discount_percent
    if not group:
        return LineInput(unit_price=unit, quantity=quantity, tax_rate=rate, discountable=discountable)
    # What it would cost this buyer without the group discount (tax exemption still applied), kept to explain it.
    list_price, _rate = customer_unit_price(
        price=price,
        tax_rate=ctx.tax_rate,
        prices_include_tax=ctx.prices_include_tax,
        customer=replace(ctx.customer, group_discount_percent=ZERO),
        currency=ctx.currency,
    )
    return LineInput(
        unit_price=unit,
        quantity=quantity,
        tax_rate=rate,
        discountable=discountable,
        list_price=list_price if list_price > unit else None,
        group_discount_percent=group if list_price > unit else ZERO,
    )


def total(lines: list[LineInput], *, ctx: PricingContext, shipping: Decimal = ZERO, shipping_tax_rate=ZERO) -> Totals:
    return calculate_totals(
        lines=lines,
        shipping_price=shipping,
        shipping_tax_rate=shipping_tax_rate,
        discount_percent=ctx.discount_percent,
        prices_include_tax=ctx.prices_include_tax,
        currency=ctx.currency,
        discount_amount=ctx.discount_amount,
    )


def rate_shipping(
    *, method: ShippingMethod, country: str, lines: list[LineInput], weight_grams: int, ctx: PricingContext
) -> tuple[Decimal, Decimal] | None:
    """(price, tax rate) of shipping these lines by this method, or None when it doesn't ship there.

    Rate bands look at the goods' value after the code discount, in the store's price mode.
    """
    goods = total(lines, ctx=ctx)
    price = shipping_price_for(
        method=method, country=country, order_value=goods.subtotal - goods.discount, weight_grams=weight_grams
    )
    if price is None:
        return None
    return customer_unit_price(
        price=price,
        tax_rate=ctx.tax_rate,
        prices_include_tax=ctx.prices_include_tax,
        customer=CustomerPricing(tax_exempt=ctx.customer.tax_exempt),  # group discounts are for goods only
        currency=ctx.currency,
    )
