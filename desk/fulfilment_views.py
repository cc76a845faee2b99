"""Staff fulfilment pages of an order in admin: ship items, report a backorder, release a hold.

Wired by desk.admin.OrderAdmin ``get_urls`` through ``admin_site.admin_view`` (staff signed in with
their second factor); the page, its template and the delivery update of a shipment are
orders.admin_fulfilment's. Recording fulfilment needs the "change order" permission (the Managers and
Support agents groups have it). Each page calls one service of orders.services.fulfilment with
``actor_kind=STAFF, actor=request.user``; a refusal (``ApplicationError``) is shown on the form
(``lines.<id>`` on that line's quantity input) with status 400 and changes nothing.

Decisions:
- The forms check the shape of the input (whole numbers, 0 or more; the HTML ``max`` is what is left to
  ship); the services decide what is allowed, so a line shipped meanwhile is refused by them too.
- Only lines with a quantity above 0 are passed; none at all is the services' "Choose items" refusal.
- A report the service finds unchanged (the same backorder) says so with an info message instead of
  claiming an email went out.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from core import dates
from desk.forms import BackorderForm, ReleaseHoldForm, ShipForm
from orders.admin_fulfilment import fulfilment_page, posted
from orders.admin_views import action_page, may_change_orders, money
from orders.constants import ActorKind, BackorderKind, PaymentRequestStatus
from orders.models import Order, OrderLine
from orders.services.closing import release_hold
from orders.services.fulfilment import record_shipment, report_backorder


def _order(request, pk: int) -> Order:
    order = get_object_or_404(Order, pk=pk)
    if not may_change_orders(request.user):
        raise PermissionDenied
    return order


def _order_and_lines(request, pk: int) -> tuple[Order, list[OrderLine]]:
    order = _order(request, pk)
    return order, list(order.lines.order_by("position", "pk"))


def _order_notes(order: Order) -> list[str]:
    if order.cancelled_at is not None:
        return [gettext("This order is canceled.")]
    return []


def ship_warnings(order: Order) -> list[str]:
    """What staff should know before shipping: an open Pay now request (the customer hasn't paid yet) and a
    hold (why, and until when). Shown beside the order page's "Ship items" button and on the ship page."""
    if order.cancelled_at is not None:
        return []
    warnings = []
    request = order.payment_requests.filter(status=PaymentRequestStatus.OPEN).first()
    if request is not None:
        warnings.append(
            gettext("A payment request of %(amount)s is open until %(time)s: the customer hasn't paid it yet.")
            % {"amount": money(request.amount, request.currency), "time": dates.when(request.expires_at)}
        )
    reason, until = order.hold()
    if reason == "edit_window":
        warnings.append(
            gettext("This order is on hold while the customer may still change it; shipping now releases the hold.")
        )
    elif reason == "awaiting_payment":
        warnings.append(
            gettext("This order is on hold until %(amount)s is paid; shipping now releases the hold.")
            % {"amount": money(order.position.balance_due, order.currency)}
        )
    return warnings


def ship_order(request, pk: int, *, model_admin):
    order, lines = _order_and_lines(request, pk)
    form = ShipForm(posted(request), lines=lines)

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

    notes = [*_order_notes(order), *ship_warnings(order)]
    return fulfilment_page(
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
    form = BackorderForm(posted(request), lines=lines)

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

    return fulfilment_page(
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


def release_order_hold(request, pk: int, *, model_admin):
    """Staff hand a held order to the warehouse now (paid another way, trusted customer), with a reason."""
    order = _order(request, pk)
    form = ReleaseHoldForm(posted(request))

    def perform() -> tuple[int, str]:
        release_hold(order=order, reason=form.reason_value(), actor=request.user)
        return messages.SUCCESS, gettext("The order is released to the warehouse.")

    reason, until = order.hold()
    held = {
        "edit_window": gettext("Held while the customer may still change it."),
        "awaiting_payment": gettext("Held until the balance due is paid."),
    }
    return action_page(
        request,
        model_admin=model_admin,
        order=order,
        form=form,
        title=gettext("Release hold"),
        submit_label=gettext("Release to the warehouse"),
        perform=perform,
        facts=[
            (gettext("Order"), f"#{order.number}"),
            (gettext("Hold"), held.get(reason or "", gettext("Not on hold."))),
            (gettext("Balance due"), money(order.position.balance_due, order.currency)),
        ],
        notes=_order_notes(order),
    )
