"""What a return is worth: pure functions from the order's line figures and the units coming back.

Each line's units are valued at what they cost including tax, by cumulative shares, so every unit of a line
returned over several returns adds up to the line's cost exactly (never a cent more): the units before this
return are valued first and this return takes the difference. The order's money position then decides how
much of what is given back is refunded (``returns.services.receiving``): never more than the order holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import ZERO, quantize
from orders.calculations import LineAmounts, LineInput, calculate_line

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class LineFacts:
    """What the arithmetic needs of one order line."""

    line_id: int
    quantity: int  # units on the order line
    gross: Decimal  # what those units cost, tax included
    returned_before: int = 0  # units of it received in earlier returns
    is_fee: bool = False


@dataclass(frozen=True)
class UnitsBack:
    """Units of one line received in this return, and why."""

    line_id: int
    quantity: int
    store_fault: bool
    restocking_fee_percent: Decimal = ZERO
    replacement_gross: Decimal | None = None  # an exchange: what its replacement costs, tax included
    key: int | None = None  # what ``ReturnMoney.line_values`` is keyed by (the return line); else ``line_id``


@dataclass(frozen=True)
class ReturnMoney:
    items_value: Decimal  # the refunded units' cost
    restocking_fee: Decimal
    shipping_fee: Decimal  # return shipping the customer pays
    shipping_refund: Decimal  # the original shipping, when the whole order comes back for the store's fault
    exchanged_value: Decimal  # the exchanged units' cost
    replacements: Decimal  # what their replacements cost
    line_values: dict[int, Decimal] = field(default_factory=dict)  # unit's key → what those units cost

    @property
    def given_back(self) -> Decimal:
        """What the order costs less: the units back, less fees, plus shipping refunded."""
        return self.items_value - self.restocking_fee - self.shipping_fee + self.shipping_refund + self.exchanged_value

    @property
    def exchange_difference(self) -> Decimal:
        return self.replacements - self.exchanged_value

    @property
    def net(self) -> Decimal:
        """Above zero: owed to the shopper; below: the shopper pays the difference."""
        return self.given_back - self.replacements


def units_value(*, gross: Decimal, quantity: int, before: int, count: int, currency: str) -> Decimal:
    """The cost of ``count`` units of a line after ``before`` units were valued already (cumulative shares)."""
    if count <= 0 or quantity <= 0:
        return ZERO
    upto = quantize(gross * (before + count) / quantity, currency)
    return upto - quantize(gross * before / quantity, currency)


def return_money(
    *,
    lines: Sequence[LineFacts],
    units: Sequence[UnitsBack],
    shipping_gross: Decimal,
    shipping_fee: Decimal,
    currency: str,
) -> ReturnMoney:
    """``shipping_fee``: the policy's return shipping fee when the customer pays it (else zero), charged once
    per return with refunded units and none of them the store's fault, never more than they are worth.
    Exchanges bear no fee: the sale is kept."""
    by_id = {line.line_id: line for line in lines}
    items = restocking = exchanged = replacements = ZERO
    line_values: dict[int, Decimal] = {}
    any_fault = any(unit.store_fault for unit in units)
    refunded_units = False
    taken: dict[int, int] = {}  # units of each line valued so far in this return (a line may come back twice)
    for unit in units:
        line = by_id[unit.line_id]
        before = line.returned_before + taken.get(unit.line_id, 0)
        taken[unit.line_id] = taken.get(unit.line_id, 0) + unit.quantity
        value = units_value(
            gross=line.gross, quantity=line.quantity, before=before, count=unit.quantity, currency=currency
        )
        key = unit.line_id if unit.key is None else unit.key
        line_values[key] = line_values.get(key, ZERO) + value
        if unit.replacement_gross is not None:
            exchanged += value
            replacements += unit.replacement_gross
            continue
        refunded_units = True
        items += value
        if not unit.store_fault and unit.restocking_fee_percent:
            restocking += quantize(value * unit.restocking_fee_percent / HUNDRED, currency)
    fee = ZERO
    if refunded_units and not any_fault:
        fee = min(quantize(shipping_fee, currency), items - restocking)
    back = {unit.line_id: 0 for unit in units}
    for unit in units:
        back[unit.line_id] += unit.quantity
    whole_order = all(
        line.returned_before + back.get(line.line_id, 0) >= line.quantity for line in lines if not line.is_fee
    )
    shipping_refund = quantize(shipping_gross, currency) if whole_order and any_fault else ZERO
    return ReturnMoney(
        items_value=items,
        restocking_fee=restocking,
        shipping_fee=max(fee, ZERO),
        shipping_refund=shipping_refund,
        exchanged_value=exchanged,
        replacements=replacements,
        line_values=line_values,
    )


def replacement_line(
    *,
    unit_price: Decimal,
    catalog_difference: Decimal,
    discount_per_unit: Decimal,
    tax_rate: Decimal,
    quantity: int,
    prices_include_tax: bool,
    currency: str,
    discount_percent: Decimal = ZERO,
    discountable: bool = True,
) -> tuple[LineInput, LineAmounts, Decimal]:
    """A replacement costs what the units it replaces cost (their price, their share of discounts), plus the
    catalog's difference between the two variants. Returns its price, its figures and its cost with tax.

    On an order with a percent off (a code's, or staff's), the replacement takes that percent of its own price,
    as every line of the order is priced when an edit or a cancellation prices it again; a share copied from
    the replaced units would change at the next edit (a pricier size: the percent of the difference came
    back as a refund). Otherwise (a staff amount spread over the lines, or none) it keeps their share."""
    price = max(quantize(unit_price + catalog_difference, currency), ZERO)
    priced = LineInput(unit_price=price, quantity=quantity, tax_rate=tax_rate, discountable=discountable)
    if discount_percent:
        amounts = calculate_line(
            priced, discount_percent=discount_percent, prices_include_tax=prices_include_tax, currency=currency
        )
    else:
        subtotal = quantize(price * quantity, currency)
        discount = min(quantize(discount_per_unit * quantity, currency), subtotal) if discountable else ZERO
        amounts = calculate_line(
            priced, discount_percent=ZERO, prices_include_tax=prices_include_tax, currency=currency, discount=discount
        )
    gross = amounts.total if prices_include_tax else amounts.total + amounts.tax
    return priced, amounts, gross


def line_gross(*, total: Decimal, tax: Decimal, prices_include_tax: bool) -> Decimal:
    """What a line costs the buyer, tax included (its ``total`` is in the store's entry mode)."""
    return total if prices_include_tax else total + tax
