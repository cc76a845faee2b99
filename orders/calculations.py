"""Order arithmetic: pure functions from line prices to totals, rounded per currency.

Used when an order is placed and again by editing's preview and commit, so both agree to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal

from core.money import ZERO, minor_unit, quantize
from orders.constants import RestRefund

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class LineInput:
    unit_price: Decimal  # what one unit costs this customer, in the store's entry mode (with or without tax)
    quantity: int
    tax_rate: Decimal
    discountable: bool = True  # free items and fees take no code discount
    # The buyer's group discount, when one applied: the unit price before it and its percent. Not part of the
    # arithmetic; kept on the line so pages can say why it costs less (OrderLine.list_price).
    list_price: Decimal | None = None
    group_discount_percent: Decimal = ZERO


@dataclass(frozen=True)
class LineAmounts:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal  # subtotal - discount, in entry mode (tax is added on top only for exclusive prices)


@dataclass(frozen=True)
class Totals:
    lines: tuple[LineAmounts, ...]
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    shipping_tax: Decimal
    tax: Decimal
    total: Decimal


def tax_on(amount: Decimal, rate: Decimal, *, included: bool, currency: str) -> Decimal:
    if not rate:
        return ZERO
    return quantize(amount * rate / (1 + rate) if included else amount * rate, currency)


def calculate_line(
    line: LineInput,
    *,
    discount_percent: Decimal,
    prices_include_tax: bool,
    currency: str,
    discount: Decimal | None = None,
) -> LineAmounts:
    """``discount``: this line's share of a fixed order discount (``allocate_discount``), instead of the percent."""
    subtotal = quantize(line.unit_price * line.quantity, currency)
    if discount is None:
        discount = quantize(subtotal * discount_percent / HUNDRED, currency) if line.discountable else ZERO
    net_of_discount = subtotal - discount
    tax = tax_on(net_of_discount, line.tax_rate, included=prices_include_tax, currency=currency)
    return LineAmounts(subtotal=subtotal, discount=discount, tax=tax, total=net_of_discount)


def allocate_discount(lines: Sequence[LineInput], amount: Decimal, *, currency: str) -> list[Decimal]:
    """A fixed discount spread over the discountable lines in proportion to their subtotals, to the minor unit
    (the largest remainders take the units left over), never more than those lines cost: the shares add up to
    ``min(amount, discountable subtotal)`` exactly, so totals and per-line tax agree to the cent."""
    unit = minor_unit(currency)
    subtotals = [quantize(line.unit_price * line.quantity, currency) if line.discountable else ZERO for line in lines]
    base = sum(subtotals, ZERO)
    amount = min(quantize(amount, currency), base)
    if amount <= 0:
        return [ZERO for _line in lines]
    exact = [amount * subtotal / base for subtotal in subtotals]
    shares = [(value / unit).to_integral_value(rounding=ROUND_FLOOR) * unit for value in exact]
    left = int((amount - sum(shares, ZERO)) / unit)
    by_remainder = sorted(range(len(lines)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in by_remainder[:left]:
        shares[index] += unit
    return shares


def calculate_totals(
    *,
    lines: Sequence[LineInput],
    shipping_price: Decimal,
    shipping_tax_rate: Decimal,
    discount_percent: Decimal,
    prices_include_tax: bool,
    currency: str,
    discount_amount: Decimal = ZERO,
) -> Totals:
    """``discount_amount``: a fixed amount off the discountable goods (a staff discount), in place of the percent."""
    shares: Sequence[Decimal | None] = [None] * len(lines)
    if discount_amount:
        shares = allocate_discount(lines, discount_amount, currency=currency)
    amounts = tuple(
        calculate_line(
            line,
            discount_percent=discount_percent,
            prices_include_tax=prices_include_tax,
            currency=currency,
            discount=share,
        )
        for line, share in zip(lines, shares, strict=True)
    )
    shipping = quantize(shipping_price, currency)
    shipping_tax = tax_on(shipping, shipping_tax_rate, included=prices_include_tax, currency=currency)
    subtotal = sum((a.subtotal for a in amounts), ZERO)
    discount = sum((a.discount for a in amounts), ZERO)
    tax = sum((a.tax for a in amounts), ZERO) + shipping_tax
    total = subtotal - discount + shipping + (ZERO if prices_include_tax else tax)
    return Totals(
        lines=amounts,
        subtotal=quantize(subtotal, currency),
        discount=quantize(discount, currency),
        shipping=shipping,
        shipping_tax=shipping_tax,
        tax=quantize(tax, currency),
        total=quantize(total, currency),
    )


# --- cancelling what has not shipped -------------------------------------------------------------------


def totals_of_shipped(
    *,
    lines: Sequence[LineInput],
    shipped: Sequence[int],
    shipping_price: Decimal,
    shipping_tax_rate: Decimal,
    discount_percent: Decimal,
    prices_include_tax: bool,
    currency: str,
    discount_amount: Decimal = ZERO,
) -> Totals:
    """The order as it stands once its unshipped units are cancelled: each line at the quantity shipped (lines
    with nothing shipped drop out, so ``Totals.lines`` follows the lines with ``shipped`` above 0), at the
    prices paid; shipping stays, since part of the order went out. ``discount_amount``: a staff discount of
    a fixed amount, which stays whole on what is left (capped at those goods), as through an edit."""
    kept = [replace(line, quantity=units) for line, units in zip(lines, shipped, strict=True) if units > 0]
    return calculate_totals(
        lines=kept,
        shipping_price=shipping_price,
        shipping_tax_rate=shipping_tax_rate,
        discount_percent=discount_percent,
        prices_include_tax=prices_include_tax,
        currency=currency,
        discount_amount=discount_amount,
    )


@dataclass(frozen=True)
class RestMoney:
    """How the money freed by cancelling the rest is split: ``freed`` (what the shopper paid for the cancelled
    items and no longer owes) is ``refund`` plus ``keep``; ``owed_before`` was owed back already and stays owed."""

    owed_before: Decimal
    freed: Decimal
    refund: Decimal
    keep: Decimal


def split_rest_money(
    *, held: Decimal, due_before: Decimal, due_after: Decimal, refund: str, amount: Decimal | None = None
) -> RestMoney:
    """``refund`` (``RestRefund``): all that was freed, ``amount`` of it (the rest kept), or none (all kept).
    ``held``: paid, less refunds done or on their way; ``due_*``: what the order costs before and after. Raises
    ValueError for an amount outside 0 < amount <= freed (the service turns it into a field error)."""
    owed_before = max(held - due_before, ZERO)
    freed = max(held - due_after, ZERO) - owed_before
    if refund == RestRefund.FULL:
        given = freed
    elif refund == RestRefund.NONE:
        given = ZERO
    elif amount is None or not ZERO < amount <= freed:
        raise ValueError(amount)
    else:
        given = amount
    return RestMoney(owed_before=owed_before, freed=freed, refund=given, keep=freed - given)
