"""The shopper's order API (/api/v1/me/orders/...): session-authenticated, the same data as the pages."""

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from core.api import SitePageNumberPagination
from core.api_params import KnownQueryParams
from core.api_schema import answers
from core.errors import ApplicationError
from orders import api_examples as examples
from orders import selectors
from orders.constants import FinancialStatus, FulfillmentStatus, OrderStatus
from orders.forms import OrderFilterForm
from orders.models import Fulfillment, Order, OrderLine
from orders.presentation import describe_event
from orders.status_links import status_path

RETURN_STATUS_HELP = "Where the order's latest return stands; blank: no return."


class OrderSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "placed_at",
            "currency",
            "total",
            "status",
            "financial_status",
            "fulfillment_status",
            "return_status",
            "url",
        ]
        extra_kwargs = {"return_status": {"help_text": RETURN_STATUS_HELP}}

    def get_url(self, order) -> str:
        return f"/api/v1/me/orders/{order.number}/"


class ShipmentRefSerializer(serializers.Serializer):
    shipment = serializers.IntegerField()
    quantity = serializers.IntegerField()


class LineSerializer(serializers.ModelSerializer):
    shipments = serializers.SerializerMethodField()

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "product_name",
            "variant_name",
            "sku",
            "options",
            "quantity",
            "fulfilled_quantity",
            "unit_price",
            "subtotal",
            "discount_amount",
            "tax_rate",
            "tax_amount",
            "total",
            "customization",
            "shipments",
        ]

    def get_shipments(self, line) -> list[dict]:
        return [{"shipment": shipment.pk, "quantity": quantity} for shipment, quantity in line.shipments]


class ShipmentSerializer(serializers.ModelSerializer):
    delivery_label = serializers.CharField(read_only=True)

    class Meta:
        model = Fulfillment
        fields = [
            "id",
            "carrier",
            "tracking_number",
            "tracking_url",
            "delivery_state",
            "delivery_label",
            "estimated_arrival",
            "shipped_at",
            "delivered_at",
        ]


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()


def position_field(name: str, help_text: str) -> serializers.DecimalField:
    """A figure of the order's money position (``Order.position``)."""
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, source=f"position.{name}", read_only=True, help_text=help_text
    )


class OrderDetailSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
    shipments = ShipmentSerializer(source="fulfillments", many=True, read_only=True)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    # The money position (orders.position), as the order's pages show it.
    net_paid = position_field("net_paid", "Paid, less what was refunded.")
    refunding = position_field("refunding", "Refunds on their way (at the processor or awaiting approval).")
    balance_due = position_field("balance_due", "Still to pay.")
    credit_due = position_field("credit_due", "Owed to the shopper and not yet on its way.")
    kept = position_field(
        "kept", "What the store decided to keep (a declined refund, a cancellation without a refund)."
    )
    timeline = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "placed_at",
            "currency",
            "language",
            "status",
            "financial_status",
            "fulfillment_status",
            "return_status",
            "subtotal",
            "discount_code",
            "discount_total",
            "shipping_method_name",
            "shipping_total",
            "tax_total",
            "total",
            "captured_total",
            "refunded_total",
            "balance",
            "net_paid",
            "refunding",
            "balance_due",
            "credit_due",
            "kept",
            "prices_include_tax",
            "shipping_address",
            "on_fulfillment_hold",
            "edit_window_ends_at",
            "lines",
            "shipments",
            "timeline",
            "status_url",
        ]
        extra_kwargs = {"return_status": {"help_text": RETURN_STATUS_HELP}}

    def get_timeline(self, order) -> list[dict]:
        language = translation.get_language()
        return [
            {"at": event.created_at, "text": describe_event(event, currency=order.currency, language=language)}
            for event in order.events.all()
        ]

    def get_status_url(self, order) -> str:
        return status_path(order.number)


class OrderPagination(SitePageNumberPagination):
    page_size = 20


FILTERS = ("placed_from", "placed_to", "status", "financial_status", "fulfillment_status")


@extend_schema(
    parameters=[
        OpenApiParameter("placed_from", OpenApiTypes.DATE, description="Placed on or after (YYYY-MM-DD)."),
        OpenApiParameter(
            "placed_to", OpenApiTypes.DATE, description="Placed on or before (YYYY-MM-DD); before placed_from: 422."
        ),
        OpenApiParameter("status", str, enum=OrderStatus.values),
        OpenApiParameter("financial_status", str, enum=FinancialStatus.values),
        OpenApiParameter("fulfillment_status", str, enum=FulfillmentStatus.values),
    ],
    responses=answers({200: (OrderSummarySerializer(many=True), examples.ORDER_SUMMARY)}, 400, 403, 404, 422),
    description="The signed-in shopper's orders, newest first, 20 a page (a page past the last: 404).",
)
class MyOrderList(KnownQueryParams, generics.ListAPIView):
    serializer_class = OrderSummarySerializer
    pagination_class = OrderPagination
    query_params = (*FILTERS, "page")

    def get_queryset(self):
        params = self.request.query_params
        empty = [name for name in FILTERS if params.get(name) == ""]
        if empty:  # the page's form sends empty fields; an API client that does has a bug
            raise serializers.ValidationError({name: ["Empty: leave the parameter out instead."] for name in empty})
        form = OrderFilterForm(params)
        if params and not form.is_valid():
            if form.has_error("placed_to", code="date_range"):
                raise ApplicationError(str(form.errors["placed_to"][0]), code="date_range", fields=form_errors(form))
            raise serializers.ValidationError(form_errors(form))
        return selectors.customer_orders(user=self.request.user, filters=form.filters())


def form_errors(form) -> dict[str, list[str]]:
    return {field: [str(message) for message in errors] for field, errors in form.errors.items()}


@extend_schema(
    responses=answers({200: (OrderDetailSerializer, examples.ORDER)}, 403, 404),
    description="One of the signed-in shopper's orders; anyone else's is a 404.",
)
class MyOrderDetail(KnownQueryParams, generics.RetrieveAPIView):
    serializer_class = OrderDetailSerializer

    def get_object(self):
        return selectors.customer_order(user=self.request.user, number=self.kwargs["number"])
