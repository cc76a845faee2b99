"""The return's staff page in admin (desk.return_admin): the order and customer, the items with what replaces
them (and its stock), the comment and tracking, the money once received, the order's timeline entries for
this return, and the actions that apply to its status: approve, reject with a reason, mark in transit, mark
received per line with a preview of the refund, and for a received exchange the order's "Ship items" page.

Each action is a POST form carrying the version of the page it was shown on, calling one returns service with
``actor=request.user``; then back to the page (POST/redirect/GET). A return that changed since (or whose status
no longer allows the action) is refused by the service and the page says so, changed by nothing; any other
refusal (a field, the staff member's refund limit) re-renders the page with the form's errors, status 400.
Reading needs "view return", acting "change return" (both staff groups have them).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core import dates
from core.errors import ApplicationError
from core.text import join_sentences
from desk import selectors
from desk.return_forms import ReceiveForm, RejectReturnForm, ReturnActionForm, TransitForm
from orders.admin_forms import OrderActionForm
from orders.admin_views import may_change_orders, money, order_url
from orders.constants import ActorKind, ReturnStatus
from orders.services.refund_limits import refund_limit
from returns import services
from returns.calculations import ReturnMoney
from returns.errors import ReturnConflict
from returns.models import ReturnLine, ReturnRequest

NOT_RECEIVED = (ReturnStatus.APPROVED, ReturnStatus.IN_TRANSIT)
# The actions each status offers (the services refuse the others anyway).
OFFERED = {
    "approve": (ReturnStatus.REQUESTED,),
    "reject": (ReturnStatus.REQUESTED, *NOT_RECEIVED),
    "transit": NOT_RECEIVED,
    "receive": NOT_RECEIVED,
}
FEES = ("restocking_fee", "shipping_fee", "shipping_refund")


def _require(request, action: str) -> None:
    if not request.user.has_perm(f"returns.{action}_returnrequest"):
        raise PermissionDenied


def page_url(pk: int) -> str:
    return reverse("admin:returns_returnrequest_change", args=[pk])


def _label(field: str) -> str:
    return capfirst(str(getattr(ReturnRequest._meta.get_field(field), "verbose_name", field)))


def _forms(request, ret: ReturnRequest, lines: list[ReturnLine], bound: dict) -> dict[str, OrderActionForm]:
    """The action forms the return's status offers to this staff member (a posted one kept bound)."""
    if not request.user.has_perm("returns.change_returnrequest"):
        return {}
    initial = {"version": ret.version}
    make: dict[str, Callable[[], OrderActionForm]] = {
        "approve": lambda: ReturnActionForm(initial=initial),
        "reject": lambda: RejectReturnForm(initial=initial),
        "transit": lambda: TransitForm(
            initial={**initial, "carrier": ret.carrier, "tracking_number": ret.tracking_number}
        ),
        "receive": lambda: ReceiveForm(lines=lines, initial=initial),
    }
    return {name: bound.get(name) or build() for name, build in make.items() if ret.status in OFFERED[name]}


def _refund_limit(user) -> Decimal | None | str:
    """The staff member's refund limit (None: none), or why they may not refund at all."""
    try:
        return refund_limit(user)
    except ApplicationError as error:
        return str(error.message)


def _facts(ret: ReturnRequest, limit: Decimal | None | str) -> list[tuple[str, str]]:
    order = ret.order
    requested = dates.when(ret.created_at)
    if ret.requested_by_staff:
        requested = _("%(time)s by %(email)s") % {"time": requested, "email": ret.requested_by_staff.email}
    tracking = " · ".join(part for part in (ret.carrier, ret.tracking_number) if part)
    facts = [
        (_("Status"), ret.get_status_display()),
        (_("Requested"), requested),
        (_("Refund to"), ret.get_refund_to_display()),
        (_("Comment"), ret.comment or "—"),
        (_("Tracking"), tracking or "—"),
    ]
    if ret.status == ReturnStatus.REJECTED:
        facts.append((_("Reason"), ret.reason.text()))
    for field in ("approved_at", "received_at", "closed_at"):
        if value := getattr(ret, field):
            facts.append((_label(field), dates.when(value)))
    if limit != "":
        shown = _("No limit") if limit is None else limit if isinstance(limit, str) else money(limit, order.currency)
        facts.append((_("Your refund limit"), shown))
    return facts


def _money_rows(currency: str, values: dict[str, Decimal], *, exchange: bool) -> list[tuple[str, str]]:
    """A return's money, refunded and exchanged items apart: ``values`` by the return's field names, with
    ``refunded`` and ``exchanged`` for the items."""
    rows = [(_("Refunded items"), values["refunded"])]
    if exchange:
        rows.append((_("Exchanged items"), values["exchanged"]))
    rows += [(_label(field), values[field]) for field in FEES]
    if exchange:
        rows.append((_label("exchange_difference"), values["exchange_difference"]))
    rows.append((_label("refund_amount"), values["refund_amount"]))
    return [(label, money(value, currency)) for label, value in rows]


def _figures(ret: ReturnRequest, lines: list[ReturnLine]) -> list[tuple[str, str]]:
    """The money of a received return, as the service kept it (a refunded line keeps what its units were worth)."""
    currency = ret.order.currency
    refunded = sum((line.refund_amount for line in lines if not line.exchange_variant_id), Decimal("0"))
    values = {field: getattr(ret, field) for field in (*FEES, "exchange_difference", "refund_amount")}
    values.update(refunded=refunded, exchanged=ret.items_value - refunded)
    rows = _money_rows(currency, values, exchange=any(line.exchange_variant_id for line in lines))
    if ret.credit_memo:
        rows.append((_("Credit memo"), ret.credit_memo.number))
    if ret.payment_request:
        rows.append(
            (
                _("Payment link"),
                f"{money(ret.payment_request.amount, currency)} · {ret.payment_request.get_status_display()}",
            )
        )
    return rows


def _preview(
    ret: ReturnRequest, lines: list[ReturnLine], figures: tuple[ReturnMoney, Decimal], limit: Decimal | None | str
) -> dict:
    """What receiving as the form says would give back, computed by the service's own arithmetic."""
    result, refund = figures
    values = {
        "refunded": result.items_value,
        "exchanged": result.exchanged_value,
        "restocking_fee": result.restocking_fee,
        "shipping_fee": result.shipping_fee,
        "shipping_refund": result.shipping_refund,
        "exchange_difference": result.exchange_difference,
        "refund_amount": refund,
    }
    return {
        "rows": _money_rows(ret.order.currency, values, exchange=any(line.exchange_variant_id for line in lines)),
        "over_limit": refund > 0 and limit is not None and (isinstance(limit, str) or refund > limit),
    }


def _ship_url(request, ret: ReturnRequest, lines: list[ReturnLine]) -> str:
    """The order's "Ship items" page, while a received exchange's replacement waits to ship."""
    if ret.status != ReturnStatus.RECEIVED or not may_change_orders(request.user):
        return ""
    waiting = [line for line in lines if line.exchange_line and line.exchange_line.unfulfilled_quantity > 0]
    return reverse("admin:orders_order_ship", args=[ret.order_id]) if waiting else ""


def return_page(
    request,
    pk: int,
    *,
    model_admin,
    bound: dict | None = None,
    preview: tuple[ReturnMoney, Decimal] | None = None,
    status: int = 200,
):
    _require(request, "view")
    try:
        ret = selectors.return_page(pk)
    except ReturnRequest.DoesNotExist:
        raise Http404 from None
    lines = list(ret.lines.all())
    forms = _forms(request, ret, lines, bound or {})
    limit: Decimal | None | str = ""  # shown while the return may be received by this staff member
    if "receive" in forms:
        limit = _refund_limit(request.user)
        preview = preview or services.preview_receipt(request=ret)
    order = ret.order
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": ReturnRequest._meta,
        "original": ret,
        "title": _("Return %(number)s") % {"number": ret.number},
        "ret": ret,
        "order": order,
        "order_url": order_url(order.pk),
        "customer_url": reverse("admin:desk_customer_change", args=[order.customer_id]) if order.customer_id else "",
        "facts": _facts(ret, limit),
        "rows": receive.rows()
        if isinstance(receive := forms.get("receive"), ReceiveForm)
        else [(line, None, None) for line in lines],
        "figures": _figures(ret, lines) if ret.received_at else [],
        "forms": forms,
        "preview": _preview(ret, lines, preview, limit) if preview and "receive" in forms else None,
        "ship_url": _ship_url(request, ret, lines),
        "timeline": selectors.return_timeline(ret),
        "currency": order.currency,
    }
    return render(request, "admin/desk/returns/return_page.html", context, status=status)


# --- actions -----------------------------------------------------------------------------------------------


def _received_message(ret: ReturnRequest) -> str:
    values = {"number": ret.number, "amount": money(ret.refund_amount, ret.order.currency)}
    if ret.refund_amount > 0:
        done = _("Return %(number)s was received; a refund of %(amount)s is on its way to the customer.") % values
    elif ret.status == ReturnStatus.RECEIVED:
        done = _("Return %(number)s was received.") % values
    else:
        done = _("Return %(number)s was received; nothing is refunded.") % values
    ship = _("Ship the replacement from the order's page.") if ret.status == ReturnStatus.RECEIVED else ""
    pay = ""
    if ret.payment_request:
        pay = _("The customer was sent a payment link for %(amount)s.") % {
            "amount": money(ret.payment_request.amount, ret.payment_request.currency)
        }
    return join_sentences(done, ship, pay)


def _approve(request, ret: ReturnRequest):
    def perform(form) -> str:
        done = services.approve_return(request=ret, actor=request.user, version=form.cleaned_data["version"])
        return _("Return %(number)s was approved; the customer gets an email with the return slip.") % {
            "number": done.number
        }

    return ReturnActionForm(request.POST), perform


def _reject(request, ret: ReturnRequest):
    def perform(form) -> str:
        services.reject_return(
            request=ret, reason=form.reason_value(), actor=request.user, version=form.cleaned_data["version"]
        )
        return _("Return %(number)s was rejected; the customer gets an email with the reason.") % {"number": ret.number}

    return RejectReturnForm(request.POST), perform


def _transit(request, ret: ReturnRequest):
    def perform(form) -> str:
        data = form.cleaned_data
        services.mark_in_transit(
            request=ret,
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            actor_kind=ActorKind.STAFF,
            actor=request.user,
            version=data["version"],
        )
        return _("Return %(number)s is on its way back.") % {"number": ret.number}

    return TransitForm(request.POST), perform


def _receive(request, ret: ReturnRequest):
    lines = list(ret.lines.order_by("pk").select_related("order_line", "exchange_variant", "reason", "exchange_line"))

    def perform(form) -> str:
        done = services.receive_return(
            request=ret,
            received=form.received(),
            actor_kind=ActorKind.STAFF,
            actor=request.user,
            version=form.cleaned_data["version"],
        )
        return _received_message(done)

    return ReceiveForm(request.POST, lines=lines), perform


ACTIONS = {"approve": _approve, "reject": _reject, "transit": _transit, "receive": _receive}


def return_action(request, pk: int, action: str, *, model_admin):
    """The POST target of every form on the return's page."""
    if request.method != "POST":
        return HttpResponseRedirect(page_url(pk))
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    _require(request, "change")
    ret = get_object_or_404(ReturnRequest.objects.select_related("order"), pk=pk)
    form, perform = handler(request, ret)
    if not form.is_valid():
        return return_page(request, pk, model_admin=model_admin, bound={action: form}, status=400)
    if action == "receive" and "preview" in request.POST:
        figures = services.preview_receipt(request=ret, received=form.received())
        return return_page(request, pk, model_admin=model_admin, bound={action: form}, preview=figures)
    try:
        message = perform(form)
    except ReturnConflict as error:
        messages.error(request, error.message)  # the page shows the return as it now is
        return HttpResponseRedirect(page_url(pk))
    except ApplicationError as error:
        form.show_error(error)
        return return_page(request, pk, model_admin=model_admin, bound={action: form}, status=400)
    messages.success(request, message)
    return HttpResponseRedirect(page_url(pk))
