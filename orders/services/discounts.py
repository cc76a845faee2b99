"""The discounts an order can take: a code's percent, or staff's own (a draft's), checked before pricing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.money import ZERO
from core.reasons import Reason
from orders.errors import OrderError
from storefront.models import DiscountCode


@dataclass(frozen=True)
class StaffDiscount:
    """A discount staff give an order they place for a customer (a draft): a percent off the goods, like a
    code's, or a fixed amount spread over them (``calculations.allocate_discount``), with why."""

    percent: Decimal = ZERO
    amount: Decimal = ZERO
    reason: Reason = Reason()

    def as_data(self) -> dict:
        """What the order's placed event keeps of it."""
        return {"percent": str(self.percent), "amount": str(self.amount), **self.reason.as_data()}


def check_staff_discount(discount: StaffDiscount | None, discount_code: str) -> StaffDiscount | None:
    if discount is None or not (discount.percent or discount.amount):
        return None
    if discount_code.strip():
        raise OrderError(
            _("An order takes a discount code or a staff discount, not both."),
            code="two_discounts",
            fields={"discount_code": [_("Leave empty with a staff discount.")]},
        )
    if discount.percent and discount.amount:
        raise OrderError(
            _("Give a percentage or an amount, not both."),
            code="bad_discount",
            fields={"discount_value": [_("Give a percentage or an amount, not both.")]},
        )
    if not (ZERO <= discount.percent <= 100 and discount.amount >= ZERO):
        raise OrderError(
            _("A percentage is from 0 to 100; an amount is more than zero."),
            code="bad_discount",
            fields={"discount_value": [_("Enter a percentage up to 100 or a positive amount.")]},
        )
    if not discount.reason.code:
        raise OrderError(
            _("Say why the discount is given."), code="no_discount_reason", fields={"reason": [_("Choose a reason.")]}
        )
    return discount


def resolve_discount_code(code: str) -> Decimal:
    if not code:
        return ZERO
    discount = DiscountCode.objects.filter(code__iexact=code.strip(), is_active=True).first()
    if discount is None:
        raise OrderError(
            _("This discount code is not valid."),
            code="bad_discount_code",
            fields={"discount_code": [_("Unknown or expired code.")]},
        )
    return discount.percent
