"""Dates as people read them, in the active language."""

from django.utils.formats import date_format, time_format
from django.utils.timezone import localtime


def moment(value) -> str:
    """A date and a 24-hour time ("Nov. 30, 2026 19:42"): unlike "7:42 p.m." it ends cleanly in a sentence."""
    if not value:
        return ""
    value = localtime(value)
    return f"{date_format(value, 'DATE_FORMAT')} {time_format(value, 'H:i')}"
