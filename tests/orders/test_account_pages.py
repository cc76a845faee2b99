import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from demo.loader import load_catalog
from editing.models import EditPolicy
from orders import services
from orders.constants import DeliveryState
from orders.status_links import status_path, status_token
from tests.factories import VariantFactory, place_test_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    load_catalog()


def signed_in(client, user):
    client.force_login(user)
    return client


def shipped_order(email="sam@example.com", lines=2):
    variants = [VariantFactory(price=D("10.00")) for _ in range(lines)]
    order = place_test_order(variants=variants, email=email)
    services.record_payment(order=order, amount=order.total, idempotency_key=f"pay-{order.number}")
    first = order.lines.order_by("position").first()
    services.record_shipment(
        order=order,
        quantities={first.pk: 1},
        carrier="PostNL",
        tracking_number="3SXYZ123",
        tracking_url="https://track.example/3SXYZ123",
        estimated_arrival=date(2026, 11, 24),
    )
    return order


def test_order_list_newest_first_with_statuses(client, shop):
    older = place_test_order(email="sam@example.com", placed_at=timezone.now() - timedelta(days=3))
    newer = shipped_order()
    page = signed_in(client, newer.customer).get("/store/account/orders/").content.decode()
    assert page.index(f"#{newer.number}") < page.index(f"#{older.number}")
    for text in ("Paid", "Unpaid", "Partially fulfilled", "Unfulfilled", "Open"):
        assert text in page


def test_order_list_filters_and_paginates(client, shop):
    orders = [
        place_test_order(email="sam@example.com", placed_at=timezone.now() - timedelta(days=i)) for i in range(23)
    ]
    client = signed_in(client, orders[0].customer)
    first = client.get("/store/account/orders/")
    assert first.context["page"].paginator.count == 23 and len(first.context["page"].object_list) == 20
    assert 'name="placed_from"' in first.content.decode() and 'name="fulfillment_status"' in first.content.decode()
    second = client.get("/store/account/orders/?page=2")
    assert listed_numbers(second) == [o.number for o in orders[20:]]
    recent = client.get("/store/account/orders/", {"placed_from": (timezone.now() - timedelta(days=2)).date()})
    assert recent.context["page"].paginator.count == 3
    days = {
        "placed_from": (timezone.now() - timedelta(days=5)).date(),
        "placed_to": (timezone.now() - timedelta(days=3)).date(),
    }
    assert listed_numbers(client.get("/store/account/orders/", days)) == [o.number for o in orders[3:6]]
    services.record_payment(order=orders[5], amount=orders[5].total, idempotency_key="p5")
    paid = client.get("/store/account/orders/", {"financial_status": "paid"})
    assert listed_numbers(paid) == [orders[5].number]
    past_the_end = client.get("/store/account/orders/?page=9")
    assert past_the_end.context["page"].number == 2 and listed_numbers(past_the_end) == [o.number for o in orders[20:]]


def test_order_list_dates_are_days_in_the_store_time_zone(client, shop):
    late = place_test_order(email="sam@example.com", placed_at=datetime(2026, 6, 1, 23, 30, tzinfo=UTC))
    client = signed_in(client, late.customer)
    june_2 = {"placed_from": "2026-06-02", "placed_to": "2026-06-02"}
    assert listed_numbers(client.get("/store/account/orders/", june_2)) == []
    with timezone.override("Pacific/Auckland"):  # 11:30 on 2 June there
        assert listed_numbers(client.get("/store/account/orders/", june_2)) == [late.number]


def listed_numbers(response) -> list[int]:
    return [int(n) for n in re.findall(r'href="/store/account/orders/(\d+)/"', response.content.decode())]


def test_bad_filters_show_errors_and_change_nothing(client, shop):
    order = place_test_order(email="sam@example.com")
    client = signed_in(client, order.customer)
    page = client.get(
        "/store/account/orders/", {"placed_from": "2026-12-31", "placed_to": "2026-01-01", "status": "nonsense"}
    )
    assert page.status_code == 200
    assert page.context["form"].errors.keys() == {"placed_to", "status"}
    assert page.context["page"].paginator.count == 1  # the unfiltered list


def test_order_detail_shows_lines_totals_shipments_and_timeline(client, shop):
    order = shipped_order()
    page = signed_in(client, order.customer).get(f"/store/account/orders/{order.number}/").content.decode()
    assert "https://track.example/3SXYZ123" in page and "3SXYZ123" in page
    assert "Arriving on November 24" in page
    assert "1 in shipment 1" in page
    assert "Payment of €" in page and "Shipped with PostNL" in page and "Order placed" in page
    assert "Paid" in page and "Partially fulfilled" in page


def test_pickup_ready_says_where(client, shop):
    from storefront.models import PickupLocation

    order = place_test_order(method=None, pickup_location=PickupLocation.objects.first(), email="sam@example.com")
    services.record_shipment(
        order=order, quantities={order.lines.get().pk: 1}, delivery_state=DeliveryState.READY_FOR_PICKUP
    )
    page = signed_in(client, order.customer).get(f"/store/account/orders/{order.number}/").content.decode()
    assert "Ready for pickup at Amsterdam store" in page


def test_someone_elses_order_is_not_found_by_url_api_or_tampered_link(client, shop):
    mine = place_test_order(email="sam@example.com")
    theirs = shipped_order(email="alex@example.com")
    client = signed_in(client, mine.customer)
    assert client.get(f"/store/account/orders/{theirs.number}/").status_code == 404
    assert client.get(f"/store/account/orders/{theirs.number + 1000}/").status_code == 404  # same as unknown
    assert client.get(f"/api/v1/me/orders/{theirs.number}/").status_code == 404
    assert theirs.number not in [o["number"] for o in client.get("/api/v1/me/orders/").json()["results"]]
    token = status_token(mine.number)
    forged = token.replace(str(mine.number), str(theirs.number), 1)
    assert client.get(f"/store/orders/status/{forged}/").status_code == 404
    assert client.get("/store/orders/status/garbage/").status_code == 404


def test_status_link_is_read_only_without_sign_in_and_hides_personal_data(client, shop):
    order = shipped_order()
    page = client.get(status_path(order.number))
    html = page.content.decode()
    assert page.status_code == 200 and "3SXYZ123" in html and "Arriving on November 24" in html
    assert order.email not in html and "Prinsengracht" not in html and "Sam Jansen" not in html
    assert '<form method="post" action="/store/account/orders' not in html


def test_pages_need_sign_in(client, shop):
    order = place_test_order()
    response = client.get(f"/store/account/orders/{order.number}/")
    assert response.status_code == 302 and response["Location"].startswith("/store/account/login/?next=")
    assert client.get("/api/v1/me/orders/").status_code == 403


def test_api_lists_and_details_orders(client, shop):
    order = shipped_order()
    client = signed_in(client, order.customer)
    listing = client.get("/api/v1/me/orders/").json()
    assert listing["count"] == 1 and listing["results"][0]["financial_status"] == "paid"
    detail = client.get(f"/api/v1/me/orders/{order.number}/").json()
    assert detail["total"] == str(order.total) and len(detail["lines"]) == 2
    shipment = detail["shipments"][0]
    assert (
        shipment["tracking_url"] == "https://track.example/3SXYZ123"
        and shipment["delivery_label"] == "Arriving on November 24"
    )
    assert detail["lines"][0]["shipments"] == [{"shipment": shipment["id"], "quantity": 1}]
    assert detail["status_url"].startswith("/store/orders/status/")
    bad = client.get("/api/v1/me/orders/", {"placed_from": "yesterday"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "placed_from" in bad.json()["fields"]


def test_api_schema_describes_the_shopper_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/v1/me/orders/", "/api/v1/me/orders/{number}/"} <= set(schema["paths"])


# --- query budgets -----------------------------------------------------------------------------


def count_queries(django_assert_max_num_queries, client, url, budget, warm_with=None):
    client.get(warm_with or url)  # warm: session and cached store name, as on any page after the first
    with django_assert_max_num_queries(budget) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.slow
def test_order_list_queries_are_flat_in_the_number_of_orders(client, shop, django_assert_max_num_queries):
    one = place_test_order(email="one@example.com")
    many = [place_test_order(email="many@example.com") for _ in range(200)]
    few_q = count_queries(django_assert_max_num_queries, signed_in(client, one.customer), "/store/account/orders/", 4)
    client.logout()
    many_q = count_queries(
        django_assert_max_num_queries, signed_in(client, many[0].customer), "/store/account/orders/", 4
    )
    assert few_q == many_q


def test_order_detail_queries_are_flat_in_the_number_of_lines(client, shop, django_assert_max_num_queries):
    small = shipped_order(email="small@example.com", lines=1)
    large = shipped_order(email="large@example.com", lines=50)
    # A first view (nothing cached for the order): its version, the order, lines, shipments with their
    # lines, events. The edit policy is read once per process, as on a server that has run a while.
    EditPolicy.cached()
    few_q = count_queries(
        django_assert_max_num_queries,
        signed_in(client, small.customer),
        f"/store/account/orders/{small.number}/",
        5,
        warm_with="/store/account/orders/",
    )
    client.logout()
    many_q = count_queries(
        django_assert_max_num_queries,
        signed_in(client, large.customer),
        f"/store/account/orders/{large.number}/",
        5,
        warm_with="/store/account/orders/",
    )
    assert few_q == many_q == 5
    api_q = count_queries(django_assert_max_num_queries, client, f"/api/v1/me/orders/{large.number}/", 7)
    assert api_q <= 7


def test_the_order_body_is_cached_per_version_and_language(client, shop, django_assert_num_queries):
    order = shipped_order(email="cache@example.com", lines=3)
    signed_in(client, order.customer)
    url = f"/store/account/orders/{order.number}/"

    def body(response) -> str:  # the cached part (the page around it carries a fresh CSRF token)
        html = response.content.decode()
        return html[html.index('aria-labelledby="items-h"') : html.index("</main>")]

    first = body(client.get(url))
    with django_assert_num_queries(1):  # the order's version; user and policy are cached; no lines, shipments, events
        assert body(client.get(url)) == first
    services.record_payment(order=order, amount=D("1.00"), idempotency_key="late")  # a new version
    assert "Payment of €1.00 received" in body(client.get(url))
    assert "Verlauf" in body(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))


def test_a_page_viewed_again_in_the_same_process_needs_no_redis(client, shop, django_assert_num_queries):
    from django.core.cache import cache, caches

    order = shipped_order(email="local@example.com", lines=2)
    signed_in(client, order.customer)
    url = f"/store/account/orders/{order.number}/"
    first = client.get(url).content.decode()
    assert any(key.startswith(":1:order-page:") for key in caches["process"]._cache)
    redis = cache._cache.get_client(write=True)
    assert redis.delete(*redis.keys("*order-page*")) == 1  # Redis lost it (evicted, say)
    with django_assert_num_queries(1):  # the version only: the render is this process's copy
        again = client.get(url).content.decode()
    assert again.count("Shipment 1") == first.count("Shipment 1") == 1


# --- language ----------------------------------------------------------------------------------


def test_language_comes_from_the_browser_then_the_switcher(client, shop):
    page = client.get("/store/account/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert page["Content-Language"] == "de"
    client.post("/store/account/language/", {"language": "ja", "next": "/store/account/login/"})
    page = client.get("/store/account/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert page["Content-Language"] == "ja"


def test_signed_in_shopper_reads_their_stored_language_and_the_switcher_updates_it(client, shop):
    order = place_test_order(email="sam@example.com", language="fr")
    client.post("/store/account/login/", {"email": "sam@example.com"})
    from tests.accounts.conftest import last_sign_in_code

    code = last_sign_in_code("sam@example.com")
    client.post("/store/account/login/code/", {"code": code})
    page = client.get("/store/account/orders/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "fr"
    client.post("/store/account/language/", {"language": "cs", "next": "/store/account/orders/"})
    order.customer.profile.refresh_from_db()
    assert order.customer.profile.language == "cs"
    assert client.get("/store/account/orders/")["Content-Language"] == "cs"


def test_switcher_ignores_unknown_languages_and_foreign_next(client):
    response = client.post("/store/account/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/" and "django_language" not in response.cookies


def test_order_confirmation_view_order_button_opens_the_status_page(client, shop):
    from notifications.models import Message
    from notifications.services import compose

    order = place_test_order(email="sam@example.com", send_confirmation=True)
    message = compose(Message.objects.get(kind="order_confirmation"))
    url = message.context["status_url"]
    assert f'href="{url}"' in message.body_html
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and f"#{order.number}" in page.content.decode()


def test_list_rows_are_cached_per_version_so_a_change_shows_at_once(client, shop):
    order = place_test_order(email="rows@example.com")
    signed_in(client, order.customer)
    assert 'class="badge pending">Unpaid<' in client.get("/store/account/orders/").content.decode()
    services.record_payment(order=order, amount=order.total, idempotency_key="rows-paid")
    page = client.get("/store/account/orders/").content.decode()
    assert 'class="badge paid">Paid<' in page and 'class="badge pending"' not in page


def test_a_change_rereads_only_its_row_and_a_list_page_seen_before_is_one_fragment(
    client, shop, django_assert_num_queries
):
    from django.core.cache import cache, caches

    first = place_test_order(email="fragment@example.com")
    second = place_test_order(email="fragment@example.com")
    signed_in(client, first.customer)
    client.get("/store/account/orders/")

    services.record_payment(order=first, amount=first.total, idempotency_key="fragment-paid")
    with django_assert_num_queries(2) as queries:  # the keys, then the changed order's row alone
        page = client.get("/store/account/orders/").content.decode()
    assert f'WHERE "orders_order"."id" IN ({first.pk}) ' in queries.captured_queries[1]["sql"]
    assert page.count('class="badge paid">Paid<') == 1 and page.count('class="badge pending">Unpaid<') == 1

    redis = cache._cache.get_client(write=True)
    redis.delete(*redis.keys("*order-row:*"))  # the rows alone are gone: the page's fragment still has them
    for key in [key for key in caches["process"]._cache if ":order-row:" in key]:
        caches["process"].delete(key.split(":", 2)[2])  # stored as ":1:<key>"
    with django_assert_num_queries(1):  # which orders, at which versions: the rows come with the fragment
        again = client.get("/store/account/orders/").content.decode()
    rows = re.compile(r'<ul class="orders">.*?</ul>', re.S)
    assert rows.search(again).group() == rows.search(page).group()
    assert f"Order #{first.number}" in again and f"Order #{second.number}" in again


# --- what the pages read from the cache is never stale --------------------------------------------


def test_a_deactivated_or_repassworded_shopper_is_signed_out_at_once(client, shop):
    from accounts.models import User

    order = place_test_order(email="gone@example.com")
    url = f"/store/account/orders/{order.number}/"
    assert signed_in(client, order.customer).get(url).status_code == 200  # the user is now cached
    User.objects.filter(pk=order.customer_id).update(is_active=False)  # a queryset update, not save()
    assert client.get(url).status_code == 302
    User.objects.filter(pk=order.customer_id).update(is_active=True)
    assert signed_in(client, User.objects.get(pk=order.customer_id)).get(url).status_code == 200
    user = User.objects.get(pk=order.customer_id)
    user.set_password("a new password")
    user.save()  # the session's hash no longer matches
    assert client.get(url).status_code == 302


def test_the_order_page_follows_the_policy_at_once(client, shop):
    from editing.models import EditPolicy

    order = place_test_order(email="policy@example.com")
    url = f"/store/account/orders/{order.number}/"
    assert "Edit order" in signed_in(client, order.customer).get(url).content.decode()  # policy now cached
    EditPolicy.objects.update(enabled=False)
    assert 'data-edit-refusal="editing_off"' in client.get(url).content.decode()
    policy = EditPolicy.load()
    policy.enabled = True
    policy.save()
    assert "Edit order" in client.get(url).content.decode()
