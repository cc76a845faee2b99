from dataclasses import dataclass
from decimal import Decimal as D

import pytest

from storefront.countries import UnknownCountry
from storefront.pricing import pick_shipping_rate, pick_tax_rate


@dataclass
class Rate:
    country: str
    price: D
    min_order_value: D = D("0")
    max_order_value: D | None = None
    min_weight_grams: int = 0
    max_weight_grams: int | None = None


@dataclass
class Tax:
    country: str
    region: str
    rate: D


RATES = [
    Rate("NL", D("4.95"), max_order_value=D("75")),
    Rate("NL", D("0"), min_order_value=D("75")),
    Rate("NL", D("12.00"), min_weight_grams=10_000),
    Rate("", D("19.95")),
]


@pytest.mark.parametrize(
    ("country", "value", "weight", "price"),
    [
        ("NL", D("20"), 500, D("4.95")),
        ("NL", D("75"), 500, D("0")),  # free from 75 up
        ("NL", D("20"), 12_000, D("4.95")),  # cheapest fitting band wins
        ("DE", D("20"), 500, D("19.95")),  # no German rate: the catch-all
    ],
)
def test_pick_shipping_rate(country, value, weight, price):
    assert pick_shipping_rate(RATES, country=country, order_value=value, weight_grams=weight).price == price


def test_no_rate_when_nothing_fits():
    only_nl = [Rate("NL", D("5"))]
    assert pick_shipping_rate(only_nl, country="FR", order_value=D("1"), weight_grams=1) is None


def test_tax_rate_by_region_then_country_then_zero():
    taxes = [Tax("US", "CA", D("0.0725")), Tax("NL", "", D("0.21"))]
    assert pick_tax_rate(taxes, country="US", region="ca") == D("0.0725")
    assert pick_tax_rate(taxes, country="US", region="OR") == D("0")
    assert pick_tax_rate(taxes, country="NL", region="Noord-Holland") == D("0.21")


@pytest.mark.parametrize("country", ["QQ", "nl", "NLD", ""])
def test_an_unknown_country_is_refused_never_taxed_at_zero_or_sent_to_the_catch_all(country):
    taxes = [Tax("NL", "", D("0.21"))]
    with pytest.raises(UnknownCountry):
        pick_tax_rate(taxes, country=country)
    with pytest.raises(UnknownCountry):
        pick_shipping_rate(RATES, country=country, order_value=D("20"), weight_grams=500)


def test_a_known_country_without_rates_of_its_own_is_untaxed_and_takes_the_catch_all():
    """The merchant's deliberate choices for real countries: no tax collected there, the rest-of-world rate."""
    assert pick_tax_rate([Tax("NL", "", D("0.21"))], country="JP") == D("0")
    assert pick_shipping_rate(RATES, country="JP", order_value=D("20"), weight_grams=500).price == D("19.95")
