from datetime import timedelta

import django_rq
import pytest
import time_machine
from django.utils import timezone

from orders.constants import EventType
from orders.jobs import release_expired_holds
from orders.models import Order
from orders.services import record_payment, release_fulfillment_holds
from tests.factories import StoreSettingsFactory, place_test_order


def paid(order: Order) -> Order:
    record_payment(order=order, amount=order.total, idempotency_key=f"pay-{order.number}")
    order.refresh_from_db()
    return order


@pytest.mark.django_db
def test_holds_release_when_the_edit_window_closes_once():
    StoreSettingsFactory(edit_window_minutes=30)
    order = paid(place_test_order())
    version = order.version
    assert order.on_fulfillment_hold
    assert release_fulfillment_holds() == 0  # window still open
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert release_expired_holds() == 1
        assert release_fulfillment_holds() == 0  # already released
    order.refresh_from_db()
    assert not order.on_fulfillment_hold and order.version == version + 1
    assert order.events.filter(type=EventType.RELEASED_FOR_FULFILLMENT, customer_visible=False).count() == 1


@pytest.mark.django_db
def test_unlimited_window_keeps_no_hold():
    StoreSettingsFactory(edit_window_minutes=None)
    order = place_test_order()
    # With no time limit the warehouse can't wait for the window, so nothing is held.
    assert order.edit_window_ends_at is None and not order.on_fulfillment_hold


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_cron_job_runs_on_a_real_worker(run_worker):
    StoreSettingsFactory(edit_window_minutes=3)
    order = paid(place_test_order(placed_at=timezone.now() - timedelta(minutes=10)))
    Order.objects.filter(pk=order.pk).update(on_fulfillment_hold=True)
    django_rq.get_queue("default").enqueue(release_expired_holds)
    run_worker(queues=("default",))
    order.refresh_from_db()
    assert not order.on_fulfillment_hold


def test_cron_config_registers_the_periodic_jobs():
    import importlib

    from rq import cron

    cron._job_data_registry.clear()
    importlib.reload(importlib.import_module("config.cron"))
    names = {job["name"] for job in cron._job_data_registry}
    assert names == {
        "release-expired-holds",
        "sweep-outbox",
        "sweep",
        "dispatch-webhooks",
        "purge-secret-messages",
        "prune-staff-sign-in-attempts",
    }
