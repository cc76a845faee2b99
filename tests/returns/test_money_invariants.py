"""The money of returns, whatever happens: property tests of the arithmetic (``returns.calculations``) and a
state machine that mixes returns with deliveries, edits, staff refunds, cancellations and Pay now on one real
order, checking after every step that the money position adds up and no return refunds or restocks too much.

The arithmetic: a line's units, returned over any sequence of returns (several pieces of one line in one
return too), are worth the line's cost with tax exactly, no piece below zero; fees never exceed what the
refunded units are worth; a return of refunds only never costs the order more.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import User
from core.errors import ApplicationError
from core.money import ZERO, minor_unit, quantize
from core.reasons import Reason, ReasonCode
from editing import services as editing
from editing.models import EditPolicy
from orders import services as orders
from orders.constants import (
    ActorKind,
    DeliveryState,
    PaymentRequestStatus,
    RestRefund,
    ReturnStatus,
    TransactionKind,
    TransactionStatus,
)
from orders.gateway import SUCCESS_CARD
from orders.models import Order, OrderLine, PaymentRequest, Transaction
from orders.services.refunds import send_refund
from returns import services as returns
from returns.calculations import LineFacts, UnitsBack, line_gross, return_money, units_value
from returns.constants import OPEN_STATUSES, Condition, RefundTo, ShippingPayer, units_held
from returns.models import ReturnLine, ReturnPolicy, ReturnReason, ReturnRequest
from returns.selectors import order_lines_for_returns
from returns.services import AskedLine, Received
from storefront.models import DiscountCode, Variant
from tests.editing.conftest import place
from tests.returns.helpers import MUG, SOCKS, SWEATER_L, SWEATER_M, ask, deliver, delivered, receive_all
from tests.returns.helpers import line as line_of

TEE_M = "ORGANIC-COTTON-TEE-M-WHITE"

CURRENCIES = st.sampled_from(["EUR", "JPY"])
PERCENTS = st.sampled_from([ZERO, D("5"), D("12.5"), D("33.33"), D("100")])


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_superuser("returns-invariants@shop.example", "pw-not-used-here")


def money(currency: str, minor: int) -> D:
    return minor * minor_unit(currency)


@st.composite
def pieces(draw, quantity: int) -> list[list[int]]:
    """Some or all of ``quantity`` units split into returns, each return into one or more pieces."""
    left, split = quantity, []
    while left and draw(st.integers(0, 4)):
        return_pieces = []
        for _ in range(draw(st.integers(1, 3))):
            if not left:
                break
            count = draw(st.integers(1, left))
            return_pieces.append(count)
            left -= count
        split.append(return_pieces)
    if draw(st.booleans()) and left:
        split.append([left])  # the rest, so many examples return the whole line
    return split


@settings(max_examples=300, deadline=None)
@given(data=st.data(), currency=CURRENCIES, gross=st.integers(0, 10**7), quantity=st.integers(1, 12))
def test_a_lines_units_add_up_to_its_gross_whatever_returns_they_come_back_in(data, currency, gross, quantity):
    gross = money(currency, gross)
    valued, before = ZERO, 0
    for return_pieces in data.draw(pieces(quantity), label="returns"):
        facts = LineFacts(line_id=1, quantity=quantity, gross=gross, returned_before=before)
        result = return_money(
            lines=[facts],
            units=[
                UnitsBack(line_id=1, quantity=count, store_fault=False, key=key)
                for key, count in enumerate(return_pieces)
            ],
            shipping_gross=ZERO,
            shipping_fee=ZERO,
            currency=currency,
        )
        values = list(result.line_values.values())  # one per piece, by its key
        assert len(values) == len(return_pieces) and all(value >= 0 for value in values), result
        assert sum(values, ZERO) == result.items_value
        valued += result.items_value
        before += sum(return_pieces)
        # Units valued so far never exceed their share of the line, rounded up: never a cent more.
        assert valued == units_value(gross=gross, quantity=quantity, before=0, count=before, currency=currency)
    if before == quantity:
        assert valued == gross
    assert valued <= gross


@st.composite
def orders_and_returns(draw):
    """An order of 1-3 lines (one maybe a fee), shipping, and returns of some or all of their units, each
    piece with a reason (the store's fault or not, a restocking fee) and maybe an exchange."""
    currency = draw(CURRENCIES)
    lines = [
        LineFacts(
            line_id=index + 1,
            quantity=draw(st.integers(1, 6)),
            gross=money(currency, draw(st.integers(0, 10**6))),
            is_fee=index == 2 and draw(st.booleans()),
        )
        for index in range(draw(st.integers(1, 3)))
    ]
    left = {line.line_id: line.quantity for line in lines if not line.is_fee}
    split = []
    for _ in range(draw(st.integers(1, 4))):
        units = []
        for _ in range(draw(st.integers(1, 3))):
            open_lines = sorted(line_id for line_id, units_left in left.items() if units_left)
            if not open_lines:
                break
            line_id = draw(st.sampled_from(open_lines))
            count = draw(st.integers(1, left[line_id]))
            left[line_id] -= count
            exchange = draw(st.booleans())
            units.append(
                UnitsBack(
                    line_id=line_id,
                    quantity=count,
                    store_fault=draw(st.booleans()),
                    restocking_fee_percent=draw(PERCENTS),
                    replacement_gross=money(currency, draw(st.integers(0, 10**6))) if exchange else None,
                    key=len(units),  # a piece of its own, as each return line is
                )
            )
        if units:
            split.append(units)
    shipping = money(currency, draw(st.integers(0, 5000)))
    fee = money(currency, draw(st.integers(0, 3000)))
    return currency, lines, split, shipping, fee


@settings(max_examples=300, deadline=None)
@given(orders_and_returns())
def test_fees_never_exceed_the_value_and_refunds_never_cost_the_order_more(case):
    currency, lines, split, shipping, fee = case
    before = {line.line_id: 0 for line in lines}
    valued = {line.line_id: ZERO for line in lines}
    shipping_refunded = ZERO
    for units in split:
        facts = [
            LineFacts(
                line_id=line.line_id,
                quantity=line.quantity,
                gross=line.gross,
                returned_before=before[line.line_id],
                is_fee=line.is_fee,
            )
            for line in lines
        ]
        result = return_money(lines=facts, units=units, shipping_gross=shipping, shipping_fee=fee, currency=currency)
        values = [result.line_values[unit.key] for unit in units]  # each piece's value
        assert len(result.line_values) == len(units)
        assert all(value >= 0 for value in values)
        refunded = sum((v for v, u in zip(values, units, strict=True) if u.replacement_gross is None), ZERO)
        exchanged = sum((v for v, u in zip(values, units, strict=True) if u.replacement_gross is not None), ZERO)
        assert (result.items_value, result.exchanged_value) == (refunded, exchanged)
        assert min(result.restocking_fee, result.shipping_fee, result.shipping_refund) >= 0
        assert result.restocking_fee + result.shipping_fee <= result.items_value
        assert result.shipping_fee <= fee
        if any(unit.store_fault for unit in units):
            assert result.shipping_fee == 0
        assert result.given_back >= 0
        if all(unit.replacement_gross is None for unit in units):
            assert result.net == result.given_back
            assert result.given_back <= result.items_value + result.shipping_refund
        assert result.exchange_difference == result.replacements - result.exchanged_value
        for unit, value in zip(units, values, strict=True):
            valued[unit.line_id] += value
            before[unit.line_id] += unit.quantity
        shipping_refunded += result.shipping_refund
    for facts in lines:
        assert valued[facts.line_id] <= facts.gross
        if before[facts.line_id] == facts.quantity:
            assert valued[facts.line_id] == facts.gross
    assert shipping_refunded in (ZERO, shipping)  # refunded once, in full, or not at all


# --- found by the properties, pinned on the services ---------------------------------------------------


def _line_gross(line) -> D:
    return line_gross(total=line.total, tax=line.tax_amount, prices_include_tax=line.order.prices_include_tax)


def _returned(order_line) -> D:
    return ReturnLine.objects.filter(order_line=order_line).aggregate(s=Sum("refund_amount"))["s"] or ZERO


@pytest.mark.usefixtures("catalog")
def test_pieces_of_one_line_in_one_return_are_worth_the_line_not_a_cent_more(staff):
    """Three sweaters at 3.33% off cost 258.11: three pieces of one return, each valued as if it came back
    first, were worth 86.04 each, 258.12 in all."""
    DiscountCode.objects.create(code="ODD", percent=D("3.33"))
    order = delivered([(SWEATER_M, 3)], paid="card", discount_code="ODD")
    sweaters = line_of(order, SWEATER_M)
    assert _line_gross(sweaters) == D("258.11")
    request = ask(order, (SWEATER_M, 1, "changed_mind"), (SWEATER_M, 1, "too_small"), (SWEATER_M, 1, "too_big"))
    returns.approve_return(request=request, actor=staff)
    request = receive_all(request, actor=staff)
    assert request.items_value == _returned(sweaters) == D("258.11")
    assert list(request.lines.order_by("pk").values_list("refund_amount", flat=True)) == [
        D("86.04"),
        D("86.03"),
        D("86.04"),
    ]


@pytest.mark.usefixtures("catalog")
def test_each_returned_line_keeps_its_own_units_value_not_its_order_lines(staff):
    """Two mugs back for two reasons: each return line was given both mugs' value (36.00 each, 72.00 for a
    36.00 line)."""
    order = delivered([(MUG, 2), (SOCKS, 1)], paid="card")
    mug = line_of(order, MUG)
    request = ask(order, (MUG, 1, "changed_mind"), (MUG, 1, "damaged"))
    returns.approve_return(request=request, actor=staff)
    request = receive_all(request, actor=staff)
    assert list(request.lines.order_by("pk").values_list("refund_amount", flat=True)) == [D("18.00"), D("18.00")]
    assert _returned(mug) == _line_gross(mug) == request.items_value


@pytest.mark.usefixtures("catalog")
def test_a_return_shrinks_or_withdraws_an_open_pay_now_request(staff):
    """Two sweaters exchanged for a pricier size leave 20.00 to pay by Pay now; socks returned after it lower
    the balance to 5.00 and a mug to nothing: the request asked for 20.00 still (paid, it overpaid)."""
    Variant.objects.filter(sku=SWEATER_L).update(price=D("99.00"))
    order = delivered([(SWEATER_M, 2), (SOCKS, 1), (MUG, 1)], paid="card")
    exchange = ask(order, (SWEATER_M, 2, "too_small", SWEATER_L))
    returns.approve_return(request=exchange, actor=staff)
    exchange = receive_all(exchange, actor=staff)
    assert exchange.payment_request.amount == D("20.00")

    socks = ask(order, (SOCKS, 1, "changed_mind"))
    returns.approve_return(request=socks, actor=staff)
    socks = receive_all(socks, actor=staff)
    order.refresh_from_db()
    assert (socks.refund_amount, order.position.balance_due) == (0, D("5.00"))
    asked = PaymentRequest.objects.get(order=order, status=PaymentRequestStatus.OPEN)
    assert asked.amount == D("5.00")
    exchange.payment_request.refresh_from_db()
    assert exchange.payment_request.status == PaymentRequestStatus.SUPERSEDED

    mug = ask(order, (MUG, 1, "changed_mind"))
    returns.approve_return(request=mug, actor=staff)
    mug = receive_all(mug, actor=staff)
    order.refresh_from_db()
    assert mug.refund_amount == D("13.00")  # 18.00 less the 5.00 still owed
    assert (order.position.balance_due, order.position.credit_due) == (0, 0)
    assert not PaymentRequest.objects.filter(order=order, status=PaymentRequestStatus.OPEN).exists()


@pytest.mark.usefixtures("catalog")
def test_a_replacement_is_priced_as_the_orders_percent_off_prices_it_later(staff):
    """10% off: a sweater (80.10 paid) exchanged for a 99.00 size cost 90.10 (the old 8.90 discount copied), and
    cancelling the socks left unshipped priced it again at 89.10: 27.00 freed less 10.00 owed refunded 18.00."""
    Variant.objects.filter(sku=SWEATER_L).update(price=D("99.00"))
    order = place([(SWEATER_M, 1), (SOCKS, 2)], paid="card", discount_code="WELCOME10")
    order = deliver(order, **{SWEATER_M: 1})
    request = ask(order, (SWEATER_M, 1, "too_small", SWEATER_L))
    returns.approve_return(request=request, actor=staff)
    request = receive_all(request, actor=staff)
    order.refresh_from_db()
    replacement = line_of(order, SWEATER_L)
    assert (replacement.discount_amount, replacement.total) == (D("9.90"), D("89.10"))
    owed = order.position.balance_due
    assert owed == request.exchange_difference == D("9.00")
    orders.record_shipment(order=order, quantities={replacement.pk: 1}, actor_kind=ActorKind.STAFF)
    freed = line_of(order, SOCKS).total
    editing.cancel_unshipped(
        order=order, reason=Reason(ReasonCode.OUT_OF_STOCK, "discontinued"), refund=RestRefund.FULL, actor=staff
    )
    replacement.refresh_from_db()
    assert replacement.total == D("89.10")  # as it was: the cancellation priced it the same
    refunds = Transaction.objects.filter(order=order, kind=TransactionKind.REFUND)
    assert sum(refund.amount for refund in refunds) == freed - owed == D("18.00")


# --- the state machine ----------------------------------------------------------------------------------

# Lines the order starts with, and the variants each product may be exchanged for: pricier sweaters and tees
# (a balance by Pay now), cheaper socks (a refund of the difference); mugs have none.
START = [SWEATER_M, SOCKS, TEE_M, MUG]
PRICES = {"merino-crew-sweater": D("99.00"), "organic-cotton-tee": D("35.00"), "wool-socks": D("12.00")}
REASONS = ["too_small", "too_big", "damaged", "wrong_item", "changed_mind"]
OPEN = frozenset(OPEN_STATUSES)
SETTLED = frozenset({ReturnStatus.RECEIVED, ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED})
SEEN: Counter = Counter()  # what the runs did and reached, printed at the end (``pytest -s``)


@dataclass(frozen=True)
class Facts:
    """What the preconditions read, once per step."""

    statuses: frozenset
    unshipped: bool
    shipped: bool
    refunds: frozenset
    open_request: bool
    in_hand: D


class ReturnStates(RuleBasedStateMachine):
    """One paid order; returns asked, decided, received and refunded among deliveries, edits, staff refunds,
    cancellations of the unshipped rest and Pay now. Each run is a savepoint, rolled back at its end."""

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.staff = User.objects.create_superuser("returns-states@shop.example", "pw-not-used-here")
        self._facts: Facts | None = None
        # At most two staff refunds and one return rejected or withdrawn a run: they would crowd out the rest.
        self.staff_refunds, self.closed = 0, False

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize(
        lines=st.lists(
            st.tuples(st.sampled_from(START), st.integers(1, 3)), min_size=2, max_size=3, unique_by=lambda x: x[0]
        ),
        delivered=st.sampled_from(["all", "all", "some", "none"]),
        customer_pays_shipping=st.booleans(),
        restocking_fee=st.sampled_from([ZERO, D("10")]),
        auto_approve=st.booleans(),
        refund_automatically=st.booleans(),
        code=st.sampled_from(["", "", "WELCOME10"]),  # 10% off (shoppers can't edit such orders)
    )
    def place(self, lines, delivered, customer_pays_shipping, restocking_fee, auto_approve, refund_automatically, code):
        for slug, price in PRICES.items():
            Variant.objects.filter(product__slug=slug).exclude(sku__in=START).update(price=price)  # other sizes
        ReturnPolicy.objects.all().delete()
        ReturnPolicy.objects.create(
            shipping_payer=ShippingPayer.CUSTOMER if customer_pays_shipping else ShippingPayer.STORE,
            shipping_fee=D("4.95"),
            auto_approve=auto_approve,
        )
        ReturnReason.objects.filter(code="changed_mind").update(restocking_fee_percent=restocking_fee)
        EditPolicy.objects.update(refund_automatically=refund_automatically)
        self.initial_stock = dict(Variant.objects.filter(track_inventory=True).values_list("pk", "stock"))
        self.code = code
        order = place(lines, paid="card", discount_code=code)
        self.order_id = order.pk
        if delivered != "none":
            first = list(order.lines.order_by("pk"))
            self.deliver_units(order, {ln.pk: ln.quantity for ln in (first if delivered == "all" else first[:1])})
        SEEN["runs"] += 1

    # --- helpers -------------------------------------------------------------------------------------

    @property
    def order(self) -> Order:
        return Order.objects.get(pk=self.order_id)

    @property
    def facts(self) -> Facts:
        if self._facts is None:
            order = self.order
            lines = list(order.lines.values_list("quantity", "fulfilled_quantity"))
            self._facts = Facts(
                statuses=frozenset(ReturnRequest.objects.filter(order=order).values_list("status", flat=True)),
                unshipped=any(shipped < quantity for quantity, shipped in lines),
                shipped=any(shipped for _quantity, shipped in lines),
                refunds=frozenset(
                    Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).values_list(
                        "status", flat=True
                    )
                ),
                open_request=PaymentRequest.objects.filter(order=order, status=PaymentRequestStatus.OPEN).exists(),
                in_hand=orders.money_in_hand(order),
            )
        return self._facts

    def has_returns_in(self, *statuses) -> bool:
        return not self.facts.statuses.isdisjoint(statuses)

    def returns_in(self, *statuses) -> list[ReturnRequest]:
        return list(ReturnRequest.objects.filter(order_id=self.order_id, status__in=statuses).order_by("pk"))

    def attempt(self, name, action):
        """Run a service; a refusal (an ApplicationError) is an answer, and changes nothing."""
        self._facts = None
        try:
            with transaction.atomic():
                result = action()
        except ApplicationError as error:
            SEEN[f"{name} refused ({error.code})"] += 1
            return None
        SEEN[name] += 1
        return result

    def deliver_units(self, order, quantities):
        """Ship and deliver; the order event listener then closes exchanges whose replacements shipped."""
        shipped = self.attempt(
            "deliver",
            lambda: orders.record_shipment(
                order=order,
                quantities=quantities,
                delivery_state=DeliveryState.DELIVERED,
                actor_kind=ActorKind.STAFF,
            ),
        )
        if shipped is not None:
            returns.mark_exchanged(order_id=order.pk)  # as returns.services.on_order_event after the commit

    # --- deliveries ----------------------------------------------------------------------------------

    @precondition(lambda self: self.facts.unshipped)
    @rule(data=st.data())
    def deliver(self, data):
        order = self.order
        lines = [ln for ln in order.lines.order_by("pk") if ln.unfulfilled_quantity]
        chosen = data.draw(st.lists(st.sampled_from(lines), min_size=1, unique=True), label="lines")
        quantities = {ln.pk: data.draw(st.integers(1, ln.unfulfilled_quantity), label="units") for ln in chosen}
        self.deliver_units(order, quantities)

    # --- returns -------------------------------------------------------------------------------------

    @precondition(lambda self: self.facts.shipped)
    @rule(data=st.data(), staff=st.booleans(), to_credit=st.booleans())
    def ask(self, data, staff, to_credit):
        order = self.order
        offered = [ln for ln in order_lines_for_returns(order) if ln.delivered - ln.spoken_for > 0 and not ln.is_fee]
        if not offered:
            return
        left = {ln.pk: ln.delivered - ln.spoken_for for ln in offered}
        asked = []
        for order_line in data.draw(st.lists(st.sampled_from(offered), min_size=1, max_size=3), label="lines"):
            if not left[order_line.pk]:
                continue
            quantity = data.draw(st.integers(1, left[order_line.pk]), label="quantity")
            left[order_line.pk] -= quantity
            others = list(
                Variant.objects.filter(product_id=order_line.variant.product_id)
                .exclude(pk=order_line.variant_id)
                .order_by("pk")
            )
            exchange = data.draw(st.none() | st.sampled_from(others), label="exchange") if others else None
            asked.append(
                AskedLine(
                    order_line_id=order_line.pk,
                    quantity=quantity,
                    reason_code=data.draw(st.sampled_from(REASONS), label="reason"),
                    exchange_variant_id=exchange.pk if exchange else None,
                )
            )
        self.attempt(
            "ask",
            lambda: returns.request_return(
                order=order,
                lines=asked,
                refund_to=RefundTo.STORE_CREDIT if to_credit else RefundTo.ORIGINAL,
                actor_kind=ActorKind.STAFF if staff else ActorKind.CUSTOMER,
                actor=self.staff if staff else order.customer,
            ),
        )

    @precondition(lambda self: self.has_returns_in(ReturnStatus.REQUESTED))
    @rule(data=st.data())
    def approve(self, data):
        request = data.draw(st.sampled_from(self.returns_in(ReturnStatus.REQUESTED)), label="return")
        self.attempt("approve", lambda: returns.approve_return(request=request, actor=self.staff))

    @precondition(lambda self: self.has_returns_in(*OPEN) and not self.closed)
    @rule(data=st.data(), reject=st.booleans())
    def reject_or_withdraw(self, data, reject):
        request = data.draw(st.sampled_from(self.returns_in(*OPEN)), label="return")
        self.closed = True
        if reject:
            self.attempt(
                "reject", lambda: returns.reject_return(request=request, reason="Worn, tags removed", actor=self.staff)
            )
        else:
            customer = request.order.customer
            self.attempt(
                "withdraw",
                lambda: returns.withdraw_return(request=request, actor_kind=ActorKind.CUSTOMER, actor=customer),
            )

    @precondition(lambda self: self.has_returns_in(ReturnStatus.APPROVED))
    @rule(data=st.data())
    def send_back(self, data):
        request = data.draw(st.sampled_from(self.returns_in(ReturnStatus.APPROVED)), label="return")
        self.attempt(
            "in transit",
            lambda: returns.mark_in_transit(
                request=request, carrier="PostNL", tracking_number="3SRET1", actor_kind=ActorKind.CUSTOMER
            ),
        )

    @precondition(lambda self: self.has_returns_in(ReturnStatus.APPROVED, ReturnStatus.IN_TRANSIT))
    @rule(data=st.data(), by_staff=st.booleans())
    def receive(self, data, by_staff):
        request = data.draw(
            st.sampled_from(self.returns_in(ReturnStatus.APPROVED, ReturnStatus.IN_TRANSIT)), label="return"
        )
        received = {
            piece.pk: Received(
                data.draw(st.just(piece.quantity) | st.integers(0, piece.quantity), label="received"),
                data.draw(st.sampled_from(Condition.values), label="condition"),
            )
            for piece in request.lines.order_by("pk")
        }
        done = self.attempt(
            "receive",
            lambda: returns.receive_return(
                request=request,
                received=received,
                actor_kind=ActorKind.STAFF if by_staff else ActorKind.SYSTEM,
                actor=self.staff if by_staff else None,
            ),
        )
        if done is not None:
            SEEN["receive: exchange diff>0"] += done.exchange_difference > 0
            SEEN["receive: pay now asked"] += done.payment_request_id is not None

    # --- money ---------------------------------------------------------------------------------------

    def refunds(self, status):
        return Transaction.objects.filter(order_id=self.order_id, kind=TransactionKind.REFUND, status=status)

    @precondition(lambda self: TransactionStatus.PENDING in self.facts.refunds)
    @rule()
    def run_refund_jobs(self):
        self._facts = None
        for refund in self.refunds(TransactionStatus.PENDING).order_by("pk"):
            send_refund(refund_id=refund.pk)
        SEEN["refund jobs"] += 1

    @precondition(lambda self: TransactionStatus.AWAITING_APPROVAL in self.facts.refunds)
    @rule(approve=st.booleans())
    def decide_refund(self, approve):
        refund = self.refunds(TransactionStatus.AWAITING_APPROVAL).order_by("pk").first()
        decision = orders.approve_refund if approve else orders.decline_refund
        self.attempt("decide refund", lambda: decision(refund=refund, actor=self.staff))

    @precondition(lambda self: self.facts.in_hand > 0 and self.staff_refunds < 2)
    @rule(fraction=st.sampled_from([D("0.1"), D("0.5"), D("1")]), with_return=st.booleans())
    def staff_refund(self, fraction, with_return):
        order = self.order
        amount = max((self.facts.in_hand * fraction).quantize(D("0.01")), D("0.01"))
        self.staff_refunds += 1
        self.attempt(
            "staff refund",
            lambda: orders.issue_refund(
                order=order, amount=amount, reason="Goodwill", with_return=with_return, actor=self.staff
            ),
        )

    @precondition(lambda self: self.facts.open_request)
    @rule()
    def pay_now(self):
        request = PaymentRequest.objects.get(order_id=self.order_id, status=PaymentRequestStatus.OPEN)
        self.attempt(
            "pay now",
            lambda: orders.pay_payment_request(
                request_id=request.pk,
                card_number=SUCCESS_CARD,
                use_store_credit=False,
                attempt_key=f"returns-states-{uuid.uuid4().hex}",
            ),
        )

    # --- edits and cancellations ---------------------------------------------------------------------

    @precondition(lambda self: self.facts.unshipped and not self.code)
    @rule(data=st.data())
    def shopper_lowers_a_quantity(self, data):
        order = self.order
        lines = [ln for ln in order.lines.order_by("pk") if ln.unfulfilled_quantity]
        target = data.draw(st.sampled_from(lines), label="line")
        alone = not any(ln.quantity for ln in order.lines.exclude(pk=target.pk))  # never its last item
        lowest = max(target.fulfilled_quantity, 1 if alone else 0)
        if lowest >= target.quantity:
            return
        quantity = data.draw(st.integers(lowest, target.quantity - 1), label="quantity")

        def commit():
            session = editing.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
            editing.stage_quantity(session_id=session.pk, line_id=target.pk, quantity=quantity)
            return editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.CUSTOMER, actor=order.customer)

        self.attempt("edit", commit)

    @precondition(lambda self: self.facts.unshipped and self.facts.shipped)
    @rule(refund=st.sampled_from(RestRefund.values))
    def cancel_the_rest(self, refund):
        order = self.order
        self.attempt(
            "cancel rest",
            lambda: editing.cancel_unshipped(
                order=order,
                reason=Reason(ReasonCode.OUT_OF_STOCK, "discontinued"),
                refund=refund,
                amount=D("1.00") if refund == RestRefund.AMOUNT else None,
                actor=self.staff,
            ),
        )

    # --- invariants ----------------------------------------------------------------------------------

    @invariant()
    def hold(self):
        if not hasattr(self, "order_id"):
            return
        order = self.order
        requests = list(ReturnRequest.objects.filter(order=order).order_by("-created_at", "-pk"))
        pieces = list(ReturnLine.objects.filter(request__order=order).select_related("request", "order_line"))
        self.the_money_adds_up(order)
        self.returns_never_give_back_more_than_a_line_cost(order, pieces)
        self.each_return_is_refunded_once_through_its_rows(order, requests)
        self.stock_moves_once_per_unit(pieces)
        SEEN.update(f"status {request.status}" for request in requests)

    def the_money_adds_up(self, order):
        # Every line is priced as editing and cancellations price it again (replacements too): nothing moves
        # when they do.
        for order_line in order.lines.all():
            if not (order_line.is_free or order_line.is_fee):
                percent_off = order_line.subtotal * order.discount_percent / 100
                assert order_line.discount_amount == quantize(percent_off, order.currency), order_line
        p = order.position
        assert p.due == p.net_paid - p.refunding + p.balance_due - p.credit_due
        assert min(p.balance_due, p.credit_due) == 0, p
        assert 0 <= order.refunded_total <= order.captured_total, p
        # Nothing owed to the shopper sits still: it is on its way (no refund fails in this machine).
        assert p.credit_due == 0, p
        # A Pay now link never asks for more than is still to pay.
        asked = PaymentRequest.objects.filter(order=order, status=PaymentRequestStatus.OPEN).aggregate(s=Sum("amount"))
        assert (asked["s"] or ZERO) <= p.balance_due, (asked, p)

    def returns_never_give_back_more_than_a_line_cost(self, order, pieces):
        by_line: dict[int, list[ReturnLine]] = {}
        for piece in pieces:
            by_line.setdefault(piece.order_line_id, []).append(piece)
            assert piece.received_quantity <= piece.quantity, piece
            if piece.exchange_variant_id:
                assert piece.refund_amount == 0, piece
        for order_line in order_lines_for_returns(order):
            mine = by_line.get(order_line.pk, [])
            # Units asked in open returns and received in settled ones: never more than were delivered.
            held = sum(units_held(piece.request.status, piece.quantity, piece.received_quantity) for piece in mine)
            assert held <= order_line.delivered, (order_line, held)
            refunded = sum((piece.refund_amount for piece in mine), ZERO)
            assert refunded <= _line_gross(order_line), (order_line, refunded, _line_gross(order_line))

    def each_return_is_refunded_once_through_its_rows(self, order, requests):
        assert order.return_status == (requests[0].status if requests else ReturnStatus.NONE)
        rows: dict[int, D] = {}
        for memo, amount in Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).values_list(
            "credit_memo_id", "amount"
        ):
            rows[memo] = rows.get(memo, ZERO) + amount
        for request in requests:
            if request.credit_memo_id:
                assert rows.get(request.credit_memo_id) == request.refund_amount > 0, request
            else:
                assert request.refund_amount == 0, request
            if request.status in SETTLED:
                fees = request.restocking_fee + request.shipping_fee
                assert request.refund_amount <= request.items_value - fees + request.shipping_refund, request
            else:
                assert request.received_at is None and request.refund_amount == 0, request

    def stock_moves_once_per_unit(self, pieces):
        """Per variant: stock now = at first − units on the order − replacements reserved + units restocked;
        and a line restocks exactly its resellable units received, once."""
        expected = dict(self.initial_stock)
        for variant_id, quantity in OrderLine.objects.filter(
            order_id=self.order_id, variant__track_inventory=True
        ).values_list("variant_id", "quantity"):
            expected[variant_id] -= quantity
        for piece in pieces:
            if piece.reserved:
                assert piece.request.status in OPEN, piece
                expected[piece.exchange_variant_id] -= piece.quantity
            if piece.order_line.variant_id in expected:
                expected[piece.order_line.variant_id] += piece.restocked_quantity
            resellable = piece.received_quantity if piece.condition == Condition.RESELLABLE else 0
            assert piece.restocked_quantity == resellable, piece
        stock = dict(Variant.objects.filter(pk__in=expected).values_list("pk", "stock"))
        assert stock == expected


@pytest.mark.slow
@pytest.mark.django_db
def test_returns_keep_the_money_and_the_stock_straight_whatever_happens(catalog):
    run_state_machine_as_test(
        ReturnStates,
        settings=settings(
            max_examples=int(os.environ.get("RETURN_STATES_EXAMPLES", "25")),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    print("\nreturn states:", dict(sorted(SEEN.items())))
