"""Reads of the catalog and its rates."""

from __future__ import annotations

from decimal import Decimal

from storefront.models import ShippingMethod, TaxRate
from storefront.pricing import pick_shipping_rate, pick_tax_rate


def tax_rate_for(*, country: str, region: str = "") -> Decimal:
    return pick_tax_rate(TaxRate.objects.filter(country=country), country=country, region=region)


def shipping_price_for(
    *, method: ShippingMethod, country: str, order_value: Decimal, weight_grams: int
) -> Decimal | None:
    """The method's price to a country for an order, or None when it doesn't ship there."""
    rate = pick_shipping_rate(method.rates.all(), country=country, order_value=order_value, weight_grams=weight_grams)
    return None if rate is None else rate.price


STORE_NAME_CACHE_KEY = "storefront:store-name"


def store_name() -> str:
    """The store's name for page headers, cached so pages don't query for it."""
    from django.core.cache import cache

    from storefront.models import StoreSettings

    name = cache.get(STORE_NAME_CACHE_KEY)
    if name is None:
        name = StoreSettings.load().name
        cache.set(STORE_NAME_CACHE_KEY, name, timeout=300)
    return name
