"""Staff view of the records of orders: shipments, transactions, the timeline, credit memos, the store-credit
ledger and payment requests. They are written only by services, so they are read-only here; their few
actions (a shipment's delivery, a refund decision, a credit memo print) are pages of orders.admin_views
and orders.admin_fulfilment. The order itself, whose page acts across apps, is desk's (desk.admin).
"""

from functools import partial

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ApplicationError
from orders import admin_fulfilment, admin_views, invoice_views
from orders.constants import TransactionKind
from orders.models import (
    CreditMemo,
    Fulfillment,
    FulfillmentLine,
    Invoice,
    Order,
    OrderEvent,
    PaymentRequest,
    StoreCreditEntry,
    Transaction,
)


class ReadOnlyInline(admin.TabularInline):
    """Base of the order page's inlines (desk.admin): rows shown, never added, changed or deleted there."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def credit_memo_print_link(memo: CreditMemo) -> str:
    url = reverse("admin:orders_creditmemo_print", args=[memo.pk])
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Print"))


def invoice_links(invoice: Invoice) -> str:
    """The invoice's number with its page and PDF, for staff (the order page, the credit memos)."""
    return format_html(
        '{} <a href="{}" target="_blank" rel="noopener">{}</a> · <a href="{}">{}</a>',
        invoice.number,
        reverse("admin:orders_invoice_print", args=[invoice.pk]),
        _("View"),
        reverse("admin:orders_invoice_pdf", args=[invoice.pk]),
        _("PDF"),
    )


def order_invoice(order: Order) -> str:
    """The order page's invoice field: its links, or a button issuing one (an order placed before invoices)."""
    invoice = Invoice.objects.filter(order=order).only("pk", "serial").first()
    if invoice is not None:
        return invoice_links(invoice)
    # Submits the page's form (its CSRF token) to the issue URL: a form can't nest in a form.
    return format_html(
        '<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>{}</button>',
        reverse("admin:orders_invoice_issue", args=[order.pk]),
        _("Issue invoice"),
    )


class RecordAdmin(admin.ModelAdmin):
    """Rows written only by services (shipments, money, timeline): listed and shown, never typed in."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
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
    list_display = ["id", "order", "invoice", "amount", "currency", "source", "created_at", "print_link"]
    list_filter = ["source", "reason_code", "created_at"]
    search_fields = ["=order__number", "reason_note"]
    list_select_related = ["order", "invoice"]

    def get_urls(self):
        view = self.admin_site.admin_view(admin_views.print_credit_memo)
        return [path("<int:pk>/print/", view, name="orders_creditmemo_print"), *super().get_urls()]

    @admin.display(description=_("print"))
    def print_link(self, obj):
        return credit_memo_print_link(obj)


@admin.register(Invoice)
class InvoiceAdmin(RecordAdmin):
    """Invoices are issued by services (placing, or staff for an order without one) and never changed."""

    list_display = ["serial_number", "order", "issued_at", "total", "currency", "links"]
    list_filter = ["issued_at", "currency"]
    search_fields = ["=serial", "=order__number"]
    search_help_text = _("Search by the invoice's serial (42 for INV-000042) or the order number.")
    list_select_related = ["order"]
    date_hierarchy = "issued_at"

    def get_urls(self):
        def page(route, view, name):
            return path(route, self.admin_site.admin_view(view), name=f"orders_invoice_{name}")

        return [
            page("<int:pk>/print/", invoice_views.staff_invoice, "print"),
            page("<int:pk>/pdf/", invoice_views.staff_invoice_pdf, "pdf"),
            page("issue/<int:order_id>/", invoice_views.staff_issue_invoice, "issue"),
            *super().get_urls(),
        ]

    @admin.display(description=_("number"), ordering="serial")
    def serial_number(self, obj):
        return obj.number

    @admin.display(description=_("invoice"))
    def links(self, obj):
        return invoice_links(obj)

    def has_delete_permission(self, request, obj=None):
        return False


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
