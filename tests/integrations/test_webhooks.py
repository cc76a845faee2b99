"""Outbound webhooks to real HTTP receivers on loopback, delivered by a real RQ worker."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from integrations import services
from integrations.constants import DeliveryStatus, WebhookEvent
from integrations.models import WebhookDelivery, WebhookEndpoint
from notifications.constants import MessageKind
from notifications.models import Message
from orders import services as orders
from returns import services as returns
from tests.editing.conftest import place
from tests.editing.test_services import MUG
from tests.returns.helpers import ask, delivered, ensure_reasons, receive_all

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]
SECRET = "whsec_test"


class Receiver:
    """An HTTP server on loopback that records what it gets and answers with ``status``."""

    def __init__(self, status=200):
        self.status, self.requests = status, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(status=200):
        made.append(Receiver(status))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOK_RETRY_INTERVALS = [0]
    return {"WEBHOOK_RETRY_INTERVALS": "0"}


def verify(headers: dict, body: bytes) -> bool:
    parts = dict(part.split("=", 1) for part in headers["X-Aftersale-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_signed_deliveries_of_the_events_an_endpoint_wants(receiver, run_worker):
    hooks = receiver()
    WebhookEndpoint.objects.create(
        url=hooks.url, secret=SECRET, events=[WebhookEvent.ORDER_CREATED, WebhookEvent.ORDER_CANCELLED]
    )
    order = place([(MUG, 1)], paid=True)  # placed + payment captured: only "created" is subscribed
    orders.cancel_order(order=order, actor_kind="staff")
    run_worker()
    types = [json.loads(body)["type"] for _headers, body in hooks.requests]
    assert sorted(types) == ["order.cancelled", "order.created"]
    for headers, body in hooks.requests:
        assert verify(headers, body) and headers["X-Aftersale-Event"] == json.loads(body)["type"]
        assert json.loads(body)["data"]["order"]["number"] == order.number
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 2
    # The dispatcher walking the timeline afterwards adds nothing: each event is delivered once.
    assert services.dispatch_timeline(lag_seconds=0) > 0
    run_worker()
    assert len(hooks.requests) == 2


def test_a_failing_endpoint_is_retried_then_disabled_and_the_merchant_alerted(
    receiver, run_worker, fast_retries, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS, settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3, 2
    env = {**fast_retries, "WEBHOOK_MAX_ATTEMPTS": "3", "WEBHOOK_DISABLE_AFTER_FAILURES": "2"}
    broken = receiver(status=500)
    endpoint = WebhookEndpoint.objects.create(url=broken.url, secret=SECRET, events=[WebhookEvent.ORDER_CREATED])
    place([(MUG, 1)], paid=False)
    place([(MUG, 1)], paid=False)
    run_worker(extra_env=env)
    endpoint.refresh_from_db()
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert [d.status for d in deliveries] == [DeliveryStatus.FAILED, DeliveryStatus.FAILED]
    assert [len(d.attempts) for d in deliveries] == [3, 3] and deliveries[0].attempts[0]["status"] == 500
    assert len(broken.requests) == 6 and not endpoint.is_active and endpoint.disabled_at
    alert = Message.objects.get(kind=MessageKind.MERCHANT_WEBHOOK_DISABLED)
    assert alert.recipient == "alerts@shop.example" and broken.url in alert.body_text
    # A third order isn't sent to a disabled endpoint.
    place([(MUG, 1)], paid=False)
    run_worker(extra_env=env)
    assert len(broken.requests) == 6

    # Fixed: staff re-send one from admin; it goes out and the endpoint is back on.
    broken.status = 204
    services.resend(delivery=deliveries[0])
    run_worker(extra_env=env)
    deliveries[0].refresh_from_db()
    endpoint.refresh_from_db()
    assert deliveries[0].status == DeliveryStatus.SUCCEEDED and endpoint.is_active and len(broken.requests) == 7


def test_a_receiver_that_is_down_is_logged_per_attempt(run_worker, fast_retries, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/nothing", secret=SECRET)
    place([(MUG, 1)], paid=False)
    run_worker(extra_env={**fast_retries, "WEBHOOK_MAX_ATTEMPTS": "2"})
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and len(delivery.attempts) == 2
    assert all(attempt["status"] is None and attempt["error"] for attempt in delivery.attempts)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/hooks"])
def test_only_http_urls_are_delivered_to(url, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    WebhookEndpoint.objects.create(url=url, secret=SECRET)
    place([(MUG, 1)], paid=False)
    delivery = WebhookDelivery.objects.get()
    assert services.deliver(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert [attempt["error"] for attempt in delivery.attempts] == ["Not an http(s) URL."]


def test_without_endpoints_committed_events_cost_no_query_and_a_new_endpoint_is_heard_at_once(staff_client, receiver):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.models import OrderEvent

    event = OrderEvent.objects.filter(type="placed").first() or place([(MUG, 1)], paid=False).events.get(type="placed")
    services.on_order_event(event)  # caches "no endpoint"
    with CaptureQueriesContext(connection) as queries:
        services.on_order_event(event)
    assert len(queries.captured_queries) == 0
    hooks = receiver()
    staff_client.post(
        "/admin/integrations/webhookendpoint/add/", {"url": hooks.url, "secret": SECRET, "is_active": "on"}
    )
    services.on_order_event(event)
    assert WebhookDelivery.objects.filter(order_event=event).count() == 1


RETURN_TOPICS = [
    WebhookEvent.RETURN_REQUESTED,
    WebhookEvent.RETURN_APPROVED,
    WebhookEvent.RETURN_RECEIVED,
    WebhookEvent.RETURN_REFUNDED,
]


def test_each_step_of_a_return_is_one_signed_delivery_with_the_return_and_its_order(receiver, run_worker):
    ensure_reasons()
    hooks = receiver()
    WebhookEndpoint.objects.create(url=hooks.url, secret=SECRET, events=RETURN_TOPICS)
    order = delivered([(MUG, 2)], paid="card")
    request = ask(order, (MUG, 1, "changed_mind"))
    returns.approve_return(request=request, actor=None)
    request = receive_all(request)  # received, and refunded in the same step
    run_worker()

    deliveries = WebhookDelivery.objects.order_by("pk")
    assert [d.event for d in deliveries] == RETURN_TOPICS  # one each, in the order they happened
    assert all(d.status == DeliveryStatus.SUCCEEDED for d in deliveries)
    bodies = {json.loads(body)["type"]: (headers, json.loads(body)) for headers, body in hooks.requests}
    assert sorted(bodies) == sorted(RETURN_TOPICS) and len(hooks.requests) == 4
    statuses = {}
    for topic, (headers, body) in bodies.items():
        raw = next(raw for h, raw in hooks.requests if h["X-Aftersale-Delivery"] == headers["X-Aftersale-Delivery"])
        assert verify(headers, raw) and headers["X-Aftersale-Event"] == topic
        data = body["data"]
        assert data["order"]["number"] == order.number
        assert data["event"]["number"] == request.number and data["event"]["return"] == request.pk
        returned = data["return"]
        assert (returned["number"], returned["order"]) == (request.number, order.number)
        assert [(ln["sku"], ln["quantity"], ln["reason"]) for ln in returned["lines"]] == [(MUG, 1, "changed_mind")]
        statuses[topic] = (returned["status"], data["order"]["return_status"])
    # Each is made right after its step commits: the return as that step left it.
    assert statuses == {
        "return.requested": ("requested", "requested"),
        "return.approved": ("approved", "approved"),
        "return.received": ("refunded", "refunded"),
        "return.refunded": ("refunded", "refunded"),
    }
    refunded = bodies["return.refunded"][1]["data"]
    assert refunded["return"]["refund_amount"] == str(request.refund_amount) != "0.00"
    assert refunded["event"]["refund"] == str(request.refund_amount)
    assert bodies["return.received"][1]["data"]["event"]["items"][0]["condition"] == "resellable"

    # The dispatcher walking the timeline afterwards adds nothing.
    services.dispatch_timeline(lag_seconds=0)
    run_worker()
    assert WebhookDelivery.objects.count() == 4 and len(hooks.requests) == 4
