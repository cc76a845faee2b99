"""Draft orders through their services: built, priced by checkout's pricing, placed through place_order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.reasons import Reason, ReasonCode
from drafts import selectors, services
from drafts.constants import DiscountKind, DraftStatus, Payment
from drafts.errors import DraftConflict, DraftError
from drafts.models import DraftLine, DraftOrder
from editing import services as editing
from editing.staged import StagedChanges  # noqa: F401  (editing's engine is what a placed draft is edited with)
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import ActorKind, EventType, FinancialStatus, PaymentRequestStatus, TransactionKind
from orders.errors import OrderError
from orders.gateway import SUCCESS_CARD
from orders.models import Order
from orders.services import pay_payment_request
from storefront.models import StoreSettings, Variant
from tests.drafts.conftest import build_draft, sku

pytestmark = pytest.mark.django_db

SWEATER, SOCKS = "MERINO-CREW-SWEATER-M-NAVY", "WOOL-SOCKS-M-GREY"


def quoted(draft: DraftOrder):
    draft, lines = selectors.draft_with_lines(draft.pk)
    return selectors.quote_draft(draft, lines)


def test_a_draft_holds_no_stock_and_is_no_order(customer, agent):
    stock = sku(SWEATER).stock
    draft = build_draft(customer, agent, items=[(SWEATER, 2)])
    assert sku(SWEATER).stock == stock
    assert not Order.objects.exists()
    assert draft.lines.get().quantity == 2
    # The same item again adds to its line.
    services.add_draft_line(draft_id=draft.pk, variant_id=sku(SWEATER).pk, quantity=1, actor=agent)
    assert DraftLine.objects.get(draft=draft).quantity == 3


def test_placing_with_a_link_charges_what_was_quoted_and_emails_the_link(customer, agent):
    draft = build_draft(customer, agent, items=[(SWEATER, 1), (SOCKS, 2)])
    services.set_draft_discount(
        draft_id=draft.pk,
        kind=DiscountKind.AMOUNT,
        value=Decimal("10"),
        reason=Reason(ReasonCode.CUSTOMER_REQUEST, "Bought in bulk"),
        actor=agent,
    )
    quote = quoted(draft)
    assert quote.totals.subtotal == Decimal("119.00") and quote.totals.discount == Decimal("10.00")
    assert quote.totals.total == Decimal("109.00")  # NL standard: free from 75
    stock = sku(SOCKS).stock
    draft.refresh_from_db()

    order = services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)

    assert (order.total, order.discount_total, order.fixed_discount) == (Decimal("109.00"), Decimal("10.00"), 10)
    assert sum(line.discount_amount for line in order.lines.all()) == Decimal("10.00")
    assert [line.total for line in order.lines.order_by("position")] == [a.total for a in quote.totals.lines]
    assert order.financial_status == FinancialStatus.PENDING and order.language == "nl"
    assert sku(SOCKS).stock == stock - 2
    request = order.payment_requests.get()
    assert (request.status, request.amount) == (PaymentRequestStatus.OPEN, Decimal("109.00"))
    needed = Message.objects.get(kind=MessageKind.PAYMENT_NEEDED)
    assert needed.recipient == customer.email and needed.language == "nl"
    placed = order.events.get(type=EventType.PLACED)
    assert (placed.actor_kind, placed.actor) == (ActorKind.STAFF, agent)
    assert placed.data["draft"] == draft.pk
    assert placed.data["staff_discount"] == {
        "percent": "0",
        "amount": "10.00",
        "reason_code": "customer_request",
        "reason_note": "Bought in bulk",
    }
    draft.refresh_from_db()
    assert (draft.status, draft.order) == (DraftStatus.PLACED, order)


def test_a_percentage_discount_is_the_orders_discount(customer, agent):
    draft = build_draft(customer, agent, items=[(SWEATER, 1)])
    services.set_draft_discount(
        draft_id=draft.pk,
        kind=DiscountKind.PERCENT,
        value=Decimal("10"),
        reason=Reason(ReasonCode.GOODWILL),
        actor=agent,
    )
    draft.refresh_from_db()
    order = services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    assert (order.discount_percent, order.discount_total, order.total) == (10, Decimal("8.90"), Decimal("80.10"))
    assert order.discount_code == ""


def test_a_placed_drafts_fixed_discount_survives_an_edit_and_locks_shopper_edits(customer, agent):
    draft = build_draft(customer, agent, items=[(SWEATER, 1)])
    services.set_draft_discount(
        draft_id=draft.pk, kind=DiscountKind.AMOUNT, value=Decimal("20"), reason=Reason(ReasonCode.LATE), actor=agent
    )
    draft.refresh_from_db()
    order = services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    refusals = editing.edit_refusals(order=order, actor_kind=ActorKind.CUSTOMER)
    assert [refusal.code for refusal in refusals] == ["discount_locked"]
    assert editing.edit_refusals(order=order, actor_kind=ActorKind.STAFF) == []

    session = editing.begin_edit(order=order, actor_kind=ActorKind.STAFF, actor=agent)
    editing.stage_addition(session_id=session.pk, variant_id=sku(SOCKS).pk, quantity=1)
    editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.STAFF, actor=agent)
    order.refresh_from_db()
    assert (order.subtotal, order.discount_total, order.total) == (
        Decimal("104.00"),
        Decimal("20.00"),
        Decimal("84.00"),
    )


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda d, a, c: services.add_draft_line(draft_id=d.pk, variant_id=sku(SWEATER).pk, quantity=0, actor=a),
            "quantity",
        ),
        (lambda d, a, c: services.add_draft_line(draft_id=d.pk, variant_id=0, quantity=1, actor=a), "variant"),
        (
            lambda d, a, c: services.set_draft_quantity(
                draft_id=d.pk, line_id=d.lines.get().pk, quantity=1000, actor=a
            ),
            None,
        ),
        (lambda d, a, c: services.choose_draft_address(draft_id=d.pk, address_id=c.pk, actor=a), "address"),
        (lambda d, a, c: services.choose_draft_delivery(draft_id=d.pk, actor=a), "delivery"),
        (
            lambda d, a, c: services.set_draft_discount(
                draft_id=d.pk, kind="percent", value=Decimal("150"), reason=Reason(ReasonCode.GOODWILL), actor=a
            ),
            "discount_value",
        ),
        (
            lambda d, a, c: services.set_draft_discount(
                draft_id=d.pk, kind="amount", value=Decimal("5"), reason=Reason(), actor=a
            ),
            "reason",
        ),
        (
            lambda d, a, c: services.set_draft_discount(
                draft_id=d.pk, kind="amount", value=Decimal("5"), reason=Reason(ReasonCode.OTHER), actor=a
            ),
            "note",
        ),
        (
            lambda d, a, c: services.set_draft_discount(
                draft_id=d.pk, kind="amount", value=Decimal("150"), reason=Reason(ReasonCode.GOODWILL), actor=a
            ),
            "discount_value",  # above the agent's refund limit (100)
        ),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(customer, agent, call, field):
    draft = build_draft(customer, agent)
    other = services.create_draft(actor=agent, email="someone@example.com").customer
    from accounts.models import Address

    foreign = Address.objects.create(user=other, name="X", line1="Y", city="Z", country="NL")
    before = DraftOrder.objects.values().get(pk=draft.pk)
    lines = list(DraftLine.objects.filter(draft=draft).values())
    with pytest.raises(DraftError) as refused:
        call(draft, agent, foreign)
    if field:
        assert field in refused.value.fields
    else:
        assert refused.value.fields
    assert DraftOrder.objects.values().get(pk=draft.pk) == before
    assert list(DraftLine.objects.filter(draft=draft).values()) == lines


def test_a_manager_may_give_more_than_an_agents_limit(customer, manager):
    draft = build_draft(customer, manager, method="pickup")
    services.set_draft_discount(
        draft_id=draft.pk, kind="amount", value=Decimal("150"), reason=Reason(ReasonCode.GOODWILL), actor=manager
    )
    draft.refresh_from_db()
    order = services.place_draft(draft_id=draft.pk, version=draft.version, actor=manager, payment=Payment.LINK)
    assert (order.discount_total, order.total, order.financial_status) == (Decimal("89.00"), 0, FinancialStatus.PAID)
    assert not order.payment_requests.exists()  # nothing to pay: no link


def test_an_agents_percentage_above_their_limit_is_refused_at_placing(customer, agent):
    draft = build_draft(customer, agent, items=[(SWEATER, 3)])
    services.set_draft_discount(
        draft_id=draft.pk, kind="percent", value=Decimal("50"), reason=Reason(ReasonCode.GOODWILL), actor=agent
    )
    draft.refresh_from_db()
    with pytest.raises(DraftError) as refused:
        services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    assert "discount_value" in refused.value.fields
    assert not Order.objects.exists() and DraftOrder.objects.get().status == DraftStatus.OPEN


def test_placing_against_an_older_version_is_refused(customer, agent):
    draft = build_draft(customer, agent)
    services.add_draft_line(draft_id=draft.pk, variant_id=sku(SOCKS).pk, quantity=1, actor=agent)
    with pytest.raises(DraftConflict):
        services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    assert not Order.objects.exists()


def test_placing_out_of_stock_leaves_no_order_and_the_draft_open(customer, agent):
    draft = build_draft(customer, agent, items=[(SWEATER, 2)])
    Variant.objects.filter(sku=SWEATER).update(stock=1)
    with pytest.raises(OrderError) as refused:
        services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    assert refused.value.code == "out_of_stock"
    assert not Order.objects.exists() and not Message.objects.exists()
    assert DraftOrder.objects.get().status == DraftStatus.OPEN and sku(SWEATER).stock == 1


def test_a_placed_draft_can_no_longer_change(customer, agent):
    draft = build_draft(customer, agent)
    services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    with pytest.raises(DraftConflict):
        services.add_draft_line(draft_id=draft.pk, variant_id=sku(SOCKS).pk, quantity=1, actor=agent)
    with pytest.raises(DraftConflict):
        services.discard_draft(draft_id=draft.pk, actor=agent)


def test_only_managers_record_a_payment_taken_elsewhere(customer, agent, manager):
    draft = build_draft(customer, agent)
    with pytest.raises(DraftError) as refused:
        services.place_draft(
            draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.ELSEWHERE, reference="BT-1"
        )
    assert refused.value.code == "not_allowed" and not Order.objects.exists()

    order = services.place_draft(
        draft_id=draft.pk, version=draft.version, actor=manager, payment=Payment.ELSEWHERE, reference="BT-1"
    )
    assert order.financial_status == FinancialStatus.PAID
    payment = order.transactions.get()
    assert (payment.kind, payment.gateway, payment.gateway_reference) == (TransactionKind.CHARGE, "manual", "BT-1")
    assert payment.reason_code == ReasonCode.PAID_ELSEWHERE and payment.created_by == manager
    assert not order.payment_requests.exists()
    assert Message.objects.filter(kind=MessageKind.ORDER_CONFIRMATION).count() == 1


def test_recording_a_payment_after_the_link_withdraws_the_link(customer, agent, manager):
    draft = build_draft(customer, agent)
    order = services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    request = order.payment_requests.get()
    with pytest.raises(DraftError):
        services.record_draft_payment(draft_id=draft.pk, actor=agent, reference="BT-2")
    order = services.record_draft_payment(draft_id=draft.pk, actor=manager, reference="BT-2")
    assert order.financial_status == FinancialStatus.PAID
    request.refresh_from_db()
    assert request.status == PaymentRequestStatus.CANCELLED
    with pytest.raises(OrderError) as refused:
        pay_payment_request(request_id=request.pk, card_number=SUCCESS_CARD, use_store_credit=False, attempt_key="a")
    assert refused.value.code == "request_cancelled"
    assert order.transactions.count() == 1
    with pytest.raises(OrderError):  # paid: nothing left to record
        services.record_draft_payment(draft_id=draft.pk, actor=manager)


def test_a_new_customer_is_made_from_an_email(db, agent):
    StoreSettings.load()
    draft = services.create_draft(actor=agent, email=" New.Person@Example.com ", name="New Person", language="de")
    assert draft.customer.email == "new.person@example.com"
    assert (draft.customer.profile.name, draft.customer.profile.language) == ("New Person", "de")
    for email, field in [("not-an-email", "email"), (agent.email, "email")]:
        with pytest.raises(DraftError) as refused:
            services.create_draft(actor=agent, email=email)
        assert field in refused.value.fields
    with pytest.raises(DraftError):
        services.create_draft(actor=agent, customer_id=agent.pk)  # staff are no customers
    assert DraftOrder.objects.count() == 1


def test_discarding_an_open_draft(customer, agent):
    draft = build_draft(customer, agent)
    services.discard_draft(draft_id=draft.pk, actor=agent)
    assert not DraftOrder.objects.exists() and not DraftLine.objects.exists()


def test_every_change_bumps_the_version_and_names_who(customer, agent, manager):
    draft = services.create_draft(actor=agent, customer_id=customer.pk)
    versions = [draft.version]
    draft = services.add_draft_line(draft_id=draft.pk, variant_id=sku(SOCKS).pk, quantity=1, actor=manager)
    versions.append(draft.version)
    draft = services.set_draft_quantity(draft_id=draft.pk, line_id=draft.lines.get().pk, quantity=3, actor=manager)
    versions.append(draft.version)
    assert versions == [1, 2, 3]
    draft.refresh_from_db()
    assert (draft.created_by, draft.updated_by) == (agent, manager)
