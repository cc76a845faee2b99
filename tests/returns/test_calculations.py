"""A return's arithmetic (returns.calculations) where one line comes back in parts."""

from decimal import Decimal as D

from returns.calculations import LineFacts, UnitsBack, return_money


def test_one_line_split_in_one_return_is_valued_as_consecutive_units():
    line = LineFacts(line_id=1, quantity=3, gross=D("10.00"))
    money = return_money(
        lines=[line],
        units=[
            UnitsBack(line_id=1, quantity=1, store_fault=False, key=11),
            UnitsBack(line_id=1, quantity=2, store_fault=False, replacement_gross=D("6.66"), key=12),
        ],
        shipping_gross=D("0"),
        shipping_fee=D("0"),
        currency="EUR",
    )
    # 3.33 for the first unit, 6.67 for the other two: together exactly what the line cost.
    assert money.line_values == {11: D("3.33"), 12: D("6.67")}
    assert money.items_value + money.exchanged_value == D("10.00")
    assert money.exchange_difference == D("-0.01")
