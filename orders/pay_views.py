"""The "Pay now" page: a signed link to one payment request, paid by card (and store credit)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import ApplicationError
from orders import payment_pages, selectors
from orders.constants import ActorKind, PaymentRequestStatus
from orders.forms import PaymentForm
from orders.pay_links import pay_path, request_id_from_token
from orders.presentation import describe_changes
from orders.services import pay_payment_request, request_balance_payment, store_credit_balance
from orders.services.payments import closed_request_message
from orders.status_links import number_from_token, status_path


@login_required
@require_GET
def pay_balance(request, number: int):
    """The shopper's "Pay now" on their order page or list: the open request for the balance, made now if
    none is open. A link (cached pages carry no CSRF token): opening it twice reuses the request, and a
    request the shopper opens is not emailed to them."""
    order_id, _version = selectors.customer_order_key(user=request.user, number=number)
    return _to_payment(request, order_id, back=reverse("orders:detail", args=[number]), actor=request.user)


@require_GET
def pay_balance_by_link(request, token: str):
    """ "Pay now" on the status-link page: whoever holds the emailed link may pay the order's balance."""
    number = number_from_token(token)
    if number is None:
        raise Http404
    order_id, _version = selectors.order_key_by_number(number=number)
    return _to_payment(request, order_id, back=status_path(number), actor=None)


def _to_payment(request, order_id: int, *, back: str, actor):
    payment_request = request_balance_payment(
        order_id=order_id, actor_kind=ActorKind.CUSTOMER, actor=actor, asked_by_shopper=True
    )
    if payment_request is None:
        messages.info(request, _("There is nothing to pay on this order."))
        return redirect(back)
    return redirect(pay_path(payment_request.pk))


@require_http_methods(["GET", "POST"])
def pay(request, token: str):
    request_id = request_id_from_token(token)
    payment_request = selectors.payment_request(request_id=request_id) if request_id else None
    if payment_request is None:
        raise Http404
    order = payment_request.order
    credit = store_credit_balance(order.customer)
    form = PaymentForm(
        request.POST or None,
        initial={"attempt": uuid.uuid4().hex},
        credit=credit,
        client_side=payment_pages.client_side(),
    )
    action = None
    if request.method == "POST" and payment_request.status == PaymentRequestStatus.OPEN and form.is_valid():
        try:
            payment_pages.answer_bank(request, form)
            pay_payment_request(
                request_id=payment_request.pk,
                card_number=form.payment(),
                use_store_credit=form.cleaned_data.get("use_store_credit", False),
                attempt_key=form.cleaned_data["attempt"],
                actor=request.user if request.user.is_authenticated else None,
            )
        except ApplicationError as error:
            action = payment_pages.after_refusal(request, form, error)
        else:
            messages.success(request, _("Thank you! Your payment was received."))
            if request.user.is_authenticated and request.user.pk == order.customer_id:
                return redirect("orders:detail", order.number)
            return redirect(status_path(order.number))
    closed, status = None, payment_request.status
    if status == PaymentRequestStatus.OPEN and payment_request.expires_at <= timezone.now():
        status = PaymentRequestStatus.EXPIRED  # the expiry job may not have run yet
    if status != PaymentRequestStatus.OPEN:
        closed = closed_request_message(status)
    position = order.position
    response = render(
        request,
        "orders/pay.html",
        {
            "payment_request": payment_request,
            "order": order,
            "changes": describe_changes(selectors.edit_behind(payment_request)),
            "form": form,
            "closed": closed,
            "credit": credit,
            "status_url": status_path(order.number),
            "position": position,
            "still_due_after": max(position.balance_due - payment_request.amount, 0),
            **payment_pages.page_context(action=action),
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )
    return payment_pages.with_gateway_policy(response)
