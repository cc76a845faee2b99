"""Status names for pages, looked up once per language.

``order.get_status_display()`` hashes every lazy choice label on each call (a gettext each); on a
list of 20 orders that was a tenth of the page's time.
"""

from functools import lru_cache

from django import template
from django.utils import translation

from orders import presentation
from orders.constants import DeliveryState, FinancialStatus, FulfillmentStatus, OrderStatus, ReturnStatus

register = template.Library()
KINDS = {
    "status": OrderStatus,
    "financial": FinancialStatus,
    "fulfillment": FulfillmentStatus,
    "delivery": DeliveryState,
    "return": ReturnStatus,
}


@lru_cache(maxsize=64)
def _labels(kind: str, language: str) -> dict[str, str]:
    with translation.override(language):
        return {value: str(label) for value, label in KINDS[kind].choices}


@register.filter
def label(value: str, kind: str) -> str:
    """``{{ order.financial_status|label:"financial" }}`` → "Partially paid" in the page's language."""
    return _labels(kind, translation.get_language() or "en").get(value, value)


@register.simple_tag
def discount_reasons(line, order) -> str:
    """``{% discount_reasons line order as why %}``: "Member price −10%, SPRING10" in the page's language."""
    return presentation.discount_reasons(line, order, language=translation.get_language() or "en")
