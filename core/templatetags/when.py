"""``{% load when %}``: every date and time a shopper or an email reader sees, in their language and zone
(core.dates). ``{{ order.placed_at|when }}``, ``{{ facts.edit_window_ends_at|deadline }}``, ``{{ day|day }}``;
values may be datetimes, dates or ISO strings (stored email contexts)."""

from django import template

from core import dates

register = template.Library()


@register.filter
def when(value) -> str:
    """A moment, the zone named: "December 8, 2026, 5:37 PM CET"."""
    return dates.when(value)


@register.filter
def deadline(value) -> str:
    """A moment to act by: "5:37 PM CET" today, else the whole moment."""
    return dates.deadline(value)


@register.filter
def day(value) -> str:
    """A date: "December 8, 2026"."""
    return dates.day(value)
