"""Redis stopped, frozen or restarted around page loads, sign-in and an edit commit: pages keep rendering
from PostgreSQL, sign-in pauses with a 503 (never guesses unchecked), committed work never answers 500,
and nothing cached before the outage is served stale after it."""

from __future__ import annotations

import copy
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import timezone

from core import redis_cache, redis_outage
from core.redis_outage import circuit
from editing.sweeper import sweep
from notifications.constants import MessageKind, MessageStatus
from notifications.models import Message
from notifications.services import notify
from orders.models import Order
from storefront.models import StoreSettings
from tests.accounts.conftest import request_code
from tests.editing.conftest import place

SOCKS, MUG = "WOOL-SOCKS-M-GREY", "CERAMIC-MUG-WHITE"
# Calls run in a thread of their own (to fail, not hang, on a frozen Redis): rows must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]


@pytest.fixture
def app_redis(settings, own_redis, monkeypatch):
    """Every Redis use of this process (caches, sessions' copies, queues) pointed at the test's own server."""
    conf = copy.deepcopy(settings.CACHES)
    for alias in ("default", "sessions", "shared"):
        conf[alias]["LOCATION"] = own_redis.url
    settings.CACHES = conf
    settings.RQ_QUEUES = {name: {**queue, "URL": own_redis.url} for name, queue in settings.RQ_QUEUES.items()}
    monkeypatch.setattr(redis_outage, "OPEN_SECONDS", 1.0)
    circuit.reset()
    redis_cache._owed.clear()
    caches["process"].clear()
    yield own_redis
    own_redis.resume()
    circuit.reset()
    redis_cache._owed.clear()


def timed(call, limit: float):
    """``call()``'s result, failing (not hanging) if it takes longer than ``limit`` seconds."""
    outcome: dict = {}

    def run():
        started = time.monotonic()
        try:
            outcome["value"] = call()
        except Exception as error:  # re-raised below, in the test's thread
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started
        connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit + 30)
    assert "seconds" in outcome, "still waiting on Redis"
    if "error" in outcome:
        raise outcome["error"]
    assert outcome["seconds"] < limit, f"took {outcome['seconds']:.1f} s"
    return outcome["value"]


def signed_in(order) -> Client:
    client = Client()
    client.force_login(order.customer)
    return client


def pages_answer(client: Client, order, *, limit: float) -> None:
    for url in ("/store/account/orders/", f"/store/account/orders/{order.number}/", "/store/products/"):
        response = timed(lambda url=url: client.get(url), limit)
        assert response.status_code == 200, url
    assert f"#{order.number}" in client.get("/store/account/orders/").content.decode()
    assert timed(lambda: Client().get("/store/account/login/"), limit).status_code == 200


def test_pages_render_from_postgresql_while_redis_is_down(app_redis):
    order = place([(SOCKS, 1)])
    client = signed_in(order)
    assert client.get(f"/store/account/orders/{order.number}/").status_code == 200  # caches filled
    app_redis.stop()
    pages_answer(client, order, limit=3.0)
    assert circuit.counts["failed"] >= 1 and circuit.counts["skipped"] >= 1
    started = time.monotonic()
    pages_answer(client, order, limit=1.0)  # the circuit is open: no request waits on Redis again
    assert time.monotonic() - started < 3.0
    app_redis.start()
    time.sleep(redis_outage.OPEN_SECONDS)
    pages_answer(client, order, limit=1.0)
    assert app_redis.client().dbsize() > 0, "caching resumes once Redis answers"


def test_a_frozen_redis_costs_a_request_one_short_timeout_not_thirty_seconds(app_redis):
    order = place([(SOCKS, 1)])
    client = signed_in(order)
    client.get("/store/account/orders/")
    app_redis.pause()
    pages_answer(client, order, limit=3.0)
    app_redis.resume()


def test_sign_in_pauses_with_a_503_while_redis_is_down_and_checks_no_code(app_redis):
    order = place([(SOCKS, 1)], email="sam@example.com")
    client = Client()
    assert request_code(client, order.customer.email).status_code == 302
    app_redis.stop()
    sent = Message.objects.count()
    for attempt in (
        lambda: request_code(Client(), order.customer.email),
        lambda: client.post("/store/account/login/code/", {"code": "000000"}),
    ):
        response = timed(attempt, 3.0)
        assert response.status_code == 503 and response["Retry-After"] == "30"
        assert "paused for a moment" in response.content.decode()
    assert Message.objects.count() == sent, "no code was emailed while limits could not be counted"
    app_redis.start()
    time.sleep(redis_outage.OPEN_SECONDS)
    assert request_code(Client(), order.customer.email).status_code == 302


def test_an_edit_committed_while_redis_is_down_answers_as_usual_and_the_sweeper_queues_its_mail(app_redis):
    order = place([(SOCKS, 1), (MUG, 1)])
    client = signed_in(order)
    url = f"/store/account/orders/{order.number}/edit/"
    socks = order.lines.get(sku=SOCKS)
    client.post(url, {"action": "quantity", "line_id": socks.pk, "quantity": 3})
    session = client.get(url).context["session"]
    before = timezone.now()
    app_redis.stop()  # gone after staging: the commit's after-commit enqueue is what fails
    response = timed(
        lambda: client.post(url, {"action": "confirm", "session": session.pk, "version": session.base_content_version}),
        3.0,
    )
    assert response.status_code == 302 and response["Location"] == f"/store/account/orders/{order.number}/"
    assert Order.objects.get(pk=order.pk).version == order.version + 1
    waiting = Message.objects.filter(status=MessageStatus.QUEUED, created_at__gte=before)
    assert waiting.count() >= 1
    assert client.get(response["Location"]).status_code == 200
    app_redis.start()
    time.sleep(redis_outage.OPEN_SECONDS)
    later = timezone.now() + timedelta(minutes=3)
    assert sweep(now=later)["messages_requeued"] == waiting.count()
    assert sweep(now=later)["messages_requeued"] == 0, "a job still queued is not queued twice"
    queued = app_redis.client().lrange("rq:queue:notifications", 0, -1)
    assert sorted(queued) == sorted(f"send-message-{pk}".encode() for pk in waiting.values_list("pk", flat=True))


def test_a_write_while_redis_is_frozen_is_not_served_stale_after(app_redis, monkeypatch):
    monkeypatch.setattr(redis_outage, "OPEN_SECONDS", 3.0)
    StoreSettings.objects.update(name="Before")
    assert StoreSettings.cached().name == "Before"  # now in Redis and in this process
    app_redis.pause()
    assert timed(lambda: caches["shared"].get("anything"), 3.0) is None  # a read notices: the circuit opens
    row = StoreSettings.load()
    row.name = "After"
    timed(row.save, 1.0)  # the delete of Redis's copy is skipped (circuit open); Redis still holds "Before"
    assert StoreSettings.cached().name == "After"  # this process forgot its own copy at once
    app_redis.resume()
    time.sleep(redis_outage.OPEN_SECONDS)
    caches["process"].clear()  # as another process would: nothing of its own, straight to Redis
    assert StoreSettings.cached().name == "After"


def test_a_message_queued_outside_a_transaction_while_redis_is_down_is_kept_for_the_sweeper(app_redis):
    app_redis.stop()
    message = timed(
        lambda: notify(
            kind=MessageKind.ORDER_CONFIRMATION,
            recipient="sam@example.com",
            language="en",
            context={"order_number": 1042, "currency": "EUR", "total": "54.10", "lines": []},
        ),
        3.0,
    )
    assert Message.objects.get(pk=message.pk).status == MessageStatus.QUEUED  # committed; no job yet
    app_redis.start()
    time.sleep(redis_outage.OPEN_SECONDS)
    assert sweep(now=timezone.now() + timedelta(minutes=3))["messages_requeued"] == 1
    assert app_redis.client().lrange("rq:queue:notifications", 0, -1) == [f"send-message-{message.pk}".encode()]
