"""Draft orders in admin: the list, and the pages of desk.draft_views in place of Django's add and change forms
(a draft changes only through the drafts services, one action at a time)."""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from desk import draft_views
from drafts import selectors
from drafts.constants import DraftStatus
from drafts.models import DraftOrder


@admin.register(DraftOrder)
class DraftOrderAdmin(admin.ModelAdmin):
    list_display = [
        "draft_number",
        "customer_email",
        "customer_name",
        "items",
        "status",
        "placed_as",
        "updated_at",
        "updated_by",
    ]
    list_display_links = ["draft_number"]
    list_filter = ["status"]
    search_fields = ["customer__email", "customer__profile__name"]
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        return selectors.draft_list()

    def has_delete_permission(self, request, obj=None):
        return False  # discarded from its page, through the service (placed drafts stay)

    def add_view(self, request, form_url="", extra_context=None):
        return draft_views.new_draft(request, model_admin=self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return draft_views.draft_page(request, int(object_id), model_admin=self)

    def get_urls(self):
        action = self.admin_site.admin_view(partial(draft_views.draft_action, model_admin=self))
        return [path("<int:pk>/do/<slug:action>/", action, name="drafts_draftorder_action"), *super().get_urls()]

    @admin.display(description=_("draft"), ordering="id")
    def draft_number(self, obj):
        return obj.number

    @admin.display(description=_("customer"), ordering="customer__email")
    def customer_email(self, obj):
        return obj.customer.email

    @admin.display(description=_("name"))
    def customer_name(self, obj):
        profile = getattr(obj.customer, "profile", None)
        return profile.name if profile else ""

    @admin.display(description=_("items"))
    def items(self, obj):
        return obj.line_count

    @admin.display(description=_("order"))
    def placed_as(self, obj):
        if obj.status != DraftStatus.PLACED or obj.order is None:
            return "—"
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">#{}</a> ({})', url, obj.order.number, obj.order.get_financial_status_display())
