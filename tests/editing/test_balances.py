"""Issue 17: one money position, every balance payable, unpaid goods held (pages, admin, sync API)."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.reasons import Reason
from editing import services as editing
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import ActorKind, EventType, PaymentRequestStatus
from orders.models import Order, PaymentRequest
from orders.pay_links import pay_path
from orders.services import record_payment, record_refund, release_fulfillment_holds
from orders.status_links import status_path
from storefront.models import StoreSettings
from tests.editing.conftest import place
from tests.editing.test_services import MUG, SWEATER_M, edit, line
from tests.orders.test_pay_now import pay

pytestmark = pytest.mark.usefixtures("catalog")


def figures(html: str) -> dict[str, str]:
    """The money summary's figures, by their data-money name."""
    return dict(re.findall(r'data-money="([a-z-]+)">−?([^<]+)</dd>', html))


def page(client, order) -> str:
    return client.get(f"/store/account/orders/{order.number}/").content.decode()


def signed_in(order) -> Client:
    client = Client()
    client.force_login(order.customer)
    return client


def partly_paid(amount="50.00"):
    order = place([(SWEATER_M, 1)], paid=False)
    record_payment(order=order, amount=D(amount), idempotency_key=f"part-{order.number}")
    order.refresh_from_db()
    return order


def test_a_cancelled_and_refunded_order_shows_nothing_to_pay():
    order = place([(SWEATER_M, 1)], paid=True)
    editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    order.refresh_from_db()
    position = order.position
    assert position.refunding == order.total and position.balance_due == 0 == position.credit_due
    html = page(signed_in(order), order)
    assert "Still to pay" not in html and "Refund on its way" in html and "Canceled" in html


def test_a_voided_unpaid_order_owes_nothing():
    order = place([(SWEATER_M, 1)], paid=False)
    editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    order.refresh_from_db()
    assert order.position.balance_due == 0 and order.balance == 0
    assert "Still to pay" not in page(signed_in(order), order)


def test_a_partly_paid_order_is_payable_from_its_page_its_row_and_its_status_link():
    order = partly_paid()
    client = signed_in(order)
    pay_now = f"/store/account/orders/{order.number}/pay/"
    assert f'href="{pay_now}"' in page(client, order)
    assert f'href="{pay_now}"' in client.get("/store/account/orders/").content.decode()
    status = client.get(status_path(order.number)).content.decode()
    assert f"{status_path(order.number)}pay/" in status
    response = client.get(pay_now)
    request = PaymentRequest.objects.get(order=order, status=PaymentRequestStatus.OPEN)
    assert response["Location"] == pay_path(request.pk) and request.amount == order.total - D("50.00")
    assert client.get(pay_now)["Location"] == pay_path(request.pk), "opening it again reuses the request"
    assert not Message.objects.filter(kind=MessageKind.PAYMENT_NEEDED).exists(), "the shopper asked: no email"
    # The Pay now page adds up: total = paid so far + this payment.
    pay_page = client.get(pay_path(request.pk)).content.decode()
    assert figures(pay_page)["due"] == "€" + str(order.total) and figures(pay_page)["held"] == "€50.00"
    assert pay(client, request).status_code == 302
    order.refresh_from_db()
    assert order.position.balance_due == 0 and "Still to pay" not in page(client, order)
    assert client.get(pay_now).status_code == 302  # nothing due: back to the order, with a message


def test_another_shoppers_balance_is_not_found():
    order = partly_paid()
    other = place([(SWEATER_M, 1)], email="other@example.com")
    assert signed_in(other).get(f"/store/account/orders/{order.number}/pay/").status_code == 404
    assert not PaymentRequest.objects.filter(order=order).exists()


def test_editing_an_unpaid_order_asks_only_for_the_difference():
    order = place([(SWEATER_M, 1)], paid=False)
    before = order.total
    result = edit(order, (editing.stage_quantity, {"line_id": line(order, SWEATER_M).pk, "quantity": 2}))
    request = result.settlement.payment_request
    order.refresh_from_db()
    assert request.amount == order.total - before and result.settlement.left_due == before
    assert order.position.balance_due == order.total
    from editing.presentation import settlement_message

    assert "is still due" in settlement_message(order, result.settlement)


def test_a_partly_paid_edit_stays_held_after_its_window_until_paid():
    StoreSettings.objects.update(edit_window_minutes=3)
    order = place([(SWEATER_M, 1)], paid="card")
    request = edit(
        order, (editing.stage_quantity, {"line_id": line(order, SWEATER_M).pk, "quantity": 2})
    ).settlement.payment_request
    later = timezone.now() + timedelta(minutes=4)
    with time_machine.travel(later):
        assert release_fulfillment_holds() == 0
        order.refresh_from_db()
        assert order.on_fulfillment_hold and order.hold() == ("awaiting_payment", request.expires_at)
    pay(signed_in(order), request)
    with time_machine.travel(later):
        assert release_fulfillment_holds() == 1
    order.refresh_from_db()
    assert not order.on_fulfillment_hold and order.hold() == (None, None)


def test_the_store_decides_whether_unpaid_orders_are_held():
    StoreSettings.objects.update(edit_window_minutes=3, hold_unpaid_orders=False)
    order = place([(SWEATER_M, 1)], paid=False)
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        assert release_fulfillment_holds() == 1
    StoreSettings.objects.update(hold_unpaid_orders=True)
    held = place([(SWEATER_M, 1)], paid=False)
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        assert release_fulfillment_holds() == 0
    assert Order.objects.get(pk=held.pk).on_fulfillment_hold and not Order.objects.get(pk=order.pk).on_fulfillment_hold


def test_staff_release_a_hold_with_a_reason_on_the_timeline(staff_client):
    order = partly_paid()
    url = f"/admin/orders/order/{order.pk}/release/"
    assert staff_client.post(url, {"reason": ""}).status_code == 400
    assert Order.objects.get(pk=order.pk).on_fulfillment_hold
    assert staff_client.post(url, {"reason": "paid_elsewhere", "note": "Bank transfer"}).status_code == 302
    order.refresh_from_db()
    event = order.events.get(type=EventType.RELEASED_FOR_FULFILLMENT)
    assert not order.on_fulfillment_hold
    assert event.data == {"reason_code": "paid_elsewhere", "reason_note": "Bank transfer"}
    assert event.actor.email == "staff-test@example.com"


def test_staff_send_a_payment_link_for_the_balance(staff_client):
    order = partly_paid()
    url = f"/admin/orders/order/{order.pk}/payment-link/"
    due = order.position.balance_due
    assert "Send payment link" in staff_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    refused = staff_client.post(url, {"amount": str(due + 1), "reason": "balance_due", "note": ""})
    assert refused.status_code == 400 and not PaymentRequest.objects.filter(order=order).exists()
    response = staff_client.post(
        url, {"amount": "", "due_days": "5", "reason": "balance_due", "note": "Bitte bis Freitag."}
    )
    assert response.status_code == 302
    request = PaymentRequest.objects.get(order=order, status=PaymentRequestStatus.OPEN)
    assert request.amount == due and request.expires_at.date() == (timezone.now() + timedelta(days=5)).date()
    message = Message.objects.get(kind=MessageKind.PAYMENT_NEEDED)
    assert message.context["balance"]
    assert message.context["reason"] == {"reason_code": "balance_due", "reason_note": "Bitte bis Freitag."}
    assert request.reason == Reason("balance_due", "Bitte bis Freitag.")
    body = compose(message).body_text
    assert "left to pay" in body and "Bitte bis Freitag." in body and "Your changes" not in body
    # Sending another replaces it: one open request per order.
    staff_client.post(url, {"amount": "10.00", "reason": "balance_due"})
    assert PaymentRequest.objects.get(order=order, status=PaymentRequestStatus.OPEN).amount == D("10.00")


def test_a_refund_recorded_from_outside_is_given_back_not_a_debt():
    order = place([(SWEATER_M, 1), (MUG, 1)], paid=True)
    record_refund(order=order, amount=line(order, MUG).total, idempotency_key=f"outside-{order.number}")
    order.refresh_from_db()
    assert order.position.balance_due == 0 and order.position.given_back == line(order, MUG).total
    html = page(signed_in(order), order)
    assert "Still to pay" not in html and 'data-money="given-back"' in html


def test_the_pay_now_page_counts_what_was_refunded_so_its_figures_add_up():
    order = place([(SWEATER_M, 1), (MUG, 2)], paid="card")
    edit(order, (editing.stage_quantity, {"line_id": line(order, MUG).pk, "quantity": 1}))  # a refund goes out
    order.refresh_from_db()
    assert order.position.refunding > 0
    request = edit(
        order, (editing.stage_quantity, {"line_id": line(order, SWEATER_M).pk, "quantity": 2})
    ).settlement.payment_request
    order.refresh_from_db()
    shown = figures(signed_in(order).get(pay_path(request.pk)).content.decode())
    due, held = (D(shown[name].replace("€", "").replace(",", "")) for name in ("due", "held"))
    assert held == order.position.held < order.captured_total  # "paid so far" is less what went back
    assert due == held + request.amount
