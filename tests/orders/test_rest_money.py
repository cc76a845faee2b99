"""The arithmetic of cancelling the unshipped rest (orders.calculations): what the items freed is refunded and
kept exactly, and the order's money position adds up afterwards, whatever was paid (property, hypothesis)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.calculations import LineInput, calculate_totals, split_rest_money, totals_of_shipped
from orders.constants import RestRefund
from orders.position import money_position

CENTS = st.integers(min_value=0, max_value=100_000).map(lambda cents: D(cents) / 100)


@given(
    total=CENTS,
    cancelled_share=st.integers(min_value=0, max_value=100),
    paid_share=st.integers(min_value=0, max_value=150),
    refunded_share=st.integers(min_value=0, max_value=100),
    choice=st.sampled_from(RestRefund.values),
    amount_share=st.integers(min_value=1, max_value=100),
)
def test_refund_and_kept_add_up_to_what_the_items_freed_and_the_position_holds(
    total, cancelled_share, paid_share, refunded_share, choice, amount_share
):
    value = (total * cancelled_share / 100).quantize(D("0.01"))
    captured = (total * paid_share / 100).quantize(D("0.01"))
    refunded = (captured * refunded_share / 100).quantize(D("0.01"))
    held, due_after = captured - refunded, total - value
    freed = max(held - due_after, D("0")) - max(held - total, D("0"))
    amount = max((freed * amount_share / 100).quantize(D("0.01")), D("0.01"))
    if choice == RestRefund.AMOUNT and amount > freed:
        with pytest.raises(ValueError):
            split_rest_money(held=held, due_before=total, due_after=due_after, refund=choice, amount=amount)
        return
    money = split_rest_money(held=held, due_before=total, due_after=due_after, refund=choice, amount=amount)
    assert money.freed == freed and money.refund + money.keep == money.freed
    assert money.refund >= 0 and money.keep >= 0 and money.freed <= value
    # What settling does next (editing.settlement): the gap between held and what the order now costs.
    on_its_way = max(held - (due_after + money.keep), D("0"))
    assert on_its_way == money.owed_before + money.refund
    p = money_position(
        currency="EUR",
        total=due_after,
        adjustment_total=D("0"),
        captured_total=captured,
        refunded_total=refunded,
        refunding=on_its_way,
        cancelled=False,
        kept_total=money.keep,
    )
    assert p.due == p.net_paid - p.refunding + p.balance_due - p.credit_due
    assert p.credit_due == 0 and p.balance_due == max(due_after - held, D("0"))


@pytest.mark.parametrize(
    ("held", "choice", "amount", "refund", "keep"),
    [
        ("130.00", RestRefund.FULL, None, "30.00", "0"),  # paid in full
        ("130.00", RestRefund.AMOUNT, "12.50", "12.50", "17.50"),
        ("130.00", RestRefund.NONE, None, "0", "30.00"),
        ("110.00", RestRefund.FULL, None, "10.00", "0"),  # partly paid: only what was paid beyond the rest
        ("100.00", RestRefund.FULL, None, "0", "0"),  # paid less than what shipped: nothing freed
        ("140.00", RestRefund.NONE, None, "0", "30.00"),  # 10.00 owed before stays owed (settled as before)
    ],
)
def test_split_table(held, choice, amount, refund, keep):
    money = split_rest_money(
        held=D(held), due_before=D("130.00"), due_after=D("100.00"), refund=choice, amount=amount and D(amount)
    )
    assert (money.refund, money.keep) == (D(refund), D(keep))


def test_shipped_totals_keep_shipping_and_drop_lines_with_nothing_shipped():
    lines = [LineInput(D("89.00"), 1, D("0.21")), LineInput(D("15.00"), 2, D("0.21"))]
    totals = totals_of_shipped(
        lines=lines,
        shipped=[1, 0],
        shipping_price=D("4.95"),
        shipping_tax_rate=D("0.21"),
        discount_percent=D("10"),
        prices_include_tax=True,
        currency="EUR",
    )
    only_sweater = calculate_totals(
        lines=lines[:1],
        shipping_price=D("4.95"),
        shipping_tax_rate=D("0.21"),
        discount_percent=D("10"),
        prices_include_tax=True,
        currency="EUR",
    )
    assert totals == only_sweater and len(totals.lines) == 1 and totals.shipping == D("4.95")
