"""The returns queue in admin: every return with its order, customer, status, age, reasons, items and refund,
filtered by status, reason, age and exchange, searched by return number, order number or email, newest first;
and each return's page (desk.return_views) in place of Django's change form, since a return changes only
through the returns services, one action at a time.

The list stays flat in its rows: the order comes with each return (a join), the lines' reasons in one query
for the page; the unfiltered list is paged by PostgreSQL's estimate of the table (core.paging). Returns are
opened by the shopper or from the order's page ("Create a return"), never added here, and never deleted.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.paging import EstimatedCountPaginator
from desk import return_views, selectors
from orders.admin_views import money
from returns.models import ReturnLine, ReturnRequest
from returns.selectors import all_reasons

LIST_PARAMETERS = frozenset({"o", "p"})  # ordering and page: the list is still unfiltered
# "R1042-1" (a return), "1042", "#1042" or "R1042" (an order's returns).
NUMBER = re.compile(r"^[#R]?(\d+)(?:-(\d+))?$", re.IGNORECASE)


def _with_line(**lookups) -> Exists:
    return Exists(ReturnLine.objects.filter(request=OuterRef("pk"), **lookups))


class ReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return [(reason.code, reason.shown_label) for reason in all_reasons()]

    def queryset(self, request, queryset):
        return queryset.filter(_with_line(reason__code=self.value())) if self.value() else queryset


class AgeFilter(admin.SimpleListFilter):
    title = _("requested")
    parameter_name = "age"
    DAYS = (7, 14, 30)

    def lookups(self, request, model_admin):
        return [
            (str(days), ngettext("More than %(days)d day ago", "More than %(days)d days ago", days) % {"days": days})
            for days in self.DAYS
        ]

    def queryset(self, request, queryset):
        if self.value() not in {str(days) for days in self.DAYS}:
            return queryset
        return queryset.filter(created_at__lt=timezone.now() - timedelta(days=int(self.value())))


class ExchangeFilter(admin.SimpleListFilter):
    title = _("exchange")
    parameter_name = "exchange"

    def lookups(self, request, model_admin):
        return [("yes", _("Has an exchange")), ("no", _("Refund only"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(_with_line(exchange_variant__isnull=False))
        if self.value() == "no":
            return queryset.exclude(_with_line(exchange_variant__isnull=False))
        return queryset


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ["number", "order_link", "customer_email", "status", "age", "reasons", "items", "refund"]
    list_display_links = ["number"]
    list_filter = ["status", ReasonFilter, AgeFilter, ExchangeFilter]
    search_fields = ["number"]  # shows the search box; get_search_results reads the term
    search_help_text = _("A return number (R1042-1), an order number or the customer's email.")
    ordering = ["-created_at", "-id"]
    show_full_result_count = False  # no second COUNT(*) of the whole table per page
    list_per_page = 50  # as the order and customer lists

    class Media:
        css = {"all": ["css/desk.css"]}

    def get_queryset(self, request):
        return selectors.with_return_lines(super().get_queryset(request))

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if set(request.GET) - LIST_PARAMETERS:
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        return EstimatedCountPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            table="returns_returnrequest",
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if match := NUMBER.match(term):
            if match[2]:
                return queryset.filter(number=f"R{match[1]}-{match[2]}"), False
            return queryset.filter(order__number=int(match[1])), False
        return queryset.filter(order__email__icontains=term), False

    def has_add_permission(self, request):
        return False  # opened by the shopper, or by staff from the order's page

    def has_delete_permission(self, request, obj=None):
        return False  # its events, refunds and stock moves stay

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return return_views.return_page(request, int(object_id), model_admin=self)

    def get_urls(self):
        action = self.admin_site.admin_view(partial(return_views.return_action, model_admin=self))
        return [path("<int:pk>/do/<slug:action>/", action, name="returns_returnrequest_action"), *super().get_urls()]

    # --- the list's columns ----------------------------------------------------------------------------

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, obj):
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">#{}</a>', url, obj.order.number)

    @admin.display(description=_("customer"), ordering="order__email")
    def customer_email(self, obj):
        return obj.order.email

    @admin.display(description=_("age"), ordering="-created_at")
    def age(self, obj):
        return timesince(obj.created_at, depth=1)

    @admin.display(description=_("reasons"))
    def reasons(self, obj):
        labels = dict.fromkeys(str(line.reason.shown_label) for line in obj.lines.all())
        return ", ".join(labels)

    @admin.display(description=_("items"))
    def items(self, obj):
        return sum(line.quantity for line in obj.lines.all())

    @admin.display(description=_("refund"), ordering="refund_amount")
    def refund(self, obj):
        return money(obj.refund_amount, obj.order.currency) if obj.received_at else "—"
