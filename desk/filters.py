"""Filters of the order list in admin (desk.admin.OrderAdmin): the tags in use, the order's status, with archived orders out of
the default list, and the days an order was placed between, typed in (not only the presets of the date
drill-down). The date range is a plain GET form of two date inputs: no script, so nothing for the
Content-Security-Policy to allow (django-admin-rangefilter's widgets need inline script and style).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.constants import OrderStatus
from orders.models import TagName


class StatusFilter(admin.SimpleListFilter):
    """Open and canceled orders by default: archived ones are shown when asked for ("Archived", "All"), or
    when staff search (an order number typed in is found wherever it is)."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*OrderStatus.choices, (self.ALL, _("All, archived too"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.ALL or (value is None and request.GET.get(SEARCH_VAR)):
            return queryset
        if value in OrderStatus.values:
            return queryset.filter(status=value)
        return queryset.exclude(status=OrderStatus.ARCHIVED)

    def choices(self, changelist):
        for number, choice in enumerate(super().choices(changelist)):
            # The list without a choice hides archived orders: say so instead of Django's "All".
            yield {**choice, "display": _("Not archived")} if number == 0 else choice


class DateRangeForm(forms.Form):
    placed_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    placed_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("placed_from"), cleaned.get("placed_to")
        if start and end and start > end:
            self.add_error("placed_to", _("The end date is before the start date."))
        return cleaned


class PlacedBetweenFilter(admin.ListFilter):
    """Orders placed from one day to another (both included), in the staff member's time zone."""

    title = _("placed between")
    template = "desk/admin/date_range_filter.html"
    parameters = ("placed_from", "placed_to")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.parameters:
            if name in params:
                self.used_parameters[name] = params.pop(name)[-1]
        self.form = DateRangeForm(self.used_parameters or None)

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return list(self.parameters)

    def queryset(self, request, queryset):
        if not self.used_parameters:
            return queryset
        if not self.form.is_valid():
            return queryset.none()  # the filter shows the error; a list ignoring it would look filtered
        zone = timezone.get_current_timezone()
        start, end = self.form.cleaned_data["placed_from"], self.form.cleaned_data["placed_to"]
        if start:
            queryset = queryset.filter(placed_at__gte=datetime.combine(start, time.min, tzinfo=zone))
        if end:
            queryset = queryset.filter(placed_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))
        return queryset

    def choices(self, changelist):
        yield {
            "form": self.form,
            # The list's other filters, search and ordering ride along (the page number does not).
            "hidden": [(name, value) for name, value in changelist.params.items() if name not in self.parameters],
            "clear_url": changelist.get_query_string(remove=list(self.parameters)),
            "active": bool(self.used_parameters),
        }


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        # The tags in use are kept as they are saved (orders.TagName): no scan of the orders per page.
        return [(name, name) for name in TagName.objects.values_list("name", flat=True)[:50]]

    def queryset(self, request, queryset):
        return queryset.filter(tags__contains=[self.value()]) if self.value() else queryset
