"""Staff fulfilment pages in admin: ship items, report a backorder, update a shipment's delivery.

Wired by OrderAdmin/FulfillmentAdmin ``get_urls`` through ``admin_site.admin_view`` (staff signed in
with their second factor), like the money pages in orders.admin_views. Recording fulfilment needs the
"change order" permission (the Managers and Support agents groups have it). Each page calls one
service of orders.services.fulfilment with ``actor_kind=STAFF, actor=request.user``; a refusal
(``ApplicationError``) is shown on the form (``lines.<id>`` on that line's quantity input) with
status 400 and changes nothing.

Decisions:
- The forms check the shape of the input (whole numbers, 0 or more; the HTML ``max`` is what is left to
  ship); the services decide what is allowed, so a line shipped meanwhile is refused by them too.
- Only lines with a quantity above 0 are passed; none at all is the services' "Choose items" refusal.
- A report the service finds unchanged (same backorder, same delivery state and date) says so with an
  info message instead of claiming an email went out.
- Leaving the arrival date empty on the delivery page keeps the shipment's date (the service's rule).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from orders.admin_forms import OrderActionForm
from orders.admin_views import action_page, may_change_orders
from orders.constants import ActorKind, BackorderKind, DeliveryState
from orders.models import Fulfillment, Order, OrderLine
from orders.services.fulfilment import record_shipment, report_backorder, update_delivery_state

TEMPLATE = "admin/orders/order_fulfilment_action.html"


def line_label(line: OrderLine) -> str:
    return f"{line.product_name} – {line.variant_name}" if line.variant_name else line.product_name


# --- forms -------------------------------------------------------------------------------------------


def date_field(**kwargs) -> forms.DateField:
    return forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def delivery_state_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Delivery state"), choices=DeliveryState.choices, initial=DeliveryState.IN_TRANSIT)


class LinesForm(OrderActionForm):
    """A quantity input per order line (``line_<id>``), then the fields of the operation."""

    def __init__(self, data=None, *, lines: list[OrderLine], **kwargs):
        super().__init__(data, **kwargs)
        self.lines = lines
        quantities = {}
        for line in lines:
            left = line.unfulfilled_quantity
            quantities[self.line_field(line)] = forms.IntegerField(
                label=line_label(line),
                required=False,
                min_value=0,
                initial=self.initial_quantity(line),
                disabled=not left,
                widget=forms.NumberInput(attrs={"min": 0, "max": left, "class": "vIntegerField"}),
            )
        self.fields = {**quantities, **self.fields}

    @staticmethod
    def line_field(line: OrderLine) -> str:
        return f"line_{line.pk}"

    def initial_quantity(self, line: OrderLine) -> int:
        return 0

    def field_for(self, key: str) -> str | None:
        if key.startswith("lines."):
            name = f"line_{key.removeprefix('lines.')}"
            return name if name in self.fields else None
        return super().field_for(key)

    def line_rows(self) -> list:
        return [(line, self[self.line_field(line)]) for line in self.lines]

    def detail_fields(self) -> list:
        return [field for field in self if not field.name.startswith("line_")]

    def quantities(self) -> dict[int, int]:
        """{line id: quantity} of the lines with more than 0 (a disabled line keeps its initial 0)."""
        chosen = {line.pk: self.cleaned_data.get(self.line_field(line)) or 0 for line in self.lines}
        return {line_id: quantity for line_id, quantity in chosen.items() if quantity > 0}


class ShipForm(LinesForm):
    carrier = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100, required=False)
    tracking_url = forms.URLField(label=_("Tracking link"), max_length=500, required=False, assume_scheme="https")
    delivery_state = delivery_state_field()
    estimated_arrival = date_field(label=_("Estimated arrival"))

    def initial_quantity(self, line: OrderLine) -> int:
        return line.unfulfilled_quantity


class BackorderForm(LinesForm):
    kind = forms.ChoiceField(label=_("Reason"), choices=BackorderKind.choices, initial=BackorderKind.BACKORDER)
    expected = date_field(label=_("Expected on"), help_text=_("Optional: when the items should be ready to ship."))
    note = forms.CharField(
        label=_("Note to the customer"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Optional: the customer reads this in the email."),
    )


class DeliveryForm(OrderActionForm):
    delivery_state = delivery_state_field()
    estimated_arrival = date_field(
        label=_("Estimated arrival"), help_text=_("Leave empty to keep the date the shipment already has.")
    )


# --- pages -------------------------------------------------------------------------------------------


def _page(request, *, order: Order, facts: list[tuple[str, str]], **page):
    """The shared staff action page, with the order's fulfilment facts first."""
    facts = [
        (gettext("Order"), f"#{order.number}"),
        (gettext("Customer"), order.email),
        (gettext("Fulfilment status"), order.get_fulfillment_status_display()),
        *facts,
    ]
    return action_page(request, order=order, facts=facts, template=TEMPLATE, **page)


def _order_and_lines(request, pk: int) -> tuple[Order, list[OrderLine]]:
    order = get_object_or_404(Order, pk=pk)
    if not may_change_orders(request.user):
        raise PermissionDenied
    return order, list(order.lines.order_by("position", "pk"))


def _posted(request):
    return request.POST if request.method == "POST" else None


def _order_notes(order: Order) -> list[str]:
    if order.cancelled_at is not None:
        return [gettext("This order is canceled.")]
    return []


def ship_order(request, pk: int, *, model_admin):
    order, lines = _order_and_lines(request, pk)
    form = ShipForm(_posted(request), lines=lines)

    def perform() -> tuple[int, str]:
        data = form.cleaned_data
        shipment = record_shipment(
            order=order,
            quantities=form.quantities(),
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            tracking_url=data["tracking_url"],
            delivery_state=data["delivery_state"],
            estimated_arrival=data["estimated_arrival"],
            actor_kind=ActorKind.STAFF,
            actor=request.user,
        )
        return messages.SUCCESS, gettext(
            "Shipment #%(id)s of order #%(number)s was recorded; the customer gets an email."
        ) % {"id": shipment.pk, "number": order.number}

    notes = _order_notes(order)
    if order.on_fulfillment_hold and order.cancelled_at is None:
        notes.append(
            gettext("This order is on hold while the customer may still change it; shipping now releases the hold.")
        )
    return _page(
        request,
        model_admin=model_admin,
        order=order,
        form=form,
        title=gettext("Ship items"),
        submit_label=gettext("Ship items"),
        perform=perform,
        facts=[],
        notes=notes,
    )


def report_order_backorder(request, pk: int, *, model_admin):
    order, lines = _order_and_lines(request, pk)
    form = BackorderForm(_posted(request), lines=lines)

    def perform() -> tuple[int, str]:
        data = form.cleaned_data
        result = report_backorder(
            order=order,
            quantities=form.quantities(),
            kind=BackorderKind(data["kind"]),
            expected=data["expected"],
            note=data["note"].strip(),
            actor_kind=ActorKind.STAFF,
            actor=request.user,
        )
        if result.version == order.version:  # the service found nothing new to report
            return messages.INFO, gettext("Nothing changed: these items were already reported that way.")
        return messages.SUCCESS, gettext(
            "The delayed items of order #%(number)s were recorded; the customer gets an email."
        ) % {"number": order.number}

    return _page(
        request,
        model_admin=model_admin,
        order=order,
        form=form,
        title=gettext("Report backorder"),
        submit_label=gettext("Report backorder"),
        perform=perform,
        facts=[],
        notes=_order_notes(order),
    )


def update_delivery(request, pk: int, *, model_admin):
    shipment = get_object_or_404(Fulfillment.objects.select_related("order"), pk=pk)
    if not may_change_orders(request.user):
        raise PermissionDenied
    order = shipment.order
    form = DeliveryForm(
        _posted(request),
        initial={"delivery_state": shipment.delivery_state, "estimated_arrival": shipment.estimated_arrival},
    )

    def perform() -> tuple[int, str]:
        data = form.cleaned_data
        updated = update_delivery_state(
            fulfillment=shipment,
            delivery_state=DeliveryState(data["delivery_state"]),
            estimated_arrival=data["estimated_arrival"],
            actor_kind=ActorKind.STAFF,
            actor=request.user,
        )
        values = {"id": shipment.pk, "state": updated.get_delivery_state_display()}
        if updated.updated_at == shipment.updated_at:  # the service's "same update twice" no-op
            return messages.INFO, gettext("Nothing changed: shipment #%(id)s already had this delivery state.") % values
        if updated.delivery_state == shipment.delivery_state:  # only the date moved: shown, not emailed
            return messages.SUCCESS, gettext("Shipment #%(id)s: the estimated arrival is now %(date)s.") % {
                "id": shipment.pk,
                "date": date_format(updated.estimated_arrival),
            }
        return messages.SUCCESS, gettext("Shipment #%(id)s is now “%(state)s”; the customer gets an email.") % values

    return _page(
        request,
        model_admin=model_admin,
        order=order,
        form=form,
        title=gettext("Update delivery"),
        submit_label=gettext("Update delivery"),
        perform=perform,
        facts=[
            (gettext("Shipment"), f"#{shipment.pk}"),
            (gettext("Carrier"), shipment.carrier or "—"),
            (gettext("Tracking number"), shipment.tracking_number or "—"),
            (gettext("Delivery state"), shipment.get_delivery_state_display()),
        ],
        notes=[],
    )


def mark_delivered(*, shipments, request) -> tuple[int, list[tuple[int, str]]]:
    """The changelist action: one service call per shipment, each in its own transaction.

    Returns how many were marked and the (message level, text) of each row that was skipped or refused.
    """
    done, reports = 0, []
    for shipment in shipments:
        if shipment.delivery_state == DeliveryState.DELIVERED:
            reports.append((messages.WARNING, gettext("Shipment #%(id)s was already delivered.") % {"id": shipment.pk}))
            continue
        try:
            update_delivery_state(
                fulfillment=shipment,
                delivery_state=DeliveryState.DELIVERED,
                actor_kind=ActorKind.STAFF,
                actor=request.user,
            )
        except ApplicationError as error:
            reports.append(
                (messages.ERROR, gettext("Shipment #%(id)s: %(error)s") % {"id": shipment.pk, "error": error.message})
            )
        else:
            done += 1
    return done, reports
