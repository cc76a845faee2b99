"""The integration API's returns (/api/v1/returns/…): a warehouse lists approved returns, reads one, says a parcel
is on its way back and records what arrived, through returns.services, idempotent like the other writes."""

from decimal import Decimal as D

import pytest

from integrations.constants import Scope
from orders.constants import ActorKind, EventType, ReturnStatus, TransactionKind
from orders.models import Order, OrderEvent, Transaction
from returns import services as returns
from returns.models import ReturnRequest
from tests.editing.conftest import sku
from tests.integrations.conftest import client_with
from tests.returns.helpers import MUG, SOCKS, SWEATER_L, SWEATER_M, ask, delivered, line

pytestmark = pytest.mark.django_db


def approved(*items, lines=((SWEATER_M, 1), (MUG, 2))) -> ReturnRequest:
    """A delivered, card-paid order of ``lines`` and an approved return of ``items`` ((sku, quantity, reason[,
    exchange sku]))."""
    order = delivered(list(lines), paid="card")
    request = ask(order, *items)
    return returns.approve_return(request=request, actor=None)


def receive(api, number, lines, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(f"/api/v1/returns/{number}/receive/", {"lines": lines, **body}, format="json", **headers)


def all_of(request: ReturnRequest, condition="resellable") -> list[dict]:
    return [{"id": ln.pk, "quantity": ln.quantity, "condition": condition} for ln in request.lines.order_by("pk")]


def test_a_warehouse_lists_the_approved_returns_and_reads_one(api):
    exchange = approved((SWEATER_M, 1, "too_small", SWEATER_L), (MUG, 1, "damaged"))
    waiting = ask(delivered([(SOCKS, 1)], paid="card"), (SOCKS, 1, "changed_mind"))

    listing = api.get("/api/v1/returns/?status=approved")
    assert listing.status_code == 200, listing.data
    assert [r["number"] for r in listing.data["results"]] == [exchange.number]
    body = listing.data["results"][0]
    assert body["order"] == exchange.order.number and body["status"] == "approved"
    assert body["created_at"] and body["approved_at"] and body["received_at"] is None
    assert (body["currency"], body["refund_amount"], body["carrier"], body["tracking_number"]) == (
        "EUR",
        "0.00",
        "",
        "",
    )
    sweater, mug = body["lines"]
    assert sweater == {
        "id": exchange.lines.get(order_line__sku=SWEATER_M).pk,
        "order_line_id": line(exchange.order, SWEATER_M).pk,
        "sku": SWEATER_M,
        "name": f"{line(exchange.order, SWEATER_M).product_name} – {line(exchange.order, SWEATER_M).variant_name}",
        "quantity": 1,
        "reason": "too_small",
        "store_fault": False,
        "exchange_for": SWEATER_L,
        "received_quantity": 0,
        "condition": None,
        "restocked_quantity": 0,
        "refund_amount": "0.00",
    }
    assert (mug["sku"], mug["reason"], mug["store_fault"], mug["exchange_for"]) == (MUG, "damaged", True, None)

    both = api.get("/api/v1/returns/?status=requested,approved").data["results"]
    assert {r["number"] for r in both} == {exchange.number, waiting.number}
    mine = api.get(f"/api/v1/returns/?order={waiting.order.number}").data["results"]
    assert [r["number"] for r in mine] == [waiting.number]
    detail = api.get(f"/api/v1/returns/{exchange.number}/")
    assert detail.status_code == 200 and detail.data == body
    assert api.get("/api/v1/returns/R999999-1/").status_code == 404
    bad = api.get("/api/v1/returns/?status=approved,lost&order=12a&updated_since=yesterday")
    assert bad.status_code == 400 and {"status", "order", "updated_since"} == set(bad.data["fields"])


def test_the_list_pages_with_a_stable_cursor_in_flat_queries(api, django_assert_max_num_queries):
    numbers = {approved((MUG, 1, "changed_mind"), lines=[(MUG, 1)]).number for _ in range(5)}
    seen = []
    with django_assert_max_num_queries(8):
        page = api.get("/api/v1/returns/?status=approved&page_size=2")
    assert len(page.data["results"]) == 2 and page.data["next"]
    seen += [r["number"] for r in page.data["results"]]
    while page.data["next"]:
        page = api.get(page.data["next"])
        seen += [r["number"] for r in page.data["results"]]
    assert sorted(seen) == sorted(numbers)
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/returns/?page_size=5").data["results"]) == 5


def test_receiving_restocks_and_refunds_once_and_the_same_key_replays_the_answer(api):
    request = approved((MUG, 2, "changed_mind"))
    stock = sku(MUG).stock

    first = receive(api, request.number, all_of(request), key="wh-1")
    assert first.status_code == 200, first.data
    assert first.data["status"] == "refunded" and D(first.data["refund_amount"]) > 0
    assert [(ln["received_quantity"], ln["condition"]) for ln in first.data["lines"]] == [(2, "resellable")]
    assert sku(MUG).stock == stock + 2
    order = Order.objects.get(pk=request.order_id)
    assert order.return_status == ReturnStatus.REFUNDED
    received = OrderEvent.objects.get(order=order, type=EventType.RETURN_RECEIVED)
    assert received.actor_kind == ActorKind.INTEGRATION

    replayed = receive(api, request.number, all_of(request), key="wh-1")
    assert replayed.status_code == 200 and replayed.data == first.data
    assert replayed["Idempotent-Replayed"] == "true"
    again = receive(api, request.number, all_of(request), key="wh-2")
    assert again.status_code == 409 and again.data["code"] == "return_status"
    stored = receive(api, request.number, all_of(request), key="wh-2")  # the refusal is what the key replays
    assert stored.status_code == 409 and stored["Idempotent-Replayed"] == "true"
    reused = receive(api, request.number, all_of(request, "damaged"), key="wh-1")
    assert reused.status_code == 409 and reused.data["code"] == "idempotency_key_reused"

    assert sku(MUG).stock == stock + 2
    assert Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).count() == 1


def test_an_exchange_received_puts_the_replacement_on_the_order(api):
    request = approved((SWEATER_M, 1, "too_big", SWEATER_L))
    response = receive(api, request.number, all_of(request, "damaged"))
    assert response.status_code == 200, response.data
    assert response.data["status"] == "received" and response.data["lines"][0]["exchange_for"] == SWEATER_L
    order = api.get(f"/api/v1/orders/{request.order.number}/").data
    assert order["return_status"] == "received"
    assert [ln["quantity"] for ln in order["lines"] if ln["sku"] == SWEATER_L] == [1]


@pytest.mark.parametrize(
    "lines, status, field",
    [
        # Breaking the schema: 400.
        ([{"id": "self", "quantity": 1, "condition": "like new"}], 400, "lines.0.condition"),
        ([{"id": "self", "quantity": -1, "condition": "damaged"}], 400, "lines.0.quantity"),
        ([{"id": "self", "quantity": "1", "condition": "damaged"}], 400, "lines.0.quantity"),
        ([], 400, "lines"),
        # Well-formed, refused as asked: 422.
        ([{"id": "self", "quantity": 1}], 422, "lines.0.condition"),  # units arrived: say in what state
        ([{"id": "self", "quantity": 1, "condition": "damaged"}] * 2, 422, "lines.1.id"),  # the same line twice
        ([{"id": "self", "quantity": 3, "condition": "damaged"}], 422, "lines.self"),  # more than asked back
        ([{"id": "self", "quantity": 0}], 422, "lines"),  # nothing arrived
        ([{"id": 99999999, "quantity": 1, "condition": "damaged"}], 422, "lines"),  # not a line of this return
    ],
)
def test_bad_receipts_are_field_errors_and_change_nothing(api, lines, status, field):
    request = approved((MUG, 2, "changed_mind"))
    own = request.lines.get().pk
    stock, version = sku(MUG).stock, Order.objects.get(pk=request.order_id).version
    body = [{**ln, "id": own if ln["id"] == "self" else ln["id"]} for ln in lines]
    response = receive(api, request.number, body, key="bad")
    assert response.status_code == status, response.data
    assert field.replace("self", str(own)) in response.data["fields"]
    request.refresh_from_db()
    assert request.status == ReturnStatus.APPROVED and sku(MUG).stock == stock
    assert Order.objects.get(pk=request.order_id).version == version
    assert not Transaction.objects.filter(order_id=request.order_id, kind=TransactionKind.REFUND).exists()


def test_a_stale_version_is_409_and_a_return_not_approved_cannot_be_received(api):
    request = approved((MUG, 1, "changed_mind"))
    stale = receive(api, request.number, all_of(request), version=request.version - 1)
    assert stale.status_code == 409 and stale.data["code"] == "return_changed"
    waiting = ask(delivered([(MUG, 1)], paid="card"), (MUG, 1, "changed_mind"))
    refused = receive(api, waiting.number, all_of(waiting))
    assert refused.status_code == 409 and refused.data["code"] == "return_status"
    assert receive(api, "R999999-1", all_of(request)).status_code == 404


def test_a_parcel_on_its_way_back_carries_its_tracking(api):
    request = approved((MUG, 1, "changed_mind"))
    body = {"carrier": "PostNL", "tracking_number": "3SRET1"}
    sent = api.post(f"/api/v1/returns/{request.number}/in-transit/", body, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert sent.status_code == 200, sent.data
    assert (sent.data["status"], sent.data["carrier"], sent.data["tracking_number"]) == (
        "in_transit",
        "PostNL",
        "3SRET1",
    )
    event = OrderEvent.objects.get(order_id=request.order_id, type=EventType.RETURN_IN_TRANSIT)
    assert event.actor_kind == ActorKind.INTEGRATION and event.data["tracking_number"] == "3SRET1"
    received = receive(api, request.number, all_of(request))
    assert received.status_code == 200 and received.data["status"] == "refunded"
    late = api.post(f"/api/v1/returns/{request.number}/in-transit/", body, format="json")
    assert late.status_code == 409 and late.data["code"] == "return_status"
    long = api.post(f"/api/v1/returns/{request.number}/in-transit/", {"carrier": "x" * 101}, format="json")
    assert long.status_code == 400 and "carrier" in long.data["fields"]


def test_returns_are_read_with_returns_write_or_orders_read_and_written_with_returns_write_only(catalog):
    request = approved((MUG, 1, "changed_mind"))
    warehouse, reader = client_with(Scope.RETURNS_WRITE), client_with(Scope.ORDERS_READ)
    shipper = client_with(Scope.FULFILLMENTS_WRITE, Scope.ORDERS_WRITE)
    for client in (warehouse, reader):
        assert client.get("/api/v1/returns/").status_code == 200
        assert client.get(f"/api/v1/returns/{request.number}/").status_code == 200
    refused = shipper.get("/api/v1/returns/")
    assert refused.status_code == 403 and "returns:write or orders:read" in refused.data["message"]
    assert refused.data["code"] == "missing_scope"
    for client in (reader, shipper):
        denied = receive(client, request.number, all_of(request))
        assert denied.status_code == 403 and "returns:write" in denied.data["message"]
        transit = client.post(f"/api/v1/returns/{request.number}/in-transit/", {}, format="json")
        assert transit.status_code == 403
    request.refresh_from_db()
    assert request.status == ReturnStatus.APPROVED
    assert warehouse.get("/api/v1/orders/").status_code == 403  # returns:write reads no orders
    assert receive(warehouse, request.number, all_of(request)).status_code == 200


def test_a_key_over_its_rate_gets_429_on_returns_too(catalog):
    client = client_with(Scope.RETURNS_WRITE, rate=2)
    assert [client.get("/api/v1/returns/").status_code for _ in range(3)] == [200, 200, 429]
    assert int(client.post("/api/v1/returns/R1-1/receive/", {}, format="json")["Retry-After"]) > 0


def test_the_order_shows_its_return_status(api):
    order = delivered([(MUG, 1)], paid="card")
    assert api.get(f"/api/v1/orders/{order.number}/").data["return_status"] == ""
    ask(order, (MUG, 1, "changed_mind"))
    assert api.get(f"/api/v1/orders/{order.number}/").data["return_status"] == "requested"
    listed = api.get("/api/v1/orders/").data["results"]
    assert [o["return_status"] for o in listed if o["number"] == order.number] == ["requested"]


def test_the_schema_documents_the_returns_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/returns/", "get"),
        ("/api/v1/returns/{number}/", "get"),
        ("/api/v1/returns/{number}/receive/", "post"),
        ("/api/v1/returns/{number}/in-transit/", "post"),
    ]:
        assert method in paths[path], path
    assert set(paths["/api/v1/returns/{number}/receive/"]["post"]["responses"]) == {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "415",
        "422",
        "429",
    }
    components = schema["components"]["schemas"]
    assert {"lines", "refund_amount", "tracking_number", "approved_at"} <= set(components["ReturnOut"]["properties"])
    assert "exchange_for" in components["ReturnLineOut"]["properties"]
    assert "return_status" in components["OrderOut"]["properties"]
    assert "return_status" in components["OrderDetail"]["properties"]
    assert "return_status" in components["OrderSummary"]["properties"]
