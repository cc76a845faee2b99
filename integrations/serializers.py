"""What integrations send and get back. Inputs are validated here; every change goes through a service."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from rest_framework import serializers

from core.money import MONEY_DIGITS
from orders.constants import BackorderKind, DeliveryState
from orders.models import Fulfillment, Order, OrderLine
from storefront.countries import CountryCodeField


class OrderAddressSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20)
    country = CountryCodeField()
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class LineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=999)
    customization = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PaymentInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY_DIGITS, min_value=Decimal("0.01"))
    reference = serializers.CharField(max_length=200, help_text="The payment's id in the system that took it.")
    gateway = serializers.CharField(max_length=50, default="external")


class OrderInSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100, help_text="Your order id: sending it again returns the order.")
    email = serializers.EmailField()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=[code for code, _name in settings.LANGUAGES], default="en")
    lines = LineInSerializer(many=True, allow_empty=False)
    shipping_address = OrderAddressSerializer(required=False)
    billing_address = OrderAddressSerializer(required=False)
    shipping_method = serializers.CharField(max_length=50, required=False, help_text="A shipping method's code.")
    pickup_location = serializers.IntegerField(required=False, min_value=1)
    discount_code = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    payments = PaymentInSerializer(many=True, required=False, default=list)
    total = serializers.DecimalField(
        **MONEY_DIGITS,
        required=False,
        help_text="Optional: refused (400) if it differs from the total worked out here.",
    )
    send_confirmation = serializers.BooleanField(default=True)

    def validate(self, data):
        if ("shipping_method" in data) == ("pickup_location" in data):
            raise serializers.ValidationError(
                {"shipping_method": ["Give either shipping_method (with shipping_address) or pickup_location."]}
            )
        if "shipping_method" in data and "shipping_address" not in data:
            raise serializers.ValidationError({"shipping_address": ["Required with a shipping method."]})
        return data


class LineRefSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(required=False, min_value=1)
    sku = serializers.CharField(max_length=64, required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=999)

    def validate(self, data):
        if ("line_id" in data) == ("sku" in data):
            raise serializers.ValidationError({"line_id": ["Give line_id or sku."]})
        return data


class FulfillmentInSerializer(serializers.Serializer):
    lines = LineRefSerializer(many=True, allow_empty=False)
    carrier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    tracking_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    delivery_state = serializers.ChoiceField(choices=DeliveryState.choices, default=DeliveryState.IN_TRANSIT)
    estimated_arrival = serializers.DateField(required=False, allow_null=True, default=None)


class FulfillmentUpdateSerializer(serializers.Serializer):
    delivery_state = serializers.ChoiceField(choices=DeliveryState.choices)
    estimated_arrival = serializers.DateField(required=False, allow_null=True, default=None)
    order_version = serializers.IntegerField(
        required=False, min_value=1, help_text="Optional: 409 if the order changed since you read this version."
    )


class BackorderInSerializer(serializers.Serializer):
    lines = LineRefSerializer(many=True, allow_empty=False)
    kind = serializers.ChoiceField(choices=BackorderKind.choices, default=BackorderKind.BACKORDER)
    expected = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    order_version = serializers.IntegerField(required=False, min_value=1)


# --- out ---------------------------------------------------------------------------------------------


class LineOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku",
            "product_name",
            "variant_name",
            "quantity",
            "fulfilled_quantity",
            "backordered_quantity",
            "backorder_kind",
            "backorder_expected",
            "unit_price",
            "tax_amount",
            "total",
            "customization",
        ]


class FulfillmentOutSerializer(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Fulfillment
        fields = [
            "id",
            "carrier",
            "tracking_number",
            "tracking_url",
            "delivery_state",
            "estimated_arrival",
            "shipped_at",
            "delivered_at",
            "lines",
        ]

    def get_lines(self, fulfillment) -> list[dict]:
        return [{"line_id": line.order_line_id, "quantity": line.quantity} for line in fulfillment.lines.all()]


def position_field(name: str, help_text: str) -> serializers.DecimalField:
    """A figure of the order's money position (``Order.position``)."""
    return serializers.DecimalField(**MONEY_DIGITS, source=f"position.{name}", read_only=True, help_text=help_text)


class OrderOutSerializer(serializers.ModelSerializer):
    lines = LineOutSerializer(many=True, read_only=True)
    fulfillments = FulfillmentOutSerializer(many=True, read_only=True)
    hold_until = serializers.SerializerMethodField(
        help_text="While on fulfilment hold: when it ends (the edit window's end, or a payment request's expiry); "
        "null while held until the balance is paid or staff release it."
    )
    hold_reason = serializers.SerializerMethodField(
        help_text="Why the order is on fulfilment hold: edit_window, awaiting_payment; null when it may ship."
    )
    # The money position (orders.position), as the shopper's pages show it.
    net_paid = position_field("net_paid", "Captured, less what was refunded.")
    refunding = position_field("refunding", "Refunds on their way (at the processor or awaiting approval).")
    balance_due = position_field("balance_due", "What the shopper still owes.")
    credit_due = position_field("credit_due", "Owed to the shopper and not yet on its way back.")
    kept = position_field(
        "kept", "What the store decided to keep (a declined refund, a cancellation without a refund)."
    )

    class Meta:
        model = Order
        fields = [
            "number",
            "external_id",
            "version",
            "email",
            "language",
            "currency",
            "status",
            "financial_status",
            "fulfillment_status",
            "on_fulfillment_hold",
            "hold_until",
            "hold_reason",
            "placed_at",
            "updated_at",
            "shipping_address",
            "shipping_method_name",
            "pickup_location",
            "discount_code",
            "subtotal",
            "discount_total",
            "shipping_total",
            "tax_total",
            "total",
            "captured_total",
            "refunded_total",
            "net_paid",
            "refunding",
            "balance_due",
            "credit_due",
            "kept",
            "lines",
            "fulfillments",
        ]

    def get_hold_until(self, order) -> str | None:
        _reason, until = order.hold()
        return until.isoformat() if until else None

    def get_hold_reason(self, order) -> str | None:
        return order.hold()[0]
