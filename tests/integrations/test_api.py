"""The integration API with API keys: idempotent order creation, scopes, errors, fulfilment, sync."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from rest_framework.test import APIClient

from integrations.constants import Scope
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import ActorKind, FulfillmentStatus
from orders.models import Fulfillment, Order
from tests.integrations.conftest import ORDER, client_with

pytestmark = pytest.mark.django_db


def create(api, body=ORDER, **headers):
    return api.post("/api/v1/orders/", body, format="json", **headers)


def test_an_order_from_another_system_goes_through_place_order(api):
    response = create(api)
    assert response.status_code == 201, response.data
    order = Order.objects.get()
    assert response.data["number"] == order.number and order.external_id == "shop-1001"
    assert order.language == "nl" and order.customer.email == "ext.buyer@example.com"
    assert order.lines.count() == 2 and order.captured_total == D("10.00")
    assert order.events.filter(type="placed", actor_kind=ActorKind.INTEGRATION).exists()
    assert response.data["on_fulfillment_hold"] and response.data["hold_until"]


def test_the_same_external_id_again_returns_the_order_and_records_only_new_payments(api):
    create(api)
    again = create(api, {**ORDER, "payments": [*ORDER["payments"], {"amount": "5.00", "reference": "pi_2"}]})
    assert again.status_code == 200 and Order.objects.count() == 1
    assert Order.objects.get().captured_total == D("15.00")


def test_an_idempotency_key_replays_the_first_answer(api):
    first = create(api, HTTP_IDEMPOTENCY_KEY="k-1")
    second = create(api, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, second.status_code) == (201, 201) and second.data == first.data
    assert second["Idempotent-Replayed"] == "true" and Order.objects.count() == 1
    reused = create(api, {**ORDER, "external_id": "other"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 409 and reused.data["code"] == "idempotency_key_reused"
    assert "'k-1'" in reused.data["message"] and "Idempotency-Key" in reused.data["fields"]


def test_the_same_json_in_other_spacing_and_key_order_is_the_same_request(api):
    import json

    compact = json.dumps(ORDER, separators=(",", ":"))
    spread = json.dumps(dict(reversed(list(ORDER.items()))), indent=4)
    first = api.post("/api/v1/orders/", compact, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")
    again = api.post("/api/v1/orders/", spread, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert (first.status_code, again.status_code) == (201, 201) and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and Order.objects.count() == 1
    # Another meaning under the key: a value changed, however it is spelled.
    other = json.dumps({**ORDER, "name": "Someone else"})
    refused = api.post("/api/v1/orders/", other, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert refused.status_code == 409 and refused.json()["code"] == "idempotency_key_reused"


def test_a_key_past_its_day_is_a_new_request_even_before_the_cron_prunes_it(api):
    import time_machine
    from django.utils import timezone

    first = create(api, HTTP_IDEMPOTENCY_KEY="k-3")
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=24, minutes=1)):
        # The same key with another order: its old answer is no longer replayed, nor refused as a reuse.
        later = create(api, {**ORDER, "external_id": "shop-1002"}, HTTP_IDEMPOTENCY_KEY="k-3")
    assert (first.status_code, later.status_code) == (201, 201) and "Idempotent-Replayed" not in later
    assert Order.objects.count() == 2


@pytest.mark.parametrize("key", ["", " padded ", "x" * 201, "ключ"])
def test_a_malformed_idempotency_key_is_a_400_and_changes_nothing(api, key):
    response = create(api, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.data["fields"]
    assert not Order.objects.exists()


def race(raw, headers) -> list[int]:
    """Two identical requests released at the same moment; their status codes."""
    barrier, answers = threading.Barrier(2), []

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        try:
            barrier.wait()
            answers.append(create(client, **headers).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answers)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("headers, expected", [({"HTTP_IDEMPOTENCY_KEY": "race"}, [201, 201]), ({}, [200, 201])])
def test_two_concurrent_identical_requests_make_one_order(catalog, headers, expected):
    from integrations.services import create_api_key

    _key, raw = create_api_key(name="Racer", scopes=[Scope.ORDERS_WRITE])
    # With the header the loser replays the winner's answer; without, the external id's unique index decides.
    assert race(raw, headers) == expected
    assert Order.objects.filter(external_id="shop-1001").count() == 1


def test_validation_errors_are_field_by_field_and_change_nothing(api):
    # Well-formed but refused by the store (an unknown SKU, a total that differs): 422.
    response = create(api, {**ORDER, "lines": [{"sku": "NOPE", "quantity": 1}]})
    assert response.status_code == 422 and "lines.0.sku" in response.data["fields"]
    response = create(api, {**ORDER, "total": "1.00"})
    assert response.status_code == 422 and response.data["code"] == "total_mismatch"
    # Breaking the schema: 400, each field by its dotted path.
    response = create(api, {**ORDER, "shipping_address": {"line1": "x"}})
    assert response.status_code == 400
    assert {"shipping_address.city", "shipping_address.country"} <= set(response.data["fields"])
    response = create(api, {**ORDER, "lines": [{"sku": 7, "quantity": "2"}], "total": 40.95})
    assert response.status_code == 400 and response.data["fields"] == {
        "lines.0.sku": ["Must be a string."],
        "lines.0.quantity": ["Must be an integer."],
        "total": ['An amount as a string, e.g. "10.50".'],
    }
    assert not Order.objects.exists()


def test_keys_and_scopes(api):
    assert APIClient().get("/api/v1/orders/").status_code in (401, 403)
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer ak_nothere_abc")
    assert bad.get("/api/v1/orders/").status_code == 401
    reader = client_with(Scope.ORDERS_READ)
    assert reader.get("/api/v1/orders/").status_code == 200
    refused = create(reader)
    assert refused.status_code == 403 and "orders:write" in refused.data["message"] and not Order.objects.exists()
    number = create(api).data["number"]
    shipper = client_with(Scope.FULFILLMENTS_WRITE)
    assert shipper.get(f"/api/v1/orders/{number}/").status_code == 403


def test_unknown_ids_are_404(api):
    assert api.get("/api/v1/orders/999999/").status_code == 404
    assert api.patch("/api/v1/fulfillments/999999/", {"delivery_state": "delivered"}, format="json").status_code == 404


def test_a_key_over_its_rate_gets_429_with_retry_after(catalog):
    client = client_with(Scope.ORDERS_READ, rate=3)
    answers = [client.get("/api/v1/orders/") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert int(client.get("/api/v1/orders/")["Retry-After"]) > 0
    # Every keyed answer shows the rate: what is left, and when a request is given back.
    assert [answer["RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    assert {answer["RateLimit-Limit"] for answer in answers} == {"3"}
    assert all(0 < int(answer["RateLimit-Reset"]) <= 60 for answer in answers)


def test_the_rate_shows_on_errors_too_and_a_refused_scope_counts(catalog):
    client = client_with(Scope.ORDERS_READ, rate=5)
    missing = client.get("/api/v1/orders/999999/")
    refused = client.post("/api/v1/orders/", ORDER, format="json")  # orders:write is not among its scopes
    assert (missing.status_code, refused.status_code) == (404, 403)
    assert (missing["RateLimit-Remaining"], refused["RateLimit-Remaining"]) == ("4", "3")
    unknown = APIClient()
    unknown.credentials(HTTP_AUTHORIZATION="Bearer ak_nothere_abc")
    assert "RateLimit-Limit" not in unknown.get("/api/v1/orders/")  # no key, no rate of its own


def test_fulfilment_then_delivery_updates_notify_once_per_change(api):
    number = create(api).data["number"]
    shipped = api.post(
        f"/api/v1/orders/{number}/fulfillments/",
        {"lines": [{"sku": "CERAMIC-MUG-WHITE", "quantity": 2}], "carrier": "PostNL", "tracking_number": "3S9"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    assert shipped.status_code == 201, shipped.data
    again = api.post(
        f"/api/v1/orders/{number}/fulfillments/",
        {"lines": [{"sku": "CERAMIC-MUG-WHITE", "quantity": 2}], "carrier": "PostNL", "tracking_number": "3S9"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="ship-1",
    )
    assert again.data["id"] == shipped.data["id"] and Fulfillment.objects.count() == 1
    assert Order.objects.get().fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED
    for _ in range(2):
        updated = api.patch(
            f"/api/v1/fulfillments/{shipped.data['id']}/", {"delivery_state": "out_for_delivery"}, format="json"
        )
        assert updated.status_code == 200 and updated.data["delivery_state"] == "out_for_delivery"
    assert Message.objects.filter(kind=MessageKind.SHIPMENT_OUT_FOR_DELIVERY).count() == 1
    assert Message.objects.filter(kind=MessageKind.SHIPMENT_SHIPPED).count() == 1


def test_over_shipping_is_a_field_error_and_a_stale_version_is_409(api):
    created = create(api).data
    over = api.post(
        f"/api/v1/orders/{created['number']}/fulfillments/",
        {"lines": [{"sku": "CERAMIC-MUG-WHITE", "quantity": 5}]},
        format="json",
    )
    assert over.status_code == 422 and over.data["code"] == "over_fulfilment" and not Fulfillment.objects.exists()
    stale = api.post(
        f"/api/v1/orders/{created['number']}/backorders/",
        {"lines": [{"sku": "CERAMIC-MUG-WHITE", "quantity": 1}], "order_version": created["version"] - 1},
        format="json",
    )
    assert stale.status_code == 409 and stale.data["code"] == "version_conflict"


def test_a_backorder_shows_on_the_line_and_notifies_the_shopper(api):
    number = create(api).data["number"]
    response = api.post(
        f"/api/v1/orders/{number}/backorders/",
        {"lines": [{"sku": "CERAMIC-MUG-WHITE", "quantity": 1}], "kind": "short_pick", "note": "One broke."},
        format="json",
    )
    line = next(line for line in response.data["lines"] if line["sku"] == "CERAMIC-MUG-WHITE")
    assert response.status_code == 200 and (line["backordered_quantity"], line["backorder_kind"]) == (1, "short_pick")
    notice = compose(Message.objects.get(kind=MessageKind.BACKORDER_NOTICE))
    assert notice.language == "nl" and "One broke." in notice.body_text


def test_sync_list_filters_and_pages_with_a_stable_cursor(api):
    for index in range(5):
        create(api, {**ORDER, "external_id": f"shop-{index}"})
    first = api.get("/api/v1/orders/?page_size=2&on_hold=true")
    assert first.status_code == 200 and len(first.data["results"]) == 2 and first.data["next"]
    numbers = [order["number"] for order in first.data["results"]]
    page = first
    while page.data["next"]:
        page = api.get(page.data["next"])
        numbers += [order["number"] for order in page.data["results"]]
    assert sorted(numbers) == sorted(Order.objects.values_list("number", flat=True)) and len(set(numbers)) == 5
    assert api.get("/api/v1/orders/?on_hold=false").data["results"] == []
    later = api.get("/api/v1/orders/?updated_since=2999-01-01T00:00:00Z")
    assert later.data["results"] == []
    bad = api.get("/api/v1/orders/?updated_since=yesterday&status=nope")
    assert bad.status_code == 400 and {"updated_since", "status"} <= set(bad.data["fields"])


def test_list_queries_are_flat_in_the_number_of_orders(api, django_assert_max_num_queries):
    for index in range(6):
        create(api, {**ORDER, "external_id": f"q-{index}"})
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/orders/?page_size=6").data["results"]) == 6


def test_the_docs_pages_load_their_assets_locally(client):
    for path in ("/api/docs/", "/api/redoc/"):
        page = client.get(path).content.decode()
        assert "/static/drf_spectacular_sidecar/" in page
        assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/orders/", "/api/v1/fulfillments/{id}/", "/api/v1/me/orders/"):
        assert path in schema


def test_a_new_address_for_an_existing_external_order_goes_through_the_edit_engine(api):
    create(api)
    moved = {**ORDER["shipping_address"], "line1": "Damrak 1", "postal_code": "1012 LG"}
    response = create(api, {**ORDER, "shipping_address": moved})
    order = Order.objects.get()
    assert response.status_code == 200 and order.shipping_address["line1"] == "Damrak 1"
    assert order.events.filter(type="edited", actor_kind=ActorKind.INTEGRATION).count() == 1
    number = response.data["number"]
    api.post(
        f"/api/v1/orders/{number}/fulfillments/",
        {"lines": [{"sku": "CERAMIC-MUG-WHITE", "quantity": 2}]},
        format="json",
    )
    refused = create(api, {**ORDER, "shipping_address": {**moved, "line1": "Dam 2"}})
    assert refused.status_code == 422 and Order.objects.get().shipping_address["line1"] == "Damrak 1"


def test_idempotency_keys_are_forgotten_after_a_day(api):
    import time_machine
    from django.utils import timezone

    from integrations.jobs import dispatch_webhooks
    from integrations.models import IdempotentRequest

    create(api, HTTP_IDEMPOTENCY_KEY="old")
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=25)):
        assert dispatch_webhooks()["idempotency_keys_forgotten"] == 1
    assert not IdempotentRequest.objects.exists()


def test_updated_since_takes_any_offset_python_reads_and_refuses_times_that_do_not_exist(api):
    create(api, {**ORDER, "external_id": "shop-offset"})
    # -22:47 is a valid offset in ISO 8601 and Python, beyond what PostgreSQL takes: read as UTC.
    far_offset = api.get("/api/v1/orders/", {"updated_since": "2000-08-18T14:57:40-22:47"})
    assert far_offset.status_code == 200 and len(far_offset.data["results"]) == 1
    for impossible in ("2026-13-01T00:00:00Z", "2026-01-01", ""):
        refused = api.get("/api/v1/orders/", {"updated_since": impossible})
        assert refused.status_code == 400 and "updated_since" in refused.data["fields"]
    # A real instant before the first Python holds (in UTC) is "since always", not an error.
    earliest = api.get("/api/v1/orders/", {"updated_since": "0001-01-01T00:00:00+01:00"})
    assert earliest.status_code == 200 and len(earliest.data["results"]) == 1


@pytest.mark.parametrize("field", ["shipping_address", "billing_address"])
@pytest.mark.parametrize("country", ["QQ", "nl", "NLD"])
def test_an_order_to_a_country_that_does_not_exist_is_a_field_error_and_no_order(api, field, country):
    address = {**ORDER["shipping_address"], "country": country}
    response = create(api, {**ORDER, field: address})
    assert response.status_code == 400, response.data
    assert response.data["fields"][f"{field}.country"] == [
        f"Select a valid choice. {country} is not one of the available choices."
    ]
    assert not Order.objects.exists()


def test_a_new_address_in_a_country_that_does_not_exist_changes_nothing(api):
    order = Order.objects.get(number=create(api).data["number"])
    refused = create(api, {**ORDER, "shipping_address": {**ORDER["shipping_address"], "country": "QQ"}})
    assert refused.status_code == 400 and "shipping_address.country" in refused.data["fields"]
    assert Order.objects.get().version == order.version
