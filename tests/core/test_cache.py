"""The caching mechanism against the real Redis: every write clears what it feeds, whatever the path, and
nothing an uncommitted transaction wrote reaches a cache."""

from decimal import Decimal as D

import pytest
from django.core.cache import caches
from django.db import transaction

from storefront.models import PickupLocation, ShippingMethod, ShippingRate, StoreSettings
from storefront.selectors import catalog_rates, shipping_price_for, store_name


class Rollback(Exception):
    pass


def forget_this_process():
    """What another worker sees: only Redis, none of this process's copies."""
    caches["process"].clear()


@pytest.mark.django_db
def test_a_queryset_update_of_shipping_methods_and_pickup_places_clears_the_cached_catalog(catalog):
    method = ShippingMethod.objects.get(code="standard")
    place = PickupLocation.objects.create(name="Depot", address="Kade 1", country="NL")
    assert catalog_rates().methods[method.pk].is_active and catalog_rates().pickups[place.pk].is_active

    ShippingMethod.objects.filter(pk=method.pk).update(is_active=False)
    PickupLocation.objects.filter(pk=place.pk).update(is_active=False)

    assert not catalog_rates().methods[method.pk].is_active
    assert not catalog_rates().pickups[place.pk].is_active
    forget_this_process()
    assert not catalog_rates().methods[method.pk].is_active, "Redis still held the active method"


@pytest.mark.django_db
def test_admin_delete_selected_of_a_shipping_method_clears_it_and_its_cascaded_rates(catalog, staff_client):
    method = ShippingMethod.objects.get(code="standard")
    rate_ids = set(ShippingRate.objects.filter(method=method).values_list("pk", flat=True))
    assert rate_ids and method.pk in catalog_rates().methods
    assert shipping_price_for(method=method, country="NL", order_value=D("10.00"), weight_grams=500) is not None

    response = staff_client.post(
        "/admin/storefront/shippingmethod/",
        {"action": "delete_selected", "_selected_action": [method.pk], "post": "yes"},
    )

    assert response.status_code == 302 and not ShippingMethod.objects.filter(pk=method.pk).exists()
    for rates in (catalog_rates(), (forget_this_process(), catalog_rates())[1]):
        assert method.pk not in rates.methods
        assert method.pk not in rates.shipping_rates, "the cascaded rates were still priced from the cache"


@pytest.mark.django_db
def test_a_value_read_inside_a_transaction_that_rolls_back_is_never_cached():
    StoreSettings.load()
    StoreSettings.objects.update(name="Committed")
    assert store_name() == "Committed"

    with pytest.raises(Rollback), transaction.atomic():
        store = StoreSettings.load()
        store.name = "Never committed"
        store.save()
        assert store_name() == "Never committed"  # the writer reads its own change
        raise Rollback

    assert store_name() == "Committed"
    forget_this_process()
    assert store_name() == "Committed", "Redis held a value no transaction committed"


@pytest.mark.django_db
def test_a_committed_write_is_seen_by_every_process_after_commit(django_assert_num_queries):
    StoreSettings.load()
    with transaction.atomic():
        StoreSettings.objects.update(name="Inside")
        assert store_name() == "Inside"
    forget_this_process()
    assert store_name() == "Inside"
    with django_assert_num_queries(0):  # and it is cached again once outside the transaction
        assert store_name() == "Inside"


@pytest.mark.django_db
def test_redis_keys_carry_the_release_prefix(settings):
    StoreSettings.load()
    store_name()
    shared = caches["shared"]
    assert settings.CACHE_RELEASE and settings.CACHE_RELEASE in settings.CACHES["shared"]["KEY_PREFIX"]
    assert shared._cache.get_client().exists(shared.make_key(StoreSettings.cache_key))
    # State that must outlive a deploy (sessions, rate-limit windows) is not under the release.
    assert settings.CACHE_RELEASE not in settings.CACHES["default"]["KEY_PREFIX"]


@pytest.mark.django_db
def test_an_admin_change_to_a_pickup_place_or_a_picture_shows_on_cached_order_pages(client, staff_client):
    from storefront.models import Product
    from tests.factories import VariantFactory, place_test_order

    place = PickupLocation.objects.create(name="Depot Noord", address="Kade 1", country="NL")
    variant = VariantFactory()
    Product.objects.filter(pk=variant.product_id).update(image_url="/media/old.png")
    order = place_test_order(variants=[variant], pickup_location=place)
    client.force_login(order.customer)
    url = f"/store/account/orders/{order.number}/"
    first = client.get(url).content.decode()
    assert "Depot Noord" in first and "/media/old.png" in first

    place.name = "Depot Zuid"
    place.save()
    Product.objects.filter(pk=variant.product_id).update(image_url="/media/new.png")

    again = client.get(url).content.decode()
    assert "Depot Zuid" in again and "Depot Noord" not in again
    assert "/media/new.png" in again
    forget_this_process()
    assert "Depot Zuid" in client.get(url).content.decode()
