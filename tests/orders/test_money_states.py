"""A state machine over an order's money: every service that moves money or what is due, in any order,
and after every step the money position adds up and every figure the shopper is shown agrees with it.

One order per run (placed paid by card, imported unpaid, partly captured, or imported partly paid), then
rules over the real services: Pay now, edits up and down by the shopper and by staff, staff refunds,
approvals and declines, the refund job completing or failing a refund (called synchronously), retries,
goodwill (store credit, order discount), cancellation (with and without a refund), money given back
elsewhere, and a payment request expiring. Each run is a savepoint, rolled back at its end.

After each step, from the database: no figure below zero; captured and refunded are the sums of the
transaction rows; nothing refunded beyond what was captured, per charge too; the position's identity;
a cancelled order owes nothing (what it still "costs" is only what staff kept); "owed to you" only while
a refund failed; and the shopper's pages (detail, status link, list row), the shopper API,
the integration API and the emails sent in that step show the position's figures.
"""

from __future__ import annotations

import html
import os
import re
from decimal import Decimal as D

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from rest_framework.test import APIClient

from accounts.models import User
from core.errors import ApplicationError
from core.money import ZERO
from editing import services as editing
from editing.models import EditPolicy
from editing.settlement import expire_unpaid_edit, give_goodwill_discount
from integrations.constants import Scope
from integrations.services import create_api_key, place_external_order
from notifications.constants import MessageKind
from notifications.models import Message
from orders import services
from orders.constants import ActorKind, OrderStatus, PaymentRequestStatus, TransactionKind, TransactionStatus
from orders.gateway import SUCCESS_CARD, TestGateway
from orders.models import Order, OwingCustomer, PaymentRequest, Transaction
from orders.services.refunds import HOLDING_STATUSES, RetryLater
from orders.status_links import status_path
from tests.editing.conftest import ADDRESS_NL, pay_by_card, place

pytestmark = pytest.mark.usefixtures("catalog")

MUG, SOCKS = "CERAMIC-MUG-WHITE", "WOOL-SOCKS-M-GREY"
MONEY_KINDS = (
    MessageKind.PAYMENT_RECEIVED,
    MessageKind.REFUND_ISSUED,
    MessageKind.ORDER_EDITED,
    MessageKind.ORDER_CANCELLED,
)
FRACTIONS = st.sampled_from([D("0.01"), D("0.25"), D("0.5"), D("1")])


def amount(text: str) -> D:
    """A figure as a page shows it (English: "€12.34", "−€1,234.50"), as a number without its sign."""
    digits = re.sub(r"[^\d.]", "", html.unescape(re.sub(r"<[^>]+>", "", text)))
    return D(digits)


def shown(page: str) -> dict[str, D]:
    """The page's figures by their ``data-money`` name."""
    return {name: amount(text) for name, text in re.findall(r'<dd data-money="([\w-]+)">(.*?)</dd>', page, re.S)}


def imported(*, paid: D | None = None, key: str) -> Order:
    data = {
        "external_id": key,
        "email": "sam@example.com",
        "name": "Sam Jansen",
        "language": "en",
        "lines": [
            {"sku": MUG, "quantity": 2, "customization": ""},
            {"sku": SOCKS, "quantity": 1, "customization": ""},
        ],
        "shipping_method": "standard",
        "shipping_address": ADDRESS_NL,
        "discount_code": "",
        "send_confirmation": False,
        "payments": [{"amount": paid, "reference": f"{key}-pay", "gateway": "shopify"}] if paid else [],
    }
    order, _created = place_external_order(data, actor=None)
    return order


class MoneyStates(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.staff = User.objects.create_superuser("staff-states@example.com", "pw-states-1")
        _key, raw = create_api_key(name="States", scopes=list(Scope.values))
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.shopper = Client()
        self.seen_messages = 0
        self.step = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- placing -------------------------------------------------------------------------------------

    @initialize(
        kind=st.sampled_from(["card", "import_unpaid", "partly_captured", "import_partly_paid"]),
        automatic=st.booleans(),
    )
    def place(self, kind, automatic):
        EditPolicy.objects.update(refund_automatically=automatic)
        self.kind = kind
        if kind == "card":
            order = place([(MUG, 2), (SOCKS, 1)], paid="card")
        elif kind == "partly_captured":
            order = place([(MUG, 2), (SOCKS, 1)], paid=False)
            pay_by_card(order, amount=(order.total / 2).quantize(D("0.01")))
        elif kind == "import_unpaid":
            order = imported(key=f"states-{timezone.now().timestamp()}")
        else:
            order = imported(paid=D("10.00"), key=f"states-{timezone.now().timestamp()}")
        self.order_id = order.pk
        self.shopper.force_login(order.customer)
        self.seen_messages = self.last_message_id()

    @property
    def order(self) -> Order:
        return Order.objects.get(pk=self.order_id)

    def last_message_id(self) -> int:
        return Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def attempt(self, action):
        """Run a service; a refusal (an ApplicationError) is an answer, and changes nothing."""
        try:
            with transaction.atomic():
                result = action()
        except ApplicationError:
            return None
        return result

    # --- money in ------------------------------------------------------------------------------------

    @rule(use_store_credit=st.booleans())
    def pay_balance(self, use_store_credit):
        request = self.attempt(
            lambda: services.request_balance_payment(
                order_id=self.order_id, actor_kind=ActorKind.CUSTOMER, asked_by_shopper=True
            )
        )
        if request is None:
            return
        self.step += 1
        self.attempt(
            lambda: services.pay_payment_request(
                request_id=request.pk,
                card_number=SUCCESS_CARD,
                use_store_credit=use_store_credit,
                attempt_key=f"states-{self.step}",
            )
        )

    # --- edits ---------------------------------------------------------------------------------------

    @rule(line=st.integers(0, 1), quantity=st.integers(0, 4), staff=st.booleans())
    def edit(self, line, quantity, staff):
        order = self.order
        lines = list(order.lines.order_by("pk"))
        if not lines:
            return
        target = lines[line % len(lines)]
        actor_kind = ActorKind.STAFF if staff else ActorKind.CUSTOMER
        actor = self.staff if staff else order.customer

        def commit():
            session = editing.begin_edit(order=order, actor_kind=actor_kind, actor=actor)
            editing.stage_quantity(session_id=session.pk, line_id=target.pk, quantity=quantity)
            return editing.commit_edit(session_id=session.pk, actor_kind=actor_kind, actor=actor)

        self.attempt(commit)

    # --- refunds -------------------------------------------------------------------------------------

    @rule(fraction=FRACTIONS, with_return=st.booleans())
    def staff_refund(self, fraction, with_return):
        order = self.order
        available = services.money_in_hand(order)
        refund = max((available * fraction).quantize(D("0.01")), D("0.01"))
        self.attempt(
            lambda: services.issue_refund(
                order=order, amount=refund, reason="States", with_return=with_return, actor=self.staff
            )
        )

    def refunds(self, status):
        return Transaction.objects.filter(order_id=self.order_id, kind=TransactionKind.REFUND, status=status)

    @precondition(lambda self: self.refunds(TransactionStatus.AWAITING_APPROVAL).exists())
    @rule(approve=st.booleans())
    def decide(self, approve):
        refund = self.refunds(TransactionStatus.AWAITING_APPROVAL).order_by("pk").first()
        decision = services.approve_refund if approve else services.decline_refund
        self.attempt(lambda: decision(refund=refund, actor=self.staff))

    @precondition(lambda self: self.refunds(TransactionStatus.PENDING).exists())
    @rule()
    def refund_goes_through(self):
        """The refund job, run here: it completes the refund, or fails one the gateway can't send back."""
        refund = self.refunds(TransactionStatus.PENDING).order_by("pk").first()
        services.send_refund(refund_id=refund.pk)

    @precondition(lambda self: self.refunds(TransactionStatus.PENDING).exists())
    @rule()
    def refund_fails(self):
        refund = self.refunds(TransactionStatus.PENDING).order_by("pk").first()
        TestGateway().fail_next(100)
        try:
            for _attempt in range(20):
                try:
                    if services.send_refund(refund_id=refund.pk) != TransactionStatus.PENDING:
                        break
                except RetryLater:
                    continue
        finally:
            TestGateway().fail_next(0)

    @precondition(lambda self: self.refunds(TransactionStatus.FAILED).exists())
    @rule()
    def retry(self):
        refund = self.refunds(TransactionStatus.FAILED).order_by("pk").first()
        self.attempt(lambda: services.retry_refund(refund=refund, actor=self.staff))

    @rule(fraction=FRACTIONS)
    def refunded_elsewhere(self, fraction):
        """Money given back outside Aftersale (the other system's refund), recorded as a fact."""
        order = self.order
        refund = max(((order.captured_total - order.refunded_total) * fraction).quantize(D("0.01")), D("0.01"))
        if fraction != 1:  # else as much as was captured and not refunded, refunds on their way or not
            refund = max((services.money_in_hand(order) * fraction).quantize(D("0.01")), D("0.01"))
        self.step += 1
        self.attempt(
            lambda: services.record_refund(order=order, amount=refund, idempotency_key=f"elsewhere-{self.step}")
        )

    # --- goodwill ------------------------------------------------------------------------------------

    @rule(credit=st.sampled_from([D("5.00"), D("50.00")]))
    def store_credit(self, credit):
        self.attempt(
            lambda: services.give_store_credit(order=self.order, amount=credit, reason="Sorry", actor=self.staff)
        )

    @rule(fraction=FRACTIONS)
    def goodwill_discount(self, fraction):
        order = self.order
        discount = max((order.amount_due * fraction).quantize(D("0.01")), D("0.01"))
        self.attempt(lambda: give_goodwill_discount(order=order, amount=discount, reason="Sorry", actor=self.staff))

    # --- cancel and expire -----------------------------------------------------------------------------

    @rule(staff=st.booleans(), refund=st.booleans())
    def cancel(self, staff, refund):
        order = self.order
        if staff:
            self.attempt(
                lambda: editing.cancel_order(order=order, actor_kind=ActorKind.STAFF, actor=self.staff, refund=refund)
            )
        else:
            self.attempt(lambda: editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer))

    @precondition(
        lambda self: PaymentRequest.objects.filter(order_id=self.order_id, status=PaymentRequestStatus.OPEN).exists()
    )
    @rule()
    def payment_request_expires(self):
        request = PaymentRequest.objects.get(order_id=self.order_id, status=PaymentRequestStatus.OPEN)
        expire_unpaid_edit(request_id=request.pk, now=request.expires_at + timezone.timedelta(minutes=1))

    # --- invariants ----------------------------------------------------------------------------------

    @invariant()
    def the_ledger_adds_up(self):
        if not hasattr(self, "order_id"):
            return
        order = self.order
        p = order.position
        for name in ("total", "given_back", "cancelled", "paid", "refunded", "refunding"):
            assert getattr(p, name) >= 0, (name, p)
        for name in ("due", "net_paid", "held", "balance_due", "credit_due"):
            assert getattr(p, name) >= 0, (name, p)
        rows = Transaction.objects.filter(order=order, status=TransactionStatus.SUCCESS)
        captured = rows.filter(kind=TransactionKind.CHARGE).aggregate(s=Sum("amount"))["s"] or ZERO
        refunded = rows.filter(kind=TransactionKind.REFUND).aggregate(s=Sum("amount"))["s"] or ZERO
        assert (p.paid, p.refunded) == (captured, refunded)
        assert p.net_paid == captured - refunded and refunded <= captured
        for charge in Transaction.objects.filter(order=order, kind=TransactionKind.CHARGE):
            spent = (
                Transaction.objects.filter(parent=charge, status__in=HOLDING_STATUSES).aggregate(s=Sum("amount"))["s"]
                or ZERO
            )
            assert spent <= charge.amount, (charge.pk, spent, charge.amount)
        assert p.due == p.net_paid - p.refunding + p.balance_due - p.credit_due
        assert min(p.balance_due, p.credit_due) == 0
        # The desk's "has a balance due" reads the stored flag and the customer's count: both follow.
        assert order.owes == (p.balance_due > 0), (order.owes, p)
        owing = OwingCustomer.objects.filter(customer_id=order.customer_id).values_list("orders", flat=True).first()
        assert (owing or 0) == Order.objects.filter(customer_id=order.customer_id, owes=True).count()
        if order.status == OrderStatus.CANCELLED:  # it costs nothing: all it still "costs" is what was kept
            assert p.balance_due == 0 and p.due == p.kept
        # "Owed to you" only while a refund failed: money staff keep (declined, cancelled without a
        # refund) is kept, not owed.
        failed = self.refunds(TransactionStatus.FAILED).aggregate(s=Sum("amount"))["s"] or ZERO
        assert p.credit_due <= failed, (p, failed)
        # A "Pay now" link never asks for more than the position says is still to pay.
        asked = PaymentRequest.objects.filter(order=order, status=PaymentRequestStatus.OPEN).aggregate(s=Sum("amount"))
        assert (asked["s"] or ZERO) <= p.balance_due, (asked, p)

    @invariant()
    def the_shopper_sees_the_position(self):
        if not hasattr(self, "order_id"):
            return
        order = self.order
        p = order.position
        expected = {
            "paid": p.paid,
            "refunded": p.refunded,
            "refunding": p.refunding,
            "given-back": p.given_back,
            "cancelled": p.cancelled,
            "balance-due": p.balance_due,
            "credit-due": p.credit_due,
            "kept": p.kept,
        }
        expected = {name: value for name, value in expected.items() if value or name == "paid"}
        for url in (f"/store/account/orders/{order.number}/", status_path(order.number)):
            response = self.shopper.get(url)
            assert response.status_code == 200
            page = response.content.decode()
            assert shown(page) == expected, url
            assert ("Still to pay" in page) == (p.balance_due > 0), url
            assert ("data-pay-now" in page) == (p.balance_due > 0), url
        rows = self.shopper.get("/store/account/orders/").content.decode()
        due = re.findall(r"Still to pay: ([^<]*?) <a", rows)
        assert [amount(text) for text in due] == ([p.balance_due] if p.balance_due else [])

        detail = self.shopper.get(f"/api/v1/me/orders/{order.number}/").json()
        assert D(detail["balance"]) == p.balance_due - p.credit_due
        assert (D(detail["captured_total"]), D(detail["refunded_total"])) == (p.paid, p.refunded)
        for name in ("net_paid", "balance_due", "credit_due", "refunding", "kept"):
            assert D(detail[name]) == getattr(p, name), name
        out = self.api.get(f"/api/v1/orders/{order.number}/").json()
        assert (D(out["captured_total"]), D(out["refunded_total"])) == (p.paid, p.refunded)
        for name in ("net_paid", "balance_due", "credit_due", "refunding", "kept"):
            assert D(out[name]) == getattr(p, name), name

    @invariant()
    def emails_sent_now_show_the_position(self):
        if not hasattr(self, "order_id"):
            return
        order = self.order
        p = order.position
        new = Message.objects.filter(pk__gt=self.seen_messages, recipient=order.email, kind__in=MONEY_KINDS)
        self.seen_messages = self.last_message_id()
        for message in new.order_by("pk"):
            context = message.context
            if message.kind == MessageKind.PAYMENT_RECEIVED:
                # As the pay page: the order total now, what the store holds of it, what is still to pay.
                assert D(context["order_total"]) == p.due and D(context["paid_total"]) == p.held
                assert D(context["balance_due"] or 0) == p.balance_due
            elif message.kind == MessageKind.REFUND_ISSUED:
                assert D(context["refunded_total"]) == p.refunded
            elif message.kind == MessageKind.ORDER_EDITED:
                # What this edit asks for, and what was owed before it (an unpaid order) and stays due.
                assert D(context["to_pay"] or 0) + D(context.get("still_due") or 0) == p.balance_due
                assert p.credit_due == 0
            elif message.kind == MessageKind.ORDER_CANCELLED:
                assert p.balance_due == 0
                if context["to_refund"]:
                    assert D(context["to_refund"]) <= p.refunding + p.refunded


@pytest.mark.slow
@pytest.mark.django_db
def test_money_adds_up_whatever_happens_to_an_order():
    run_state_machine_as_test(
        MoneyStates,
        settings=settings(
            max_examples=int(os.environ.get("MONEY_STATES_EXAMPLES", "30")),
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
