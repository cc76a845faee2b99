"""Finding a customer from whatever the agent has in hand: email, name, phone, street, postal code, company,
VAT ID or an order number, in their address book or on any of their orders.

The whole query is one term (pasted phone numbers, postal codes and streets have spaces in them), matched
as a substring in capitals; postal codes and VAT IDs also without spaces, phones by their digits alone.
Each field has a trigram index on exactly the expression searched (accounts.models, orders.search), and the
matches are one ``UNION`` of customer ids, so every field answers from an index at any size.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet

from accounts.models import Address, CustomerProfile, User
from core.search import MIN_SUBSTRING, contains, digits, squeezed, upper
from orders.models import Order
from orders.search import ORDER_SEARCH_TEXTS

PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
ORDER_NUMBER = re.compile(r"^#?(\d{1,9})$")


def matching_customer_ids(query: str) -> QuerySet | None:
    """The ids of every customer ``query`` names, as one subquery; None when it is too short to search."""
    term = " ".join(query.split())
    parts: list[QuerySet] = []
    if number := ORDER_NUMBER.match(term):
        parts.append(Order.objects.filter(number=int(number.group(1))).values("customer_id"))
    if len(term) >= MIN_SUBSTRING:
        capitals, compact = term.upper(), term.replace(" ", "").upper()
        parts += [
            User.objects.filter(contains(upper("email"), capitals)).values("id"),
            CustomerProfile.objects.filter(contains(upper("name"), capitals)).values("user_id"),
            Address.objects.filter(contains(upper("line1"), capitals) | contains(upper("company"), capitals)).values(
                "user_id"
            ),
            Order.objects.filter(
                contains(ORDER_SEARCH_TEXTS["street"], capitals) | contains(ORDER_SEARCH_TEXTS["company"], capitals)
            ).values("customer_id"),
        ]
        if len(compact) >= MIN_SUBSTRING:
            parts += [
                CustomerProfile.objects.filter(contains(squeezed("vat_id"), compact)).values("user_id"),
                Address.objects.filter(contains(squeezed("postal_code"), compact)).values("user_id"),
                Order.objects.filter(
                    contains(ORDER_SEARCH_TEXTS["postal_code"], compact)
                    | contains(ORDER_SEARCH_TEXTS["vat_id"], compact)
                ).values("customer_id"),
            ]
    phone = re.sub(r"\D", "", term)
    if PHONE.match(term) and len(phone) >= MIN_SUBSTRING:
        parts += [
            Address.objects.filter(contains(digits("phone"), phone)).values("user_id"),
            Order.objects.filter(contains(ORDER_SEARCH_TEXTS["phone"], phone)).values("customer_id"),
        ]
    if not parts:
        return None
    first, *rest = (part.order_by() for part in parts)
    return first.union(*rest) if rest else first


def id_list(ids: QuerySet) -> list[int]:
    """The ids of ``matching_customer_ids`` read once (each row of the union is one column)."""
    return [value for row in ids for value in row.values()]


CUSTOMER_PICK_LIMIT = 20


def customers_to_pick(query: str, *, limit: int = CUSTOMER_PICK_LIMIT) -> list[User]:
    """Shopper accounts (never staff) ``query`` names, by the same search as the customer list, with their
    profiles, by email: for staff picking a customer (a draft order's)."""
    ids = matching_customer_ids(query.strip()[:100])
    if ids is None:
        return []
    return list(
        User.objects.filter(is_staff=False, pk__in=ids)
        .select_related("profile", "profile__group")
        .order_by("email")[:limit]
    )
