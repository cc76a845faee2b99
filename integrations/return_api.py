"""The integration API's returns: a warehouse lists approved returns and marks them sent back and received
(scope ``returns:write``; reading also with ``orders:read``), idempotent like the rest of the API."""

from __future__ import annotations

import re

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import SiteCursorPagination
from integrations.api import ERROR, IDEMPOTENCY, idempotent, parse_instant, write_responses
from integrations.auth import IntegrationView
from integrations.constants import Scope
from integrations.payloads import returns_with_details
from integrations.serializers import (
    InTransitInSerializer,
    ReceiveInSerializer,
    ReturnOutSerializer,
)
from orders.constants import ActorKind, ReturnStatus
from returns import services as returns
from returns.models import ReturnRequest

# Reading returns: a key that handles them (returns:write) or one that reads orders (a return is part of its
# order's story, whose refunds and return status orders:read shows anyway).
RETURNS_READ = (Scope.RETURNS_WRITE, Scope.ORDERS_READ)
RETURN_STATUSES = [value for value in ReturnStatus.values if value]


def _return(number: str) -> ReturnRequest:
    found = returns_with_details().filter(number=number).first()
    if found is None:
        raise Http404
    return found


class ReturnPagination(SiteCursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("updated_at", "id")  # as orders: a return that moves on goes to the end, where the next sync reads it


class ReturnList(IntegrationView, generics.ListAPIView):
    serializer_class = ReturnOutSerializer
    pagination_class = ReturnPagination
    required_scope = RETURNS_READ

    def get_queryset(self):
        params = self.request.query_params
        found = returns_with_details()
        errors = {}
        if params.get("status"):
            values = params["status"].split(",")
            if set(values) - set(RETURN_STATUSES):
                errors["status"] = [f"One or more of: {', '.join(RETURN_STATUSES)}."]
            else:
                found = found.filter(status__in=values)
        if params.get("order"):
            if not re.fullmatch(r"[0-9]{1,10}", params["order"]):
                errors["order"] = ["An order number."]
            else:
                found = found.filter(order__number=int(params["order"]))
        if params.get("updated_since"):
            since = parse_instant(params["updated_since"])
            if since is None:
                errors["updated_since"] = ["An ISO 8601 date-time, e.g. 2026-11-30T12:00:00Z."]
            else:
                found = found.filter(updated_at__gt=since)
        if errors:
            raise ValidationError(errors)
        return found

    @extend_schema(
        operation_id="returns_list",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description=f"Comma-separated: {', '.join(RETURN_STATUSES)}. A warehouse reads approved,in_transit.",
            ),
            OpenApiParameter("order", int, description="Only this order's returns (its number)."),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
        ],
        responses={200: ReturnOutSerializer(many=True), 400: ERROR, 401: ERROR, 403: ERROR, 429: ERROR},
        description="Returns, cursor-paginated by last change (follow next). Needs returns:write or orders:read.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReturnDetail(IntegrationView, APIView):
    required_scope = RETURNS_READ

    @extend_schema(
        operation_id="returns_retrieve",
        responses={200: ReturnOutSerializer, 401: ERROR, 403: ERROR, 404: ERROR, 429: ERROR},
        description="One return, by its number (R1042-1). Needs returns:write or orders:read.",
    )
    def get(self, request, number: str):
        return Response(ReturnOutSerializer(_return(number)).data)


class ReturnReceive(IntegrationView, APIView):
    required_scope = Scope.RETURNS_WRITE

    @extend_schema(
        operation_id="returns_receive",
        request=ReceiveInSerializer,
        parameters=[IDEMPOTENCY],
        responses=write_responses(200, ReturnOutSerializer),
        description="Record what arrived of an approved (or in transit) return, once: resellable units go back in "
        "stock, the refund is computed and issued, replacements join the order to ship. A return already received "
        "is 409 (code return_status); the same Idempotency-Key replays the first answer.",
    )
    @idempotent
    def post(self, request, number: str):
        found = _return(number)
        data = ReceiveInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        returns.receive_return(
            request=found,
            received={
                line["id"]: returns.Received(line["quantity"], line.get("condition", ""))
                for line in data.validated_data["lines"]
            },
            actor_kind=ActorKind.INTEGRATION,
            version=data.validated_data.get("version"),
        )
        return Response(ReturnOutSerializer(_return(number)).data)


class ReturnInTransit(IntegrationView, APIView):
    required_scope = Scope.RETURNS_WRITE

    @extend_schema(
        operation_id="returns_in_transit",
        request=InTransitInSerializer,
        parameters=[IDEMPOTENCY],
        responses=write_responses(200, ReturnOutSerializer),
        description="The parcel of an approved return is on its way back, with its carrier and tracking number "
        "(sent again: the tracking is replaced). Any other status is 409 (code return_status).",
    )
    @idempotent
    def post(self, request, number: str):
        found = _return(number)
        data = InTransitInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        returns.mark_in_transit(
            request=found,
            carrier=data.validated_data["carrier"],
            tracking_number=data.validated_data["tracking_number"],
            actor_kind=ActorKind.INTEGRATION,
        )
        return Response(ReturnOutSerializer(_return(number)).data)
