"""What checkout and the Pay now page share about taking a card: the gateway's script on the page, its
Content-Security-Policy, and the bank's 3-D Secure step.

With Stripe the page's Stripe.js takes the card (``static/js/card-payment.js``) and shows the bank's step
itself; the server is told only ids, and asks Stripe what happened. The test gateway has no script: its
demo stand-in for the bank's page is two buttons on ours (``answer_bank``).
"""

from __future__ import annotations

import contextlib
import uuid

from django.http import HttpRequest, HttpResponse

from core.errors import ApplicationError
from orders.forms import PaymentForm
from orders.gateway import GatewayError, gateway_class, get_gateway
from orders.services.payments import PaymentActionNeeded


def client_side() -> bool:
    """The card is taken by the gateway's script on the page, never posted to us."""
    return bool(getattr(gateway_class(), "client_side", False))


def page_context(*, action: dict | None) -> dict:
    cls = gateway_class()
    return {
        "client_side": client_side(),
        "gateway_page": cls.page_config() if client_side() else None,
        "bank_action": action,
    }


def answer_bank(request: HttpRequest, form: PaymentForm) -> None:
    """The shopper's answer on the test gateway's stand-in for their bank's page; the charge that follows
    asks the gateway what it was, as it asks Stripe."""
    answer, secret = request.POST.get("three_d_secure"), form.cleaned_data.get("client_secret")
    gateway = get_gateway()
    if answer and secret and hasattr(gateway, "authenticate"):
        with contextlib.suppress(GatewayError):  # a secret that isn't the intent's: the charge declines it
            gateway.authenticate(client_secret=secret, success=answer == "confirm")


def after_refusal(request: HttpRequest, form: PaymentForm, error: ApplicationError) -> dict | None:
    """The form shown again after the service said no. A refusal shows its message and makes a new attempt
    (another try is another charge). The bank asking the shopper to confirm is no refusal: the same attempt
    pays the same intent once they did, so the page keeps both (and returns what its script needs)."""
    data = {**request.POST.dict(), "payment_method": "", "payment_intent": "", "client_secret": ""}
    if isinstance(error, PaymentActionNeeded):
        form.data = {**data, "payment_intent": error.intent, "client_secret": error.client_secret}
        return {"intent": error.intent, "client_secret": error.client_secret, "message": error.message}
    form.add_application_error(error)
    form.data = {**data, "attempt": uuid.uuid4().hex}
    return None


def with_gateway_policy(response: HttpResponse) -> HttpResponse:
    """A payment page may load the gateway's script and talk to its API (the rest of the site may not)."""
    cls = gateway_class()
    if client_side():
        response._csp_update = cls.content_security()  # type: ignore[attr-defined]
    return response
