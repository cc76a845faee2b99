"""Concurrent edits on real PostgreSQL: row locks and the order version keep every change or refuse it whole."""

import threading

import pytest
from django.db import connection

from accounts.models import User
from editing import services as editing
from editing.errors import EditConflict
from orders.constants import ActorKind, EventType
from orders.models import Order, OrderEvent
from storefront.models import Variant
from tests.editing.conftest import place, sku

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]
SOCKS = "WOOL-SOCKS-M-GREY"


def run_in_threads(count, work):
    """Start ``count`` threads together; each gets its own database connection. Returns results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def target(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as error:  # collected for the assertions
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def staged_session(order, quantity, actor_kind=ActorKind.CUSTOMER):
    actor = order.customer if actor_kind == ActorKind.CUSTOMER else None
    session = editing.begin_edit(order=order, actor_kind=actor_kind, actor=actor)
    editing.stage_quantity(session_id=session.pk, line_id=order.lines.get().pk, quantity=quantity)
    return session, actor


def test_two_commits_on_one_version_exactly_one_wins():
    order = place([(SOCKS, 1)])
    sessions = [staged_session(order, 2, ActorKind.CUSTOMER), staged_session(order, 3, ActorKind.STAFF)]
    kinds = [ActorKind.CUSTOMER, ActorKind.STAFF]
    results, errors = run_in_threads(
        2, lambda i: editing.commit_edit(session_id=sessions[i][0].pk, actor_kind=kinds[i], actor=sessions[i][1])
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], EditConflict)
    order.refresh_from_db()
    winner = results[0].order
    assert order.version == winner.version and order.lines.get().quantity in (2, 3)
    assert OrderEvent.objects.filter(order=order, type=EventType.EDITED).count() == 1


@pytest.mark.slow
def test_twenty_parallel_edits_lose_nothing():
    order = place([(SOCKS, 1)])
    stock_before = sku(SOCKS).stock
    agents = [User.objects.create_user(f"agent{i}@shop.example", "pw-not-used-1234", is_staff=True) for i in range(20)]

    def add_one(i):
        # An agent who hits a conflict reviews the new totals and confirms again.
        for _attempt in range(50):
            fresh = Order.objects.get(pk=order.pk)
            session = editing.begin_edit(order=fresh, actor_kind=ActorKind.STAFF, actor=agents[i])
            line = fresh.lines.get()
            try:
                editing.stage_quantity(session_id=session.pk, line_id=line.pk, quantity=line.quantity + 1)
                return editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.STAFF, actor=agents[i])
            except EditConflict:
                continue
        raise AssertionError("never committed")

    results, errors = run_in_threads(20, add_one)
    assert errors == [] and len(results) == 20
    order.refresh_from_db()
    assert order.lines.get().quantity == 21
    assert order.version == 2 + 20  # placed, paid, then 20 edits
    assert OrderEvent.objects.filter(order=order, type=EventType.EDITED).count() == 20
    assert Variant.objects.get(sku=SOCKS).stock == stock_before - 20


def test_a_shopper_and_staff_editing_at_once():
    order = place([(SOCKS, 1), ("CERAMIC-MUG-WHITE", 1)])
    socks, mug = order.lines.get(sku=SOCKS), order.lines.get(sku="CERAMIC-MUG-WHITE")
    shopper = editing.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    staff = editing.begin_edit(order=order, actor_kind=ActorKind.STAFF)
    editing.stage_quantity(session_id=shopper.pk, line_id=socks.pk, quantity=2)
    editing.stage_quantity(session_id=staff.pk, line_id=mug.pk, quantity=3)
    plan = [(shopper.pk, ActorKind.CUSTOMER, order.customer), (staff.pk, ActorKind.STAFF, None)]
    results, errors = run_in_threads(
        2, lambda i: editing.commit_edit(session_id=plan[i][0], actor_kind=plan[i][1], actor=plan[i][2])
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], EditConflict)
    order.refresh_from_db()
    quantities = {line.sku: line.quantity for line in order.lines.all()}
    assert quantities in ({SOCKS: 2, "CERAMIC-MUG-WHITE": 1}, {SOCKS: 1, "CERAMIC-MUG-WHITE": 3})
