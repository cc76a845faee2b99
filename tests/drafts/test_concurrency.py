"""Placing a draft at the same moment twice, on real PostgreSQL connections: one order, one payment."""

from __future__ import annotations

import pytest

from drafts import services
from drafts.constants import Payment
from drafts.errors import DraftConflict, DraftError
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import FinancialStatus, TransactionKind, TransactionStatus
from orders.errors import OrderError
from orders.gateway import SUCCESS_CARD
from orders.models import Order, Transaction
from orders.services import pay_payment_request
from tests.drafts.conftest import build_draft, sku
from tests.editing.test_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)
SWEATER = "MERINO-CREW-SWEATER-M-NAVY"


def test_staff_placing_one_draft_at_once_place_one_order(customer, agent, manager):
    draft = build_draft(customer, agent, items=[(SWEATER, 2)])
    stock = sku(SWEATER).stock
    actors = [agent, manager, agent, manager]

    results, errors = run_in_threads(
        4,
        lambda i: services.place_draft(draft_id=draft.pk, version=draft.version, actor=actors[i], payment=Payment.LINK),
    )

    assert len(results) == 1 and len(errors) == 3
    assert all(isinstance(error, DraftConflict) and error.code == "draft_placed" for error in errors)
    assert Order.objects.count() == 1 and sku(SWEATER).stock == stock - 2
    assert Message.objects.filter(kind=MessageKind.PAYMENT_NEEDED).count() == 1
    draft.refresh_from_db()
    assert draft.order == results[0]


@pytest.mark.parametrize("round_", range(3))
def test_the_shopper_paying_while_a_manager_records_a_payment_pays_once(customer, agent, manager, round_):
    draft = build_draft(customer, agent)
    order = services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    request = order.payment_requests.get()

    def work(i):
        if i == 0:
            return pay_payment_request(
                request_id=request.pk, card_number=SUCCESS_CARD, use_store_credit=False, attempt_key=f"r{round_}"
            )
        return services.record_draft_payment(draft_id=draft.pk, actor=manager, reference="BT-9")

    results, errors = run_in_threads(2, work)

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], (OrderError, DraftError))
    charges = Transaction.objects.filter(order=order, kind=TransactionKind.CHARGE, status=TransactionStatus.SUCCESS)
    assert charges.count() == 1
    order.refresh_from_db()
    assert order.captured_total == order.total and order.financial_status == FinancialStatus.PAID
