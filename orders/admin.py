"""Staff view of orders. Money, lines and statuses change only through services, so they are read-only here."""

from functools import partial
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db import connection
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ApplicationError
from orders import admin_fulfilment, admin_views, services
from orders.constants import FulfillmentStatus, TransactionKind, TransactionStatus
from orders.models import (
    CreditMemo,
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderEvent,
    OrderLine,
    PaymentRequest,
    StoreCreditEntry,
    Transaction,
)
from orders.services.credit import store_credit_balance


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


def credit_memo_print_link(memo: CreditMemo) -> str:
    url = reverse("admin:orders_creditmemo_print", args=[memo.pk])
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Print"))


class CreditMemoInline(ReadOnlyInline):
    model = CreditMemo
    fields = ["memo_number", "created_at", "amount", "currency", "source", "reason", "created_by", "print_link"]
    readonly_fields = fields

    @admin.display(description=_("number"))
    def memo_number(self, obj):
        return obj.number

    @admin.display(description=_("print"))
    def print_link(self, obj):
        return credit_memo_print_link(obj)


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
                    "money_actions",
                    "fulfilment_actions",
                    "number",
                    "customer",
                    "store_credit",
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
                    "adjustment_total",
                    "captured_total",
                    "refunded_total",
                ]
            },
        ),
    ]
    readonly_fields = [
        "edit_link",
        "money_actions",
        "fulfilment_actions",
        "number",
        "customer",
        "store_credit",
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
        "adjustment_total",
        "captured_total",
        "refunded_total",
        "language",
    ]

    def has_add_permission(self, request):
        return False  # orders are placed through place_order (checkout or API)

    def save_model(self, request, obj, form, change):
        # Tags and risk are the only fields staff type here; the service versions the change and records it.
        services.review_order(
            order=obj, tags=form.cleaned_data["tags"], risk_level=form.cleaned_data["risk_level"], actor=request.user
        )

    def get_urls(self):
        from editing.views import staff_edit_order

        def page(view, name):
            return path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(partial(view, model_admin=self)),
                name=f"orders_order_{name}",
            )

        return [
            path("<int:pk>/edit/", self.admin_site.admin_view(staff_edit_order), name="orders_order_edit"),
            page(admin_views.refund_order, "refund"),
            page(admin_views.give_goodwill, "goodwill"),
            page(admin_views.cancel_order, "cancel"),
            page(admin_fulfilment.ship_order, "ship"),
            page(admin_fulfilment.report_order_backorder, "backorder"),
            *super().get_urls(),
        ]

    @admin.display(description=_("change"))
    def edit_link(self, obj):
        url = reverse("admin:orders_order_edit", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Edit lines, address or delivery"))

    @admin.display(description=_("money"))
    def money_actions(self, obj):
        buttons = [("refund", _("Refund")), ("goodwill", _("Give goodwill"))]
        if obj.can_cancel():
            buttons.append(("cancel", _("Cancel order")))
        return format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            ((reverse(f"admin:orders_order_{name}", args=[obj.pk]), label) for name, label in buttons),
        )

    @admin.display(description=_("fulfilment"))
    def fulfilment_actions(self, obj):
        if obj.cancelled_at is not None:
            return _("A canceled order can't be shipped.")
        if obj.fulfillment_status == FulfillmentStatus.FULFILLED:
            return _("Everything is shipped.")
        buttons = [("ship", _("Ship items")), ("backorder", _("Report backorder"))]
        return format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            ((reverse(f"admin:orders_order_{name}", args=[obj.pk]), label) for name, label in buttons),
        )

    @admin.display(description=_("customer's store credit"))
    def store_credit(self, obj):
        if not obj.customer_id:
            return "—"
        balance = admin_views.money(store_credit_balance(obj.customer), obj.currency)
        url = reverse("admin:orders_storecreditentry_changelist") + "?" + urlencode({"q": obj.customer.email})
        return format_html('{} <a href="{}">{}</a>', balance, url, _("Ledger"))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fulfillment)
class FulfillmentAdmin(RecordAdmin):
    list_display = ["id", "order", "carrier", "tracking_number", "delivery_state", "estimated_arrival", "shipped_at"]
    list_filter = ["delivery_state", "carrier", "shipped_at"]
    search_fields = ["tracking_number", "=order__number"]
    list_select_related = ["order"]
    actions = ["mark_delivered"]

    def get_urls(self):
        view = self.admin_site.admin_view(partial(admin_fulfilment.update_delivery, model_admin=self))
        return [path("<int:pk>/delivery/", view, name="orders_fulfillment_delivery"), *super().get_urls()]

    def has_view_permission(self, request, obj=None):
        """Whoever may ship an order sees the shipments (the staff groups have no shipment permissions)."""
        return super().has_view_permission(request, obj) or admin_views.may_change_orders(request.user)

    def has_fulfil_permission(self, request):
        return admin_views.may_change_orders(request.user)

    @admin.action(description=_("Mark selected shipments delivered"), permissions=["fulfil"])
    def mark_delivered(self, request, queryset):
        done, reports = admin_fulfilment.mark_delivered(shipments=queryset.order_by("pk"), request=request)
        for level, text in reports:
            self.message_user(request, text, level=level)
        if done:
            self.message_user(
                request,
                ngettext("%(count)d shipment marked delivered.", "%(count)d shipments marked delivered.", done)
                % {"count": done},
                level=messages.SUCCESS,
            )


@admin.register(Transaction)
class TransactionAdmin(RecordAdmin):
    list_display = ["id", "order", "kind", "source", "amount", "currency", "status", "gateway", "created_at"]
    list_filter = ["kind", "status", "source", "gateway", "created_at"]
    search_fields = ["=order__number", "gateway_reference", "idempotency_key"]
    list_select_related = ["order"]
    actions = ["approve_selected", "decline_selected", "retry_selected"]

    def get_urls(self):
        """POST-only refund decisions, the buttons beside each refund on the order page."""
        return [
            path(
                f"<int:pk>/{decision}/",
                self.admin_site.admin_view(partial(admin_views.decide_refund, decision=decision)),
                name=f"orders_transaction_{decision}",
            )
            for decision in admin_views.DECISIONS
        ] + super().get_urls()

    def has_refund_permission(self, request):
        return admin_views.may_change_orders(request.user)

    @admin.action(description=_("Approve selected refunds"), permissions=["refund"])
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, "approve")

    @admin.action(description=_("Decline selected refunds"), permissions=["refund"])
    def decline_selected(self, request, queryset):
        self._decide(request, queryset, "decline")

    @admin.action(description=_("Retry selected failed refunds"), permissions=["refund"])
    def retry_selected(self, request, queryset):
        self._decide(request, queryset, "retry")

    def _decide(self, request, queryset, decision: str) -> None:
        """One service call per row, each in its own transaction; a refused row is reported and skipped."""
        done = 0
        for row in queryset.order_by("pk"):
            if row.kind != TransactionKind.REFUND:
                self.message_user(
                    request, _("Transaction #%(id)s is not a refund.") % {"id": row.pk}, level=messages.ERROR
                )
                continue
            try:
                admin_views.DECISIONS[decision](refund=row, actor=request.user)
            except ApplicationError as error:
                self.message_user(
                    request,
                    _("Refund #%(id)s: %(error)s") % {"id": row.pk, "error": error.message},
                    level=messages.ERROR,
                )
            else:
                done += 1
        if done:
            texts = {
                "approve": ngettext("%(count)d refund approved.", "%(count)d refunds approved.", done),
                "decline": ngettext("%(count)d refund declined.", "%(count)d refunds declined.", done),
                "retry": ngettext("%(count)d refund sent again.", "%(count)d refunds sent again.", done),
            }
            self.message_user(request, texts[decision] % {"count": done}, level=messages.SUCCESS)


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
    list_display = ["id", "order", "amount", "currency", "source", "created_at", "print_link"]
    list_filter = ["source", "created_at"]
    search_fields = ["=order__number", "reason"]
    list_select_related = ["order"]

    def get_urls(self):
        view = self.admin_site.admin_view(admin_views.print_credit_memo)
        return [path("<int:pk>/print/", view, name="orders_creditmemo_print"), *super().get_urls()]

    @admin.display(description=_("print"))
    def print_link(self, obj):
        return credit_memo_print_link(obj)


@admin.register(StoreCreditEntry)
class StoreCreditEntryAdmin(RecordAdmin):
    """The store-credit ledger, read-only: entries are written by give_store_credit, checkout and refunds."""

    list_display = ["created_at", "customer", "amount", "currency", "reason", "order", "created_by"]
    list_filter = ["currency", "created_at"]
    search_fields = ["=customer__email"]
    search_help_text = _("Search by the customer's email address (the whole address).")
    list_select_related = ["customer", "order", "created_by"]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentRequest)
class PaymentRequestAdmin(RecordAdmin):
    list_display = ["id", "order", "amount", "currency", "status", "expires_at", "paid_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=order__number"]
    list_select_related = ["order"]
