"""The "Pay now" page: a signed link to one payment request, paid by card (and store credit)."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from orders import selectors
from orders.constants import PaymentRequestStatus
from orders.forms import PaymentForm
from orders.pay_links import request_id_from_token
from orders.presentation import describe_changes
from orders.services import pay_payment_request, store_credit_balance
from orders.services.payments import closed_request_message
from orders.status_links import status_path


@require_http_methods(["GET", "POST"])
def pay(request, token: str):
    request_id = request_id_from_token(token)
    payment_request = selectors.payment_request(request_id=request_id) if request_id else None
    if payment_request is None:
        raise Http404
    order = payment_request.order
    credit = store_credit_balance(order.customer)
    form = PaymentForm(request.POST or None, initial={"attempt": uuid.uuid4().hex}, credit=credit)
    if request.method == "POST" and payment_request.status == PaymentRequestStatus.OPEN and form.is_valid():
        try:
            pay_payment_request(
                request_id=payment_request.pk,
                card_number=form.cleaned_data["card_number"],
                use_store_credit=form.cleaned_data.get("use_store_credit", False),
                attempt_key=form.cleaned_data["attempt"],
                actor=request.user if request.user.is_authenticated else None,
            )
        except ApplicationError as error:
            form.add_application_error(error)
            form.data = {**request.POST.dict(), "attempt": uuid.uuid4().hex}  # a new try is a new charge
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
    return render(
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
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )
