import pytest

from storefront.models import StoreSettings
from storefront.selectors import email_branding, store_name


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
