"""Draft order pages in admin: pick or create a customer (``new_draft``), then one page per draft
(``draft_page``) with its lines, a catalog search, the customer's address book, delivery, a discount, the
totals as checkout prices them, and placing it (a payment link, or a payment taken elsewhere).

Wired by desk.draft_admin.DraftOrderAdmin through ``admin_site.admin_view`` (staff signed in with their
second factor). Each action is a POST form calling one drafts service, then back to the page
(POST/redirect/GET); a refusal re-renders the page with the form's errors, status 400, and changes nothing.
Viewing, creating, changing and discarding need the drafts model permissions (both staff groups have them);
what an agent may give or record, the services decide.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from desk.draft_forms import (
    AddLineForm,
    AddressForm,
    CustomerSearchForm,
    DeliveryForm,
    DiscountForm,
    NewCustomerForm,
    PickCustomerForm,
    PlaceForm,
    QuantityForm,
    RecordPaymentForm,
)
from desk.search import customers_to_pick
from drafts import selectors, services
from drafts.constants import DiscountKind, Payment
from drafts.models import DraftOrder
from orders.admin_forms import OrderActionForm
from orders.admin_views import money, order_url
from storefront.models import PickupLocation, ShippingMethod, StoreSettings
from storefront.selectors import search_variants


def _require(request, action: str) -> None:
    if not request.user.has_perm(f"drafts.{action}_draftorder"):
        raise PermissionDenied


def draft_url(pk: int, query: str = "") -> str:
    url = reverse("admin:drafts_draftorder_change", args=[pk])
    return f"{url}?{urlencode({'q': query})}" if query else url


def _context(request, model_admin, title: str, **context) -> dict:
    return {**model_admin.admin_site.each_context(request), "opts": DraftOrder._meta, "title": title, **context}


# --- a new draft: pick or create the customer ---------------------------------------------------------


def new_draft(request, *, model_admin):
    _require(request, "add")
    search = CustomerSearchForm(request.GET or None)
    customers = customers_to_pick(search.cleaned_data["q"]) if search.is_valid() else []
    pick, new = PickCustomerForm(), NewCustomerForm()
    status = 200
    if request.method == "POST":
        form: OrderActionForm = (
            PickCustomerForm(request.POST) if "customer" in request.POST else NewCustomerForm(request.POST)
        )
        if form.is_valid():
            try:
                if isinstance(form, PickCustomerForm):
                    draft = services.create_draft(actor=request.user, customer_id=form.cleaned_data["customer"])
                else:
                    draft = services.create_draft(actor=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form.show_error(error)
            else:
                messages.success(
                    request,
                    _("Draft %(draft)s was created for %(email)s.")
                    % {"draft": draft.number, "email": draft.customer.email},
                )
                return HttpResponseRedirect(draft_url(draft.pk))
        status = 400
        pick, new = (form, new) if isinstance(form, PickCustomerForm) else (pick, form)
    context = _context(
        request,
        model_admin,
        _("New draft order"),
        search=search,
        customers=customers,
        searched=search.is_valid() and bool(search.cleaned_data["q"]),
        pick=pick,
        new=new,
    )
    return render(request, "admin/drafts/new_draft.html", context, status=status)


# --- the draft's page ---------------------------------------------------------------------------------


def draft_page(request, pk: int, *, model_admin, bound: dict | None = None, status: int = 200):
    _require(request, "view")
    draft, lines = selectors.draft_with_lines(pk)
    bound = bound or {}
    quote = selectors.quote_draft(draft, lines)
    query = (request.POST.get("q") if request.method == "POST" else request.GET.get("q")) or ""
    book = selectors.address_book(draft)
    methods = list(ShippingMethod.objects.filter(is_active=True))
    pickups = list(PickupLocation.objects.filter(is_active=True))
    delivery = (
        f"method:{draft.shipping_method_id}"
        if draft.shipping_method_id
        else f"pickup:{draft.pickup_location_id}"
        if draft.pickup_location_id
        else None
    )
    editing = bound.get("quantity")
    rows = [
        (
            line,
            amounts,
            editing
            if editing is not None and editing.data.get("line") == str(line.pk)
            else QuantityForm(initial={"line": line.pk, "quantity": line.quantity}),
        )
        for line, amounts in quote.lines
    ]
    may_change = draft.is_open() and request.user.has_perm("drafts.change_draftorder")
    context = _context(
        request,
        model_admin,
        _("Draft %(draft)s") % {"draft": draft.number},
        original=draft,
        draft=draft,
        rows=rows,
        quote=quote,
        currency=StoreSettings.load().currency,
        query=query,
        results=search_variants(query) if query and may_change else [],
        add_form=bound.get("add") or AddLineForm(),
        address_form=bound.get("address") or AddressForm(initial={"address": draft.address_id}, book=book),
        delivery_form=bound.get("delivery")
        or DeliveryForm(initial={"delivery": delivery}, methods=methods, pickups=pickups),
        discount_form=bound.get("discount")
        or DiscountForm(
            initial={
                "discount_kind": draft.discount_kind,
                "discount_value": draft.discount_value or None,
                "reason": draft.reason_code,
                "note": draft.reason_note,
            }
        ),
        place_form=bound.get("place") or PlaceForm(initial={"version": draft.version, "payment": Payment.LINK}),
        record_form=bound.get("record") or RecordPaymentForm(),
        may_change=may_change,
        may_discard=draft.is_open() and request.user.has_perm("drafts.delete_draftorder"),
        may_record=services.may_record_payments(request.user),
        order=draft.order,
        order_url=order_url(draft.order_id) if draft.order_id else "",
        balance_due=draft.order.position.balance_due if draft.order else None,
        book_empty=not book,
    )
    return render(request, "admin/drafts/draft_page.html", context, status=status)


def _act(request, pk: int, *, model_admin, key: str, form, perform: Callable[[], str], after: str = ""):
    """One action: a valid form runs ``perform`` (a service call; returns the success message) and goes back
    to the page; a refusal shows the page again with the form's errors (400)."""
    if form.is_valid():
        try:
            message = perform()
        except ApplicationError as error:
            form.show_error(error)
        else:
            messages.success(request, message)
            return HttpResponseRedirect(after or draft_url(pk, request.POST.get("q", "")))
    return draft_page(request, pk, model_admin=model_admin, bound={key: form}, status=400)


Action = tuple[str, OrderActionForm, Callable[[], str], str]  # (page key, bound form, perform, where to go after)


def draft_action(request, pk: int, action: str, *, model_admin):
    """The POST target of every form on the draft's page."""
    if request.method != "POST":
        return HttpResponseRedirect(draft_url(pk))
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    _require(request, "delete" if action == "discard" else "change")
    key, form, perform, after = handler(request, pk)
    return _act(request, pk, model_admin=model_admin, key=key, form=form, perform=perform, after=after)


def _add(request, pk: int) -> Action:
    form = AddLineForm(request.POST)

    def perform() -> str:
        data = form.cleaned_data
        draft = services.add_draft_line(
            draft_id=pk, variant_id=data["variant"], quantity=data["quantity"], actor=request.user
        )
        return _("The item was added to draft %(draft)s.") % {"draft": draft.number}

    return "add", form, perform, ""


def _quantity(request, pk: int) -> Action:
    form = QuantityForm(request.POST)

    def perform() -> str:
        data = form.cleaned_data
        services.set_draft_quantity(draft_id=pk, line_id=data["line"], quantity=data["quantity"], actor=request.user)
        return _("The line was removed.") if data["quantity"] == 0 else _("The quantity was changed.")

    return "quantity", form, perform, ""


def _address(request, pk: int) -> Action:
    form = AddressForm(request.POST, book=selectors.address_book(DraftOrder.objects.get(pk=pk)))

    def perform() -> str:
        services.choose_draft_address(draft_id=pk, address_id=form.cleaned_data["address"], actor=request.user)
        return _("The shipping address was chosen.")

    return "address", form, perform, ""


def _delivery(request, pk: int) -> Action:
    form = DeliveryForm(
        request.POST,
        methods=ShippingMethod.objects.filter(is_active=True),
        pickups=PickupLocation.objects.filter(is_active=True),
    )

    def perform() -> str:
        services.choose_draft_delivery(draft_id=pk, actor=request.user, **form.chosen())
        return _("Delivery was chosen.")

    return "delivery", form, perform, ""


def _discount(request, pk: int) -> Action:
    form = DiscountForm(request.POST)

    def perform() -> str:
        kind = form.cleaned_data.get("discount_kind") or DiscountKind.NONE
        services.set_draft_discount(
            draft_id=pk,
            kind=kind,
            value=form.cleaned_data.get("discount_value"),
            reason=form.reason_value(),
            actor=request.user,
        )
        return _("The discount was removed.") if kind == DiscountKind.NONE else _("The discount was saved.")

    return "discount", form, perform, ""


def _place(request, pk: int) -> Action:
    form = PlaceForm(request.POST)

    def perform() -> str:
        order = services.place_draft(draft_id=pk, actor=request.user, **form.cleaned_data)
        due = order.position.balance_due
        if form.cleaned_data["payment"] == Payment.LINK and due > 0:
            return _("Order #%(number)s was placed; a payment link for %(amount)s was emailed to %(email)s.") % {
                "number": order.number,
                "amount": money(due, order.currency),
                "email": order.email,
            }
        return _("Order #%(number)s was placed.") % {"number": order.number}

    return "place", form, perform, ""


def _record_payment(request, pk: int) -> Action:
    form = RecordPaymentForm(request.POST)

    def perform() -> str:
        order = services.record_draft_payment(draft_id=pk, actor=request.user, **form.cleaned_data)
        return _("Order #%(number)s is recorded as paid.") % {"number": order.number}

    return "record", form, perform, ""


def _discard(request, pk: int) -> Action:
    def perform() -> str:
        services.discard_draft(draft_id=pk, actor=request.user)
        return _("The draft was discarded.")

    return "discard", OrderActionForm(request.POST), perform, reverse("admin:drafts_draftorder_changelist")


ACTIONS: dict[str, Callable[..., Action]] = {
    "add": _add,
    "quantity": _quantity,
    "address": _address,
    "delivery": _delivery,
    "discount": _discount,
    "place": _place,
    "record-payment": _record_payment,
    "discard": _discard,
}
