from django import template

from core import text

register = template.Library()


@register.simple_tag
def gap() -> str:
    """Between two translated sentences, or a label and its value: a space, or nothing in Japanese and Chinese."""
    return text.gap()
