"""An order's money position: every figure a person sees about what was paid, given back and is still
due, from one pure function of the order's ledger sums.

Pages, emails, the APIs and admin all read it, so they agree, and in every state it adds up::

    due = net_paid − refunding + balance_due − credit_due

where ``due`` is what the order costs now (nothing once cancelled or voided; less goodwill and returns),
plus what the store decided to keep (a refund staff declined, a cancellation without a refund),
``refunding`` what is on its way back (refunds pending at the gateway or awaiting approval), and at
most one of ``balance_due`` (the shopper owes) and ``credit_due`` (owed to the shopper, not yet on its
way) is above zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO


@dataclass(frozen=True)
class MoneyPosition:
    currency: str
    total: Decimal  # the order's total as placed and edited
    given_back: Decimal  # goodwill and returns staff gave outside edits
    cancelled: Decimal  # the rest of the total, once the order is cancelled or voided
    paid: Decimal  # captured, card and store credit
    refunded: Decimal  # refunds that went through
    refunding: Decimal  # refunds on their way: pending at the gateway or awaiting approval
    kept: Decimal = ZERO  # what the store decided to keep beyond what the order costs (not owed back)

    @property
    def due(self) -> Decimal:
        return self.total - self.given_back - self.cancelled + self.kept

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def held(self) -> Decimal:
        """What the store keeps once the refunds on their way have gone."""
        return self.net_paid - self.refunding

    @property
    def balance_due(self) -> Decimal:
        return max(self.due - self.held, ZERO)

    @property
    def credit_due(self) -> Decimal:
        return max(self.held - self.due, ZERO)


def money_position(
    *,
    currency: str,
    total: Decimal,
    adjustment_total: Decimal,
    captured_total: Decimal,
    refunded_total: Decimal,
    refunding: Decimal,
    cancelled: bool,
    kept_total: Decimal = ZERO,
) -> MoneyPosition:
    given_back = min(adjustment_total, total)
    return MoneyPosition(
        currency=currency,
        total=total,
        given_back=given_back,
        cancelled=total - given_back if cancelled else ZERO,
        paid=captured_total,
        refunded=refunded_total,
        refunding=refunding,
        kept=kept_total,
    )
