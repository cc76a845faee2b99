"""``{% load invoice_figures %}``: a VAT rate as the active language writes a percentage ("21%", "21 %")."""

from decimal import Decimal

from babel.numbers import format_percent
from django import template
from django.utils import translation

from core.money import to_babel_locale

register = template.Library()


@register.filter
def tax_percent(rate) -> str:
    """0.21 → "21%"; 0.055 → "5.5%" (never rounded)."""
    locale = to_babel_locale(translation.get_language() or "en")
    return format_percent(Decimal(str(rate)), locale=locale, decimal_quantization=False)
