"""The order page's read-only sections in admin (desk.admin.OrderAdmin): lines, shipments, transactions with
their refund buttons, credit memos, payment requests and returns. Money and lines change only through services."""

from django.contrib import admin
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from desk.forms import line_label
from orders import admin_views
from orders.admin import ReadOnlyInline, credit_memo_print_link
from orders.constants import TransactionKind, TransactionStatus
from orders.models import CreditMemo, Fulfillment, OrderLine, PaymentRequest, Transaction
from returns.models import ReturnLine, ReturnRequest


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
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
    )
    readonly_fields = fields


class FulfillmentInline(ReadOnlyInline):
    model = Fulfillment
    fields = (
        "carrier",
        "tracking_number",
        "tracking_url",
        "delivery_state",
        "estimated_arrival",
        "shipped_at",
        "delivered_at",
    )
    readonly_fields = [*fields, "delivery_link"]

    def has_view_permission(self, request, obj=None):
        """Whoever may ship an order sees its shipments (the staff groups have no shipment permissions)."""
        return super().has_view_permission(request, obj) or admin_views.may_change_orders(request.user)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [*fields, "delivery_link"] if admin_views.may_change_orders(request.user) else fields

    @admin.display(description=_("delivery"))
    def delivery_link(self, obj):
        url = reverse("admin:orders_fulfillment_delivery", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Update delivery"))


class TransactionInline(ReadOnlyInline):
    model = Transaction
    fields = (
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
    )
    readonly_fields = [*fields, "refund_actions"]

    def get_fields(self, request, obj=None):
        """Staff who may move money get the approve/decline/retry buttons beside each refund."""
        fields = super().get_fields(request, obj)
        return [*fields, "refund_actions"] if admin_views.may_change_orders(request.user) else fields

    @admin.display(description=_("actions"))
    def refund_actions(self, obj):
        """Buttons that submit the page's form (its CSRF token) to the decision URL: a form can't nest in a form."""
        if obj.kind != TransactionKind.REFUND:
            return ""
        if obj.status == TransactionStatus.AWAITING_APPROVAL:
            decisions = [("approve", _("Approve")), ("decline", _("Decline"))]
        elif obj.status == TransactionStatus.FAILED:
            decisions = [("retry", _("Retry"))]
        else:
            return ""
        return format_html_join(
            " ",
            '<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>{}</button>',
            ((reverse(f"admin:orders_transaction_{decision}", args=[obj.pk]), label) for decision, label in decisions),
        )


class CreditMemoInline(ReadOnlyInline):
    model = CreditMemo
    fields = (
        "memo_number",
        "invoice",
        "created_at",
        "amount",
        "currency",
        "source",
        "reason",
        "created_by",
        "print_link",
    )
    readonly_fields = fields

    @admin.display(description=_("number"))
    def memo_number(self, obj):
        return obj.number

    @admin.display(description=_("print"))
    def print_link(self, obj):
        return credit_memo_print_link(obj)


class PaymentRequestInline(ReadOnlyInline):
    model = PaymentRequest
    fields = ("created_at", "amount", "currency", "status", "expires_at", "paid_at", "reason")
    readonly_fields = fields


class ReturnRequestInline(ReadOnlyInline):
    """The order's returns, newest first, each linking to its page in the returns queue (its lines in one query)."""

    model = ReturnRequest
    fields = ("return_link", "status", "created_at", "returned_items", "refund")
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        lines = ReturnLine.objects.select_related("order_line").order_by("pk")
        return super().get_queryset(request).select_related("order").prefetch_related(Prefetch("lines", lines))

    @admin.display(description=_("return"))
    def return_link(self, obj):
        url = reverse("admin:returns_returnrequest_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.number)

    @admin.display(description=_("items"))
    def returned_items(self, obj):
        return format_html_join(
            ", ",
            "{} × {}",
            ((line.quantity, line_label(line.order_line)) for line in obj.lines.all()),
        )

    @admin.display(description=_("refund"))
    def refund(self, obj):
        return admin_views.money(obj.refund_amount, obj.order.currency) if obj.received_at else "—"
