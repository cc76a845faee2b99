"""Staff fulfilment pages in admin that act on a shipment: update its delivery (a page) and mark shipments
delivered (a changelist action), plus what desk's ship and backorder pages share with them (the page,
the date and delivery-state fields).

Wired by FulfillmentAdmin ``get_urls`` through ``admin_site.admin_view`` (staff signed in with their
second factor), like the pages in orders.admin_views. Recording fulfilment needs the "change order"
permission (the Managers and Support agents groups have it). Each page calls one service of
orders.services.fulfilment with ``actor_kind=STAFF, actor=request.user``; a refusal (``ApplicationError``)
is shown on the form with status 400 and changes nothing.

Decisions:
- A report the service finds unchanged (same delivery state and date) says so with an info message
  instead of claiming an email went out.
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
from orders.constants import ActorKind, DeliveryState
from orders.models import Fulfillment, Order
from orders.services.fulfilment import update_delivery_state

TEMPLATE = "admin/orders/order_fulfilment_action.html"


# --- forms -------------------------------------------------------------------------------------------


def date_field(**kwargs) -> forms.DateField:
    return forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def delivery_state_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Delivery state"), choices=DeliveryState.choices, initial=DeliveryState.IN_TRANSIT)


class DeliveryForm(OrderActionForm):
    delivery_state = delivery_state_field()
    estimated_arrival = date_field(
        label=_("Estimated arrival"), help_text=_("Leave empty to keep the date the shipment already has.")
    )


# --- pages -------------------------------------------------------------------------------------------


def fulfilment_page(request, *, order: Order, facts: list[tuple[str, str]], **page):
    """The shared staff action page, with the order's fulfilment facts first."""
    facts = [
        (gettext("Order"), f"#{order.number}"),
        (gettext("Customer"), order.email),
        (gettext("Fulfilment status"), order.get_fulfillment_status_display()),
        *facts,
    ]
    return action_page(request, order=order, facts=facts, template=TEMPLATE, **page)


def posted(request):
    return request.POST if request.method == "POST" else None


def update_delivery(request, pk: int, *, model_admin):
    shipment = get_object_or_404(Fulfillment.objects.select_related("order"), pk=pk)
    if not may_change_orders(request.user):
        raise PermissionDenied
    order = shipment.order
    form = DeliveryForm(
        posted(request),
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
        if updated.delivery_state == shipment.delivery_state:  # only the date moved (to the one entered): not emailed
            return messages.SUCCESS, gettext("Shipment #%(id)s: the estimated arrival is now %(date)s.") % {
                "id": shipment.pk,
                "date": date_format(data["estimated_arrival"]),
            }
        return messages.SUCCESS, gettext("Shipment #%(id)s is now “%(state)s”; the customer gets an email.") % values

    return fulfilment_page(
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
