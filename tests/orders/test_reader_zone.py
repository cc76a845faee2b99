"""Times read in the reader's zone, the zone named (issue 19), on pages whose parts are cached: the zone is part
of every cached render's key, so two readers in different zones never get each other's rendering."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from core.dates import TIME_ZONE_COOKIE
from demo.loader import load_catalog
from editing.models import EditPolicy
from orders.status_links import status_token
from tests.factories import place_test_order
from tests.orders.test_account_pages import count_queries, shipped_order

pytestmark = pytest.mark.django_db

# 23:30 UTC on 1 June: 08:30 on 2 June in Tokyo, 19:30 on 1 June in New York.
PLACED = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)


@pytest.fixture
def order():
    load_catalog()
    return place_test_order(email="sam@example.com", placed_at=PLACED)


def reader(zone: str, user=None) -> Client:
    client = Client()
    client.cookies[TIME_ZONE_COOKIE] = zone
    if user is not None:
        client.force_login(user)
    return client


def test_two_readers_in_different_zones_never_get_each_others_rendering(order):
    tokyo, new_york = reader("Asia/Tokyo", order.customer), reader("America/New_York", order.customer)
    detail = f"/store/account/orders/{order.number}/"
    status = f"/store/orders/status/{status_token(order.number)}/"
    for _ in range(2):  # rendered, then served from the cache: each reader still gets their own
        for url in (detail, status):
            seen_in_tokyo = tokyo.get(url).content.decode()
            seen_in_new_york = new_york.get(url).content.decode()
            assert "June 2, 2026" in seen_in_tokyo and "8:30\u202fAM JST" in seen_in_tokyo, url
            assert "EDT" not in seen_in_tokyo
            assert "June 1, 2026" in seen_in_new_york and "7:30\u202fPM EDT" in seen_in_new_york, url
            assert "JST" not in seen_in_new_york
        rows_in_tokyo = tokyo.get("/store/account/orders/").content.decode()
        rows_in_new_york = new_york.get("/store/account/orders/").content.decode()
        assert "June 2, 2026" in rows_in_tokyo and "June 1, 2026" not in rows_in_tokyo
        assert "June 1, 2026" in rows_in_new_york and "June 2, 2026" not in rows_in_new_york


def test_without_a_zone_times_read_in_the_stores_zone_named(order, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    client = Client()
    client.force_login(order.customer)
    html = client.get(f"/store/account/orders/{order.number}/").content.decode()
    assert "June 2, 2026, 1:30\u202fAM CEST" in html
    assert not re.search(r"\d\s?[ap]\.m\.", html)  # Django's own "5:14 p.m." is gone from the page


def test_a_zone_the_server_does_not_know_is_ignored(order):
    client = reader("Europe/Atlantis", order.customer)
    assert "UTC" in client.get(f"/store/account/orders/{order.number}/").content.decode()


def test_order_pages_read_as_few_queries_with_a_zone(django_assert_max_num_queries):
    load_catalog()
    order = shipped_order(email="zone@example.com", lines=3)
    EditPolicy.cached()
    client = reader("Asia/Tokyo", order.customer)
    url = f"/store/account/orders/{order.number}/"
    # The first page saves the zone on the profile (once); after it, a page costs what it costs without one.
    assert count_queries(django_assert_max_num_queries, client, url, 5, warm_with="/store/account/orders/") == 5
    assert count_queries(django_assert_max_num_queries, client, "/store/account/orders/", 4) <= 4
