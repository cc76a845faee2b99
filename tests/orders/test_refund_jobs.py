"""Refunds through a real RQ worker, real Redis and the test gateway's own books."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal as D

import django_rq
import psutil
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from core import queues
from editing import services as editing
from editing.models import EditPolicy
from editing.sweeper import sweep
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import ActorKind, EventType, FinancialStatus, TransactionKind, TransactionStatus
from orders.errors import OrderError
from orders.gateway import TestGateway
from orders.models import Order, OrderEvent, Transaction
from orders.services import refunds
from orders.services.refunds import enqueue_refund
from tests.conftest import ROOT, worker_env
from tests.editing.conftest import place
from tests.editing.test_services import MUG, SOCKS, SWEATER_M, TEE, line

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def manager(catalog):
    return User.objects.create_superuser("manager@shop.example", "pw-not-used-here")


@pytest.fixture
def retries(settings):
    """Retries without waiting: the queueing side (this process) and the worker side (its env) agree."""

    def configure(max_attempts: int = 5) -> dict:
        settings.REFUND_RETRY_INTERVALS, settings.REFUND_MAX_ATTEMPTS = [0], max_attempts
        return {"REFUND_RETRY_INTERVALS": "0", "REFUND_MAX_ATTEMPTS": str(max_attempts)}

    return configure


def gateway_refunds() -> list[dict]:
    return [op for op in TestGateway().operations() if op["kind"] == "refund"]


def refunds_of(order) -> list[Transaction]:
    return list(Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).order_by("pk"))


def test_a_refund_job_run_twice_refunds_once(run_worker, manager):
    order = place([(SWEATER_M, 1), (TEE, 1)], paid="card")
    refunds.issue_refund(order=order, amount=D("20.00"), reason="Scratched", with_return=False, actor=manager)
    (refund,) = refunds_of(order)
    enqueue_refund(refund.pk)  # a second job for the same row (a retry, a sweeper, a double click)
    run_worker()
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == TransactionStatus.SUCCESS and refund.gateway_reference.startswith("re_")
    assert [op["amount"] for op in gateway_refunds()] == ["20.00"]
    assert order.refunded_total == D("20.00") and order.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert OrderEvent.objects.filter(order=order, type=EventType.REFUND_RECORDED).count() == 1
    assert Message.objects.filter(kind=MessageKind.REFUND_ISSUED, recipient=order.email).count() == 1


def test_three_transient_failures_then_success_refunds_once(run_worker, retries, catalog):
    env = retries()
    order = place([(TEE, 2), (SOCKS, 2)], paid="card")
    TestGateway().fail_next(3)
    editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    run_worker(extra_env=env)
    (refund,) = refunds_of(order)
    order.refresh_from_db()
    assert refund.status == TransactionStatus.SUCCESS and refund.attempts == 4
    assert len(gateway_refunds()) == 1 and order.refunded_total == order.captured_total
    assert order.financial_status == FinancialStatus.REFUNDED


def test_a_refund_the_gateway_keeps_failing_is_marked_failed_and_the_merchant_alerted(run_worker, retries, catalog):
    env = retries(max_attempts=3)
    order = place([(MUG, 2)], paid="card")
    TestGateway().fail_next(10)
    editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    run_worker(extra_env=env)
    (refund,) = refunds_of(order)
    assert refund.status == TransactionStatus.FAILED and refund.attempts == 3 and "busy" in refund.error
    assert gateway_refunds() == []
    alert = Message.objects.get(kind=MessageKind.MERCHANT_REFUND_FAILED)
    assert alert.recipient == "alerts@shop.example" and f"#{order.number}" in alert.subject
    assert OrderEvent.objects.filter(order=order, type=EventType.REFUND_FAILED).count() == 1


def test_a_refund_tried_once_is_queued_without_a_retry(retries):
    # RQ refuses Retry(max=0): REFUND_MAX_ATTEMPTS=1 used to make queueing every refund job fail.
    retries(max_attempts=1)
    enqueue_refund(1)
    retries(max_attempts=3)
    enqueue_refund(2)
    once, thrice = queues.get_queue("default").jobs
    assert once.args == (1,) and once.retries_left is None
    assert thrice.args == (2,) and thrice.retries_left == 2 and thrice.retry_intervals == [0]


def test_staff_retry_a_failed_refund_with_a_new_key(run_worker, retries, manager):
    env = retries(max_attempts=2)
    order = place([(MUG, 2)], paid="card")
    TestGateway().fail_next(10)
    editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    run_worker(extra_env=env)
    (refund,) = refunds_of(order)
    assert refund.status == TransactionStatus.FAILED
    TestGateway().fail_next(0)
    refunds.retry_refund(refund=refund, actor=manager)
    with pytest.raises(OrderError):
        refunds.retry_refund(refund=refund, actor=manager)  # not failed any more
    run_worker()
    refund.refresh_from_db()
    assert refund.status == TransactionStatus.SUCCESS and refund.gateway_key.endswith("-retry1")
    assert [op["key"] for op in gateway_refunds()] == [refund.gateway_key]


def test_a_payment_taken_outside_the_gateway_fails_to_refund_with_a_reason(run_worker, catalog):
    order = place([(MUG, 1)], paid=True)  # recorded by hand ("manual")
    editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    run_worker()
    (refund,) = refunds_of(order)
    assert refund.status == TransactionStatus.FAILED and "refund it where it was taken" in refund.error
    assert gateway_refunds() == []


def test_a_worker_killed_mid_refund_is_finished_by_the_sweeper_once(run_worker, manager):
    order = place([(SWEATER_M, 1)], paid="card")
    refunds.issue_refund(order=order, amount=D("30.00"), reason="Late", with_return=False, actor=manager)
    # The queued job runs in a worker that dies right after the gateway refunded (before we recorded it).
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "default", "--burst"],
        cwd=ROOT,
        env=worker_env({"TEST_GATEWAY_DELAY": "30"}),
    )
    try:
        deadline = time.monotonic() + 30
        while not gateway_refunds() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(gateway_refunds()) == 1, "the gateway never saw the refund"
    finally:
        # The worker and its work-horse (RQ runs each job in a child in its own process group).
        for process in [*psutil.Process(worker.pid).children(recursive=True), psutil.Process(worker.pid)]:
            process.kill()
        worker.wait()
    (refund,) = refunds_of(order)
    assert refund.status == TransactionStatus.PENDING  # money moved, our books don't know yet
    # Its job is still "started", with a fresh heartbeat: the sweeper can't yet tell it from a slow one.
    assert sweep(stale_after_seconds=0)["refunds_requeued"] == 0
    assert sweep(stale_after_seconds=0, now=timezone.now() + timedelta(minutes=2))["refunds_requeued"] == 1
    run_worker()
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == TransactionStatus.SUCCESS and len(gateway_refunds()) == 1
    assert order.refunded_total == D("30.00")
    assert sweep(stale_after_seconds=0)["refunds_requeued"] == 0


def test_a_payment_is_refunded_after_the_app_redis_database_was_flushed(run_worker, manager):
    order = place([(SWEATER_M, 1)], paid="card")
    django_rq.get_connection("default").flushdb()  # an operator's FLUSHDB of the app's cache and queues
    refunds.issue_refund(order=order, amount=D("30.00"), reason="Late", with_return=False, actor=manager)
    run_worker()
    (refund,) = refunds_of(order)
    assert refund.status == TransactionStatus.SUCCESS, refund.error
    assert [op["kind"] for op in TestGateway().operations()] == ["charge", "refund"]


def test_concurrent_staff_and_automatic_refunds_cannot_over_refund(run_worker, manager):
    order = place([(SWEATER_M, 1), (TEE, 1)], paid="card")  # 118.00
    barrier, errors = threading.Barrier(2), []

    def run(action):
        try:
            barrier.wait()
            action()
        except OrderError as error:
            errors.append(error.code)
        finally:
            connection.close()

    staff = threading.Thread(
        target=run,
        args=(
            lambda: refunds.issue_refund(
                order=Order.objects.get(pk=order.pk),
                amount=D("100.00"),
                reason="Goodwill",
                with_return=False,
                actor=manager,
            ),
        ),
    )
    shopper = threading.Thread(
        target=run,
        args=(
            lambda: editing.cancel_order(
                order=Order.objects.get(pk=order.pk), actor_kind=ActorKind.CUSTOMER, actor=order.customer
            ),
        ),
    )
    staff.start(), shopper.start()
    staff.join(), shopper.join()
    assert set(errors) <= {"over_refund"}
    held = [r for r in refunds_of(order) if r.status in refunds.HOLDING_STATUSES]
    assert held and sum(r.amount for r in held) <= order.captured_total
    run_worker()
    order.refresh_from_db()
    assert order.refunded_total <= order.captured_total
    assert sum(D(op["amount"]) for op in gateway_refunds()) == order.refunded_total


def test_refunds_awaiting_approval_go_out_when_staff_approve(run_worker, manager):
    EditPolicy.objects.update(refund_automatically=False)
    order = place([(SWEATER_M, 1), (MUG, 1)], paid="card")
    result = editing.commit_edit(
        session_id=_staged_removal(order, MUG).pk, actor_kind=ActorKind.CUSTOMER, actor=order.customer
    )
    (refund,) = result.settlement.refunds
    assert Message.objects.filter(kind=MessageKind.MERCHANT_REFUND_AWAITING_APPROVAL).count() == 1
    run_worker()
    refund.refresh_from_db()
    assert refund.status == TransactionStatus.AWAITING_APPROVAL and gateway_refunds() == []
    refunds.approve_refund(refund=refund, actor=manager)
    run_worker()
    refund.refresh_from_db()
    assert refund.status == TransactionStatus.SUCCESS and len(gateway_refunds()) == 1


def _staged_removal(order, code):
    session = editing.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    return editing.stage_quantity(session_id=session.pk, line_id=line(order, code).pk, quantity=0)
