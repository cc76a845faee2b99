"""The order's staff page in admin: the order with its lines, shipments, transactions, credit memos, payment
requests and timeline, tags and risk (staff review), and the buttons to its action pages: edit (editing's
staff edit), refund, goodwill and cancel (desk.money_views), ship and report a backorder
(desk.fulfilment_views). Money, lines and statuses change only through services, so they are read-only here.

The records' own admins (shipments, transactions, credit memos, ...) stay in orders.admin; the URLs are
Django admin's per model, so ``admin:orders_order_*`` names and paths are the same as when this lived there.
"""

from functools import partial
from typing import cast
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from core import dates
from core.paging import EstimatedCountPaginator
from desk import (  # noqa: F401 - registers
    archive_views,
    customer_admin,
    draft_admin,
    fulfilment_views,
    money_views,
    note_views,
    return_admin,
    return_create_views,
)
from desk.customer_forms import NoteForm
from desk.filters import PlacedBetweenFilter, StatusFilter, TagFilter
from desk.fulfilment_views import ship_warnings
from desk.order_inlines import (
    CreditMemoInline,
    FulfillmentInline,
    OrderLineInline,
    PaymentRequestInline,
    ReturnRequestInline,
    TransactionInline,
)
from desk.selectors import order_timeline
from editing.views import staff_edit_order
from orders import admin_views, services
from orders.admin import order_invoice
from orders.constants import FulfillmentStatus, OrderStatus
from orders.models import Order
from orders.services.credit import store_credit_balance

# The order list's own parameters: with no others (a filter, a search) it pages by the table's estimated size.
LIST_PARAMETERS = {"p", "o", "status"}


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    # Narrow columns so payment and fulfilment fit beside the filters at 1280 px (tests/browser/test_order_list_browser).
    list_display = [
        "number",
        "placed",
        "customer_email",
        "amount",
        "status",
        "payment",
        "fulfilment",
        "held",
        "risk_level",
    ]
    list_display_links = ["number"]
    list_filter = [
        StatusFilter,
        PlacedBetweenFilter,
        "financial_status",
        "fulfillment_status",
        "on_fulfillment_hold",
        TagFilter,
        "risk_level",
        "return_status",
    ]
    actions = ["archive_selected", "unarchive_selected"]
    search_fields = ["=number", "email", "external_id"]

    class Media:
        css = {"all": ["css/order-list.css", "css/desk.css"]}

    list_select_related = ["customer"]
    show_full_result_count = False  # counting a million orders on every page load is slow
    list_per_page = 50  # rendering the rows is most of a page's time: 50 halve it, and fit a 1280 px screen
    # No date_hierarchy: its year links scan every order; the "placed between" filter picks any range.

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if set(request.GET) - LIST_PARAMETERS or request.GET.get("status"):  # the default: not archived
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        return EstimatedCountPaginator(
            queryset, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page, table="orders_order"
        )

    inlines = [
        OrderLineInline,
        FulfillmentInline,
        TransactionInline,
        CreditMemoInline,
        PaymentRequestInline,
        ReturnRequestInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "edit_link",
                    "archive_actions",
                    "money_actions",
                    "fulfilment_actions",
                    "return_actions",
                    "number",
                    "invoice_links",
                    "customer",
                    "store_credit",
                    "email",
                    "vat_id",
                    "language",
                    "placed_at",
                    "version",
                    "content_version",
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
                    "return_status",
                    "on_fulfillment_hold",
                    "hold_state",
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
                    "money_position",
                ]
            },
        ),
        (_("Timeline"), {"fields": ["timeline"], "classes": ["wide"]}),
    ]
    # Tags and risk are the only fields staff type here (save_model hands them to review_order).
    readonly_fields = [
        name
        for _title, options in fieldsets
        for name in cast(list[str], options["fields"])
        if name not in ("tags", "risk_level")
    ] + ["timeline_with_note"]

    def has_add_permission(self, request):
        return False  # orders are placed through place_order (checkout or API)

    def save_model(self, request, obj, form, change):
        # Tags and risk are the only fields staff type here; the service versions the change and records it.
        services.review_order(
            order=obj, tags=form.cleaned_data["tags"], risk_level=form.cleaned_data["risk_level"], actor=request.user
        )

    def get_urls(self):
        def page(view, name):
            return path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(partial(view, model_admin=self)),
                name=f"orders_order_{name}",
            )

        return [
            path("<int:pk>/edit/", self.admin_site.admin_view(staff_edit_order), name="orders_order_edit"),
            page(money_views.refund_order, "refund"),
            page(money_views.give_goodwill, "goodwill"),
            page(money_views.cancel_order, "cancel"),
            page(money_views.cancel_rest, "cancel-rest"),
            page(fulfilment_views.ship_order, "ship"),
            page(fulfilment_views.report_order_backorder, "backorder"),
            page(fulfilment_views.release_order_hold, "release"),
            page(money_views.send_payment_link, "payment-link"),
            page(archive_views.archive, "archive"),
            page(archive_views.unarchive, "unarchive"),
            page(note_views.add_order_note, "note"),
            page(return_create_views.create_return, "return"),
            *super().get_urls(),
        ]

    # --- the list's columns ----------------------------------------------------------------------------

    @admin.display(description=_("placed"), ordering="placed_at")
    def placed(self, obj):
        return date_format(timezone.localtime(obj.placed_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("customer"), ordering="email")
    def customer_email(self, obj):
        return format_html('<span class="order-email" title="{}">{}</span>', obj.email, obj.email)

    @admin.display(description=_("total"), ordering="total")
    def amount(self, obj):
        return admin_views.money(obj.total, obj.currency)

    @admin.display(description=pgettext_lazy("order list column", "payment"), ordering="financial_status")
    def payment(self, obj):
        return obj.get_financial_status_display()

    @admin.display(description=pgettext_lazy("order list column", "fulfilment"), ordering="fulfillment_status")
    def fulfilment(self, obj):
        return obj.get_fulfillment_status_display()

    @admin.display(description=pgettext_lazy("order list column", "hold"), boolean=True, ordering="on_fulfillment_hold")
    def held(self, obj):
        return obj.on_fulfillment_hold

    @admin.action(description=_("Archive selected orders"), permissions=["change"])
    def archive_selected(self, request, queryset):
        done = archive_views.archive_many(queryset, actor=request.user)
        self.message_user(request, archive_views.archived_message(done), messages.SUCCESS)

    @admin.action(description=_("Unarchive selected orders"), permissions=["change"])
    def unarchive_selected(self, request, queryset):
        done = archive_views.unarchive_many(queryset, actor=request.user)
        self.message_user(request, archive_views.unarchived_message(done), messages.SUCCESS)

    # --- the order page's buttons: only those that apply -------------------------------------------------

    @admin.display(description=_("change"))
    def edit_link(self, obj):
        if obj.status != OrderStatus.OPEN or obj.fulfillment_status == FulfillmentStatus.FULFILLED:
            return "—"  # canceled, archived or all shipped: nothing left to edit
        url = reverse("admin:orders_order_edit", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Edit lines, address or delivery"))

    @admin.display(description=_("archive"))
    def archive_actions(self, obj):
        """A button that posts the page's form (its CSRF token) to archive or unarchive: a form can't nest."""
        if obj.status == OrderStatus.CANCELLED:
            return "—"
        name, label = ("unarchive", _("Unarchive")) if obj.archived_at else ("archive", _("Archive"))
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate>{}</button>',
            reverse(f"admin:orders_order_{name}", args=[obj.pk]),
            label,
        )

    @admin.display(description=_("money"))
    def money_actions(self, obj):
        position, buttons = obj.position, []
        if position.held > 0:  # nothing paid (or all of it on its way back): nothing to refund
            buttons.append(("refund", _("Refund")))
        buttons.append(("goodwill", _("Give goodwill")))
        if position.balance_due > 0:
            buttons.append(("payment-link", _("Send payment link")))
        if obj.can_cancel():
            buttons.append(("cancel", _("Cancel order")))
        elif obj.status == OrderStatus.OPEN and obj.fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED:
            buttons.append(("cancel-rest", _("Cancel unshipped items")))
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
        if obj.on_fulfillment_hold:
            buttons.append(("release", _("Release hold")))
        links = format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            ((reverse(f"admin:orders_order_{name}", args=[obj.pk]), label) for name, label in buttons),
        )
        warnings = format_html_join("", '<p class="ship-warning">{}</p>', ((text,) for text in ship_warnings(obj)))
        return format_html("{}{}", links, warnings)

    @admin.display(description=_("returns"))
    def return_actions(self, obj):
        """Staff open a return for the customer once something was shipped (the page says what can come back)."""
        if obj.cancelled_at is not None or obj.fulfillment_status == FulfillmentStatus.UNFULFILLED:
            return "—"
        url = reverse("admin:orders_order_return", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Create a return"))

    @admin.display(description=_("money position"))
    def money_position(self, obj):
        """The figures the shopper sees (orders.position), so staff and shopper read the same numbers."""
        p, currency = obj.position, obj.currency
        rows = [
            (_("Costs now"), p.due),
            (_("Kept by the store"), p.kept),
            (pgettext("amount", "Paid"), p.paid),
            (_("Refunded"), p.refunded),
            (_("Refund on its way"), p.refunding),
            (_("Still to pay"), p.balance_due),
            (_("Owed to the customer"), p.credit_due),
        ]
        return format_html_join(" · ", "{}: {}", ((label, admin_views.money(value, currency)) for label, value in rows))

    @admin.display(description=_("invoice"))
    def invoice_links(self, obj):
        return order_invoice(obj)

    @admin.display(description=_("hold"))
    def hold_state(self, obj):
        reason, until = obj.hold()
        if reason is None:
            return _("Free to ship")
        text = _("Edit window") if reason == "edit_window" else _("Awaiting payment")
        if until is None:
            return text
        return _("%(hold)s, until %(time)s") % {"hold": text, "time": dates.deadline(until)}

    @admin.display(description=_("customer's store credit"))
    def store_credit(self, obj):
        if not obj.customer_id:
            return "—"
        balance = admin_views.money(store_credit_balance(obj.customer), obj.currency)
        url = reverse("admin:orders_storecreditentry_changelist") + "?" + urlencode({"q": obj.customer.email})
        return format_html('{} <a href="{}">{}</a>', balance, url, _("Ledger"))

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        """Staff who may add notes get the timeline with a note box."""
        fieldsets = super().get_fieldsets(request, obj)
        if not request.user.has_perm("desk.add_note"):
            return fieldsets
        return [
            (title, {**options, "fields": ["timeline_with_note" if f == "timeline" else f for f in options["fields"]]})
            for title, options in fieldsets
        ]

    @admin.display(description=_("events and internal notes"))
    def timeline(self, obj):
        """Every event as a sentence (who, when, what changed from what to what) with the staff's notes."""
        return self.render_timeline(obj, may_note=False)

    @admin.display(description=_("events and internal notes"))
    def timeline_with_note(self, obj):
        return self.render_timeline(obj, may_note=True)

    def render_timeline(self, obj, *, may_note: bool) -> str:
        """The note box's button posts the page's form to the note view (a form can't nest in this one)."""
        return render_to_string(
            "desk/order_timeline.html",
            {
                "entries": order_timeline(obj),
                "may_note": may_note,
                "note_form": NoteForm(),
                "note_url": reverse("admin:orders_order_note", args=[obj.pk]),
            },
        )
