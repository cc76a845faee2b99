"""Issue 17: bookkeeping (a refund landing, a payment recorded, store credit, a parcel's progress) does not
conflict with an edit staged before it; a change to the order itself (its lines, address, shipments, what
it costs, its risk) still does. Page renders stay keyed by ``Order.version``, which moves with both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.money import format_money
from editing import services as editing
from editing import settlement as edit_settlement
from editing.errors import EditConflict
from orders import services
from orders.constants import ActorKind, DeliveryState, FinancialStatus, TransactionKind, TransactionStatus
from orders.gateway import TestGateway
from orders.models import Order, Transaction
from tests.editing.conftest import ADDRESS_NL, place
from tests.editing.test_services import MUG, SOCKS, TEE, edit, line
from tests.orders.test_version_invariant import visible

CUSTOMER, STAFF = ActorKind.CUSTOMER, ActorKind.STAFF


def refunds_of(order: Order) -> list[Transaction]:
    return list(Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).order_by("pk"))


def summary(order: Order) -> dict[str, str]:
    """The order page's figures as it prints them (orders/_order_body.html)."""
    return {
        "total": f'<dt class="grand">Total</dt><dd class="grand">{format_money(order.total, order.currency)}</dd>',
        "refunded": f'<dt>Refunded</dt><dd data-money="refunded">−{format_money(order.refunded_total, order.currency)}</dd>',
    }


# --- the real worker ---------------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_refund_landing_in_the_worker_does_not_stop_the_next_edit(run_worker, client, catalog):
    order = place([(TEE, 1), (SOCKS, 2)], paid="card")
    # The shopper's first edit lowers the total: its refund waits for the worker.
    first = edit(order, (editing.stage_quantity, {"line_id": line(order, SOCKS).pk, "quantity": 1}))
    (refund,) = first.settlement.refunds
    assert refund.status == TransactionStatus.PENDING
    # Right after, they start another edit through the API and stage a second lowering.
    client.force_login(order.customer)
    edits = f"/api/v1/me/orders/{order.number}/edits"
    begun = client.post(f"{edits}/")
    assert begun.status_code == 201, begun.json()
    session_id = begun.json()["id"]
    staged = client.post(
        f"{edits}/{session_id}/changes/",
        {"type": "remove", "line_id": line(order, TEE).pk},
        content_type="application/json",
    )
    assert staged.status_code == 200, staged.json()
    preview = staged.json()
    assert D(preview["to_refund"]) > 0 and D(preview["to_pay"]) == 0
    detail = reverse("orders:detail", args=[order.number])
    assert client.get(detail).status_code == 200  # the page as it is now, cached at this version
    before = Order.objects.get(pk=order.pk)

    run_worker()  # the first refund goes through the gateway and lands on the order

    refund.refresh_from_db()
    landed = Order.objects.get(pk=order.pk)
    assert refund.status == TransactionStatus.SUCCESS
    assert landed.version > before.version and landed.refunded_total == refund.amount
    assert client.get(detail).status_code == 200  # cached again, at the refund's version
    committed = client.post(
        f"{edits}/{session_id}/commit/", {"version": preview["version"]}, content_type="application/json"
    )
    assert committed.status_code == 200, committed.json()

    after = Order.objects.get(pk=order.pk)
    assert {item.sku: item.quantity for item in after.lines.all()} == {SOCKS: 1}
    assert committed.json()["version"] == after.version > landed.version
    # Settled against the money as it is now: the landed refund is not given again, the new gap is.
    first_refund, second_refund = refunds_of(order)
    assert first_refund.pk == refund.pk and first_refund.status == TransactionStatus.SUCCESS
    assert second_refund.status == TransactionStatus.PENDING
    assert second_refund.amount == D(preview["to_refund"]) == landed.total - after.total
    assert after.refunded_total == refund.amount  # the refund shows on the order
    # The page served after the commit is this version's, not a render cached before it.
    page = client.get(detail).content.decode()
    fresh = visible(order.pk)
    assert fresh["detail page head"] in page and fresh["detail page tail"] in page
    assert summary(after)["total"] in page and summary(after)["refunded"] in page
    assert summary(landed)["total"] not in page

    run_worker()  # the second refund lands too: the shopper got back exactly what they no longer owe
    after.refresh_from_db()
    assert after.refunded_total == refund.amount + second_refund.amount
    assert after.captured_total - after.refunded_total == after.total
    assert after.financial_status == FinancialStatus.PARTIALLY_REFUNDED


# --- the edit page -------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("catalog")
def test_the_edit_page_confirms_after_a_refund_lands(client):
    order = place([(TEE, 2), (SOCKS, 2)], paid="card")
    (refund,) = edit(
        order, (editing.stage_quantity, {"line_id": line(order, TEE).pk, "quantity": 1})
    ).settlement.refunds
    client.force_login(order.customer)
    page = f"/store/account/orders/{order.number}/edit/"
    client.post(page, {"action": "quantity", "line_id": line(order, SOCKS).pk, "quantity": 1})
    form = re.search(
        r'name="session" value="(\d+)"><input type="hidden" name="version" value="(\d+)"',
        client.get(page).content.decode(),
    )
    assert form is not None
    session_id, version = form.groups()
    assert services.send_refund(refund_id=refund.pk) == TransactionStatus.SUCCESS  # lands while the page is open
    response = client.post(page, {"action": "confirm", "session": session_id, "version": version})
    assert response.status_code == 302 and response["Location"] == f"/store/account/orders/{order.number}/"
    followed = client.get(response["Location"])
    assert any("Your changes are confirmed" in str(message) for message in followed.context["messages"])
    assert line(order, SOCKS).quantity == 1


# --- what happens between stage and commit -------------------------------------------------------------------


def manager() -> User:
    email = "manager@shop.example"
    return User.objects.filter(email=email).first() or User.objects.create_superuser(email, "pw-not-used-here")


def _lowered(order: Order) -> Transaction:
    """A first edit that lowers the total; its refund is left pending (no worker runs here)."""
    (refund,) = edit(
        order, (editing.stage_quantity, {"line_id": line(order, TEE).pk, "quantity": 1})
    ).settlement.refunds
    return refund


def refund_lands(order: Order, ctx: dict) -> None:
    assert services.send_refund(refund_id=ctx["refund"].pk) == TransactionStatus.SUCCESS


def refund_fails(order: Order, ctx: dict) -> None:
    TestGateway().fail_next(1)
    with override_settings(REFUND_MAX_ATTEMPTS=1):
        assert services.send_refund(refund_id=ctx["refund"].pk) == TransactionStatus.FAILED


def payment_recorded(order: Order, ctx: dict) -> None:
    services.record_payment(order=order, amount=D("10.00"), idempotency_key=f"transfer-{order.pk}")


def store_credit_given(order: Order, ctx: dict) -> None:
    services.give_store_credit(order=order, amount=D("5.00"), reason="Sorry", actor=manager())


def parcel_moves(order: Order, ctx: dict) -> None:
    services.update_delivery_state(fulfillment=ctx["shipment"], delivery_state=DeliveryState.OUT_FOR_DELIVERY)


def backorder_reported(order: Order, ctx: dict) -> None:
    services.report_backorder(order=order, quantities={line(order, SOCKS).pk: 1})


def staff_edit_the_address(order: Order, ctx: dict) -> None:
    edit(
        order,
        (editing.stage_address, {"address": {**ADDRESS_NL, "line1": "Keizersgracht 1"}}),
        actor_kind=STAFF,
        actor=manager(),
    )


def shipment_made(order: Order, ctx: dict) -> None:
    services.record_shipment(order=order, quantities={line(order, SOCKS).pk: 1})


def staff_refund(order: Order, ctx: dict) -> None:
    services.issue_refund(order=order, amount=D("3.00"), reason="Scratched", with_return=False, actor=manager())


def goodwill_discount(order: Order, ctx: dict) -> None:
    edit_settlement.give_goodwill_discount(order=order, amount=D("3.00"), reason="Late", actor=manager())


def high_risk(order: Order, ctx: dict) -> None:
    services.review_order(order=order, tags=[], risk_level="high", actor=manager())


def hold_released(order: Order, ctx: dict) -> None:
    assert services.release_fulfillment_holds(now=timezone.now() + timedelta(minutes=61)) == 1


# (what happens in between, what the order needs first, who edits)
BOOKKEEPING: dict[str, tuple[Callable, str, str]] = {
    "refund lands": (refund_lands, "lowered", CUSTOMER),
    "refund fails": (refund_fails, "lowered", CUSTOMER),
    "payment recorded": (payment_recorded, "", CUSTOMER),
    "store credit given": (store_credit_given, "", CUSTOMER),
    "parcel moves": (parcel_moves, "mug shipped", CUSTOMER),
    "backorder reported": (backorder_reported, "", CUSTOMER),
}
CONTENT: dict[str, tuple[Callable, str, str]] = {
    "staff edit the address": (staff_edit_the_address, "", CUSTOMER),
    "shipment made": (shipment_made, "", CUSTOMER),
    "staff refund (given back)": (staff_refund, "", CUSTOMER),
    "goodwill discount": (goodwill_discount, "", CUSTOMER),
    "risk set high": (high_risk, "", CUSTOMER),
    "hold released": (hold_released, "", STAFF),
}


def _order_with(first: str) -> tuple[Order, dict]:
    order = place([(TEE, 2), (SOCKS, 2), (MUG, 1)], paid="card")
    ctx: dict = {}
    if first == "lowered":
        ctx["refund"] = _lowered(order)
    elif first == "mug shipped":
        ctx["shipment"] = services.record_shipment(order=order, quantities={line(order, MUG).pk: 1})
    order.refresh_from_db()
    return order, ctx


def _staged(order: Order, actor_kind: str):
    actor = order.customer if actor_kind == CUSTOMER else manager()
    session = editing.begin_edit(order=order, actor_kind=actor_kind, actor=actor)
    editing.stage_quantity(session_id=session.pk, line_id=line(order, SOCKS).pk, quantity=1)
    return session, actor


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("between", list(BOOKKEEPING))
def test_bookkeeping_between_stage_and_commit_keeps_the_edit(between):
    happen, first, actor_kind = BOOKKEEPING[between]
    order, ctx = _order_with(first)
    session, actor = _staged(order, actor_kind)
    happen(order, ctx)
    moved = Order.objects.get(pk=order.pk)
    in_flight = sum(refund.amount for refund in refunds_of(order) if refund.status == TransactionStatus.PENDING)
    held = moved.captured_total - moved.refunded_total - in_flight
    result = editing.commit_edit(session_id=session.pk, actor_kind=actor_kind, actor=actor)
    after = result.order
    assert line(order, SOCKS).quantity == 1 and after.version > moved.version
    # Settled with the money as it is at commit, not as it was when the edit was staged.
    assert result.settlement.refund_amount == held - after.amount_due


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("between", list(CONTENT))
def test_a_change_to_the_order_between_stage_and_commit_is_a_conflict(between):
    happen, first, actor_kind = CONTENT[between]
    order, ctx = _order_with(first)
    session, actor = _staged(order, actor_kind)
    happen(order, ctx)
    changed = Order.objects.get(pk=order.pk)
    with pytest.raises(EditConflict) as error:
        editing.commit_edit(session_id=session.pk, actor_kind=actor_kind, actor=actor)
    assert error.value.code == "version_conflict"
    assert line(order, SOCKS).quantity == 2 and Order.objects.get(pk=order.pk).version == changed.version
