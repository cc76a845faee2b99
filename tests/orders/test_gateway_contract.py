"""One contract, two gateways: the test gateway and Stripe (the official library talking to localstripe over
real HTTP). Each test runs against both; where localstripe lacks what Stripe documents, the Stripe side
stands at the library's boundary (``tests/stripe_support.Boundary``) and says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal as D

import pytest

from accounts.models import User
from orders.constants import FinancialStatus, TransactionKind, TransactionStatus
from orders.gateway import (
    DECLINED_CARD,
    DECLINED_ON_CHARGE_CARD,
    INSUFFICIENT_FUNDS_CARD,
    SUCCESS_CARD,
    THREE_D_SECURE_CARD,
    GatewayUnavailable,
    PaymentActionRequired,
    PaymentDeclined,
    TestGateway,
)
from orders.models import Order, Transaction
from orders.services import refunds
from orders.services.payments import PaymentActionNeeded, PaymentError, checkout_order
from orders.services.refunds import RetryLater, send_refund
from orders.stripe_gateway import StripeGateway
from storefront.models import ShippingMethod
from tests import stripe_support
from tests.editing.conftest import ADDRESS_NL, sku
from tests.editing.test_services import MUG, SWEATER_M

EUR = "EUR"


class TimingOutTestGateway(TestGateway):
    """The test gateway whose next call acts, then loses its answer (as ``TEST_GATEWAY_TIMEOUT_RATE`` does)."""

    time_out = False

    def _after_acting(self) -> None:
        if TimingOutTestGateway.time_out:
            TimingOutTestGateway.time_out = False
            raise GatewayUnavailable("The payment processor did not answer in time.")


BOUNDARY = stripe_support.Boundary()


class BoundaryStripeGateway(StripeGateway):
    """Stripe through the library's HTTP client with the boundary in front (``PAYMENT_GATEWAY`` may name it)."""

    def __init__(self):
        from django.conf import settings

        super().__init__(stripe_support.client(settings.STRIPE_API_BASE, BOUNDARY))


@dataclass
class Processor:
    name: str
    gateway_path: str
    card: Callable[[str], str]  # a card as the page hands it over
    authenticate: Callable[[str, bool], None]  # the shopper answers their bank (3-D Secure)
    captured: Callable[[str], D]  # what the processor took for a payment
    refunds: Callable[[str], list[D]]  # what it gave back of a payment, in order
    time_out_next_refund: Callable[[], None]  # the next refund call acts, and its answer is lost

    @property
    def gateway(self):
        from django.utils.module_loading import import_string

        return import_string(self.gateway_path)()


@pytest.fixture(params=["test", "stripe"])
def processor(request, settings) -> Processor:
    if request.param == "test":
        settings.PAYMENT_GATEWAY = "tests.orders.test_gateway_contract.TimingOutTestGateway"
        books = TestGateway()

        def captured(reference: str) -> D:
            raw = books.redis.get(books._key("charge", reference))
            return D(raw.decode()) if raw else D(0)

        def refunded(reference: str) -> list[D]:
            return [
                D(op["amount"]) for op in books.operations() if op["kind"] == "refund" and op["charge"] == reference
            ]

        def time_out() -> None:
            TimingOutTestGateway.time_out = True

        yield Processor(
            name="test",
            gateway_path=settings.PAYMENT_GATEWAY,
            card=lambda number: number,
            authenticate=lambda secret, success: books.authenticate(client_secret=secret, success=success),
            captured=captured,
            refunds=refunded,
            time_out_next_refund=time_out,
        )
        TimingOutTestGateway.time_out = False
        return
    base = request.getfixturevalue("localstripe")
    for name, value in stripe_support.settings_for(base).items():
        setattr(settings, name, value)
    settings.PAYMENT_GATEWAY = "tests.orders.test_gateway_contract.BoundaryStripeGateway"

    def card(number: str) -> str:
        method = stripe_support.payment_method(base, number)
        if number in stripe_support.DOCUMENTED_DECLINES:  # localstripe would take the money: Stripe's answer
            BOUNDARY.decline(method, number)
        return method

    yield Processor(
        name="stripe",
        gateway_path=settings.PAYMENT_GATEWAY,
        card=card,
        authenticate=lambda secret, success: stripe_support.authenticate(base, secret, success=success),
        captured=lambda reference: stripe_support.captured(base, reference),
        refunds=lambda reference: stripe_support.refunds_of(base, reference),
        time_out_next_refund=lambda: BOUNDARY.time_out_after("/v1/refunds"),
    )
    BOUNDARY.time_out = None


def key() -> str:
    return f"contract-{uuid.uuid4().hex}"


# --- charges -----------------------------------------------------------------------------------------------


def test_a_good_card_is_charged_once_per_key(processor):
    gateway, method, charge_key = processor.gateway, processor.card(SUCCESS_CARD), key()
    result = gateway.charge(amount=D("12.34"), currency=EUR, payment_method=method, idempotency_key=charge_key)
    assert processor.captured(result.reference) == D("12.34")


@pytest.mark.parametrize("number", [DECLINED_CARD, DECLINED_ON_CHARGE_CARD])
def test_a_declined_card_takes_nothing(processor, number):
    with pytest.raises(PaymentDeclined) as declined:
        processor.gateway.charge(
            amount=D("20.00"), currency=EUR, payment_method=processor.card(number), idempotency_key=key()
        )
    assert declined.value.message == "Your card was declined." and not declined.value.retryable


def test_insufficient_funds_is_said_so(processor):
    with pytest.raises(PaymentDeclined) as declined:
        processor.gateway.charge(
            amount=D("20.00"),
            currency=EUR,
            payment_method=processor.card(INSUFFICIENT_FUNDS_CARD),
            idempotency_key=key(),
        )
    assert declined.value.message == "Your card was declined: insufficient funds."


def test_three_d_secure_takes_the_money_only_once_the_shopper_confirmed(processor):
    gateway, charge_key = processor.gateway, key()
    with pytest.raises(PaymentActionRequired) as asked:
        gateway.charge(
            amount=D("30.00"),
            currency=EUR,
            payment_method=processor.card(THREE_D_SECURE_CARD),
            idempotency_key=charge_key,
        )
    intent, secret = asked.value.intent, asked.value.client_secret
    assert secret.startswith(f"{intent}_secret_") and processor.captured(intent) == D(0)
    with pytest.raises(PaymentActionRequired):  # the page says it's done; the processor says it isn't
        gateway.charge(amount=D("30.00"), currency=EUR, payment_method=intent, idempotency_key=charge_key)
    processor.authenticate(secret, True)
    for _twice in range(2):
        result = gateway.charge(amount=D("30.00"), currency=EUR, payment_method=intent, idempotency_key=charge_key)
    assert processor.captured(result.reference) == D("30.00")


def test_three_d_secure_failed_is_declined(processor):
    gateway, charge_key = processor.gateway, key()
    with pytest.raises(PaymentActionRequired) as asked:
        gateway.charge(
            amount=D("30.00"),
            currency=EUR,
            payment_method=processor.card(THREE_D_SECURE_CARD),
            idempotency_key=charge_key,
        )
    processor.authenticate(asked.value.client_secret, False)
    with pytest.raises(PaymentDeclined) as declined:
        gateway.charge(amount=D("30.00"), currency=EUR, payment_method=asked.value.intent, idempotency_key=charge_key)
    assert "did not confirm" in declined.value.message


def test_a_confirmed_intent_pays_only_the_payment_it_was_made_for(processor):
    gateway, charge_key = processor.gateway, key()
    with pytest.raises(PaymentActionRequired) as asked:
        gateway.charge(
            amount=D("30.00"),
            currency=EUR,
            payment_method=processor.card(THREE_D_SECURE_CARD),
            idempotency_key=charge_key,
        )
    processor.authenticate(asked.value.client_secret, True)
    intent = asked.value.intent
    for amount, other_key in ((D("30.00"), key()), (D("300.00"), charge_key)):
        with pytest.raises(PaymentDeclined):
            gateway.charge(amount=amount, currency=EUR, payment_method=intent, idempotency_key=other_key)


# --- refunds -----------------------------------------------------------------------------------------------


def paid(processor, amount: str) -> str:
    return processor.gateway.charge(
        amount=D(amount), currency=EUR, payment_method=processor.card(SUCCESS_CARD), idempotency_key=key()
    ).reference


def test_refunds_partial_then_full_and_never_more(processor):
    reference, gateway = paid(processor, "50.00"), processor.gateway
    first = gateway.refund(amount=D("20.00"), currency=EUR, charge_reference=reference, idempotency_key=key())
    rest = gateway.refund(amount=D("30.00"), currency=EUR, charge_reference=reference, idempotency_key=key())
    assert first.reference != rest.reference and not first.pending
    with pytest.raises(PaymentDeclined) as refused:
        gateway.refund(amount=D("0.01"), currency=EUR, charge_reference=reference, idempotency_key=key())
    assert refused.value.message == "The refund is more than what is left of the payment."
    assert processor.refunds(reference) == [D("20.00"), D("30.00")]


def test_a_refund_asked_twice_with_one_key_refunds_once(processor):
    reference, gateway, refund_key = paid(processor, "50.00"), processor.gateway, key()
    answers = {
        gateway.refund(
            amount=D("15.00"), currency=EUR, charge_reference=reference, idempotency_key=refund_key
        ).reference
        for _twice in range(2)
    }
    assert len(answers) == 1 and processor.refunds(reference) == [D("15.00")]


def test_a_refund_retried_after_a_timeout_refunds_once(processor):
    reference, gateway, refund_key = paid(processor, "50.00"), processor.gateway, key()
    processor.time_out_next_refund()
    with pytest.raises(GatewayUnavailable):
        gateway.refund(amount=D("20.00"), currency=EUR, charge_reference=reference, idempotency_key=refund_key)
    assert processor.refunds(reference) == [D("20.00")]  # it reached the processor; the answer was lost
    again = gateway.refund(amount=D("20.00"), currency=EUR, charge_reference=reference, idempotency_key=refund_key)
    assert again.reference.startswith("re_") and processor.refunds(reference) == [D("20.00")]


# --- the money flows on top: checkout and the refund job -------------------------------------------------


def checkout(processor, *, card: str, attempt: str) -> Order:
    return checkout_order(
        card_number=card,
        attempt_key=attempt,
        email="contract@example.com",
        lines=[
            services_line(SWEATER_M, 1),
            services_line(MUG, 1),
        ],
        shipping_method=ShippingMethod.objects.get(code="standard"),
        shipping_address=ADDRESS_NL,
        send_confirmation=False,
    )


def services_line(code: str, quantity: int):
    from orders.services import LineRequest

    return LineRequest(variant_id=sku(code).pk, quantity=quantity)


@pytest.mark.django_db
def test_checkout_submitted_twice_charges_once(processor, catalog):
    card, attempt = processor.card(SUCCESS_CARD), key()
    order = checkout(processor, card=card, attempt=attempt)
    (charge,) = Transaction.objects.filter(order=order, kind=TransactionKind.CHARGE)
    assert charge.gateway == processor.gateway.name and processor.captured(charge.gateway_reference) == order.total
    with pytest.raises(PaymentError) as refused:
        checkout(processor, card=card, attempt=attempt)  # the same form again: localstripe would charge again
    assert refused.value.code == "payment_reused"
    assert Order.objects.count() == 1 and Transaction.objects.filter(kind=TransactionKind.CHARGE).count() == 1


@pytest.mark.django_db
def test_checkout_with_three_d_secure_places_the_order_once_confirmed(processor, catalog):
    attempt = key()
    with pytest.raises(PaymentActionNeeded) as asked:
        checkout(processor, card=processor.card(THREE_D_SECURE_CARD), attempt=attempt)
    assert not Order.objects.exists()  # nothing kept while the shopper answers their bank
    processor.authenticate(asked.value.client_secret, True)
    order = checkout(processor, card=asked.value.intent, attempt=attempt)
    assert order.financial_status == FinancialStatus.PAID
    assert processor.captured(order.transactions.get().gateway_reference) == order.total


@pytest.mark.django_db
def test_a_declined_checkout_leaves_no_order(processor, catalog):
    with pytest.raises(PaymentError) as declined:
        checkout(processor, card=processor.card(DECLINED_ON_CHARGE_CARD), attempt=key())
    assert declined.value.code == "card_declined" and not Order.objects.exists()


@pytest.mark.django_db
def test_the_refund_job_retried_after_a_timeout_refunds_once(processor, catalog, settings):
    settings.REFUND_MAX_ATTEMPTS = 5
    manager = User.objects.create_superuser("manager@shop.example", "pw-not-used-here")
    order = checkout(processor, card=processor.card(SUCCESS_CARD), attempt=key())
    refunds.issue_refund(order=order, amount=D("25.00"), reason="Scratched", with_return=False, actor=manager)
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    processor.time_out_next_refund()
    with pytest.raises(RetryLater):
        send_refund(refund_id=refund.pk)
    assert send_refund(refund_id=refund.pk) == TransactionStatus.SUCCESS
    order.refresh_from_db()
    assert order.financial_status == FinancialStatus.PARTIALLY_REFUNDED and order.refunded_total == D("25.00")
    assert processor.refunds(refund.parent.gateway_reference) == [D("25.00")]


@pytest.mark.django_db
def test_the_refund_job_never_asks_for_more_than_the_payment_has_left(processor, catalog):
    """Rows beyond the services' own guards (a refund recorded elsewhere, a hand edit): the job checks what we
    recorded against the payment before asking (localstripe would pay out more than the charge)."""
    manager = User.objects.create_superuser("manager@shop.example", "pw-not-used-here")
    order = checkout(processor, card=processor.card(SUCCESS_CARD), attempt=key())
    refunds.issue_refund(order=order, amount=D("10.00"), reason="Scratched", with_return=False, actor=manager)
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    Transaction.objects.filter(pk=refund.pk).update(amount=refund.parent.amount + D("1.00"))
    assert send_refund(refund_id=refund.pk) == TransactionStatus.FAILED
    assert processor.refunds(refund.parent.gateway_reference) == []


# --- every money flow of the store, through either gateway ----------------------------------------------------


def send_pending_refunds(order: Order) -> list[Transaction]:
    """What the refund job does for each refund on its way (the worker runs it: tests/browser, test_refund_jobs)."""
    for refund in Transaction.objects.filter(
        order=order, kind=TransactionKind.REFUND, status=TransactionStatus.PENDING
    ):
        send_refund(refund_id=refund.pk)
    return list(Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).order_by("pk"))


def given_back(processor, order: Order) -> list[D]:
    return [
        amount
        for charge in Transaction.objects.filter(order=order, kind=TransactionKind.CHARGE).order_by("pk")
        for amount in processor.refunds(charge.gateway_reference)
    ]


@pytest.fixture
def placed(processor, catalog):
    """A checkout paid through the processor, by a shopper who may edit it."""
    return checkout(processor, card=processor.card(SUCCESS_CARD), attempt=key())


@pytest.mark.django_db
@pytest.mark.parametrize("three_d_secure", [False, True])
def test_pay_now_takes_the_balance_through_the_gateway(processor, placed, three_d_secure):
    from editing import services as editing
    from orders.services import pay_payment_request
    from tests.editing.test_services import edit, line

    result = edit(placed, (editing.stage_quantity, {"line_id": line(placed, MUG).pk, "quantity": 2}))
    request, attempt = result.settlement.payment_request, key()
    card = processor.card(THREE_D_SECURE_CARD if three_d_secure else SUCCESS_CARD)
    if three_d_secure:
        with pytest.raises(PaymentActionNeeded) as asked:
            pay_payment_request(request_id=request.pk, card_number=card, use_store_credit=False, attempt_key=attempt)
        processor.authenticate(asked.value.client_secret, True)
        card = asked.value.intent
    pay_payment_request(request_id=request.pk, card_number=card, use_store_credit=False, attempt_key=attempt)
    request.refresh_from_db()
    placed.refresh_from_db()
    assert request.status == "paid" and placed.financial_status == FinancialStatus.PAID
    assert processor.captured(request.payment.gateway_reference) == request.amount
    assert request.payment.gateway == processor.gateway.name


@pytest.mark.django_db
def test_an_edit_lowering_the_total_is_refunded_through_the_gateway(processor, placed):
    from editing import services as editing
    from tests.editing.test_services import edit, line

    edit(placed, (editing.stage_quantity, {"line_id": line(placed, MUG).pk, "quantity": 0}))
    (refund,) = send_pending_refunds(placed)
    placed.refresh_from_db()
    assert refund.status == TransactionStatus.SUCCESS and placed.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert given_back(processor, placed) == [refund.amount]


@pytest.mark.django_db
def test_a_cancellation_gives_everything_back_through_the_gateway(processor, placed):
    from editing import services as editing
    from orders.constants import ActorKind

    editing.cancel_order(order=placed, actor_kind=ActorKind.CUSTOMER, actor=placed.customer)
    send_pending_refunds(placed)
    placed.refresh_from_db()
    assert placed.financial_status == FinancialStatus.REFUNDED and placed.refunded_total == placed.captured_total
    assert sum(given_back(processor, placed)) == placed.captured_total


@pytest.mark.django_db
def test_goodwill_and_a_staff_refund_go_back_through_the_gateway(processor, placed):
    from editing.settlement import give_goodwill_discount

    manager = User.objects.create_superuser("manager@shop.example", "pw-not-used-here")
    give_goodwill_discount(order=placed, amount=D("5.00"), reason="Late delivery", actor=manager)
    refunds.issue_refund(order=placed, amount=D("7.50"), reason="Scratched", with_return=False, actor=manager)
    assert [refund.status for refund in send_pending_refunds(placed)] == [TransactionStatus.SUCCESS] * 2
    assert given_back(processor, placed) == [D("5.00"), D("7.50")]
