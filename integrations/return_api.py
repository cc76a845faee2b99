"""The integration API's returns: a warehouse lists approved returns and marks them sent back and received
(scope ``returns:write``; reading also with ``orders:read``), idempotent like the rest of the API."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import SYNC_PAGES, SyncPagination
from core.api_params import QueryFilters, choices_param, instant_param, number_param
from core.api_schema import answers
from integrations import examples
from integrations.api import IDEMPOTENCY, READ_ERRORS, REPLAYED, idempotent, write_responses
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


class ReturnList(IntegrationView, generics.ListAPIView):
    serializer_class = ReturnOutSerializer
    pagination_class = SyncPagination  # by last change, as orders
    query_params = ("status", "order", "updated_since", *SYNC_PAGES)
    required_scope = RETURNS_READ

    def get_queryset(self):
        filters = QueryFilters(self.request.query_params, returns_with_details())
        filters.choices("status", RETURN_STATUSES, "status")
        filters.number("order", "order__number")
        filters.instant("updated_since", "updated_at__gt")
        if filters.errors:
            raise ValidationError(filters.errors)
        return filters.queryset

    @extend_schema(
        operation_id="returns_list",
        parameters=[
            choices_param("status", RETURN_STATUSES, "Comma-separated. A warehouse reads approved,in_transit."),
            number_param("order", "Only this order's returns (its number)."),
            instant_param("updated_since", "Only returns changed after this instant (ISO 8601)."),
        ],
        responses=answers({200: (ReturnOutSerializer(many=True), examples.RETURN_APPROVED)}, 400, *READ_ERRORS),
        description="Returns, cursor-paginated by last change (follow next). Needs returns:write or orders:read.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReturnDetail(IntegrationView, APIView):
    required_scope = RETURNS_READ

    @extend_schema(
        operation_id="returns_retrieve",
        responses=answers({200: (ReturnOutSerializer, examples.RETURN_APPROVED)}, 404, *READ_ERRORS),
        description="One return, by its number (R1042-1). Needs returns:write or orders:read.",
    )
    def get(self, request, number: str):
        return Response(ReturnOutSerializer(_return(number)).data)


class ReturnReceive(IntegrationView, APIView):
    required_scope = Scope.RETURNS_WRITE

    @extend_schema(
        operation_id="returns_receive",
        request=ReceiveInSerializer,
        parameters=[IDEMPOTENCY, REPLAYED],
        responses=write_responses(200, ReturnOutSerializer, examples.RETURN_REFUNDED),
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
        parameters=[IDEMPOTENCY, REPLAYED],
        responses=write_responses(200, ReturnOutSerializer, examples.RETURN_IN_TRANSIT),
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
