"""What integrations send and get back. Inputs are validated here; every change goes through a service."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api_fields import (
    MAX_ID,
    HttpUrlField,
    MoneyField,
    NonEmptyList,
    PositiveMoneyField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictEmailField,
    StrictIntegerField,
)
from core.errors import ApplicationError
from core.money import MONEY_DIGITS
from orders.constants import BackorderKind, DeliveryState
from orders.models import Fulfillment, Order, OrderLine
from returns.constants import Condition
from returns.models import ReturnLine, ReturnRequest
from storefront.countries import CountryCodeField


class OrderAddressSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    company = StrictCharField(max_length=200, required=False, allow_blank=True)
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(max_length=200, required=False, allow_blank=True)
    city = StrictCharField(max_length=100)
    region = StrictCharField(max_length=100, required=False, allow_blank=True)
    postal_code = StrictCharField(max_length=20)
    country = CountryCodeField()
    phone = StrictCharField(max_length=40, required=False, allow_blank=True)


class LineInSerializer(serializers.Serializer):
    sku = StrictCharField(max_length=64)
    quantity = StrictIntegerField(min_value=1, max_value=999)
    customization = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class PaymentInSerializer(serializers.Serializer):
    amount = PositiveMoneyField()
    reference = StrictCharField(max_length=200, help_text="The payment's id in the system that took it.")
    gateway = StrictCharField(max_length=50, default="external")


class OrderInSerializer(serializers.Serializer):
    external_id = StrictCharField(max_length=100, help_text="Your order id: sending it again returns the order.")
    email = StrictEmailField()
    name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    language = StrictChoiceField(choices=[code for code, _name in settings.LANGUAGES], default="en")
    lines = NonEmptyList(child=LineInSerializer(), max_length=200)
    shipping_address = OrderAddressSerializer(
        required=False, help_text="Required with shipping_method (422 without it)."
    )
    billing_address = OrderAddressSerializer(required=False)
    shipping_method = StrictCharField(
        max_length=50,
        required=False,
        help_text="A shipping method's code. Give it or pickup_location, not both (422).",
    )
    pickup_location = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID)
    discount_code = StrictCharField(max_length=50, required=False, allow_blank=True, default="")
    payments = serializers.ListField(child=PaymentInSerializer(), required=False, default=list, max_length=50)
    total = MoneyField(
        required=False, help_text="Optional: refused (422) if it differs from the total worked out here."
    )
    send_confirmation = StrictBooleanField(default=True)

    def validate(self, data):
        # Rules the schema cannot say: a well-formed order that breaks them is refused as asked (422).
        if ("shipping_method" in data) == ("pickup_location" in data):
            raise ApplicationError(
                "Give either shipping_method (with shipping_address) or pickup_location.",
                code="delivery_required",
                fields={"shipping_method": ["Give either shipping_method or pickup_location."]},
            )
        if "shipping_method" in data and "shipping_address" not in data:
            raise ApplicationError(
                "A shipping method needs a shipping address.",
                code="address_required",
                fields={"shipping_address": ["Required with a shipping method."]},
            )
        return data


class LineRefSerializer(serializers.Serializer):
    line_id = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="Give line_id or sku.")
    sku = StrictCharField(max_length=64, required=False, help_text="Give line_id or sku (not both: 422).")
    quantity = StrictIntegerField(min_value=1, max_value=999)


class FulfillmentInSerializer(serializers.Serializer):
    lines = NonEmptyList(child=LineRefSerializer(), max_length=200)
    carrier = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    tracking_number = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    tracking_url = HttpUrlField(required=False, default="")
    delivery_state = StrictChoiceField(choices=DeliveryState.choices, default=DeliveryState.IN_TRANSIT)
    estimated_arrival = StrictDateField(required=False, allow_null=True, default=None)


class FulfillmentUpdateSerializer(serializers.Serializer):
    delivery_state = StrictChoiceField(choices=DeliveryState.choices)
    estimated_arrival = StrictDateField(required=False, allow_null=True, default=None)
    order_version = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Optional: 409 if the order changed since you read this version.",
    )


class BackorderInSerializer(serializers.Serializer):
    lines = NonEmptyList(child=LineRefSerializer(), max_length=200)
    kind = StrictChoiceField(choices=BackorderKind.choices, default=BackorderKind.BACKORDER)
    expected = StrictDateField(required=False, allow_null=True, default=None)
    note = StrictCharField(max_length=300, required=False, allow_blank=True, default="")
    order_version = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID)


RETURN_VERSION_HELP = "Optional: the return's version as you read it; 409 if it changed since."


class ReceivedLineInSerializer(serializers.Serializer):
    id = StrictIntegerField(min_value=1, max_value=MAX_ID, help_text="A line of the return (its `lines[].id`).")
    quantity = StrictIntegerField(min_value=0, max_value=999, help_text="Units that arrived (0: none).")
    condition = StrictChoiceField(
        choices=Condition.choices,
        required=False,
        help_text="Required when units arrived (422 without): resellable (back in stock) or damaged (not restocked).",
    )


class ReceiveInSerializer(serializers.Serializer):
    lines = NonEmptyList(
        child=ReceivedLineInSerializer(),
        max_length=200,
        help_text="What arrived of each line, each named once (422 otherwise); a line not named arrived with none.",
    )
    version = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=RETURN_VERSION_HELP)

    def validate_lines(self, lines):
        seen = set()
        for index, line in enumerate(lines):
            if line["id"] in seen:
                raise ApplicationError(
                    "Name each line once.", code="line_repeated", fields={f"lines.{index}.id": ["Named twice."]}
                )
            seen.add(line["id"])
            if line["quantity"] and "condition" not in line:
                raise ApplicationError(
                    "Say the condition of what arrived.",
                    code="condition_required",
                    fields={f"lines.{index}.condition": ["Required when units arrived."]},
                )
        return lines


class InTransitInSerializer(serializers.Serializer):
    carrier = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    tracking_number = StrictCharField(max_length=100, required=False, allow_blank=True, default="")


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
            "return_status",
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
        extra_kwargs = {
            "return_status": {
                "help_text": "Where the order's latest return stands; blank: no return "
                "(GET /api/v1/returns/?order=<number> lists them)."
            }
        }

    def get_hold_until(self, order) -> str | None:
        _reason, until = order.hold()
        return until.isoformat() if until else None

    def get_hold_reason(self, order) -> str | None:
        return order.hold()[0]


class ReturnLineOutSerializer(serializers.ModelSerializer):
    order_line_id = serializers.IntegerField(read_only=True)
    sku = serializers.CharField(source="order_line.sku", read_only=True)
    name = serializers.SerializerMethodField(help_text="The item as it was ordered: product – variant.")
    reason = serializers.CharField(source="reason.code", read_only=True, help_text="The return reason's code.")
    store_fault = serializers.BooleanField(
        source="reason.store_fault", read_only=True, help_text="The reason is the store's fault (no fees)."
    )
    exchange_for = serializers.SerializerMethodField(help_text="The replacement's SKU; null: refunded.")
    condition = serializers.SerializerMethodField(help_text="Once received: resellable or damaged.")

    class Meta:
        model = ReturnLine
        fields = [
            "id",
            "order_line_id",
            "sku",
            "name",
            "quantity",
            "reason",
            "store_fault",
            "exchange_for",
            "received_quantity",
            "condition",
            "restocked_quantity",
            "refund_amount",
        ]
        read_only_fields = fields

    def get_name(self, line) -> str:
        return f"{line.order_line.product_name} – {line.order_line.variant_name}".strip(" –")

    def get_exchange_for(self, line) -> str | None:
        return line.exchange_variant.sku if line.exchange_variant_id else None

    @extend_schema_field(serializers.ChoiceField(choices=Condition.choices, allow_null=True))
    def get_condition(self, line) -> str | None:
        return line.condition or None


class ReturnOutSerializer(serializers.ModelSerializer):
    """A return as integrations see it; its figures are set when the items are received."""

    order = serializers.IntegerField(source="order.number", read_only=True, help_text="The order's number.")
    currency = serializers.CharField(source="order.currency", read_only=True)
    lines = ReturnLineOutSerializer(many=True, read_only=True)

    class Meta:
        model = ReturnRequest
        fields = [
            "number",
            "order",
            "status",
            "version",
            "refund_to",
            "comment",
            "created_at",
            "approved_at",
            "received_at",
            "closed_at",
            "updated_at",
            "carrier",
            "tracking_number",
            "currency",
            "items_value",
            "restocking_fee",
            "shipping_fee",
            "shipping_refund",
            "exchange_difference",
            "refund_amount",
            "lines",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "items_value": {"help_text": "What the received units cost with tax (replacements' units included)."},
            "restocking_fee": {"help_text": "Taken off the refund (never for the store's fault)."},
            "shipping_fee": {"help_text": "Return shipping the customer pays, taken off the refund."},
            "shipping_refund": {
                "help_text": "The order's shipping, refunded when all of it came back for the store's fault."
            },
            "exchange_difference": {
                "help_text": "Replacements less the items they replace (above 0: the shopper pays)."
            },
            "refund_amount": {
                "help_text": "Refunded for this return (to the card or store credit, as refund_to says)."
            },
        }
