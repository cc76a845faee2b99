"""The sweeper: idempotent, safe to run at once with itself."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from editing.sweeper import sweep
from orders import services
from orders.constants import OrderStatus
from orders.models import Order
from storefront.models import StoreSettings
from tests.editing.conftest import place
from tests.editing.test_services import MUG, TEE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]


def delivered_order():
    order = place([(MUG, 1)], paid="card")
    services.record_shipment(order=order, quantities={order.lines.get().pk: 1})
    return Order.objects.get(pk=order.pk)


def test_orders_paid_and_fulfilled_long_enough_ago_are_archived_once():
    done, open_order = delivered_order(), place([(TEE, 1)], paid="card")
    assert sweep()["orders_archived"] == 0  # fulfilled just now
    with time_machine.travel(done.updated_at + timedelta(days=31)):
        assert sweep()["orders_archived"] == 1
        assert sweep()["orders_archived"] == 0
    done.refresh_from_db(), open_order.refresh_from_db()
    assert done.status == OrderStatus.ARCHIVED and open_order.status == OrderStatus.OPEN


def test_no_auto_archive_when_the_store_turns_it_off():
    done = delivered_order()
    StoreSettings.objects.update(auto_archive_days=None)
    with time_machine.travel(done.updated_at + timedelta(days=365)):
        assert sweep()["orders_archived"] == 0


def test_sweepers_running_at_once_do_each_thing_once():
    orders = [delivered_order() for _ in range(4)]
    results, errors = [], []
    barrier = threading.Barrier(3)

    def run():
        try:
            barrier.wait()
            results.append(sweep(now=orders[-1].updated_at + timedelta(days=31)))
        except Exception as error:  # any failure fails the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sum(result["orders_archived"] for result in results) == 4
    assert Order.objects.filter(status=OrderStatus.ARCHIVED).count() == 4


def test_the_command_reports_what_it_did(capsys):
    call_command("sweep", "--stale-after", "0")
    out = capsys.readouterr().out
    assert "refunds requeued: 0" in out and "orders archived: 0" in out
