"""The integration API (/api/v1/…): orders in, fulfilment and tracking updates, backorders, sync, returns.

API-key authenticated (``integrations.auth``), one scope per operation, rate-limited per key. Creates
go through the same services as checkout and admin; POSTs honour an ``Idempotency-Key`` header.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import SYNC_PAGES, SyncPagination
from core.api_params import QueryFilters, choices_param, instant_param
from core.api_schema import answers
from core.errors import ApplicationError
from integrations import examples
from integrations.auth import IntegrationView
from integrations.constants import IDEMPOTENCY_KEY_HOURS, Scope
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

# Every keyed operation can answer these; writes add 400 (a body breaking the schema), 409, 415 and 422.
READ_ERRORS = (401, 403, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 415, 422, 429)


def write_responses(status_code: int, body, example) -> dict:
    """A write's answers for the schema: its success and the errors every write on an order can give."""
    return answers({status_code: (body, example)}, *WRITE_ERRORS)


# Visible ASCII, no space at either end: what any client's header library sends as it was given.
IDEMPOTENCY_KEY = re.compile(r"[!-~]([ -~]{0,198}[!-~])?")
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "pattern": f"^{IDEMPOTENCY_KEY.pattern}$", "maxLength": 200},
    OpenApiParameter.HEADER,
    description=f"Send the same key again with the same request (the same JSON, whatever its spacing or key order) "
    f"to get the first answer instead of a second change; with another request it is a 409. Keys are kept "
    f"{IDEMPOTENCY_KEY_HOURS} hours.",
)
REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    {"type": "string", "enum": ["true"]},
    OpenApiParameter.HEADER,
    response=True,
    description="true: this is the stored answer to an earlier request with the same Idempotency-Key.",
)


class VersionConflict(ApplicationError):
    code = "version_conflict"
    http_status = 409


def idempotent(handler):
    """Run a write once per ``Idempotency-Key``: the answer is stored with the change, in one transaction,
    so a retry, or a second request racing the first, gets the same answer and changes nothing."""

    def wrapper(self, request, *args, **kwargs):
        if "Idempotency-Key" not in request.headers:
            return handler(self, request, *args, **kwargs)
        key = request.headers["Idempotency-Key"]
        if not IDEMPOTENCY_KEY.fullmatch(key):
            raise ValidationError({"Idempotency-Key": ["1 to 200 visible ASCII characters."]})
        fingerprint = request_fingerprint(request.method, request.path, request.body)
        with transaction.atomic():
            expired = timezone.now() - timedelta(hours=IDEMPOTENCY_KEY_HOURS)
            IdempotentRequest.objects.filter(api_key=request.auth, key=key, created_at__lt=expired).delete()
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(api_key=request.auth, key=key, fingerprint=fingerprint)
            except IntegrityError:  # waited for the first request to commit, then read its answer
                record = IdempotentRequest.objects.get(api_key=request.auth, key=key)
                if record.fingerprint != fingerprint:
                    raise VersionConflict(
                        f"The Idempotency-Key {key!r} was used for another request in the last "
                        f"{IDEMPOTENCY_KEY_HOURS} hours; send a new key for a new request.",
                        code="idempotency_key_reused",
                        fields={"Idempotency-Key": [f"{key!r} was sent with another request."]},
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
        if ("line_id" in ref) == ("sku" in ref):
            raise OrderError(
                "Name each line by line_id or by sku.",
                code="line_ref",
                fields={f"lines.{index}": ["Give line_id or sku (one of them)."]},
            )
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


class OrderListCreate(IntegrationView, generics.ListAPIView):
    serializer_class = OrderOutSerializer
    pagination_class = SyncPagination
    query_params = ("updated_since", "status", "financial_status", "fulfillment_status", "on_hold", *SYNC_PAGES)

    @property
    def required_scope(self):
        return Scope.ORDERS_WRITE if self.request.method == "POST" else Scope.ORDERS_READ

    def get_queryset(self):
        filters = QueryFilters(self.request.query_params, orders_with_details())
        filters.instant("updated_since", "updated_at__gt")
        filters.choices("status", OrderStatus.values, "status")
        filters.choices("financial_status", FinancialStatus.values, "financial_status")
        filters.choices("fulfillment_status", FulfillmentStatus.values, "fulfillment_status")
        filters.boolean("on_hold", "on_fulfillment_hold")
        if filters.errors:
            raise ValidationError(filters.errors)
        return filters.queryset

    @extend_schema(
        operation_id="orders_list",
        parameters=[
            instant_param("updated_since", "Only orders changed after this instant (ISO 8601)."),
            choices_param("status", OrderStatus.values, "Comma-separated."),
            choices_param("financial_status", FinancialStatus.values, "Comma-separated."),
            choices_param("fulfillment_status", FulfillmentStatus.values, "Comma-separated."),
            OpenApiParameter("on_hold", bool, description="Still on fulfilment hold (true) or released (false)."),
        ],
        responses=answers({200: (OrderOutSerializer(many=True), examples.ORDER)}, 400, *READ_ERRORS),
        description="Orders for sync, by last change (follow next; a changed order moves to the end).",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="orders_create",
        request=OrderInSerializer,
        parameters=[IDEMPOTENCY, REPLAYED],
        responses=answers(
            {201: (OrderOutSerializer, examples.ORDER), 200: (OrderOutSerializer, examples.ORDER)},
            400,
            401,
            403,
            409,
            415,
            422,
            429,
        ),
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
        operation_id="orders_retrieve",
        responses=answers({200: (OrderOutSerializer, examples.ORDER)}, 404, *READ_ERRORS),
    )
    def get(self, request, number: int):
        return Response(OrderOutSerializer(_order(number)).data)


# --- fulfilment --------------------------------------------------------------------------------------


class FulfillmentCreate(IntegrationView, APIView):
    required_scope = Scope.FULFILLMENTS_WRITE

    @extend_schema(
        operation_id="fulfillments_create",
        request=FulfillmentInSerializer,
        parameters=[IDEMPOTENCY, REPLAYED],
        responses=write_responses(201, FulfillmentOutSerializer, examples.FULFILLMENT),
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
        parameters=[IDEMPOTENCY, REPLAYED],
        responses=write_responses(200, FulfillmentOutSerializer, examples.FULFILLMENT_DELIVERED),
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
        parameters=[IDEMPOTENCY, REPLAYED],
        responses=write_responses(200, OrderOutSerializer, examples.ORDER_BACKORDERED),
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
