from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format

from core.dates import moment
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
    """``{{ order.edit_window_ends_at|moment }}``: see core.dates.moment."""
    return moment(value)


@register.filter
def day(value) -> str:
    """``{{ expires_at|day }}``: an ISO timestamp from a stored context as a date in the active language."""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed is None:
        return ""
    return date_format(timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed, "DATE_FORMAT")
