from django.utils import translation
from django.utils.translation import gettext as _

from core.money import format_money


def settlement_message(order, settlement, *, cancelled: bool = False) -> str:
    """The sentence shown after confirming: what happened and what happens with the money."""
    language = translation.get_language() or "en"
    money = lambda amount: format_money(amount, order.currency, language)  # noqa: E731
    if cancelled:
        first = _("Order #%(number)s is canceled.") % {"number": order.number}
    else:
        first = _("Your changes are confirmed. New total: %(total)s.") % {"total": money(order.total)}
    rest = (
        " " + _("The rest of the order, %(amount)s, is still due.") % {"amount": money(settlement.left_due)}
        if settlement.left_due
        else ""
    )
    if settlement.payment_request:
        return (
            f"{first} "
            + _("Still to pay: %(amount)s. We've emailed you a link to pay.")
            % {"amount": money(settlement.payment_request.amount)}
            + rest
        )
    if rest:
        return first + rest
    if settlement.refunds:
        if settlement.refund_awaits_approval:
            return f"{first} " + _("We'll refund %(amount)s once our team has checked the change.") % {
                "amount": money(settlement.refund_amount)
            }
        return f"{first} " + _("We're refunding %(amount)s to your original payment method.") % {
            "amount": money(settlement.refund_amount)
        }
    return first
