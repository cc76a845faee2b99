"""What staff search orders' customers by, as expressions shared by the indexes (``Order.Meta``) and the
queries (``desk.search``): the shipping address's street, postal code, company and phone, the VAT ID, and
whether the order has a balance due. See core.search for why one expression serves both."""

from __future__ import annotations

from django.db.models import Case, DecimalField, Expression, F, Q, Value, When
from django.db.models.functions import Least
from django.db.models.lookups import GreaterThan

from core.search import digits, squeezed, trigram_index, upper

ORDER_SEARCH_TEXTS: dict[str, Expression] = {
    "street": upper("shipping_address__line1"),
    "postal_code": squeezed("shipping_address__postal_code"),
    "company": upper("shipping_address__company"),
    "phone": digits("shipping_address__phone"),
    "vat_id": squeezed("vat_id"),
}


def unpaid_expression() -> Expression:
    """What the order costs now less what it holds, refunds on their way aside (orders.position: due − net paid):
    above zero, the order has a balance due unless refunds on their way say otherwise."""
    money: DecimalField = DecimalField(max_digits=12, decimal_places=2)
    given_back = Least(F("adjustment_total"), F("total"))
    due = Case(When(status="cancelled", then=Value(0)), default=F("total") - given_back, output_field=money)
    return due + F("kept_total") - F("captured_total") + F("refunded_total")


def unpaid() -> Q:
    return Q(GreaterThan(unpaid_expression(), Value(0)))


ORDER_SEARCH_INDEXES = [
    *(trigram_index(expression, name=f"order_search_{field}") for field, expression in ORDER_SEARCH_TEXTS.items()),
]
