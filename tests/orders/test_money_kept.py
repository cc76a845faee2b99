"""Money the store decides to keep (a declined refund, a cancellation without a refund) is kept, not owed:
the shopper's page says "Kept by the store" and never "Owed to you", a later change never refunds it, and
money staff give back afterwards comes out of it first."""

from decimal import Decimal as D

import pytest

from accounts.models import User
from editing import services as editing
from editing.models import EditPolicy
from orders import services
from orders.constants import ActorKind, EventType, TransactionKind, TransactionStatus
from orders.models import Order
from tests.editing.conftest import place

pytestmark = pytest.mark.usefixtures("catalog")
MUG = "CERAMIC-MUG-WHITE"


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("staff-kept@example.com", "pw-kept-1")


@pytest.fixture
def refunds_need_approval(db):
    EditPolicy.objects.update(refund_automatically=False)


def awaiting(order: Order):
    return order.transactions.get(kind=TransactionKind.REFUND, status=TransactionStatus.AWAITING_APPROVAL)


def page(client, order: Order) -> str:
    client.force_login(order.customer)
    return client.get(f"/store/account/orders/{order.number}/").content.decode()


def test_a_declined_refund_is_kept_by_the_store_not_owed(client, staff, refunds_need_approval):
    """Declining the refund of a canceled order left its page saying "Owed to you" for the whole total."""
    order = place([(MUG, 2)], paid="card")
    editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    services.decline_refund(refund=awaiting(order), actor=staff)
    order.refresh_from_db()
    p = order.position
    assert (p.kept, p.due, p.credit_due, p.balance_due) == (order.total, order.total, 0, 0)
    shown = page(client, order)
    assert "Owed to you" not in shown and "Still to pay" not in shown
    assert f'<dd data-money="kept">€{order.total}</dd>' in shown


def test_staff_cancel_without_refund_keeps_what_was_paid(client, staff):
    order = place([(MUG, 2)], paid="card")
    editing.cancel_order(order=order, actor_kind=ActorKind.STAFF, actor=staff, refund=False)
    order.refresh_from_db()
    assert order.kept_total == order.total and order.position.credit_due == 0
    kept = order.events.get(type=EventType.MONEY_KEPT)
    assert (kept.data["amount"], kept.actor) == (str(order.total), staff)
    assert not kept.customer_visible
    assert "Owed to you" not in page(client, order)


def test_money_given_back_after_keeping_comes_out_of_what_was_kept(staff):
    """A staff refund of a canceled order whose money was kept left a "Still to pay" behind it."""
    order = place([(MUG, 2)], paid="card")
    editing.cancel_order(order=order, actor_kind=ActorKind.STAFF, actor=staff, refund=False)
    services.issue_refund(order=order, amount=D("10.00"), reason="Goodwill", with_return=False, actor=staff)
    order.refresh_from_db()
    p = order.position
    assert (p.kept, p.refunding, p.balance_due, p.credit_due) == (order.total - 10, D("10.00"), 0, 0)
    services.record_refund(order=order, amount=order.total - 10, idempotency_key="kept-elsewhere")
    order.refresh_from_db()
    assert (order.kept_total, order.position.balance_due, order.position.credit_due) == (0, 0, 0)


def test_a_later_cancel_does_not_refund_what_was_kept(staff, refunds_need_approval):
    """Lowered by an edit, its refund declined, then canceled by the shopper: only the rest goes back."""
    order = place([(MUG, 2)], paid="card")
    line = order.lines.get()
    session = editing.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    editing.stage_quantity(session_id=session.pk, line_id=line.pk, quantity=1)
    editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    declined = awaiting(order)
    services.decline_refund(refund=declined, actor=staff)
    order.refresh_from_db()
    assert order.kept_total == declined.amount and order.position.credit_due == 0
    result = editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    assert result.settlement.refund_amount == order.captured_total - declined.amount
    order.refresh_from_db()
    assert order.position.due == order.kept_total == declined.amount
