"""``{% load reasons %}``: ``{{ memo.reason|reason }}`` or ``{{ reason|reason }}`` from an email's context
reads a reason in the active language: the code's label, then the note as typed (core.reasons)."""

from django import template

from core.reasons import Reason

register = template.Library()


@register.filter(name="reason")
def reason_text(value) -> str:
    """A Reason, a stored ``{"reason_code", "reason_note"}`` dict, or an older free-text reason."""
    if isinstance(value, Reason):
        return value.text()
    if isinstance(value, dict):
        return Reason.from_data(value).text()
    return Reason.of(value if isinstance(value, str) else None).text()
