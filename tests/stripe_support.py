"""Stripe in the tests: localstripe over real HTTP, and the one place we stand at the library's boundary.

localstripe (``tests/localstripe_server.py``, started once per run by the ``localstripe`` fixture) answers
PaymentIntents, 3-D Secure, refunds and tokens as Stripe does, and sends ``payment_intent.*`` webhooks
signed as Stripe signs them. What it lacks is written down in docs/decisions.md ("Stripe"); two of those
gaps are covered here, at the library's HTTP client (``Boundary``), with the answers Stripe documents:

- the decline cards 4000 0000 0000 0002 and …9995 (localstripe confirms them as paid): a PaymentIntent
  for a payment method registered with ``decline`` is answered with Stripe's 402 ``card_error``;
- a call that times out after Stripe acted: ``time_out_after`` lets the request reach localstripe, then
  raises the library's ``APIConnectionError`` instead of the answer;
- a refund Stripe accepted but has not finished (``pending_refunds``; localstripe's always succeed at once).

Everything else goes to localstripe unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import stripe

SECRET_KEY = "sk_test_aftersale"
PUBLISHABLE_KEY = "pk_test_aftersale"
WEBHOOK_SECRET = "whsec_aftersale_test"

# Stripe's documented answers for its decline test cards (https://docs.stripe.com/testing#declined-payments).
DOCUMENTED_DECLINES = {
    "4000000000000002": ("generic_decline", "Your card was declined."),
    "4000000000009995": ("insufficient_funds", "Your card has insufficient funds."),
}


def settings_for(base: str) -> dict[str, str]:
    """The settings (and a worker's environment) that point the app at localstripe."""
    return {
        "PAYMENT_GATEWAY": "orders.stripe_gateway.StripeGateway",
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": base,
        "STRIPE_JS_URL": f"{base}/js.stripe.com/v3/",
    }


class Boundary(stripe.HTTPClient):
    name = "boundary"

    def __init__(self):
        super().__init__()
        self.real = stripe.new_default_http_client(timeout=20)
        self.declines: dict[str, tuple[str, str]] = {}
        self.time_out: str | None = None
        self.pending_refunds = False  # new refunds answered "pending", as Stripe does for some payment methods

    def decline(self, payment_method: str, card: str) -> None:
        self.declines[payment_method] = DOCUMENTED_DECLINES[card]

    def time_out_after(self, path: str) -> None:
        """The next POST to ``path`` reaches Stripe; its answer is lost to a timeout."""
        self.time_out = path

    def request(self, method, url, headers, post_data=None, **kwargs):
        path = urlsplit(url).path
        if method == "post" and path == "/v1/payment_intents" and post_data:
            fields = parse_qs(post_data if isinstance(post_data, str) else post_data.decode())
            declined = self.declines.get(fields.get("payment_method", [""])[0])
            if declined:
                code, message = declined
                body = {
                    "error": {"type": "card_error", "code": "card_declined", "decline_code": code, "message": message}
                }
                return json.dumps(body), 402, {}
        answer = self.real.request(method, url, headers, post_data)
        if self.pending_refunds and method == "post" and path == "/v1/refunds":
            body, status, response_headers = answer
            return json.dumps({**json.loads(body), "status": "pending"}), status, response_headers
        if method == "post" and path == self.time_out:
            self.time_out = None
            raise stripe.APIConnectionError("Request timed out (it reached Stripe; the answer was lost)")
        return answer

    def close(self):
        self.real.close()


def client(base: str, http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    return stripe.StripeClient(
        SECRET_KEY,
        base_addresses={"api": base},
        http_client=http_client or stripe.new_default_http_client(timeout=20),
        max_network_retries=0,
    )


def payment_method(base: str, number: str) -> str:
    """A card as Stripe.js would hand it to us: a PaymentMethod id (the card number never reaches our app)."""
    card = {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    return client(base).v1.payment_methods.create(params={"type": "card", "card": card}).id


def token(base: str, number: str) -> str:
    """A card as localstripe's Stripe.js stand-in hands it over: a token."""
    card = {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"}
    return client(base).v1.tokens.create(params={"card": card}).id


def authenticate(base: str, client_secret: str, *, success: bool) -> dict:
    """The shopper's answer to their bank's 3-D Secure step, as localstripe's Stripe.js sends it."""
    intent = client_secret.split("_secret_")[0]
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/v1/payment_intents/{intent}/_authenticate?success={'true' if success else 'false'}",
        data=json.dumps({"key": PUBLISHABLE_KEY, "client_secret": client_secret}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def refunds_of(base: str, intent: str) -> list[Decimal]:
    """What Stripe refunded of a payment, oldest first, in euros."""
    listed = client(base).v1.refunds.list(params={"payment_intent": intent, "limit": 100})
    return [Decimal(refund.amount) / 100 for refund in sorted(listed.data, key=lambda refund: refund.created)]


def captured(base: str, intent: str) -> Decimal:
    found = client(base).v1.payment_intents.retrieve(intent)
    return Decimal(found.amount) / 100 if found.status == "succeeded" else Decimal(0)


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe makes it: HMAC-SHA256 of ``"<t>.<body>"``."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> bytes:
    """An event in Stripe's shape, for the types localstripe never sends (refunds, disputes)."""
    return json.dumps(
        {
            "id": event_id or f"evt_{hashlib.sha1(repr((event_type, obj, time.time())).encode()).hexdigest()[:24]}",  # noqa: S324
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    ).encode()


def events_of(base: str, event_type: str) -> list[dict]:
    """The events localstripe made (it keeps them, as Stripe does), newest first."""
    with urllib.request.urlopen(  # noqa: S310 - loopback
        urllib.request.Request(  # noqa: S310 - loopback
            f"{base}/v1/events?type={event_type}&limit=100", headers={"Authorization": f"Bearer {SECRET_KEY}"}
        ),
        timeout=10,
    ) as answer:
        return json.loads(answer.read())["data"]
