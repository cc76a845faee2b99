from decimal import Decimal as D

import pytest

from core.money import format_money, quantize
from orders.calculations import LineInput, allocate_discount, calculate_totals
from storefront.pricing import CustomerPricing, customer_unit_price


def totals(lines, *, shipping="0", shipping_rate="0", discount="0", inclusive=True, currency="EUR"):
    return calculate_totals(
        lines=lines,
        shipping_price=D(shipping),
        shipping_tax_rate=D(shipping_rate),
        discount_percent=D(discount),
        prices_include_tax=inclusive,
        currency=currency,
    )


def test_inclusive_prices_extract_tax_and_do_not_add_it():
    result = totals([LineInput(D("121.00"), 1, D("0.21"))], shipping="6.05", shipping_rate="0.21")
    assert result.subtotal == D("121.00")
    assert result.tax == D("22.05")  # 21.00 on the item + 1.05 on shipping
    assert result.total == D("127.05")


def test_exclusive_prices_add_tax_on_top():
    result = totals([LineInput(D("100.00"), 2, D("0.08875"))], shipping="10", shipping_rate="0.08875", inclusive=False)
    assert result.subtotal == D("200.00")
    assert result.tax == D("17.75") + D("0.89")
    assert result.total == D("200.00") + D("10.00") + D("18.64")


def test_discount_applies_to_discountable_lines_before_tax():
    result = totals(
        [LineInput(D("50.00"), 2, D("0.21")), LineInput(D("4.00"), 1, D("0.21"), discountable=False)], discount="10"
    )
    assert result.discount == D("10.00")
    assert result.lines[0].total == D("90.00")
    assert result.lines[1].discount == D("0")
    assert result.total == D("94.00")
    assert result.tax == D("15.62") + D("0.69")


def test_jpy_has_no_minor_unit():
    result = totals([LineInput(D("1980"), 3, D("0.10"))], shipping="500", shipping_rate="0.10", currency="JPY")
    assert result.total == D("6440")
    assert result.tax == D("540") + D("45")
    assert quantize(D("10.5"), "JPY") == D("11")


def test_totals_equal_the_sum_of_their_parts():
    lines = [LineInput(D("19.99"), 3, D("0.19")), LineInput(D("0.01"), 7, D("0.19"))]
    result = totals(lines, shipping="4.95", shipping_rate="0.19", discount="15")
    assert result.total == result.subtotal - result.discount + result.shipping
    assert result.subtotal == sum(line.subtotal for line in result.lines)


@pytest.mark.parametrize(
    ("inclusive", "exempt", "group", "expected_price", "expected_rate"),
    [
        (True, False, "0", D("121.00"), D("0.21")),
        (True, True, "0", D("100.00"), D("0")),  # exempt buyers don't pay the VAT included in the price
        (False, True, "0", D("121.00"), D("0")),
        (True, False, "10", D("108.90"), D("0.21")),
        (True, True, "10", D("90.00"), D("0")),
    ],
)
def test_customer_unit_price(inclusive, exempt, group, expected_price, expected_rate):
    price, rate = customer_unit_price(
        price=D("121.00"),
        tax_rate=D("0.21"),
        prices_include_tax=inclusive,
        customer=CustomerPricing(group_discount_percent=D(group), tax_exempt=exempt),
        currency="EUR",
    )
    assert (price, rate) == (expected_price, expected_rate)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "€1,234.50"),
        ("nl", "€\xa01.234,50"),
        ("de", "1.234,50\xa0€"),
        ("ja", "€1,234.50"),
        ("pt-br", "€\xa01.234,50"),
    ],
)
def test_money_is_formatted_per_language(language, expected):
    assert format_money(D("1234.5"), "EUR", language) == expected


def test_float_money_is_refused():
    with pytest.raises(TypeError):
        quantize(1.1, "EUR")


# --- a fixed discount (a draft's staff discount) -------------------------------------------------------


def test_a_fixed_discount_is_spread_by_subtotal_and_adds_up_to_the_cent():
    lines = [
        LineInput(unit_price=D("10.00"), quantity=1, tax_rate=D("0.21")),
        LineInput(unit_price=D("10.00"), quantity=1, tax_rate=D("0.09")),
        LineInput(unit_price=D("10.00"), quantity=1, tax_rate=D("0.21")),
        LineInput(unit_price=D("5.00"), quantity=1, tax_rate=D("0.21"), discountable=False),
    ]
    shares = allocate_discount(lines, D("10.00"), currency="EUR")
    assert shares == [D("3.34"), D("3.33"), D("3.33"), D("0")]
    totals = calculate_totals(
        lines=lines,
        shipping_price=D("0"),
        shipping_tax_rate=D("0"),
        discount_percent=D("0"),
        prices_include_tax=True,
        currency="EUR",
        discount_amount=D("10.00"),
    )
    assert (totals.discount, totals.total) == (D("10.00"), D("25.00"))
    # Tax is taken on each line's price after its share: 6.66 at 21% and 6.67 at 9%, and 5.00 at 21%.
    assert totals.tax == D("1.16") + D("0.55") + D("1.16") + D("0.87")


def test_a_fixed_discount_never_takes_more_than_the_discountable_goods():
    lines = [
        LineInput(unit_price=D("8"), quantity=2, tax_rate=D("0")),
        LineInput(unit_price=D("3"), quantity=1, tax_rate=D("0"), discountable=False),
    ]
    assert allocate_discount(lines, D("50"), currency="EUR") == [D("16.00"), D("0")]
    assert allocate_discount(lines, D("7"), currency="JPY") == [D("7"), D("0")]
