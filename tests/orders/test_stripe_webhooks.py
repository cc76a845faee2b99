"""Stripe's webhooks: signed, handled once, in any order, and our records end where Stripe's are.

localstripe sends ``payment_intent.*`` events itself (signed as Stripe signs them); the refund and dispute
events it never sends are made here in Stripe's documented shape from the objects localstripe holds.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from decimal import Decimal as D

import pytest

from accounts.models import User
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import EventType, FinancialStatus, TransactionKind, TransactionStatus
from orders.gateway import SUCCESS_CARD, THREE_D_SECURE_CARD
from orders.models import GatewayEvent, Order, OrderEvent, Transaction
from orders.services import LineRequest, refunds, stripe_events
from orders.services.payments import PaymentActionNeeded, PaymentError, checkout_order
from orders.services.refunds import send_refund
from orders.stripe_gateway import StripeGateway
from storefront.models import ShippingMethod
from tests import stripe_support
from tests.editing.conftest import ADDRESS_NL, sku
from tests.editing.test_services import MUG, SWEATER_M

pytestmark = pytest.mark.usefixtures("catalog", "stripe_gateway")

URL = "/webhooks/stripe/"


def deliver(client, payload: bytes, *, signature: str | None = None):
    return client.post(
        URL,
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature if signature is not None else stripe_support.sign(payload)},
    )


def checkout(card: str, attempt: str | None = None) -> Order:
    return checkout_order(
        card_number=card,
        attempt_key=attempt or uuid.uuid4().hex,
        email="hooks@example.com",
        lines=[LineRequest(variant_id=sku(SWEATER_M).pk, quantity=1), LineRequest(variant_id=sku(MUG).pk, quantity=1)],
        shipping_method=ShippingMethod.objects.get(code="standard"),
        shipping_address=ADDRESS_NL,
        send_confirmation=False,
    )


@pytest.fixture
def manager(db):
    return User.objects.create_superuser("manager@shop.example", "pw-not-used-here")


def refund_object(localstripe: str, refund_id: str, **changes) -> dict:
    found = stripe_support.client(localstripe).v1.refunds.retrieve(refund_id).to_dict()
    return {**found, **changes}


# --- signatures ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [
        "",  # none
        "t=1,v1=00",  # made up
        stripe_support.sign(b"another body"),  # signed, but another body
        "wrong secret",
        "too old",
    ],
    ids=["none", "made up", "another body", "wrong secret", "too old"],  # stable: xdist workers collect alike
)
def test_a_webhook_without_a_good_signature_is_refused_and_changes_nothing(client, signature):
    payload = stripe_support.event("payment_intent.succeeded", {"id": "pi_x", "metadata": {}})
    if signature == "wrong secret":
        signature = stripe_support.sign(payload, secret="whsec_someone_else")
    elif signature == "too old":  # a delivery replayed by someone else past the library's 5 minutes
        signature = stripe_support.sign(payload, at=int(time.time()) - 600)
    response = deliver(client, payload, signature=signature)
    assert response.status_code == 400 and not GatewayEvent.objects.exists()


# --- each event once -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_replayed_webhook_is_handled_once(client, localstripe, manager):
    order = checkout(stripe_support.payment_method(localstripe, SUCCESS_CARD))
    refunds.issue_refund(order=order, amount=D("10.00"), reason="Scratched", with_return=False, actor=manager)
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    made = StripeGateway().client.v1.refunds.create(  # the job reached Stripe; its answer was lost
        params={
            "payment_intent": refund.parent.gateway_reference,
            "amount": 1000,
            "metadata": {"aftersale_key": refund.gateway_key},
        }
    )
    payload = stripe_support.event("refund.updated", refund_object(localstripe, made.id))
    first, again = deliver(client, payload), deliver(client, payload)
    assert first.json()["outcome"] == TransactionStatus.SUCCESS and again.json()["outcome"] == "duplicate"
    assert GatewayEvent.objects.count() == 1
    order.refresh_from_db()
    assert order.refunded_total == D("10.00") and order.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert OrderEvent.objects.filter(order=order, type=EventType.REFUND_RECORDED).count() == 1
    # The job, run again later, finds the refund done: nothing more is sent.
    assert send_refund(refund_id=refund.pk) == TransactionStatus.SUCCESS
    assert stripe_support.refunds_of(localstripe, refund.parent.gateway_reference) == [D("10.00")]


@pytest.mark.django_db
def test_the_refund_webhook_after_the_job_changes_nothing(client, localstripe, manager):
    order = checkout(stripe_support.payment_method(localstripe, SUCCESS_CARD))
    refunds.issue_refund(order=order, amount=D("10.00"), reason="Scratched", with_return=False, actor=manager)
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    assert send_refund(refund_id=refund.pk) == TransactionStatus.SUCCESS
    refund.refresh_from_db()
    payload = stripe_support.event("charge.refunded", {"id": "ch_x", "payment_intent": refund.parent.gateway_reference})
    assert deliver(client, payload).json()["outcome"] == TransactionStatus.SUCCESS
    order.refresh_from_db()
    assert order.refunded_total == D("10.00")
    assert OrderEvent.objects.filter(order=order, type=EventType.REFUND_RECORDED).count() == 1


@pytest.mark.django_db
def test_a_refund_that_failed_after_succeeding_is_reversed_and_staff_are_told(client, localstripe, manager):
    order = checkout(stripe_support.payment_method(localstripe, SUCCESS_CARD))
    refunds.issue_refund(order=order, amount=D("10.00"), reason="Scratched", with_return=False, actor=manager)
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    send_refund(refund_id=refund.pk)
    refund.refresh_from_db()
    payload = stripe_support.event(
        "refund.failed",
        refund_object(
            localstripe, refund.gateway_reference, status="failed", failure_reason="expired_or_canceled_card"
        ),
    )
    assert deliver(client, payload).json()["outcome"] == "reversed"
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == TransactionStatus.FAILED and "expired_or_canceled_card" in refund.error
    assert order.refunded_total == D("0.00") and order.financial_status == FinancialStatus.PAID
    assert Message.objects.filter(kind=MessageKind.MERCHANT_REFUND_FAILED).count() == 1


@pytest.mark.django_db
def test_a_refund_made_in_the_stripe_dashboard_is_recorded_once(client, localstripe):
    order = checkout(stripe_support.payment_method(localstripe, SUCCESS_CARD))
    intent = order.transactions.get().gateway_reference
    made = StripeGateway().client.v1.refunds.create(params={"payment_intent": intent, "amount": 500})
    payload = stripe_support.event("refund.created", refund_object(localstripe, made.id))
    assert deliver(client, payload).json()["outcome"] == "recorded from Stripe"
    replay = stripe_support.event("refund.updated", refund_object(localstripe, made.id))  # another event, same refund
    deliver(client, replay)
    order.refresh_from_db()
    assert order.refunded_total == D("5.00")
    assert list(
        Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).values_list("gateway_reference", flat=True)
    ) == [made.id]


@pytest.mark.django_db
def test_a_dispute_is_on_the_timeline_and_the_merchant_is_alerted(client, localstripe):
    order = checkout(stripe_support.payment_method(localstripe, SUCCESS_CARD))
    intent = order.transactions.get().gateway_reference
    dispute = {
        "id": "dp_test",
        "object": "dispute",
        "amount": 2000,
        "currency": "eur",
        "reason": "fraudulent",
        "payment_intent": intent,
    }
    assert deliver(client, stripe_support.event("charge.dispute.created", dispute)).json()["outcome"] == "disputed"
    event = OrderEvent.objects.get(order=order, type=EventType.PAYMENT_DISPUTED)
    assert event.data["amount"] == "20.00" and event.data["reason"] == "fraudulent" and not event.customer_visible
    alert = Message.objects.get(kind=MessageKind.MERCHANT_PAYMENT_DISPUTED)
    assert alert.recipient == "alerts@shop.example"


# --- payments: the synchronous answer and the webhook converge ----------------------------------------------


@pytest.mark.django_db
def test_payment_succeeded_for_a_recorded_charge_changes_nothing(client, localstripe):
    order = checkout(stripe_support.payment_method(localstripe, SUCCESS_CARD))
    intent = stripe_support.client(localstripe).v1.payment_intents.retrieve(order.transactions.get().gateway_reference)
    payload = stripe_support.event("payment_intent.succeeded", intent.to_dict())
    assert deliver(client, payload).json()["outcome"] == "recorded"
    assert Transaction.objects.count() == 1


@pytest.mark.django_db
def test_a_payment_no_order_recorded_is_refunded_and_can_no_longer_pay(
    client, localstripe, django_capture_on_commit_callbacks
):
    """The shopper confirmed 3-D Secure (Stripe took the money) and the page never came back."""
    attempt = uuid.uuid4().hex
    with pytest.raises(PaymentActionNeeded) as asked:
        checkout(stripe_support.payment_method(localstripe, THREE_D_SECURE_CARD), attempt)
    stripe_support.authenticate(localstripe, asked.value.client_secret, success=True)
    intent = stripe_support.client(localstripe).v1.payment_intents.retrieve(asked.value.intent)
    assert deliver(client, stripe_support.event("payment_intent.succeeded", intent.to_dict())).json()["outcome"] == (
        "awaiting its order"
    )
    assert stripe_events.refund_orphaned_payment(intent_id=intent.id, key=f"checkout-{attempt}") == "refunded"
    assert stripe_support.refunds_of(localstripe, intent.id) == [intent.amount / D(100)]
    with pytest.raises(PaymentError):  # the page, late: the money went back, so it pays for nothing
        checkout(intent.id, attempt)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_the_orphan_job_leaves_a_payment_an_order_recorded(localstripe):
    attempt = uuid.uuid4().hex
    with pytest.raises(PaymentActionNeeded) as asked:
        checkout(stripe_support.payment_method(localstripe, THREE_D_SECURE_CARD), attempt)
    stripe_support.authenticate(localstripe, asked.value.client_secret, success=True)
    order = checkout(asked.value.intent, attempt)
    assert stripe_events.refund_orphaned_payment(intent_id=asked.value.intent, key=f"checkout-{attempt}") == "recorded"
    assert stripe_support.refunds_of(localstripe, asked.value.intent) == []
    assert order.financial_status == FinancialStatus.PAID


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_its_signed_webhook_to_our_endpoint(live_server, localstripe, catalog):
    """Over HTTP both ways: localstripe signs ``payment_intent.succeeded`` with the endpoint's secret and posts it."""
    hook = urllib.request.Request(  # noqa: S310 - loopback
        f"{localstripe}/_config/webhooks/aftersale-{uuid.uuid4().hex}",
        data=json.dumps(
            {
                "url": f"{live_server.url}{URL}",
                "secret": stripe_support.WEBHOOK_SECRET,
                "events": ["payment_intent.succeeded"],
            }
        ).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(hook, timeout=10).close()  # noqa: S310 - loopback
    order = checkout(stripe_support.payment_method(localstripe, SUCCESS_CARD))
    intent = order.transactions.get().gateway_reference
    deadline = time.monotonic() + 15
    while not GatewayEvent.objects.filter(object_id=intent).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    event = GatewayEvent.objects.get(object_id=intent)
    assert event.type == "payment_intent.succeeded" and event.outcome == "recorded"


@pytest.mark.django_db
def test_a_pending_refund_stays_on_its_way_until_stripe_says_it_succeeded(client, localstripe, manager, settings):
    from tests.orders.test_gateway_contract import BOUNDARY

    settings.PAYMENT_GATEWAY = "tests.orders.test_gateway_contract.BoundaryStripeGateway"
    order = checkout(stripe_support.payment_method(localstripe, SUCCESS_CARD))
    refunds.issue_refund(order=order, amount=D("10.00"), reason="Scratched", with_return=False, actor=manager)
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    BOUNDARY.pending_refunds = True
    try:
        assert send_refund(refund_id=refund.pk) == TransactionStatus.PENDING
    finally:
        BOUNDARY.pending_refunds = False
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == TransactionStatus.PENDING and refund.gateway_reference.startswith("re_")
    assert order.refunded_total == D("0.00") and order.position.refunding == D("10.00")
    payload = stripe_support.event("refund.updated", refund_object(localstripe, refund.gateway_reference))
    assert deliver(client, payload).json()["outcome"] == TransactionStatus.SUCCESS
    assert send_refund(refund_id=refund.pk) == TransactionStatus.SUCCESS  # the sweeper's run: nothing more sent
    order.refresh_from_db()
    assert order.refunded_total == D("10.00")
    assert stripe_support.refunds_of(localstripe, refund.parent.gateway_reference) == [D("10.00")]


@pytest.mark.django_db
def test_the_demo_store_loads_with_stripe_in_test_mode(localstripe):
    """``make run`` against localstripe (docs/operations.md): demo orders are paid with Stripe's test card."""
    from io import StringIO

    from django.core.management import call_command

    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    charges = Transaction.objects.filter(kind=TransactionKind.CHARGE).exclude(gateway__in=("manual", "store_credit"))
    assert charges.exists() and set(charges.values_list("gateway", flat=True)) == {"stripe"}
    some = charges.first()
    assert stripe_support.captured(localstripe, some.gateway_reference) == some.amount
