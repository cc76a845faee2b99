from decimal import Decimal, InvalidOperation

from django import template
from django.utils import translation

from core import dates
from core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``{{ order.total|money:order.currency }}`` in the active language ("€54.10", "54,10 €")."""
    if amount in (None, ""):
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return ""
    return format_money(value, currency, translation.get_language() or "en")


@register.filter
def absolute(amount):
    """``{{ balance|absolute }}``: the size of an amount whose sign the label already says."""
    try:
        return abs(Decimal(str(amount)))
    except InvalidOperation:
        return amount


@register.filter(name="moment")
def moment_filter(value) -> str:
    """Older name of ``{% load when %}``'s ``deadline`` (core.dates): a time to act by, its zone named."""
    return dates.deadline(value)


@register.filter
def day(value) -> str:
    """``{{ expires_at|day }}``: a date (or an ISO string from a stored context) in the reader's language and
    zone; the same as ``{% load when %}``'s ``day`` (core.dates)."""
    return dates.day(value)
