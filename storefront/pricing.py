"""Pricing rules: pure functions over plain values (no queries)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from core.money import ZERO, quantize
from storefront.countries import UnknownCountry, is_known_country

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class CustomerPricing:
    """What about the buyer changes the price: their group discount and tax exemption."""

    group_discount_percent: Decimal = ZERO
    tax_exempt: bool = False


def customer_unit_price(
    *, price: Decimal, tax_rate: Decimal, prices_include_tax: bool, customer: CustomerPricing, currency: str
) -> tuple[Decimal, Decimal]:
    """(unit price, tax rate) a customer pays for a catalog price, in the store's entry mode.

    A tax-exempt buyer of a tax-inclusive store pays the net price: the tax is taken out,
    not just reported as zero.
    """
    unit = price * (HUNDRED - customer.group_discount_percent) / HUNDRED
    if customer.tax_exempt:
        if prices_include_tax:
            unit = unit / (1 + tax_rate)
        return quantize(unit, currency), ZERO
    return quantize(unit, currency), tax_rate


class RateLike(Protocol):
    country: object
    min_order_value: Decimal
    max_order_value: Decimal | None
    min_weight_grams: int
    max_weight_grams: int | None
    price: Decimal


def pick_shipping_rate(rates: Iterable[RateLike], *, country: str, order_value: Decimal, weight_grams: int):
    """The cheapest rate whose bands fit; a country's own rates win over the catch-all (blank) ones.

    The catch-all serves real countries only: a code that is no country raises ``UnknownCountry``.
    """
    if not is_known_country(country):
        raise UnknownCountry(country)

    def fits(rate: RateLike) -> bool:
        return (
            rate.min_order_value <= order_value
            and (rate.max_order_value is None or order_value < rate.max_order_value)
            and rate.min_weight_grams <= weight_grams
            and (rate.max_weight_grams is None or weight_grams < rate.max_weight_grams)
        )

    rates = list(rates)
    for wanted in (country, ""):
        matching = [rate for rate in rates if str(rate.country) == wanted and fits(rate)]
        if matching:
            return min(matching, key=lambda rate: rate.price)
    return None


def pick_tax_rate(rates: Iterable, *, country: str, region: str = "") -> Decimal:
    """The region's rate if it has one, else the country's, else zero (we don't collect tax there).

    Zero is for a real country without a rate; a code that is no country raises ``UnknownCountry``.
    """
    if not is_known_country(country):
        raise UnknownCountry(country)
    by_place = {(str(rate.country), rate.region.lower()): rate.rate for rate in rates}
    return by_place.get((country, region.lower()), by_place.get((country, ""), ZERO))
