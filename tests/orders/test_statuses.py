from decimal import Decimal as D

import pytest

from orders.constants import FinancialStatus as F
from orders.constants import FulfillmentStatus as Fu
from orders.constants import OrderStatus as O
from orders.statuses import OrderFacts, derive_financial_status, derive_fulfillment_status, derive_statuses


@pytest.mark.parametrize(
    ("total", "captured", "refunded", "cancelled", "expected"),
    [
        (D("100"), D("0"), D("0"), False, F.PENDING),
        (D("100"), D("60"), D("0"), False, F.PARTIALLY_PAID),  # 5 items ordered, 3 paid for
        (D("100"), D("100"), D("0"), False, F.PAID),
        (D("100"), D("120"), D("0"), False, F.PAID),  # overpaid (total went down after an edit): still paid
        (D("100"), D("100"), D("30"), False, F.PARTIALLY_REFUNDED),
        (D("100"), D("100"), D("100"), False, F.REFUNDED),
        (D("100"), D("100"), D("100"), True, F.REFUNDED),
        (D("100"), D("0"), D("0"), True, F.VOIDED),  # cancelled with nothing captured
        (D("100"), D("40"), D("0"), True, F.PARTIALLY_PAID),  # cancelled, refund still to come
        (D("0"), D("0"), D("0"), False, F.PAID),  # a free order owes nothing
        (D("0"), D("0"), D("0"), True, F.VOIDED),
        (D("100"), D("60"), D("60"), False, F.REFUNDED),
    ],
)
def test_financial_status(total, captured, refunded, cancelled, expected):
    assert derive_financial_status(total=total, captured=captured, refunded=refunded, cancelled=cancelled) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([(5, 0)], Fu.UNFULFILLED),
        ([(5, 3)], Fu.PARTIALLY_FULFILLED),
        ([(5, 5)], Fu.FULFILLED),
        ([(2, 2), (1, 0)], Fu.PARTIALLY_FULFILLED),
        ([(2, 2), (1, 1)], Fu.FULFILLED),
        ([(2, 0), (0, 0)], Fu.UNFULFILLED),
        ([(2, 2), (0, 0)], Fu.FULFILLED),  # a line edited down to zero doesn't hold the order open
        ([], Fu.UNFULFILLED),
    ],
)
def test_fulfillment_status(lines, expected):
    assert derive_fulfillment_status(lines) == expected


@pytest.mark.parametrize(
    ("cancelled", "archived", "expected"),
    [(False, False, O.OPEN), (False, True, O.ARCHIVED), (True, False, O.CANCELLED), (True, True, O.CANCELLED)],
)
def test_order_status(cancelled, archived, expected):
    facts = OrderFacts(total=D("10"), captured=D("10"), refunded=D("0"), cancelled=cancelled, archived=archived)
    assert derive_statuses(facts).status == expected


def test_derive_statuses_combines_all_three():
    facts = OrderFacts(total=D("50"), captured=D("30"), refunded=D("0"), line_quantities=((5, 3),))
    assert derive_statuses(facts) == derive_statuses(facts)  # pure
    statuses = derive_statuses(facts)
    assert (statuses.status, statuses.financial_status, statuses.fulfillment_status) == (
        O.OPEN,
        F.PARTIALLY_PAID,
        Fu.PARTIALLY_FULFILLED,
    )


@pytest.mark.parametrize(
    ("language", "state", "expected"),
    [
        ("en", "in_transit", "Arriving on November 24"),
        ("en", "out_for_delivery", "Out for delivery"),
        ("en", "ready_for_pickup", "Ready for pickup"),
        ("en", "delivered", "Delivered"),
    ],
)
def test_shipment_delivery_label(language, state, expected):
    from datetime import date

    from django.utils import translation

    from orders.models import Fulfillment

    shipment = Fulfillment(delivery_state=state, estimated_arrival=date(2026, 11, 24))
    with translation.override(language):
        assert shipment.delivery_label == expected


def test_in_transit_without_a_date_says_in_transit():
    from orders.models import Fulfillment

    assert Fulfillment(delivery_state="in_transit").delivery_label == "In transit"
