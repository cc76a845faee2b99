"""The integration API (/api/v1/…): orders in, fulfilment and tracking updates, backorders, sync, returns.

API-key authenticated (``integrations.auth``), one scope per operation, rate-limited per key. Creates
go through the same services as checkout and admin; POSTs honour an ``Idempotency-Key`` header.
"""

from __future__ import annotations

import json
from datetime import UTC

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import SiteCursorPagination
from core.errors import ApplicationError
from integrations.auth import IntegrationView
from integrations.constants import Scope
from integrations.models import IdempotentRequest
from integrations.payloads import orders_with_details
from integrations.serializers import (
    BackorderInSerializer,
    FulfillmentInSerializer,
    FulfillmentOutSerializer,
    FulfillmentUpdateSerializer,
    OrderInSerializer,
    OrderOutSerializer,
)
from integrations.services import place_external_order, request_fingerprint
from orders import services
from orders.constants import ActorKind, FinancialStatus, FulfillmentStatus, OrderStatus
from orders.errors import OrderError
from orders.models import Fulfillment, Order

ERROR = OpenApiResponse(description='{"code", "message", "fields"}')


WRITE_ERRORS = (400, 401, 403, 404, 409, 429)


def write_responses(status_code: int, body) -> dict:
    """A write's answers for the schema: its success and the errors every write on an order can give."""
    return {status_code: body, **dict.fromkeys(WRITE_ERRORS, ERROR)}


IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Send the same key again (with the same body) to get the first answer instead of a second change.",
)


class VersionConflict(ApplicationError):
    code = "version_conflict"
    http_status = 409


def idempotent(handler):
    """Run a write once per ``Idempotency-Key``: the answer is stored with the change, in one transaction,
    so a retry, or a second request racing the first, gets the same answer and changes nothing."""

    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return handler(self, request, *args, **kwargs)
        if len(key) > 200:
            raise ValidationError({"Idempotency-Key": ["At most 200 characters."]})
        fingerprint = request_fingerprint(request.method, request.path, request.body)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(api_key=request.auth, key=key, fingerprint=fingerprint)
            except IntegrityError:  # waited for the first request to commit, then read its answer
                record = IdempotentRequest.objects.get(api_key=request.auth, key=key)
                if record.fingerprint != fingerprint:
                    raise VersionConflict(
                        "This Idempotency-Key was used for a different request.", code="idempotency_key_reused"
                    ) from None
                return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})
            try:
                response = handler(self, request, *args, **kwargs)
            except ApplicationError as error:
                response = Response(error.as_dict(), status=error.http_status)
            record.status_code, record.body = response.status_code, json.loads(json.dumps(response.data, default=str))
            record.save(update_fields=["status_code", "body"])
        return response

    wrapper.__wrapped__ = handler
    return wrapper


def _order(number: int) -> Order:
    order = orders_with_details().filter(number=number).first()
    if order is None:
        raise Http404
    return order


def _line_ids(order: Order, refs: list[dict]) -> dict[int, int]:
    by_sku = {line.sku: line.pk for line in order.lines.all()}
    quantities: dict[int, int] = {}
    for index, ref in enumerate(refs):
        # The serializer lets through exactly one of the two.
        line_id = ref["line_id"] if "line_id" in ref else by_sku.get(ref["sku"])
        if line_id is None:
            raise OrderError(
                "That item is not on this order.",
                code="unknown_line",
                fields={f"lines.{index}": ["Not on this order."]},
            )
        quantities[line_id] = quantities.get(line_id, 0) + ref["quantity"]
    return quantities


def _check_version(order: Order, data: dict) -> None:
    # ``version``, as OrderOut shows it: an integration's write guards against any change since it read the order.
    if data.get("order_version") and data["order_version"] != order.version:
        raise VersionConflict(
            f"The order changed since version {data['order_version']}; it is at version {order.version}.",
            fields={"order_version": [f"Current version: {order.version}."]},
        )


# --- orders ------------------------------------------------------------------------------------------


class SyncPagination(SiteCursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("updated_at", "id")  # stable: a change moves an order to the end, where the next sync reads it


class OrderListCreate(IntegrationView, generics.ListAPIView):
    serializer_class = OrderOutSerializer
    pagination_class = SyncPagination

    @property
    def required_scope(self):
        return Scope.ORDERS_WRITE if self.request.method == "POST" else Scope.ORDERS_READ

    def get_queryset(self):
        params = self.request.query_params
        orders = orders_with_details()
        errors = {}
        if params.get("updated_since"):
            since = parse_instant(params["updated_since"])
            if since is None:
                errors["updated_since"] = ["An ISO 8601 date-time, e.g. 2026-11-30T12:00:00Z."]
            else:
                orders = orders.filter(updated_at__gt=since)
        for name, choices in (
            ("status", OrderStatus),
            ("financial_status", FinancialStatus),
            ("fulfillment_status", FulfillmentStatus),
        ):
            if params.get(name):
                values = params[name].split(",")
                if set(values) - set(choices.values):
                    errors[name] = [f"One or more of: {', '.join(choices.values)}."]
                else:
                    orders = orders.filter(**{f"{name}__in": values})
        if params.get("on_hold"):
            if params["on_hold"] not in ("true", "false"):
                errors["on_hold"] = ["true or false."]
            else:
                orders = orders.filter(on_fulfillment_hold=params["on_hold"] == "true")
        if errors:
            raise ValidationError(errors)
        return orders

    @extend_schema(
        operation_id="orders_list",
        parameters=[
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
            OpenApiParameter("status", str, description="Comma-separated: " + ", ".join(OrderStatus.values)),
            OpenApiParameter("financial_status", str, description=", ".join(FinancialStatus.values)),
            OpenApiParameter("fulfillment_status", str, description=", ".join(FulfillmentStatus.values)),
            OpenApiParameter("on_hold", OpenApiTypes.BOOL, description="Still on fulfilment hold (or released)."),
        ],
        responses={200: OrderOutSerializer(many=True), 400: ERROR, 401: ERROR, 403: ERROR, 429: ERROR},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="orders_create",
        request=OrderInSerializer,
        parameters=[IDEMPOTENCY],
        responses={
            200: OrderOutSerializer,
            201: OrderOutSerializer,
            400: ERROR,
            401: ERROR,
            403: ERROR,
            409: ERROR,
            429: ERROR,
        },
        description="Create an order from another system; sent again with the same external_id, it returns the order "
        "after recording new payments (by reference) and, if the shipping address differs and nothing has shipped, "
        "changing it through the edit engine.",
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        data = OrderInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order, created = place_external_order(data.validated_data, actor=request.auth)
        body = OrderOutSerializer(_order(order.number)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OrderDetail(IntegrationView, APIView):
    required_scope = Scope.ORDERS_READ

    @extend_schema(
        operation_id="orders_retrieve", responses={200: OrderOutSerializer, 401: ERROR, 403: ERROR, 404: ERROR}
    )
    def get(self, request, number: int):
        return Response(OrderOutSerializer(_order(number)).data)


# --- fulfilment --------------------------------------------------------------------------------------


class FulfillmentCreate(IntegrationView, APIView):
    required_scope = Scope.FULFILLMENTS_WRITE

    @extend_schema(
        operation_id="fulfillments_create",
        request=FulfillmentInSerializer,
        parameters=[IDEMPOTENCY],
        responses=write_responses(201, FulfillmentOutSerializer),
        description="Ship some lines (by line_id or sku) with carrier and tracking; the shopper is told once.",
    )
    @idempotent
    def post(self, request, number: int):
        order = _order(number)
        data = FulfillmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulfillment = services.record_shipment(
            order=order,
            quantities=_line_ids(order, data.validated_data["lines"]),
            carrier=data.validated_data["carrier"],
            tracking_number=data.validated_data["tracking_number"],
            tracking_url=data.validated_data["tracking_url"],
            delivery_state=data.validated_data["delivery_state"],
            estimated_arrival=data.validated_data["estimated_arrival"],
            actor_kind=ActorKind.INTEGRATION,
        )
        fulfillment = Fulfillment.objects.prefetch_related("lines").get(pk=fulfillment.pk)
        return Response(FulfillmentOutSerializer(fulfillment).data, status=status.HTTP_201_CREATED)


class FulfillmentUpdate(IntegrationView, APIView):
    required_scope = Scope.FULFILLMENTS_WRITE

    @extend_schema(
        operation_id="fulfillments_update",
        request=FulfillmentUpdateSerializer,
        parameters=[IDEMPOTENCY],
        responses=write_responses(200, FulfillmentOutSerializer),
        description="Move a shipment along (in transit with an arrival date, out for delivery, ready for pickup, "
        "delivered, failed). The same update twice changes nothing and notifies once.",
    )
    @idempotent
    def patch(self, request, pk: int):
        fulfillment = Fulfillment.objects.select_related("order").filter(pk=pk).first()
        if fulfillment is None:
            raise Http404
        data = FulfillmentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _check_version(fulfillment.order, data.validated_data)
        services.update_delivery_state(
            fulfillment=fulfillment,
            delivery_state=data.validated_data["delivery_state"],
            estimated_arrival=data.validated_data["estimated_arrival"],
            actor_kind=ActorKind.INTEGRATION,
        )
        fulfillment = Fulfillment.objects.prefetch_related("lines").get(pk=pk)
        return Response(FulfillmentOutSerializer(fulfillment).data)


class BackorderCreate(IntegrationView, APIView):
    required_scope = Scope.FULFILLMENTS_WRITE

    @extend_schema(
        operation_id="backorders_create",
        request=BackorderInSerializer,
        parameters=[IDEMPOTENCY],
        responses=write_responses(200, OrderOutSerializer),
        description="Report a backorder or short pick for lines before dispatch; the shopper gets the notice.",
    )
    @idempotent
    def post(self, request, number: int):
        order = _order(number)
        data = BackorderInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _check_version(order, data.validated_data)
        services.report_backorder(
            order=order,
            quantities=_line_ids(order, data.validated_data["lines"]),
            kind=data.validated_data["kind"],
            expected=data.validated_data["expected"],
            note=data.validated_data["note"],
            actor_kind=ActorKind.INTEGRATION,
        )
        return Response(OrderOutSerializer(_order(number)).data)


def parse_instant(text: str):
    """An ISO 8601 date-time as a UTC instant, or None. In UTC because PostgreSQL refuses offsets Python
    accepts (beyond ±15:59, say -22:47); a time without an offset is in the store's time zone."""
    try:
        value = parse_datetime(text)
        if value is None:
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):  # well-formed but no such time, or out of range once in UTC
        return None
