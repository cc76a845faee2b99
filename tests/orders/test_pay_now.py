"""The "Pay now" link: a balance owed after an edit, paid through the gateway, once."""

import re
from decimal import Decimal as D

import pytest

from editing import services as editing
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import ActorKind, EventType, FinancialStatus, PaymentRequestStatus
from orders.gateway import DECLINED_CARD, SUCCESS_CARD, TestGateway
from orders.models import OrderEvent, PaymentRequest, StoreCreditEntry
from orders.pay_links import pay_path
from tests.editing.conftest import place
from tests.editing.test_services import SWEATER_M, edit, line

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def owing():
    """An order paid by card, then raised by an edit: 1 more sweater, 89.00 to pay."""
    order = place([(SWEATER_M, 1)], paid="card")
    result = edit(order, (editing.stage_quantity, {"line_id": line(order, SWEATER_M).pk, "quantity": 2}))
    return result.settlement.payment_request


def pay(client, request, card=SUCCESS_CARD, attempt="a1", **extra):
    return client.post(pay_path(request.pk), {"card_number": card, "attempt": attempt, **extra})


def test_an_edit_that_costs_more_emails_a_pay_now_link(owing):
    assert owing.amount == D("89.00") and owing.reminder_days == [1, 3]
    message = compose(Message.objects.get(kind=MessageKind.PAYMENT_NEEDED))
    assert pay_path(owing.pk) in message.body_text and "€89.00" in message.subject


def test_the_page_shows_the_amount_and_what_changed(client, owing):
    page = client.get(pay_path(owing.pk)).content.decode()
    assert "€89.00" in page and "quantity 1 → 2" in page


def test_paying_marks_the_order_paid_and_emails_a_receipt(client, owing):
    response = pay(client, owing)
    owing.refresh_from_db()
    order = owing.order
    order.refresh_from_db()
    assert response.status_code == 302 and owing.status == PaymentRequestStatus.PAID
    assert owing.payment.amount == D("89.00") and order.financial_status == FinancialStatus.PAID
    assert Message.objects.filter(kind=MessageKind.PAYMENT_RECEIVED, recipient=order.email).count() == 1
    assert OrderEvent.objects.filter(order=order, type=EventType.PAYMENT_CAPTURED).count() == 2


def test_a_paid_link_says_so_and_takes_no_money(client, owing):
    pay(client, owing)
    response = pay(client, owing, attempt="a2")
    assert "already made" in response.content.decode()
    assert len(TestGateway().operations()) == 2  # the checkout charge and the one payment


def test_a_declined_card_shows_the_reason_and_keeps_the_request_open(client, owing):
    response = pay(client, owing, card=DECLINED_CARD)
    owing.refresh_from_db()
    assert response.status_code == 400 and "declined" in response.content.decode()
    assert owing.status == PaymentRequestStatus.OPEN and owing.order.captured_total == owing.order.total - D("89")
    new_attempt = re.search(r'name="attempt" value="([^"]+)"', response.content.decode()).group(1)
    assert new_attempt != "a1"  # the next try is a new charge, not a replay of the declined one


def test_a_request_superseded_by_a_newer_edit_says_so(client, owing):
    order = owing.order
    edit(order, (editing.stage_quantity, {"line_id": line(order, SWEATER_M).pk, "quantity": 3}))
    response = pay(client, owing)
    owing.refresh_from_db()
    assert owing.status == PaymentRequestStatus.SUPERSEDED and "newest payment link" in response.content.decode()
    assert PaymentRequest.objects.get(order=order, status=PaymentRequestStatus.OPEN).amount == D("178.00")


def test_store_credit_pays_part_of_the_balance(client, owing):
    order = owing.order
    StoreCreditEntry.objects.create(customer=order.customer, amount=D("20.00"), currency="EUR", idempotency_key="gift")
    client.force_login(order.customer)
    response = pay(client, owing, use_store_credit="on")
    order.refresh_from_db()
    assert response.status_code == 302 and order.financial_status == FinancialStatus.PAID
    gateways = sorted((t.gateway, t.amount) for t in order.transactions.all())
    assert gateways == [("store_credit", D("20.00")), ("test", D("69.00")), ("test", D("89.00"))]


def test_a_forged_link_is_not_found(client, owing):
    assert client.get(pay_path(owing.pk)[:-3] + "xyz/").status_code == 404
    assert client.get("/store/pay/12.abc/").status_code == 404


def test_a_cancellation_supersedes_the_open_request(owing):
    order = owing.order
    editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    owing.refresh_from_db()
    assert owing.status == PaymentRequestStatus.SUPERSEDED


def test_the_order_page_links_to_the_open_request(client, owing):
    order = owing.order
    client.force_login(order.customer)
    pay_now = f"/store/account/orders/{order.number}/pay/"
    assert f'href="{pay_now}"' in client.get(f"/store/account/orders/{order.number}/").content.decode()
    response = client.get(pay_now)
    assert response.status_code == 302 and response["Location"] == pay_path(owing.pk)  # the open one, not a new one
    assert order.payment_requests.count() == 1
    pay(client, owing)
    assert pay_now not in client.get(f"/store/account/orders/{order.number}/").content.decode()


def test_the_pay_now_page_reads_a_fixed_number_of_queries(client, owing, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get(pay_path(owing.pk)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_tabs_paying_at_once_take_the_money_once():
    import threading

    from django.db import connection
    from django.test import Client

    order = place([(SWEATER_M, 1)], paid="card")
    request = edit(order, (editing.stage_quantity, {"line_id": line(order, SWEATER_M).pk, "quantity": 2})).settlement
    request = request.payment_request
    barrier, answers = threading.Barrier(2), []

    def tab(attempt):
        try:
            barrier.wait()
            answers.append(pay(Client(), request, attempt=attempt).status_code)
        finally:
            connection.close()

    tabs = [threading.Thread(target=tab, args=(f"tab-{n}",)) for n in range(2)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join()
    order.refresh_from_db()
    assert sorted(answers) == [302, 400]  # one paid; the other waited for the lock and is told it was already made
    assert len(TestGateway().operations()) == 2  # the checkout charge and one payment
    assert order.captured_total == order.total
