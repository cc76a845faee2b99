"""Reads of draft orders for the staff pages: the list, one draft with its lines, and its totals quoted by
``orders``' checkout pricing (``quote_order``: the customer's group and tax exemption, shipping rated for the
destination, tax), so what staff see is what ``place_order`` will charge."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import Address
from core.errors import ApplicationError
from drafts.models import DraftLine, DraftOrder
from drafts.services import staff_discount
from orders.calculations import LineAmounts, Totals
from orders.services import LineRequest
from orders.services.placing import quote_order


def draft_list() -> QuerySet[DraftOrder]:
    """The list's rows with their customer, who changed them, the order they became and a line count: one
    query whatever the number of rows."""
    return DraftOrder.objects.select_related("customer", "customer__profile", "updated_by", "order").annotate(
        line_count=Count("lines")
    )


def draft_with_lines(draft_id: int) -> tuple[DraftOrder, list[DraftLine]]:
    draft = get_object_or_404(
        DraftOrder.objects.select_related(
            "customer", "customer__profile", "customer__profile__group", "shipping_method", "pickup_location", "order"
        ),
        pk=draft_id,
    )
    lines = list(draft.lines.select_related("variant", "variant__product").order_by("pk"))
    return draft, lines


def address_book(draft: DraftOrder) -> list[Address]:
    return list(Address.objects.filter(user_id=draft.customer_id).order_by("-is_default", "pk"))


@dataclass
class DraftQuote:
    lines: list[tuple[DraftLine, LineAmounts | None]] = field(default_factory=list)
    totals: Totals | None = None
    problem: str = ""  # why there are no totals yet (no delivery chosen, a refusal place_order would give)


def quote_draft(draft: DraftOrder, lines: list[DraftLine]) -> DraftQuote:
    """The draft priced now as checkout would price it, or why it can't be yet."""
    if not lines:
        return DraftQuote(problem=_("Add items to see the totals."))
    if draft.shipping_method_id is None and draft.pickup_location_id is None:
        return DraftQuote(lines=[(line, None) for line in lines], problem=_("Choose delivery to see the totals."))
    try:
        priced = quote_order(
            email=draft.customer.email,
            lines=[LineRequest(variant_id=line.variant_id, quantity=line.quantity) for line in lines],
            shipping_address=draft.shipping_address if draft.shipping_method_id else None,
            shipping_method=draft.shipping_method,
            pickup_location=draft.pickup_location,
            staff_discount=staff_discount(draft),
        )
    except ApplicationError as error:
        return DraftQuote(lines=[(line, None) for line in lines], problem=str(error.message))
    return DraftQuote(lines=list(zip(lines, priced.totals.lines, strict=True)), totals=priced.totals)
