"""Staff view of orders. Money, lines and statuses change only through services, so they are read-only here."""

from django.contrib import admin
from django.db import connection
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orders.models import (
    CreditMemo,
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderEvent,
    OrderLine,
    PaymentRequest,
    Transaction,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "product_name",
        "variant_name",
        "sku",
        "quantity",
        "fulfilled_quantity",
        "unit_price",
        "discount_amount",
        "tax_rate",
        "tax_amount",
        "total",
        "customization",
        "is_free",
        "is_fee",
    ]
    readonly_fields = fields


class FulfillmentInline(ReadOnlyInline):
    model = Fulfillment
    fields = [
        "carrier",
        "tracking_number",
        "tracking_url",
        "delivery_state",
        "estimated_arrival",
        "shipped_at",
        "delivered_at",
    ]
    readonly_fields = fields


class TransactionInline(ReadOnlyInline):
    model = Transaction
    fields = [
        "kind",
        "source",
        "amount",
        "currency",
        "status",
        "reason",
        "gateway",
        "gateway_reference",
        "error",
        "created_at",
    ]
    readonly_fields = fields


class CreditMemoInline(ReadOnlyInline):
    model = CreditMemo
    fields = ["created_at", "amount", "currency", "source", "reason", "created_by"]
    readonly_fields = fields


class PaymentRequestInline(ReadOnlyInline):
    model = PaymentRequest
    fields = ["created_at", "amount", "currency", "status", "expires_at", "paid_at", "reason"]
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "type", "actor_kind", "actor", "order_version", "data", "customer_visible"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class RecordAdmin(admin.ModelAdmin):
    """Rows written only by services (shipments, money, timeline): listed and shown, never typed in."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT unnest(tags) AS tag FROM orders_order ORDER BY tag LIMIT 50")
            return [(tag, tag) for (tag,) in cursor.fetchall()]

    def queryset(self, request, queryset):
        return queryset.filter(tags__contains=[self.value()]) if self.value() else queryset


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "email",
        "placed_at",
        "total",
        "currency",
        "status",
        "financial_status",
        "fulfillment_status",
        "on_fulfillment_hold",
        "risk_level",
    ]
    list_filter = [
        "status",
        "financial_status",
        "fulfillment_status",
        "on_fulfillment_hold",
        TagFilter,
        "risk_level",
        "placed_at",
    ]
    search_fields = ["=number", "email", "external_id"]
    date_hierarchy = "placed_at"
    list_select_related = ["customer"]
    show_full_result_count = False  # counting a million orders on every page load is slow
    inlines = [
        OrderLineInline,
        FulfillmentInline,
        TransactionInline,
        CreditMemoInline,
        PaymentRequestInline,
        OrderEventInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "edit_link",
                    "number",
                    "customer",
                    "email",
                    "language",
                    "placed_at",
                    "version",
                    "tags",
                    "risk_level",
                ]
            },
        ),
        (
            _("Status"),
            {
                "fields": [
                    "status",
                    "financial_status",
                    "fulfillment_status",
                    "on_fulfillment_hold",
                    "edit_window_ends_at",
                    "cancelled_at",
                    "archived_at",
                ]
            },
        ),
        (_("Delivery"), {"fields": ["shipping_address", "billing_address", "shipping_method_name", "pickup_location"]}),
        (
            _("Amounts"),
            {
                "fields": [
                    "currency",
                    "prices_include_tax",
                    "tax_exempt",
                    "discount_code",
                    "subtotal",
                    "discount_total",
                    "shipping_total",
                    "tax_total",
                    "total",
                    "captured_total",
                    "refunded_total",
                ]
            },
        ),
    ]
    readonly_fields = [
        "edit_link",
        "number",
        "customer",
        "email",
        "placed_at",
        "version",
        "status",
        "financial_status",
        "fulfillment_status",
        "on_fulfillment_hold",
        "edit_window_ends_at",
        "cancelled_at",
        "archived_at",
        "shipping_address",
        "billing_address",
        "shipping_method_name",
        "pickup_location",
        "currency",
        "prices_include_tax",
        "tax_exempt",
        "discount_code",
        "subtotal",
        "discount_total",
        "shipping_total",
        "tax_total",
        "total",
        "captured_total",
        "refunded_total",
        "language",
    ]

    def has_add_permission(self, request):
        return False  # orders are placed through place_order (checkout or API)

    def get_urls(self):
        from editing.views import staff_edit_order

        edit = path("<int:pk>/edit/", self.admin_site.admin_view(staff_edit_order), name="orders_order_edit")
        return [edit, *super().get_urls()]

    @admin.display(description=_("change"))
    def edit_link(self, obj):
        url = reverse("admin:orders_order_edit", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Edit lines, address or delivery"))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fulfillment)
class FulfillmentAdmin(RecordAdmin):
    list_display = ["id", "order", "carrier", "tracking_number", "delivery_state", "estimated_arrival", "shipped_at"]
    list_filter = ["delivery_state", "carrier", "shipped_at"]
    search_fields = ["tracking_number", "=order__number"]
    list_select_related = ["order"]


@admin.register(Transaction)
class TransactionAdmin(RecordAdmin):
    list_display = ["id", "order", "kind", "source", "amount", "currency", "status", "gateway", "created_at"]
    list_filter = ["kind", "status", "source", "gateway", "created_at"]
    search_fields = ["=order__number", "gateway_reference", "idempotency_key"]
    list_select_related = ["order"]


@admin.register(OrderEvent)
class OrderEventAdmin(RecordAdmin):
    list_display = ["created_at", "order", "type", "actor_kind", "actor", "order_version"]
    list_filter = ["type", "actor_kind", "created_at"]
    search_fields = ["=order__number"]
    list_select_related = ["order", "actor"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FulfillmentLine)
class FulfillmentLineAdmin(RecordAdmin):
    list_display = ["id", "fulfillment", "order_line", "quantity"]
    search_fields = ["=fulfillment__order__number"]
    list_select_related = ["fulfillment", "order_line"]


@admin.register(CreditMemo)
class CreditMemoAdmin(RecordAdmin):
    list_display = ["id", "order", "amount", "currency", "source", "created_at"]
    list_filter = ["source", "created_at"]
    search_fields = ["=order__number", "reason"]
    list_select_related = ["order"]


@admin.register(PaymentRequest)
class PaymentRequestAdmin(RecordAdmin):
    list_display = ["id", "order", "amount", "currency", "status", "expires_at", "paid_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=order__number"]
    list_select_related = ["order"]
