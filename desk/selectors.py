"""Reads of the service desk: the customer list's figures, a customer's page and the timelines (order events
and internal notes as one list of sentences). Query counts stay flat in the number of rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Max, Prefetch, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import Address, User
from desk.models import Note
from orders.models import Order, OrderEvent, StoreCreditEntry
from orders.presentation import audit_sentence, event_actor, one_line_address
from orders.selectors import refunding
from returns.models import ReturnLine, ReturnRequest

# A customer's page lists this many of their orders, timeline entries and ledger rows, newest first.
PAGE_ROWS = 100


def with_order_figures(customers: list) -> list:
    """The customer list's columns for one page of rows: how many orders, what they paid net of refunds, when
    they last ordered. One grouped query over those customers' orders (by the customer index), after the page
    is cut: as annotations, PostgreSQL would work them out for every row an OFFSET skips too."""
    money: DecimalField = DecimalField(max_digits=14, decimal_places=2)
    figures = {
        row["customer_id"]: row
        for row in Order.objects.filter(customer_id__in=[customer.pk for customer in customers])
        .order_by()
        .values("customer_id")
        .annotate(
            order_count=Count("pk"),
            spent=Sum(F("captured_total") - F("refunded_total"), output_field=money),
            last_order_at=Max("placed_at"),
        )
    }
    for customer in customers:
        row = figures.get(customer.pk, {})
        customer.order_count = row.get("order_count", 0)
        customer.spent = row.get("spent") or Decimal("0")
        customer.last_order_at = row.get("last_order_at")
    return customers


def owing(customers: QuerySet) -> QuerySet:
    """Customers with a balance due on any order: their count of owing orders, kept as orders change
    (``orders.OwingCustomer``), read through its small partial index."""
    return customers.filter(owing__orders__gt=0)


@dataclass(frozen=True)
class Entry:
    """One line of a timeline: an order event as a sentence, or an internal note."""

    at: datetime
    who: str
    text: str
    order_id: int | None = None
    order_number: int | None = None
    is_note: bool = False
    shown_to_customer: bool = False


def _event_entries(events, language: str) -> list[Entry]:
    return [
        Entry(
            at=event.created_at,
            who=event_actor(event),
            text=audit_sentence(event, currency=event.order.currency, language=language),
            order_id=event.order_id,
            order_number=event.order.number,
            shown_to_customer=event.customer_visible,
        )
        for event in events
    ]


def _note_entries(notes) -> list[Entry]:
    return [
        Entry(
            at=note.created_at,
            who=note.author.email if note.author else "—",
            text=note.text,
            order_id=note.order_id,
            order_number=note.order.number if note.order else None,
            is_note=True,
        )
        for note in notes
    ]


def order_timeline(order: Order) -> list[Entry]:
    """The order's events and notes, oldest first (two queries)."""
    language = get_language() or "en"
    events = OrderEvent.objects.filter(order=order).select_related("actor", "order").order_by("created_at", "id")
    notes = Note.objects.filter(order=order).select_related("author", "order")
    return sorted([*_event_entries(events, language), *_note_entries(notes)], key=lambda entry: entry.at)


def customer_timeline(customer: User, *, limit: int = PAGE_ROWS) -> list[Entry]:
    """The newest ``limit`` entries across all the customer's orders and notes, newest first (two queries)."""
    language = get_language() or "en"
    events = (
        OrderEvent.objects.filter(order__customer=customer)
        .select_related("actor", "order")
        .order_by("-created_at", "-id")[:limit]
    )
    notes = Note.objects.filter(customer=customer).select_related("author", "order").order_by("-created_at", "-id")
    entries = [*_event_entries(events, language), *_note_entries(notes[:limit])]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]


def return_timeline(request: ReturnRequest) -> list[Entry]:
    """The order's events about one return, oldest first (one query)."""
    language = get_language() or "en"
    events = (
        OrderEvent.objects.filter(order_id=request.order_id, data__return=request.pk)
        .select_related("actor", "order")
        .order_by("created_at", "id")
    )
    return _event_entries(events, language)


def with_return_lines(returns: QuerySet) -> QuerySet:
    """Returns with their lines' reasons: the queue's reasons and item counts in one more query per page."""
    return returns.select_related("order").prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("reason").order_by("pk"))
    )


def return_page(pk: int) -> ReturnRequest:
    """One return for its staff page: its order, customer, money rows and lines with what they return and what
    replaces them (the replacement's current stock, its line on the order), in two queries."""
    lines = ReturnLine.objects.select_related("order_line", "exchange_variant", "reason", "exchange_line").order_by(
        "pk"
    )
    return (
        ReturnRequest.objects.select_related("order__customer", "requested_by_staff", "credit_memo", "payment_request")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .get(pk=pk)
    )


@dataclass(frozen=True)
class CustomerPage:
    orders: Sequence[Order]
    more_orders: bool
    addresses: list[tuple[Address, str]]
    credit: list[StoreCreditEntry]
    credit_balances: dict[str, Decimal]
    timeline: list[Entry]


def customer_page(customer: User, *, placed_from: date | None = None, placed_to: date | None = None) -> CustomerPage:
    """What the customer's staff page shows below their details (five queries, whatever they hold)."""
    orders = Order.objects.filter(customer=customer).annotate(refunding=refunding()).order_by("-placed_at", "-id")
    zone = timezone.get_current_timezone()
    if placed_from:
        orders = orders.filter(placed_at__gte=datetime.combine(placed_from, datetime.min.time(), zone))
    if placed_to:
        orders = orders.filter(placed_at__lt=datetime.combine(placed_to + timedelta(days=1), datetime.min.time(), zone))
    found = list(orders[: PAGE_ROWS + 1])
    addresses = list(Address.objects.filter(user=customer).order_by("-is_default", "pk"))
    credit = list(
        StoreCreditEntry.objects.filter(customer=customer).select_related("order").order_by("-created_at", "-id")
    )
    balances: dict[str, Decimal] = {}
    for entry in credit:
        balances[entry.currency] = balances.get(entry.currency, Decimal("0")) + entry.amount
    return CustomerPage(
        orders=found[:PAGE_ROWS],
        more_orders=len(found) > PAGE_ROWS,
        addresses=[(address, one_line_address(address.as_snapshot())) for address in addresses],
        credit=credit[:PAGE_ROWS],
        credit_balances=balances,
        timeline=customer_timeline(customer),
    )
