"""The edit and cancel pages, for shoppers and (through admin) staff. Every action is a POST that
redirects back (works without JavaScript); the preview is recalculated on each page load."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import step_up
from editing import cancellation, commit, eligibility, selectors, staging
from editing.errors import EditConflict, EditError
from editing.forms import AddForm, CancelForm, DeliveryForm, EditAddressForm, LineForm, QuantityForm, SwapForm
from editing.models import EditPolicy
from editing.presentation import settlement_message
from orders.constants import ActorKind
from orders.models import Order
from orders.selectors import customer_order_for_edit

ACTIONS = {
    "quantity": (QuantityForm, lambda sid, d: staging.stage_quantity(session_id=sid, **d)),
    "remove": (LineForm, lambda sid, d: staging.stage_quantity(session_id=sid, quantity=0, **d)),
    "swap": (SwapForm, lambda sid, d: staging.stage_swap(session_id=sid, **d)),
    "add": (AddForm, lambda sid, d: staging.stage_addition(session_id=sid, **d)),
    "address": (EditAddressForm, lambda sid, d: staging.stage_address(session_id=sid, address=d)),
    "delivery": (DeliveryForm, None),
}


class EditPage:
    """One edit page, parameterized by who edits: a shopper on their order, or staff on any order."""

    template = "editing/edit.html"

    def __init__(self, request, order: Order, *, actor_kind: ActorKind, actor, back_url: str, self_url: str):
        self.request, self.order = request, order
        self.actor_kind, self.actor = actor_kind, actor
        self.back_url, self.self_url = back_url, self_url

    def handle(self):
        try:
            session = staging.begin_edit(order=self.order, actor_kind=self.actor_kind, actor=self.actor)
        except EditError as error:
            return render(
                self.request,
                "editing/cannot_edit.html",
                {"order": self.order, "reason": error.message, "back_url": self.back_url},
            )
        if self.request.method == "POST":
            return self.post(session)
        return self.get(session)

    def get(self, session):
        session = selectors.edit_session_for(order=self.order, session_id=session.pk)
        preview = selectors.preview_edit(session=session)
        query = self.request.GET.get("q", "")
        methods, pickups = selectors.delivery_choices()
        staged = session.staged_changes
        context = {
            "order": session.order,
            "session": session,
            "staged": staged,
            "preview": preview,
            "swap_choices": selectors.swap_choices(session.order),
            "methods": methods,
            "pickups": pickups,
            "addresses": selectors.address_book(session.order.customer),
            "address_form": EditAddressForm(
                initial=staged.address or session.order.shipping_address, **self.address_form_kwargs(session)
            ),
            "query": query,
            "results": selectors.search_catalog(query),
            "back_url": self.back_url,
            "self_url": self.self_url,
            "staff": self.actor_kind == ActorKind.STAFF,
        }
        return render(self.request, self.template, context)

    def post(self, session):
        action = self.request.POST.get("action", "")
        try:
            if action == "confirm":
                return self.confirm(session)
            if action == "reset":
                staging.reset_edit(session_id=session.pk)
            elif action == "address_book":
                address = get_object_or_404(
                    session.order.customer.addresses, pk=self.request.POST.get("address_id") or 0
                )
                staging.stage_address(session_id=session.pk, address=address.as_snapshot())
            elif action in ACTIONS:
                form_class, stage = ACTIONS[action]
                kwargs = self.address_form_kwargs(session) if action == "address" else {}
                form = form_class(self.request.POST, **kwargs)
                if not form.is_valid():
                    messages.error(
                        self.request,
                        _("Please check: %(fields)s")
                        % {
                            "fields": ", ".join(
                                f"{form.fields[name].label or name}: {' '.join(errors)}"
                                for name, errors in form.errors.items()
                            )
                        },
                    )
                    return self.back()
                if action == "delivery":
                    staging.stage_delivery(session_id=session.pk, **form.choice())
                else:
                    stage(session.pk, form.cleaned_data)
            else:
                messages.error(self.request, _("Unknown action."))
        except EditConflict as error:
            messages.error(self.request, error.message)
        except EditError as error:
            messages.error(self.request, error.message)
        return self.back()

    def confirm(self, session):
        # The form's ``version`` is the session's content version (edit.html), as in the API's preview.
        if str(session.pk) != self.request.POST.get("session") or str(
            session.base_content_version
        ) != self.request.POST.get("version"):
            messages.error(self.request, _("This order changed since you last looked. Please review the new totals."))
            return self.back()
        if self.actor_kind == ActorKind.CUSTOMER and selectors.moves_abroad(session):
            stop = step_up.step_up_redirect(self.request, self.self_url)
            if stop is not None:
                return stop
        result = commit.commit_edit(session_id=session.pk, actor_kind=self.actor_kind, actor=self.actor)
        messages.success(self.request, settlement_message(result.order, result.settlement))
        return HttpResponseRedirect(self.back_url)

    def address_form_kwargs(self, session) -> dict:
        """What the address form needs to offer only the countries the policy allows this order."""
        return {
            "order": session.order,
            "policy": EditPolicy.cached(),
            "staff": eligibility.is_staff_actor(self.actor_kind),
        }

    def back(self):
        return HttpResponseRedirect(self.self_url)


@login_required
def edit_order(request, number: int):
    order = customer_order_for_edit(user=request.user, number=number)
    page = EditPage(
        request,
        order,
        actor_kind=ActorKind.CUSTOMER,
        actor=request.user,
        back_url=reverse("orders:detail", args=[number]),
        self_url=reverse("editing:edit", args=[number]),
    )
    return page.handle()


def staff_edit_order(request, pk: int):
    """Wrapped by the admin site (staff, signed in with a second factor): see OrderAdmin.get_urls."""
    order = get_object_or_404(Order.objects.select_related("customer"), pk=pk)
    page = EditPage(
        request,
        order,
        actor_kind=ActorKind.STAFF,
        actor=request.user,
        back_url=reverse("admin:orders_order_change", args=[pk]),
        self_url=reverse("admin:orders_order_edit", args=[pk]),
    )
    return page.handle()


@login_required
def cancel_order(request, number: int):
    order = customer_order_for_edit(user=request.user, number=number)
    refusals = eligibility.cancel_refusals(order=order, actor_kind=ActorKind.CUSTOMER)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and not refusals and form.is_valid():
        stop = step_up.step_up_redirect(request, request.path)
        if stop is not None:
            return stop
        try:
            result = cancellation.cancel_order(
                order=order, actor_kind=ActorKind.CUSTOMER, actor=request.user, reason=form.reason_value()
            )
        except EditError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, settlement_message(result.order, result.settlement, cancelled=True))
        return HttpResponseRedirect(reverse("orders:detail", args=[number]))
    return render(request, "editing/cancel.html", {"order": order, "refusals": refusals, "form": form})
