"""Returns under simultaneous writers, against the real database: a warehouse (or two) receiving the same return
at once through the integration API on a multi-worker server refunds and restocks once; shoppers asking back the
same units at once get one return."""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlsplit

import pytest
from django.db import connection

from integrations.constants import Scope
from integrations.services import create_api_key
from orders.constants import EventType, ReturnStatus, TransactionKind
from orders.models import OrderEvent, Transaction
from returns import services as returns
from returns.errors import ReturnError
from returns.models import ReturnPolicy, ReturnRequest
from tests.editing.conftest import sku
from tests.returns.helpers import MUG, ask, delivered, ensure_reasons

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def reasons(transactional_db):
    ensure_reasons()
    ReturnPolicy.load()  # the policy row exists before the writers race (load() makes it on first use)


def post(base: str, path: str, body: dict, headers: dict) -> tuple[int, dict]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def at_once(count: int, task) -> list:
    """``task(i)`` in ``count`` threads released together; their results (or the exceptions they raised)."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = task(index)
        except Exception as error:  # the test reads what each writer met
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.parametrize("writers", [2, 4])
def test_simultaneous_receipts_through_the_api_refund_and_restock_once(reasons, multi_worker_server, writers):
    order = delivered([(MUG, 3)], paid="card")
    request = returns.approve_return(request=ask(order, (MUG, 2, "changed_mind")), actor=None)
    stock = sku(MUG).stock
    _key, raw = create_api_key(name="Warehouse", scopes=[Scope.RETURNS_WRITE])
    body = {"lines": [{"id": request.lines.get().pk, "quantity": 2, "condition": "resellable"}]}

    answers = at_once(
        writers,
        lambda i: post(
            multi_worker_server,
            f"/api/v1/returns/{request.number}/receive/",
            body,
            {"Authorization": f"Bearer {raw}", "Idempotency-Key": f"dock-{i}"},
        ),
    )

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] + [409] * (writers - 1), answers
    assert all(body["code"] == "return_status" for status, body in answers if status == 409), answers
    request.refresh_from_db()
    assert request.status == ReturnStatus.REFUNDED and request.refund_amount > 0
    refunds = Transaction.objects.filter(order=order, kind=TransactionKind.REFUND)
    assert [refund.amount for refund in refunds] == [request.refund_amount]
    assert sku(MUG).stock == stock + 2
    assert request.lines.get().restocked_quantity == 2
    assert OrderEvent.objects.filter(order=order, type=EventType.RETURN_RECEIVED).count() == 1
    assert OrderEvent.objects.filter(order=order, type=EventType.RETURN_REFUNDED).count() == 1


@pytest.mark.parametrize(
    "writers, asked, succeed",
    [
        (4, 2, 1),  # each asks both delivered mugs back: one return
        (3, 1, 2),  # each asks one of two: two returns, the third finds none left
    ],
)
def test_simultaneous_requests_for_the_same_units_make_only_what_was_delivered(reasons, writers, asked, succeed):
    order = delivered([(MUG, 2)], paid="card")

    results = at_once(writers, lambda _i: ask(order, (MUG, asked, "changed_mind")))

    made = [result for result in results if isinstance(result, ReturnRequest)]
    refused = [result for result in results if isinstance(result, ReturnError)]
    assert (len(made), len(refused)) == (succeed, writers - succeed), results
    # Refused as a later request is: the units asked exceed what is left, or nothing is left at all.
    assert {error.code for error in refused} <= {"invalid_lines", "not_returnable"}, refused
    assert order.returns.count() == succeed
    assert sorted(r.number for r in order.returns.all()) == [f"R{order.number}-{n}" for n in range(1, succeed + 1)]
    assert sum(r.lines.get().quantity for r in order.returns.all()) == asked * succeed <= 2
