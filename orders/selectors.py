"""Reads of orders for the account pages, the status link and the API. Query counts stay flat in rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import DecimalField, JSONField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone, translation

from core import rows
from orders.constants import OPEN_REFUND_STATUSES, EventType, TransactionKind
from orders.email_names import renamed_deliveries, renamed_items
from orders.models import Fulfillment, Invoice, Order, OrderEvent, OrderLine, PaymentRequest, Transaction
from storefront.selectors import shown_name_sql, with_delivery

LIST_FIELDS = (
    "id",
    "number",
    "placed_at",
    "currency",
    "total",
    "status",
    "financial_status",
    "fulfillment_status",
    "return_status",
    "customer_id",
    "language",
    "version",
)


@dataclass(frozen=True)
class OrderFilters:
    placed_from: date | None = None
    placed_to: date | None = None
    status: str = ""
    financial_status: str = ""
    fulfillment_status: str = ""


def customer_orders(*, user, filters: OrderFilters = OrderFilters()) -> QuerySet[Order]:
    """The shopper's orders, newest first, for a paginated list."""
    orders = Order.objects.filter(customer=user).only(*LIST_FIELDS).order_by("-placed_at", "-id")
    if filters.placed_from:
        orders = orders.filter(placed_at__date__gte=filters.placed_from)
    if filters.placed_to:
        orders = orders.filter(placed_at__date__lte=filters.placed_to)
    for field in ("status", "financial_status", "fulfillment_status"):
        if value := getattr(filters, field):
            orders = orders.filter(**{field: value})
    return orders


# The pages that are served from cached renders need only (id, version) of the orders they show: those
# reads are written as SQL, because building them with the ORM cost more than PostgreSQL spends running them.
STATUS_FILTERS = ("status", "financial_status", "fulfillment_status")


def customer_order_keys(*, user, filters: OrderFilters, offset: int, limit: int) -> tuple[list[tuple[int, int]], int]:
    """(id, version) of one page of the shopper's orders, newest first, and how many there are in all, in one
    query: the list's rows are cached per version, so it needs no more until a row is missing."""
    where, params = ["customer_id = %s"], [user.pk]
    if filters.placed_from or filters.placed_to:
        zone = timezone.get_current_timezone_name()
        if filters.placed_from:
            where.append("(placed_at AT TIME ZONE %s)::date >= %s")
            params += [zone, filters.placed_from]
        if filters.placed_to:
            where.append("(placed_at AT TIME ZONE %s)::date <= %s")
            params += [zone, filters.placed_to]
    for field in STATUS_FILTERS:
        if value := getattr(filters, field):
            where.append(f"{field} = %s")  # a name from the tuple above, never from input
            params.append(value)
    condition = " AND ".join(where)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, version, count(*) OVER () FROM orders_order WHERE {condition} "  # noqa: S608 - names from STATUS_FILTERS
            "ORDER BY placed_at DESC, id DESC LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        found = cursor.fetchall()
        if found:
            return [(pk, version) for pk, version, _ in found], found[0][2]
        if not offset:
            return [], 0
        cursor.execute(f"SELECT count(*) FROM orders_order WHERE {condition}", params)  # noqa: S608 - as above
        return [], cursor.fetchone()[0]


def orders_by_id(ids) -> dict[int, Order]:
    """The orders of list rows, each with ``line_names``: [[product name as the reader reads it, is a fee], ...]
    in the lines' order (``line_names_sql``), read in the same query."""
    found = (
        Order.objects.filter(pk__in=ids)
        .only(*LIST_FIELDS, *POSITION_FIELDS)
        .annotate(
            refunding=refunding(),
            line_names=RawSQL(line_names_sql(), (), output_field=JSONField()),  # noqa: S611 - no input in it
        )
    )
    return {order.pk: order for order in found}


def line_names_sql(language: str | None = None) -> str:
    """Each list row's product names, in the active language: the catalog's current name when the line's variant
    still exists (``shown_name_sql``), else the name frozen on the line."""
    return _line_names_sql(shown_name_sql("product", language))


@lru_cache(maxsize=16)
def _line_names_sql(product_name: str) -> str:
    return f"""SELECT COALESCE(jsonb_agg(jsonb_build_array(COALESCE({product_name}, line.product_name), line.is_fee)
            ORDER BY line.position, line.id), '[]'::jsonb)
        FROM orders_orderline line
        LEFT JOIN storefront_variant variant ON variant.id = line.variant_id
        LEFT JOIN storefront_product product ON product.id = variant.product_id
        WHERE line.order_id = orders_order.id"""  # noqa: S608 - column names from settings.LANGUAGES (name_columns)


# What the money position reads besides the refunds on their way.
POSITION_FIELDS = ("total", "adjustment_total", "kept_total", "captured_total", "refunded_total", "status", "currency")


def refunding():
    """The refunds on their way of each order, as an annotation (orders.position)."""
    on_their_way = (
        Transaction.objects.filter(order=OuterRef("pk"), kind=TransactionKind.REFUND, status__in=OPEN_REFUND_STATUSES)
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(on_their_way), Value(Decimal("0")), output_field=DecimalField())


def customer_order_key(*, user, number: int) -> tuple[int, int]:
    """(id, version) of one of the shopper's orders, which is all its cached page needs; 404 for anyone else's."""
    return _key_or_404("SELECT id, version FROM orders_order WHERE number = %s AND customer_id = %s", [number, user.pk])


def order_key_by_number(*, number: int) -> tuple[int, int]:
    return _key_or_404("SELECT id, version FROM orders_order WHERE number = %s", [number])


def _key_or_404(sql: str, params: list) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        key = cursor.fetchone()
    if key is None:
        raise Http404
    return key


def order_for_page(*, order_id: int) -> Order:
    """The order row of a page's first view (SQL, as the rows below), with its delivery from the catalog."""
    return with_delivery(rows.instances(Order, ORDER_SQL, [order_id], extra=("refunding", "invoice_serial"))[0])


# An order page's rows, written as SQL: on a first view the ORM spent several times longer building
# these three queries than PostgreSQL spent running them. Only the product's picture is read with a line;
# each shipment carries its lines as [{"line": id, "quantity": n}].
# With the refunds on their way, which the money position shows (orders.position).
REFUNDING_SQL = f"""COALESCE((SELECT sum(t.amount) FROM orders_transaction t WHERE t.order_id = o.id
    AND t.kind = '{TransactionKind.REFUND.value}'
    AND t.status IN ({", ".join(f"'{status.value}'" for status in OPEN_REFUND_STATUSES)})), 0)"""  # noqa: S608 - our constants
# With its invoice's serial (NULL without one), so the page links the invoice at no extra query.
INVOICE_SERIAL_SQL = "(SELECT inv.serial FROM orders_invoice inv WHERE inv.order_id = o.id)"
ORDER_SQL = (
    f"SELECT {rows.columns(Order, 'o')}, {REFUNDING_SQL}, {INVOICE_SERIAL_SQL} FROM orders_order o WHERE o.id = %s"  # noqa: S608 - the models' columns (core.rows.columns) and our constants; values as parameters
)


# With each line, its product's and variant's current names in the page's language (NULL once the variant is
# gone), which the page shows instead of the names frozen on the line (OrderLine.shown_product_name).
@lru_cache(maxsize=16)
def _page_lines_sql(product_name: str, variant_name: str) -> str:
    return f"""
    SELECT {rows.columns(OrderLine, "line")}, product.image_url, {product_name}, {variant_name}
    FROM orders_orderline line
    LEFT JOIN storefront_variant variant ON variant.id = line.variant_id
    LEFT JOIN storefront_product product ON product.id = variant.product_id
    WHERE line.order_id = %s ORDER BY line.position, line.id"""  # noqa: S608 - the models' columns (core.rows.columns), names from settings.LANGUAGES; values as parameters


PAGE_LINE_EXTRAS = ("image_url", "catalog_product_name", "catalog_variant_name")
PAGE_SHIPMENTS_SQL = f"""
    SELECT {rows.columns(Fulfillment, "shipment")}, COALESCE((
        SELECT jsonb_agg(jsonb_build_object('line', item.order_line_id, 'quantity', item.quantity) ORDER BY item.id)
        FROM orders_fulfillmentline item WHERE item.fulfillment_id = shipment.id
    ), '[]')::text AS carried
    FROM orders_fulfillment shipment WHERE shipment.order_id = %s ORDER BY shipment.shipped_at, shipment.id"""  # noqa: S608 - the models' columns (core.rows.columns); values as parameters
PAGE_EVENTS_SQL = f"""
    SELECT {rows.columns(OrderEvent, "event")} FROM orders_orderevent event
    WHERE event.order_id = %s AND event.customer_visible ORDER BY event.created_at, event.id"""  # noqa: S608 - the models' columns (core.rows.columns); values as parameters


def load_details(order: Order) -> Order:
    """Attach what the order's pages show: ``order.lines`` (each with ``image_url``, its names in the active
    language and ``shipments``: [(fulfillment, quantity)]), ``order.fulfillments`` and the shopper's
    ``order.events``; three queries."""
    sql = _page_lines_sql(shown_name_sql("product"), shown_name_sql("variant"))
    lines = rows.instances(OrderLine, sql, [order.pk], extra=PAGE_LINE_EXTRAS)
    shipments = rows.instances(Fulfillment, PAGE_SHIPMENTS_SQL, [order.pk], extra=("carried",))
    events = rows.instances(OrderEvent, PAGE_EVENTS_SQL, [order.pk])
    carried: dict[int, list] = {}
    for shipment in shipments:
        for item in json.loads(shipment.carried):
            carried.setdefault(item["line"], []).append((shipment, item["quantity"]))
    for line in lines:
        line.shipments = carried.get(line.pk, [])
    for name, found in (("lines", lines), ("fulfillments", shipments), ("events", events)):
        as_prefetched(order, name, found)
    return order


def as_prefetched(instance, name: str, related: list) -> None:
    """Hold ``related`` as prefetch_related would, so ``instance.<name>.all()`` returns them without a query."""
    queryset = getattr(instance, name).all()
    queryset._result_cache, queryset._prefetch_done = related, True
    for row in related:  # and each row's way back to the instance
        instance._meta.get_field(name).remote_field.set_cached_value(row, instance)
    instance._prefetched_objects_cache = {**getattr(instance, "_prefetched_objects_cache", {}), name: queryset}


def customer_order(*, user, number: int) -> Order:
    """One of the shopper's orders with everything its page shows; 404 for anyone else's."""
    order = (
        Order.objects.select_related("pickup_location")
        .annotate(refunding=refunding())
        .filter(customer=user, number=number)
        .first()
    )
    if order is None:
        raise Http404
    return load_details(order)


def customer_order_for_edit(*, user, number: int) -> Order:
    """The shopper's order with what editing reads; 404 for anyone else's."""
    order = (
        Order.objects.select_related("customer__profile__group", "pickup_location", "shipping_method")
        .filter(customer=user, number=number)
        .first()
    )
    if order is None:
        raise Http404
    return order


def payment_request(*, request_id: int):
    return PaymentRequest.objects.select_related("order__customer").filter(pk=request_id).first()


def edit_behind(request) -> list[dict]:
    """The changes of the edit that asked for this payment (the last edit before it), for the Pay now page, each
    item named as the catalog now names it in the active language (read with the event: one query; a new
    delivery's name, one more)."""
    sql = _change_names_sql(shown_name_sql("product"), shown_name_sql("variant"))
    names = RawSQL(sql, (), JSONField())  # noqa: S611 - no input in it (column names from settings.LANGUAGES)
    event = (
        OrderEvent.objects.filter(order_id=request.order_id, type=EventType.EDITED, created_at__lte=request.created_at)
        .order_by("-created_at", "-id")
        .only("data")
        .annotate(names=names)
        .first()
    )
    if event is None:
        return []
    changes = (event.data or {}).get("changes", [])
    found = {int(pk): (product, variant) for pk, (product, variant) in (event.names or {}).items()}
    return renamed_deliveries(renamed_items(changes, found), translation.get_language() or settings.LANGUAGE_CODE)


@lru_cache(maxsize=16)
def _change_names_sql(product_name: str, variant_name: str) -> str:
    """{variant id: [product name, variant name]} of the variants an edited event's changes name."""
    return f"""SELECT jsonb_object_agg(variant.id, jsonb_build_array({product_name}, {variant_name}))
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(orders_orderevent.data -> 'changes') = 'array'
            THEN orders_orderevent.data -> 'changes' ELSE '[]'::jsonb END) AS change
        JOIN storefront_variant variant
            ON variant.id IN ((change ->> 'variant_id')::bigint, (change ->> 'from_variant_id')::bigint)
        JOIN storefront_product product ON product.id = variant.product_id"""  # noqa: S608 - column names from settings.LANGUAGES (name_columns)


def customer_invoice(*, user, number: int) -> Invoice:
    """The invoice of one of the shopper's orders (one query); 404 for anyone else's order or one without."""
    return _invoice_or_404(order__number=number, order__customer=user)


def invoice_by_order_number(*, number: int) -> Invoice:
    return _invoice_or_404(order__number=number)


# The document reads only its own snapshot and the order's number.
INVOICE_FIELDS = tuple(field.name for field in Invoice._meta.concrete_fields)


def _invoice_or_404(**where) -> Invoice:
    invoice = Invoice.objects.select_related("order").only("order__number", *INVOICE_FIELDS).filter(**where).first()
    if invoice is None:
        raise Http404
    return invoice
