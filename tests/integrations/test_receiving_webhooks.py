"""The receiver's guide in docs/api.md, run as written against real deliveries; a delivery is posted once."""

import subprocess
import threading
import time

import pytest

from integrations import services
from integrations.constants import DeliveryStatus, WebhookEvent
from integrations.models import WebhookDelivery, WebhookEndpoint
from orders.models import OrderEvent
from tests.editing.conftest import place
from tests.editing.test_services import MUG
from tests.integrations.snippets import snippet
from tests.integrations.test_webhooks import Receiver

BASH = "/bin/bash"  # the snippets are bash, as a reader's shell runs them
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]
SECRET = "whsec_guide"


@pytest.fixture
def delivered():
    """One real delivery of order.created, posted by ``services.deliver`` to a receiver on loopback."""
    hooks = Receiver()
    WebhookEndpoint.objects.create(url=hooks.url, secret=SECRET, events=[WebhookEvent.ORDER_CREATED])
    place([(MUG, 1)])
    services.create_deliveries(list(OrderEvent.objects.all()))
    delivery = WebhookDelivery.objects.get()
    assert services.deliver(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED
    yield hooks
    hooks.close()


def guide() -> dict:
    namespace: dict = {}
    exec(snippet("docs/api.md", "tested: verify-python"), namespace)  # noqa: S102 - our own docs' code
    return namespace


def test_the_python_snippet_accepts_a_real_delivery_and_refuses_forgeries_and_old_ones(delivered):
    verify_webhook, receive = guide()["verify_webhook"], guide()["receive"]
    ((headers, body),) = delivered.requests
    signature = headers["X-Aftersale-Signature"]
    assert verify_webhook(SECRET, signature, body)
    assert not verify_webhook("whsec_other", signature, body)
    assert not verify_webhook(SECRET, signature, body.replace(b'"order.created"', b'"order.cancelled"'))
    signed_at = int(signature.split(",")[0].removeprefix("t="))
    assert verify_webhook(SECRET, signature, body, now=signed_at + 300)
    assert not verify_webhook(SECRET, signature, body, now=signed_at + 301)  # a replay after 5 minutes
    assert not verify_webhook(SECRET, "v1=abc", body) and not verify_webhook(SECRET, "t=x,v1=abc", body)
    # Its receive(): a forged body is a 400; the same delivery twice is taken once.
    namespace = guide()
    receive = namespace["receive"]
    assert receive(SECRET, headers, body + b" ") == 400
    assert receive(SECRET, headers, body) == 200 and receive(SECRET, headers, body) == 200
    assert namespace["processed"] == {headers["X-Aftersale-Delivery"]}


def test_the_shell_snippet_says_valid_for_a_real_delivery_and_nothing_for_a_forgery(delivered, tmp_path):
    ((headers, body),) = delivered.requests
    env = {"SIG": headers["X-Aftersale-Signature"], "SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    command = snippet("docs/api.md", "tested: verify-shell")
    (tmp_path / "body.json").write_bytes(body)
    checked = subprocess.run([BASH, "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert checked.stdout.strip() == "valid", checked.stderr
    (tmp_path / "body.json").write_bytes(body.replace(b"order.created", b"order.cancelled"))
    forged = subprocess.run([BASH, "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert forged.stdout.strip() == ""


def test_deliveries_carry_the_event_id_and_a_stable_delivery_id(delivered):
    ((headers, body),) = delivered.requests
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Aftersale-Delivery"] == str(delivery.pk)
    assert headers["X-Aftersale-Event-Id"] == delivery.payload["id"] == f"evt_{delivery.order_event_id}"


def test_two_jobs_for_one_delivery_post_it_once_and_a_delivered_one_never_again():
    slow = Receiver()
    original = slow.server.RequestHandlerClass.do_POST

    def do_post(handler):  # a receiver that takes its time: the second job arrives while the first is posting
        time.sleep(0.5)
        original(handler)

    slow.server.RequestHandlerClass.do_POST = do_post
    WebhookEndpoint.objects.create(url=slow.url, secret=SECRET, events=[WebhookEvent.ORDER_CREATED])
    place([(MUG, 1)])
    services.create_deliveries(list(OrderEvent.objects.all()))
    delivery = WebhookDelivery.objects.get()
    results, barrier = [], threading.Barrier(2)

    def job():
        barrier.wait()
        results.append(services.deliver(delivery_id=delivery.pk))

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["in-flight", DeliveryStatus.SUCCEEDED] and len(slow.requests) == 1
    # Delivered: another job, or the admin's re-send, posts nothing.
    assert services.deliver(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED
    assert services.resend(delivery=delivery) is False
    assert len(slow.requests) == 1 and WebhookDelivery.objects.get().attempts[-1]["status"] == 200
    slow.close()


def test_a_job_that_died_mid_post_lets_the_delivery_go_when_its_lease_passes():
    import time_machine
    from django.utils import timezone

    hooks = Receiver()
    WebhookEndpoint.objects.create(url=hooks.url, secret=SECRET, events=[WebhookEvent.ORDER_CREATED])
    place([(MUG, 1)])
    services.create_deliveries(list(OrderEvent.objects.all()))
    delivery = WebhookDelivery.objects.get()
    assert isinstance(services._claim(delivery.pk), WebhookDelivery)  # claimed, then the job is killed
    assert services.deliver(delivery_id=delivery.pk) == "in-flight" and not hooks.requests
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=1)):
        assert services.deliver(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED
    assert len(hooks.requests) == 1
    hooks.close()
