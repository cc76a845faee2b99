"""Reads of the catalog and its rates."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import CharField, F, Max, Min, Prefetch, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation

from core import rows
from core.cache import cached_rows
from storefront.models import (
    CATALOG_STAMP_KEY,
    RATES_CACHE_KEY,
    PickupLocation,
    Product,
    ShippingMethod,
    ShippingRate,
    StoreSettings,
    TaxRate,
    Variant,
)
from storefront.pricing import pick_shipping_rate, pick_tax_rate


class CatalogRates(NamedTuple):
    tax_rates: list[TaxRate]
    shipping_rates: dict[int, list[ShippingRate]]  # by method id
    methods: dict[int, ShippingMethod]  # every method and pickup place, active or not (orders keep theirs)
    pickups: dict[int, PickupLocation]


def catalog_rates() -> CatalogRates:
    """Every tax rate, shipping rate, shipping method and pickup place: small tables read on each preview,
    commit and checkout, so cached (core.cache.cached_rows); any write to one of them clears them."""

    def load() -> CatalogRates:
        by_method: dict[int, list[ShippingRate]] = {}
        for rate in ShippingRate.objects.all():
            by_method.setdefault(rate.method_id, []).append(rate)
        methods = {method.pk: method for method in ShippingMethod.objects.all()}
        pickups = {place.pk: place for place in PickupLocation.objects.all()}
        return CatalogRates(list(TaxRate.objects.all()), by_method, methods, pickups)

    return cached_rows(RATES_CACHE_KEY, load)


def catalog_stamp() -> str:
    """Changes whenever a catalog row an order page shows changes (``CATALOG_STAMP_KEY``): cached pages name it."""
    return cached_rows(CATALOG_STAMP_KEY, lambda: secrets.token_hex(6))


def with_delivery(order):
    """Give an order read without joins its shipping method and pickup place from the cached catalog."""
    catalog = catalog_rates()
    order.shipping_method = catalog.methods.get(order.shipping_method_id)
    order.pickup_location = catalog.pickups.get(order.pickup_location_id)
    return order


# Written as SQL: the ORM's select_related over both tables' translated columns took longer to build
# than the read itself on every edit preview and commit.
VARIANTS_SQL = f"""
    SELECT {rows.columns(Variant, "variant")}, {rows.columns(Product, "product")} FROM storefront_variant variant
    JOIN storefront_product product ON product.id = variant.product_id
    WHERE variant.id = ANY(%s) ORDER BY variant.id"""  # noqa: S608 - the models' columns; ids as a parameter


def variants_with_products(ids, *, lock: bool = False) -> dict[int, Variant]:
    """The variants ``ids`` with their products, by id; ``lock`` locks the variants' rows, in id order."""
    if not ids:
        return {}
    found = rows.read(VARIANTS_SQL + (" FOR UPDATE OF variant" if lock else ""), [sorted(ids)], Variant, Product)
    for variant, product in found:
        Variant.product.field.set_cached_value(variant, product)
    return {variant.pk: variant for variant, _product in found}


def search_variants(query: str, *, limit: int = 20) -> list[Variant]:
    """Variants for sale (fees left out) whose product or variant name holds the words, or with this SKU:
    the staff edit's and a draft order's catalog search, one query with the products."""
    query = query.strip()[:100]
    if not query:
        return []
    return list(
        Variant.objects.select_related("product")
        .filter(product__is_active=True, is_fee=False)
        .filter(Q(product__name__icontains=query) | Q(name__icontains=query) | Q(sku__iexact=query))
        .order_by("product__name", "position")[:limit]
    )


def tax_rate_for(*, country: str, region: str = "") -> Decimal:
    return pick_tax_rate(catalog_rates().tax_rates, country=country, region=region)


def shipping_price_for(
    *, method: ShippingMethod, country: str, order_value: Decimal, weight_grams: int
) -> Decimal | None:
    """The method's price to a country for an order, or None when it doesn't ship there."""
    rates = catalog_rates().shipping_rates.get(method.pk, [])
    rate = pick_shipping_rate(rates, country=country, order_value=order_value, weight_grams=weight_grams)
    return None if rate is None else rate.price


def store_name() -> str:
    """The store's name for page headers, cached so pages don't query for it."""
    return StoreSettings.cached().name


def email_branding() -> dict:
    """What every email's header and footer show (``settings.EMAIL_BRANDING`` points here)."""
    store = StoreSettings.cached()
    return {
        "store_name": store.name,
        "store_address": store.address,
        "support_email": store.support_email,
        "logo_url": settings.SITE_URL + store.logo.url if store.logo else "",
    }


# --- Catalog pages and the cart


def _variants_in_order():
    return Variant.objects.order_by("position", "id")


def catalog_products():
    """Active products that have something to sell, by name, each with its variants (two queries).

    ``min_price`` / ``max_price`` are annotated for "from €X".
    """
    return (
        Product.objects.filter(is_active=True)
        .annotate(min_price=Min("variants__price"), max_price=Max("variants__price"))
        .filter(min_price__isnull=False)
        .prefetch_related(Prefetch("variants", queryset=_variants_in_order()))
        .order_by(_translated_name_order(), "pk")
    )


def _translated_name_order():
    """Order by the name shoppers see: this language's, else the default language's (modeltranslation's fallback)."""
    here, default = name_columns()
    return Coalesce(NullIf(F(here), Value("")), F(default), output_field=CharField()).asc()


def name_columns(language: str | None = None) -> tuple[str, str]:
    """The columns of a translated ``name`` (products, variants) a reader of ``language`` (the active one) reads:
    their language's, then the default language's, which is modeltranslation's fallback. Names of columns made
    from ``settings.LANGUAGES``, never from input: safe to write into SQL."""
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE.replace("-", "_")
    language = (language or translation.get_language() or default).lower().replace("-", "_")
    if language not in {code.replace("-", "_") for code, _name in settings.LANGUAGES}:
        language = default
    return f"name_{language}", f"name_{default}"


def shown_name_sql(alias: str, language: str | None = None) -> str:
    """SQL for the name of the catalog row ``alias`` as a reader of ``language`` reads it (NULL if it has none)."""
    here, default = name_columns(language)
    return f"COALESCE(NULLIF({alias}.{here}, ''), NULLIF({alias}.{default}, ''))"


def catalog_item_names(variant_ids, language: str) -> dict[int, tuple[str, str]]:
    """(product name, variant name) of each variant still in the catalog, as a reader of ``language`` reads
    them (their language's, else the default's), by id; one query. Variants gone are not in it."""
    ids = sorted({pk for pk in variant_ids if pk})
    if not ids:
        return {}
    with translation.override(language):
        return {
            variant.pk: (variant.product.name, variant.name)
            for variant in Variant.objects.select_related("product").filter(pk__in=ids)
        }


def delivery_names(method_ids, pickup_ids, language: str) -> tuple[dict[int, str], dict[int, str]]:
    """Names of shipping methods and pickup places, by id, as a reader of ``language`` reads them; a query for
    each kind asked for."""
    methods = sorted({pk for pk in method_ids if isinstance(pk, int)})
    places = sorted({pk for pk in pickup_ids if isinstance(pk, int)})
    with translation.override(language):
        return (
            {method.pk: str(method.name) for method in ShippingMethod.objects.filter(pk__in=methods)}
            if methods
            else {},
            {place.pk: str(place.name) for place in PickupLocation.objects.filter(pk__in=places)} if places else {},
        )


def product_by_slug(slug: str):
    """An active product with its variants prefetched, or None (the page answers 404)."""
    return (
        Product.objects.filter(is_active=True, slug=slug)
        .prefetch_related(Prefetch("variants", queryset=_variants_in_order()))
        .first()
    )


@dataclass(frozen=True)
class CartLine:
    index: int  # the line's position in the session cart (what update/remove forms post back)
    variant: Variant
    product: Product
    quantity: int
    customization: str
    unit_price: Decimal
    total: Decimal


@dataclass(frozen=True)
class CartSummary:
    lines: list[CartLine]
    subtotal: Decimal
    unavailable: list[int]  # indexes of cart lines whose variant is gone or no longer on sale

    def line_at(self, index: int) -> CartLine | None:
        return next((line for line in self.lines if line.index == index), None)

    def variant_quantity(self, variant_id: int) -> int:
        return sum(line.quantity for line in self.lines if line.variant.pk == variant_id)


def cart_lines(items) -> CartSummary:
    """Price the cart's items at today's catalog prices, loading every variant in one query.

    Items whose variant was deleted or whose product is off sale are left out and listed in
    ``unavailable``. Prices are catalog prices; the buyer's group discount and tax exemption are
    applied at checkout.
    """
    items = list(items)
    variants = Variant.objects.select_related("product").in_bulk({item.variant_id for item in items})
    lines, unavailable = [], []
    for index, item in enumerate(items):
        variant = variants.get(item.variant_id)
        if variant is None or not variant.product.is_active:
            unavailable.append(index)
            continue
        lines.append(
            CartLine(
                index=index,
                variant=variant,
                product=variant.product,
                quantity=item.quantity,
                customization=item.customization,
                unit_price=variant.price,
                total=variant.price * item.quantity,
            )
        )
    return CartSummary(lines=lines, subtotal=sum((line.total for line in lines), Decimal("0")), unavailable=unavailable)
