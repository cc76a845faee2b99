"""Reads of returns for pages, the API and the services' guards, with the joins that keep query counts flat."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.cache import cached_rows
from orders.constants import DeliveryState
from orders.events import RETURN_EVENTS
from orders.models import Order, OrderEvent, OrderLine
from returns.constants import COUNTED_STATUSES, DEFAULT_REASONS, OPEN_STATUSES, RECEIVED_STATUSES, units_held
from returns.models import ReturnLine, ReturnPolicy, ReturnReason, ReturnRequest
from returns.rules import LineState, PolicyTerms
from storefront.models import Variant


def policy_terms(policy: ReturnPolicy) -> PolicyTerms:
    return PolicyTerms(
        enabled=policy.enabled,
        window_days=policy.window_days,
        personalized_returnable=policy.personalized_returnable,
        exchanges_allowed=policy.exchanges_allowed,
    )


def _units(filter_: Q, field: str = "quantity"):
    rows = (
        ReturnLine.objects.filter(filter_, order_line=OuterRef("pk"))
        .order_by()
        .values("order_line")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(rows), 0)


def order_lines_for_returns(order: Order, *, exclude_request: int | None = None) -> list[OrderLine]:
    """The order's lines (one query) with ``delivered``, ``last_delivered_at``, ``spoken_for`` (units in
    returns that count), ``received_before`` (units received in returns) and the product's flag."""
    delivered = Q(fulfillment_lines__fulfillment__delivery_state=DeliveryState.DELIVERED)
    counted = Q(request__status__in=COUNTED_STATUSES)
    asked, arrived = Q(request__status__in=OPEN_STATUSES), Q(request__status__in=RECEIVED_STATUSES)
    if exclude_request is not None:
        counted &= ~Q(request_id=exclude_request)
        asked &= ~Q(request_id=exclude_request)
        arrived &= ~Q(request_id=exclude_request)
    return list(
        OrderLine.objects.filter(order=order)
        .select_related("variant__product")
        .annotate(
            delivered=Coalesce(Sum("fulfillment_lines__quantity", filter=delivered), 0),
            last_delivered_at=Max("fulfillment_lines__fulfillment__delivered_at", filter=delivered),
            spoken_for=_units(asked) + _units(arrived, "received_quantity"),
            received_before=_units(arrived, "received_quantity"),
        )
        .order_by("position", "pk")
    )


def line_state(line: OrderLine) -> LineState:
    product = line.variant.product if line.variant_id and line.variant else None
    return LineState(
        line_id=line.pk,
        # Annotated by ``order_lines_for_returns``.
        delivered=getattr(line, "delivered"),  # noqa: B009
        spoken_for=getattr(line, "spoken_for"),  # noqa: B009
        last_delivered_at=getattr(line, "last_delivered_at"),  # noqa: B009
        product_returnable=product.is_returnable if product else True,
        personalized=line.is_customized,
        is_fee=line.is_fee,
        product_id=product.pk if product else None,
        variant_id=line.variant_id,
    )


def page_line_states(order: Order) -> tuple[list[LineState], list[ReturnRequest]]:
    """The order page's view of returns, from the lines and shipments it loaded (``orders.selectors.
    load_details``: each line's ``shipments`` and product flag): no query for an order never returned, one
    (its return lines with their returns) otherwise."""
    lines = list(order.lines.all())
    if lines and not hasattr(lines[0], "shipments"):  # not the page's order: read it all
        returns = list(ReturnRequest.objects.filter(order=order).order_by("-created_at", "-pk"))
        return [line_state(line) for line in order_lines_for_returns(order)], returns
    spoken_for: dict[int, int] = {}
    requests: dict[int, ReturnRequest] = {}
    if order.return_status:
        for item in ReturnLine.objects.filter(request__order=order).select_related("request"):
            requests[item.request_id] = item.request
            held = units_held(item.request.status, item.quantity, item.received_quantity)
            spoken_for[item.order_line_id] = spoken_for.get(item.order_line_id, 0) + held
    states = []
    for line in lines:
        delivered = [(s, q) for s, q in getattr(line, "shipments") if s.delivery_state == DeliveryState.DELIVERED]  # noqa: B009 - set by load_details
        states.append(
            LineState(
                line_id=line.pk,
                delivered=sum(q for _s, q in delivered),
                spoken_for=spoken_for.get(line.pk, 0),
                last_delivered_at=max((s.delivered_at for s, _q in delivered if s.delivered_at), default=None),
                product_returnable=getattr(line, "product_returnable", True),
                personalized=line.is_customized,
                is_fee=line.is_fee,
                product_id=getattr(line, "catalog_product_id", None),
                variant_id=line.variant_id,
            )
        )
    returns = sorted(requests.values(), key=lambda r: (r.created_at, r.pk), reverse=True)
    return states, returns


def all_reasons() -> list[ReturnReason]:
    """Every reason, offered or not, in the order shown: from the cache (``ReturnReason.cache_key``, cleared by
    any write to the table)."""
    return cached_rows(ReturnReason.cache_key, lambda: list(ReturnReason.objects.all()))


def reason_label(code: str) -> str:
    """A reason code named in the active language (timelines: ``orders.presentation``); a code no longer in the
    table reads as its built-in label, else as itself."""
    for reason in all_reasons():
        if reason.code == code:
            return str(reason.shown_label)
    default = DEFAULT_REASONS.get(code)
    return str(default[0]) if default else code


def active_reasons() -> list[ReturnReason]:
    return list(ReturnReason.objects.filter(is_active=True))


def exchange_options(lines: list[OrderLine]) -> dict[int, list[Variant]]:
    """For each line: the other variants of its product on sale (one query for all lines)."""
    product_ids = {line.variant.product_id for line in lines if line.variant_id and line.variant}
    variants = Variant.objects.filter(product_id__in=product_ids, product__is_active=True, is_fee=False).order_by(
        "product_id", "position", "pk"
    )
    by_product: dict[int, list[Variant]] = {}
    for variant in variants:
        by_product.setdefault(variant.product_id, []).append(variant)
    return {
        line.pk: [v for v in by_product.get(line.variant.product_id, []) if v.pk != line.variant_id]
        for line in lines
        if line.variant_id and line.variant
    }


def with_lines(requests: QuerySet) -> QuerySet:
    """Returns with their lines, each line's order line and replacement variant: three queries for any number."""
    return requests.select_related("order").prefetch_related(
        Prefetch(
            "lines",
            queryset=ReturnLine.objects.select_related("order_line", "exchange_variant", "reason").order_by("pk"),
        )
    )


def customer_returns(customer_id: int) -> QuerySet:
    return with_lines(ReturnRequest.objects.filter(order__customer_id=customer_id)).order_by("-created_at", "-pk")


def customer_return(customer_id: int, number: str) -> ReturnRequest | None:
    return customer_returns(customer_id).filter(number=number).first()


def order_returns(order: Order) -> list[ReturnRequest]:
    return list(with_lines(ReturnRequest.objects.filter(order=order)).order_by("-created_at", "-pk"))


# --- the shopper's pages ----------------------------------------------------------------------------------


def shopper_returns(customer_id: int) -> QuerySet:
    """The shopper's returns, newest first, for their pages: each with its order and payment request, its lines
    with the returned item's and the replacement's catalog rows (their names in the reader's language) and
    reason; two queries for any number of returns and lines."""
    lines = ReturnLine.objects.select_related(
        "order_line__variant__product", "exchange_variant__product", "reason"
    ).order_by("pk")
    return (
        ReturnRequest.objects.filter(order__customer_id=customer_id)
        .select_related("order", "payment_request")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-created_at", "-pk")
    )


def step_times(request: ReturnRequest) -> list[tuple[str, datetime]]:
    """(event type, when) of the return's steps, oldest first, from the order's timeline; one query."""
    return list(
        OrderEvent.objects.filter(order_id=request.order_id, type__in=RETURN_EVENTS, data__return=request.pk)
        .order_by("created_at", "pk")
        .values_list("type", "created_at")
    )


def slip_request(request_id: int) -> ReturnRequest | None:
    """A return for its slip: the order, the lines with their catalog rows; two queries."""
    lines = ReturnLine.objects.select_related("order_line__variant__product", "exchange_variant").order_by("pk")
    return (
        ReturnRequest.objects.filter(pk=request_id)
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )
