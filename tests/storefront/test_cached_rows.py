from decimal import Decimal as D

import pytest

from storefront.models import ShippingMethod, ShippingRate, StoreSettings, TaxRate
from storefront.selectors import email_branding, shipping_price_for, store_name, tax_rate_for


@pytest.mark.django_db
def test_cached_settings_follow_every_save_and_update_at_once(django_assert_num_queries):
    store = StoreSettings.load()
    store.name = "Before"
    store.save()
    assert store_name() == "Before"
    with django_assert_num_queries(0):
        assert store_name() == "Before" and email_branding()["store_name"] == "Before"

    store.name = "After a save"
    store.save()
    assert store_name() == "After a save"

    StoreSettings.objects.update(name="After an update", support_email="help@shop.example")
    assert store_name() == "After an update" and email_branding()["support_email"] == "help@shop.example"


@pytest.mark.django_db
def test_tax_and_shipping_rates_are_cached_and_follow_every_write(catalog, django_assert_num_queries):
    method = ShippingMethod.objects.get(code="standard")

    def shipping_to(country):
        return shipping_price_for(method=method, country=country, order_value=D("10.00"), weight_grams=500)

    assert shipping_to("NL") is not None and tax_rate_for(country="NL") > 0
    with django_assert_num_queries(0):
        shipping_to("NL"), tax_rate_for(country="NL")

    ShippingRate.objects.filter(method=method).update(price=D("99.00"))
    assert shipping_to("NL") == D("99.00")
    rate = TaxRate.objects.get(country="NL", region="")
    rate.rate = D("0.0900")
    rate.save()
    assert tax_rate_for(country="NL") == D("0.0900")
    ShippingRate.objects.bulk_create([ShippingRate(method=method, country="IS", price=D("1.23"))])
    assert shipping_to("IS") == D("1.23")
    TaxRate.objects.filter(country="NL").delete()
    assert tax_rate_for(country="NL") == 0


@pytest.mark.django_db
def test_settings_are_held_in_the_process_for_seconds_then_another_process_change_arrives(monkeypatch):
    from django.core.cache import caches
    from django.db.models import QuerySet

    from core import cache as cached_rows

    StoreSettings.load()
    StoreSettings.objects.update(name="First")
    assert store_name() == "First"
    # Another worker's save: a plain UPDATE there, whose forget empties Redis but not this process.
    QuerySet.update(StoreSettings.objects.all(), name="Second")
    caches["shared"].delete(StoreSettings.cache_key)
    assert store_name() == "First"

    later = cached_rows.time.monotonic() + cached_rows.LOCAL_SECONDS + 0.1
    monkeypatch.setattr(cached_rows.time, "monotonic", lambda: later)
    assert store_name() == "Second"


@pytest.mark.django_db
def test_shipping_methods_and_pickup_places_are_cached_with_the_rates_and_follow_every_save(catalog):
    from storefront.models import PickupLocation
    from storefront.selectors import catalog_rates

    method = ShippingMethod.objects.get(code="standard")
    assert catalog_rates().methods[method.pk].name == method.name
    method.name = "Slow boat"
    method.save()
    assert catalog_rates().methods[method.pk].name == "Slow boat"
    place = PickupLocation.objects.create(name="Depot", address="Kade 1", country="NL", is_active=False)
    assert catalog_rates().pickups[place.pk].name == "Depot"  # inactive places too: orders keep theirs
    place_id = place.pk
    place.delete()
    assert place_id not in catalog_rates().pickups
