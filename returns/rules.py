"""Which units of an order a shopper may send back, and why not: pure functions over plain facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class PolicyTerms:
    """What the rules read of ``ReturnPolicy``."""

    enabled: bool
    window_days: int
    personalized_returnable: bool
    exchanges_allowed: bool


@dataclass(frozen=True)
class LineState:
    """One order line as returns see it."""

    line_id: int
    delivered: int  # units delivered
    spoken_for: int  # units in returns not rejected or withdrawn
    last_delivered_at: datetime | None
    product_returnable: bool
    personalized: bool
    is_fee: bool
    product_id: int | None
    variant_id: int | None


def window_ends(line: LineState, terms: PolicyTerms) -> datetime | None:
    if line.last_delivered_at is None:
        return None
    return line.last_delivered_at + timedelta(days=terms.window_days)


def line_refusal(line: LineState, terms: PolicyTerms, *, now: datetime) -> str | None:
    """Why none of this line's units can be returned now, or None."""
    if line.is_fee:
        return _("Fees can't be returned.")
    if not line.product_returnable:
        return _("This item can't be returned.")
    if line.personalized and not terms.personalized_returnable:
        return _("Personalized items can't be returned.")
    if line.delivered == 0:
        return _("Not delivered yet.")
    ends = window_ends(line, terms)
    if ends is not None and now > ends:
        return _("The return window has closed.")
    if line.delivered - line.spoken_for <= 0:
        return _("Already returned.")
    return None


def returnable_quantity(line: LineState, terms: PolicyTerms, *, now: datetime, staff: bool = False) -> int:
    """Units that may go into a new return. Staff are not held to the window or the product flags."""
    if not staff and line_refusal(line, terms, now=now) is not None:
        return 0
    return max(line.delivered - line.spoken_for, 0)


def order_refusal(
    *, terms: PolicyTerms, cancelled: bool, lines: list[LineState], now: datetime, staff: bool = False
) -> str | None:
    """Why the order offers nothing to return, or None."""
    if not terms.enabled and not staff:
        return _("This store doesn't take returns online; please contact us.")
    if cancelled:
        return _("This order was canceled.")
    if not any(line.delivered for line in lines):
        return _("Returns open once your order is delivered.")
    if not any(returnable_quantity(line, terms, now=now, staff=staff) for line in lines):
        if not staff and any(
            line.delivered - line.spoken_for > 0 and (ends := window_ends(line, terms)) and now > ends for line in lines
        ):
            return _("The return window has closed.")
        return _("Nothing on this order can be returned.")
    return None
