"""The edit and cancel pages, for shoppers and (through admin) staff. Every action is a form POST that
redirects back (POST/redirect/GET: it all works without JavaScript); the preview is recalculated on each
page load. With JavaScript, htmx sends the same forms (``HX-Request``) and the edit page answers with a
partial instead of the redirect: the items table, the totals and the status message, which replace theirs
in place (``editing/_update.html``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from accounts import step_up
from core.text import join_items, join_sentences
from editing import cancellation, commit, eligibility, selectors, staging
from editing.errors import EditError
from editing.forms import (
    AddForm,
    AdditionForm,
    CancelForm,
    DeliveryForm,
    EditAddressForm,
    LineForm,
    QuantityForm,
    SwapForm,
    VariantForm,
)
from editing.models import EditPolicy
from editing.presentation import change_records, edit_rows, settlement_message
from orders.constants import ActorKind
from orders.models import Order
from orders.presentation import describe_changes
from orders.selectors import customer_order_for_edit

# action → (its form, what it stages, what the status line says once it is staged)
ACTIONS = {
    "quantity": (
        QuantityForm,
        lambda sid, d: staging.stage_quantity(session_id=sid, **d),
        gettext_lazy("Quantity updated."),
    ),
    "remove": (
        LineForm,
        lambda sid, d: staging.stage_quantity(session_id=sid, quantity=0, **d),
        gettext_lazy("Item removed."),
    ),
    "undo": (LineForm, lambda sid, d: staging.restore_line(session_id=sid, **d), gettext_lazy("Change undone.")),
    "swap": (SwapForm, lambda sid, d: staging.stage_swap(session_id=sid, **d), gettext_lazy("Size or colour changed.")),
    "add": (AddForm, lambda sid, d: staging.stage_addition(session_id=sid, **d), gettext_lazy("Item added.")),
    "addition_quantity": (
        AdditionForm,
        lambda sid, d: staging.stage_addition(session_id=sid, **d),
        gettext_lazy("Quantity updated."),
    ),
    "remove_addition": (
        VariantForm,
        lambda sid, d: staging.stage_addition(session_id=sid, quantity=0, **d),
        gettext_lazy("Item removed."),
    ),
    "address": (
        EditAddressForm,
        lambda sid, d: staging.stage_address(session_id=sid, address=d),
        gettext_lazy("Delivery address changed."),
    ),
    "delivery": (
        DeliveryForm,
        lambda sid, d: staging.stage_delivery(session_id=sid, **DeliveryForm.choice_of(d)),
        gettext_lazy("Delivery option changed."),
    ),
}
ADDRESS_CHANGED = ACTIONS["address"][2]


class EditPage:
    """One edit page, parameterized by who edits: a shopper on their order, or staff on any order."""

    template = "editing/edit.html"

    def __init__(self, request, order: Order, *, actor_kind: ActorKind, actor, back_url: str, self_url: str):
        self.request, self.order = request, order
        self.actor_kind, self.actor = actor_kind, actor
        self.back_url, self.self_url = back_url, self_url

    @property
    def htmx(self) -> bool:
        return bool(getattr(self.request, "htmx", False))

    def handle(self):
        try:
            session = staging.begin_edit(order=self.order, actor_kind=self.actor_kind, actor=self.actor)
        except EditError as error:
            if self.htmx:  # the page behind the request can't be edited any more: load it again, whole
                return HttpResponseClientRefresh()
            return render(
                self.request,
                "editing/cannot_edit.html",
                {"order": self.order, "reason": error.message, "back_url": self.back_url},
            )
        if self.request.method == "POST":
            return self.post(session)
        return self.get(session)

    def get(self, session):
        if self.htmx and "q" in self.request.GET:
            response = self.search_results(session)
        else:
            response = render(self.request, self.template, self.context(session, page=True))
        patch_vary_headers(response, ["HX-Request"])  # the same address answers htmx with a part of the page
        return response

    def context(self, session, *, page: bool) -> dict:
        """What the page shows; ``page=False``: only what the partial (items, totals, status) needs."""
        session = selectors.edit_session_for(order=self.order, session_id=session.pk)
        order = session.order
        preview = selectors.preview_edit(session=session)
        staged = session.staged_changes
        staff = eligibility.is_staff_actor(self.actor_kind)
        methods, pickups = selectors.delivery_choices()
        rows = edit_rows(
            order=order,
            lines=preview.lines,
            staged=staged,
            variants=preview.variants,
            plan=preview.plan,
            swap_choices=selectors.swap_choices(order),
            policy=eligibility.policy_view(EditPolicy.load()),
            staff=staff,
        )
        context = {
            "order": order,
            "session": session,
            "staged": staged,
            "preview": preview,
            "rows": rows,
            "changes": describe_changes(self.change_records(preview, rows, methods, pickups)),
            "status_messages": list(messages.get_messages(self.request)),
            "messages": (),  # shown in the page's own status region (above), not base.html's
            "self_url": self.self_url,
            "staff": self.actor_kind == ActorKind.STAFF,
        }
        if page:
            query = self.request.GET.get("q", "")
            context.update(
                {
                    "methods": methods,
                    "pickups": pickups,
                    "addresses": selectors.address_book(order.customer),
                    "address_form": EditAddressForm(
                        initial=staged.address or order.shipping_address, **self.address_form_kwargs(session)
                    ),
                    "query": query,
                    "results": selectors.search_catalog(query),
                    "back_url": self.back_url,
                }
            )
        return context

    @staticmethod
    def change_records(preview, rows, methods, pickups) -> list[dict]:
        """The staged changes as the commit will record them (``change_records``), from the page's rows."""
        staged = preview.session.staged_changes
        destination = preview.destination
        method = pickup = None
        if staged.delivery is not None:
            if destination is not None:
                method, pickup = destination.method, destination.pickup
            else:  # not worked out (the preview says why): named from the choices
                method = next((m for m in methods if m.pk == staged.delivery.method_id), None)
                pickup = next((p for p in pickups if p.pk == staged.delivery.pickup_id), None)
        to_pickup = pickup is not None or (staged.delivery is None and preview.order.pickup_location_id)
        address = staged.address if staged.address is not None and not to_pickup else None
        return change_records(rows, address=address, method=method, pickup=pickup)

    def search_results(self, session):
        """htmx's catalog search: the results, and how many, said in the status region."""
        query = self.request.GET.get("q", "")
        context = {
            "order": self.order,
            "query": query,
            "results": selectors.search_catalog(query),
            "self_url": self.self_url,
        }
        return render(self.request, "editing/_search_update.html", context)

    def post(self, session):
        action = self.request.POST.get("action", "")
        try:
            if action == "confirm":
                return self.leave(self.confirm(session))
            if action == "reset":
                staging.reset_edit(session_id=session.pk)
                messages.success(self.request, _("All changes cleared."))
            elif action == "address_book":
                address = get_object_or_404(
                    session.order.customer.addresses, pk=self.request.POST.get("address_id") or 0
                )
                staging.stage_address(session_id=session.pk, address=address.as_snapshot())
                messages.success(self.request, str(ADDRESS_CHANGED))
            elif action in ACTIONS:
                form_class, stage, done = ACTIONS[action]
                kwargs = self.address_form_kwargs(session) if action == "address" else {}
                form = form_class(self.request.POST, **kwargs)
                if not form.is_valid():
                    messages.error(
                        self.request,
                        _("Please check: %(fields)s")
                        % {
                            "fields": join_items(
                                _("%(field)s: %(errors)s")
                                % {"field": form.fields[name].label or name, "errors": join_sentences(*errors)}
                                for name, errors in form.errors.items()
                            )
                        },
                    )
                    return self.back(session)
                stage(session.pk, form.cleaned_data)
                messages.success(self.request, str(done))
            else:
                messages.error(self.request, _("Unknown action."))
        except EditError as error:  # EditConflict too: the page then shows the session the order opens now
            messages.error(self.request, error.message)
            return self.back(None)
        return self.back(session)

    def confirm(self, session):
        # The form's ``version`` is the session's content version (edit.html), as in the API's preview.
        if str(session.pk) != self.request.POST.get("session") or str(
            session.base_content_version
        ) != self.request.POST.get("version"):
            messages.error(self.request, _("This order changed since you last looked. Please review the new totals."))
            return self.back(session)
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

    def leave(self, response):
        """A redirect away from the page: htmx is told to go there (``HX-Redirect``), not to fetch it into this one."""
        if self.htmx and isinstance(response, HttpResponseRedirect):
            return HttpResponseClientRedirect(response["Location"])
        return response

    def back(self, session):
        """After an action: back to the page (POST/redirect/GET), or for htmx the partial to swap in, of
        ``session`` (``None``: the one the order's current content version opens, as a page load would)."""
        if not self.htmx:
            return HttpResponseRedirect(self.self_url)
        if session is None:
            try:
                session = staging.begin_edit(order=self.order, actor_kind=self.actor_kind, actor=self.actor)
            except EditError:
                return HttpResponseClientRefresh()
        return render(self.request, "editing/_update.html", self.context(session, page=False))


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
