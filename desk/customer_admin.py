"""The customer admin, built for support: a shopper's account and profile on one page (no superuser or
permission widgets: staff users keep the user admin), their orders in a date range, address book, store
credit ledger, one timeline across all their orders, and internal notes.

The list stays fast at any size: its figures are correlated subqueries read for the page's rows only
(desk.selectors.with_order_figures), the unfiltered list is paged by PostgreSQL's estimate of the table
(core.paging), and search reads one trigram index per field (desk.search).

Both staff groups read and change customers and leave notes; a customer's group (its discount) and tax
exemption need "Can set a customer's group and tax exemption" (Managers).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import dates
from core.errors import ApplicationError
from core.paging import EstimatedCountPaginator
from desk import selectors, services
from desk.customer_forms import CustomerForm, NoteForm, OrderRangeForm
from desk.models import Customer
from desk.search import id_list, matching_customer_ids
from orders.admin_views import money
from orders.models import Order
from storefront.models import StoreSettings

LIST_PARAMETERS = frozenset({"o", "p"})  # ordering and page: the list is still unfiltered


class CustomerChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        self.result_list = selectors.with_order_figures(list(self.result_list))


class BalanceDueFilter(admin.SimpleListFilter):
    title = gettext_lazy("balance due")
    parameter_name = "balance_due"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Has a balance due"))]

    def queryset(self, request, queryset):
        return selectors.owing(queryset) if self.value() == "yes" else queryset


def may_set_pricing(user) -> bool:
    return user.has_perm("desk.set_customer_pricing")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    change_form_template = "admin/desk/customer/change_form.html"
    list_display = [
        "email",
        "name",
        "order_count",
        "spent",
        "last_order",
        "group",
        "tax_exempt",
        "marketing_consent",
    ]
    list_filter = ["profile__group", "profile__marketing_consent", "profile__tax_exempt", BalanceDueFilter]
    list_select_related = ["profile__group"]
    search_fields = ["email"]  # shows the search box; get_search_results searches every field
    search_help_text = gettext_lazy(
        "Email, name, phone, street, postal code, company, VAT ID or order number (at least 3 characters)."
    )
    ordering = ["-id"]
    show_full_result_count = False  # no second COUNT(*) of the whole table per page
    list_per_page = 50  # rendering the rows is most of a page's time (as the order list)
    fieldsets = [
        (gettext_lazy("Account"), {"fields": ["email", "is_active", "date_joined", "last_login"]}),
        (
            gettext_lazy("Profile"),
            {"fields": ["name", "language", "vat_id", "marketing_consent", "consent_record", "group", "tax_exempt"]},
        ),
    ]
    readonly_fields = ["email", "is_active", "date_joined", "last_login", "consent_record"]

    # --- the list ------------------------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return CustomerChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if set(request.GET) - LIST_PARAMETERS:
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        return EstimatedCountPaginator(
            queryset, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page, table="accounts_user"
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        ids = matching_customer_ids(search_term)
        if ids is None:
            messages.warning(request, _("Type at least 3 characters (or an order number) to search."))
            return queryset.none(), False
        # Matched once: the page and its count then read a short list of ids, not the union twice.
        return queryset.filter(pk__in=id_list(ids)), False

    @admin.display(description=gettext_lazy("name"))
    def name(self, obj):
        return getattr(getattr(obj, "profile", None), "name", "")

    @admin.display(description=gettext_lazy("orders"))
    def order_count(self, obj):
        return obj.order_count

    @admin.display(description=gettext_lazy("spent, net of refunds"))
    def spent(self, obj):
        return money(obj.spent, StoreSettings.cached().currency)

    @admin.display(description=gettext_lazy("last order"))
    def last_order(self, obj):
        return dates.day(obj.last_order_at) if obj.last_order_at else "—"

    @admin.display(description=gettext_lazy("group"))
    def group(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.group.name if profile and profile.group else "—"

    @admin.display(description=gettext_lazy("tax exempt"), boolean=True)
    def tax_exempt(self, obj):
        return bool(getattr(getattr(obj, "profile", None), "tax_exempt", False))

    @admin.display(description=gettext_lazy("marketing"), boolean=True)
    def marketing_consent(self, obj):
        return bool(getattr(getattr(obj, "profile", None), "marketing_consent", False))

    # --- the page ------------------------------------------------------------------------------------

    def has_add_permission(self, request):
        return False  # a customer's account is made with their first order

    def has_delete_permission(self, request, obj=None):
        return False  # their orders keep it (and the law keeps orders)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"may_set_pricing": may_set_pricing(request.user)})

    @admin.display(description=gettext_lazy("consent changed"))
    def consent_record(self, obj):
        profile = getattr(obj, "profile", None)
        if profile is None or profile.marketing_consent_at is None:
            return "—"
        return _("%(time)s (%(source)s)") % {
            "time": dates.when(profile.marketing_consent_at),
            "source": profile.get_marketing_consent_source_display() or "—",
        }

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        terms = (data["group"], data["tax_exempt"]) if may_set_pricing(request.user) else None
        services.update_customer(
            customer=obj,
            name=data["name"],
            language=data["language"],
            vat_id=data["vat_id"],
            marketing_consent=data["marketing_consent"],
            terms=terms,
        )

    def save_related(self, request, form, formsets, change):
        pass  # no inlines: the service saved everything

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if customer is not None:
            extra.update(self.page_context(request, customer))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def page_context(self, request, customer) -> dict:
        range_form = OrderRangeForm(request.GET or None)
        placed = range_form.cleaned_data if range_form.is_valid() else {}
        page = selectors.customer_page(
            customer, placed_from=placed.get("orders_from"), placed_to=placed.get("orders_to")
        )
        return {
            "page": page,
            "range_form": range_form,
            "order_rows": [self.order_row(order) for order in page.orders],
            "credit_balances": [money(amount, currency) for currency, amount in page.credit_balances.items()],
            "credit_rows": [
                (entry, money(entry.amount, entry.currency), entry.reason.text() if entry.reason else "")
                for entry in page.credit
            ],
            "note_form": NoteForm(),
            "note_url": reverse("admin:desk_customer_note", args=[customer.pk]),
            "may_add_note": request.user.has_perm("desk.add_note"),
            "language": get_language(),
        }

    @staticmethod
    def order_row(order: Order) -> dict:
        position = order.position
        return {
            "order": order,
            "url": reverse("admin:orders_order_change", args=[order.pk]),
            "total": money(order.total, order.currency),
            "balance_due": money(position.balance_due, order.currency) if position.balance_due else "",
        }

    def get_urls(self):
        note = self.admin_site.admin_view(require_POST(self.add_note_view))
        return [path("<int:pk>/note/", note, name="desk_customer_note"), *super().get_urls()]

    def add_note_view(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.all(), pk=pk)
        if not (self.has_view_permission(request, customer) and request.user.has_perm("desk.add_note")):
            raise PermissionDenied
        change_url = reverse("admin:desk_customer_change", args=[customer.pk])
        try:
            services.add_note(author=request.user, customer=customer, text=request.POST.get("note_text", ""))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Note added."))
        return HttpResponseRedirect(change_url + "#notes")
