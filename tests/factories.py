"""Factories for catalog and people; orders are placed through ``place_order`` (see ``place_test_order``)."""

from __future__ import annotations

from decimal import Decimal

import factory

from accounts.models import CustomerGroup, CustomerProfile, User
from orders import services
from storefront.models import (
    PickupLocation,
    Product,
    ShippingMethod,
    ShippingRate,
    StoreSettings,
    TaxRate,
    Variant,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"shopper{n}@example.com")


class CustomerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerProfile

    user = factory.SubFactory(UserFactory)
    name = factory.Faker("name")
    language = "en"


class CustomerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerGroup

    name = factory.Sequence(lambda n: f"Group {n}")
    discount_percent = Decimal("10")


class StoreSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreSettings

    name = "Test Store"
    currency = "EUR"
    prices_include_tax = True
    edit_window_minutes = 60


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    option_names = ["size"]


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    name = "M"
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    options = {"size": "M"}
    price = Decimal("10.00")
    stock = 100
    weight_grams = 100


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod

    name = "Standard"
    code = factory.Sequence(lambda n: f"method-{n}")
    carrier = "PostNL"


class ShippingRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingRate

    method = factory.SubFactory(ShippingMethodFactory)
    country = ""
    price = Decimal("5.00")


class PickupLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PickupLocation

    name = "Shop"
    address = "Main street 1, Amsterdam"
    country = "NL"


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate
        django_get_or_create = ("country", "region")

    country = "NL"
    region = ""
    rate = Decimal("0.21")


ADDRESS_NL = {
    "name": "Sam Jansen",
    "line1": "Prinsengracht 263",
    "city": "Amsterdam",
    "postal_code": "1016 GV",
    "country": "NL",
}


def place_test_order(*, variants=None, quantities=None, method=None, email="shopper@example.com", **kwargs):
    """Place an order through the real service; by default one variant ×1 shipped to NL at a flat rate."""
    variants = variants or [VariantFactory()]
    quantities = quantities or [1] * len(variants)
    if method is None and "pickup_location" not in kwargs:
        method = ShippingRateFactory().method
    kwargs.setdefault("send_confirmation", False)
    if method is not None:
        kwargs.setdefault("shipping_address", ADDRESS_NL)
    return services.place_order(
        email=email,
        lines=[services.LineRequest(variant_id=v.pk, quantity=q) for v, q in zip(variants, quantities, strict=True)],
        shipping_method=method,
        **kwargs,
    )


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "storefront.DiscountCode"

    code = factory.Sequence(lambda n: f"CODE{n}")
    percent = Decimal("10")
