"""Stripe as the payment gateway: PaymentIntents for charges, Refunds for refunds, the official library.

Card data never reaches this server: the page's Stripe.js turns the card into a PaymentMethod (``pm_…``;
localstripe's stand-in makes a token, ``tok_…``) and posts only its id. ``charge`` creates and confirms a
PaymentIntent for it; a card whose bank asks for 3-D Secure comes back as ``PaymentActionRequired``
(the page's Stripe.js shows the bank's step), and the page then posts the intent's id (``pi_…``), which
``charge`` reads back from Stripe: only an intent Stripe says succeeded, for this amount, currency and
key, and not refunded since, counts as paid.

Exactly once, whatever the server: every call carries our idempotency key, and the key is in the
object's metadata (``aftersale_key``). Stripe forgets idempotency keys after 24 hours (and localstripe
ignores them), so a refund first looks for a refund of the payment carrying its key before it makes one,
and never asks for more than Stripe says is left of the charge. Our callers add their own guards (the
order's lock, the key's advisory lock, unique keys): see docs/decisions.md, "Stripe".

The library does not retry by itself (``max_network_retries=0``): an unknown outcome goes back to our job,
which retries with back-off and looks the refund up first.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from core.money import minor_unit
from orders.gateway import (
    GatewayError,
    GatewayResult,
    GatewayUnavailable,
    PaymentActionRequired,
    PaymentDeclined,
    action_required_message,
    not_confirmed_message,
)

logger = logging.getLogger(__name__)

METADATA_KEY = "aftersale_key"


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal('12.34') EUR → 1234; Decimal('1200') JPY → 1200 (Stripe counts in the minor unit)."""
    units = amount / minor_unit(currency)
    if units != units.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of {currency}'s minor unit")
    return int(units)


def from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units) * minor_unit(currency)


def stripe_client(http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise ImproperlyConfigured("PAYMENT_GATEWAY is Stripe, but STRIPE_SECRET_KEY is not set.")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None,
        http_client=http_client or stripe.new_default_http_client(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        max_network_retries=0,
    )


def declined_message(error: stripe.StripeError) -> str:
    """The shopper's words for a card Stripe declined, in their language (Stripe's decline codes)."""
    code = getattr(error, "code", None) or ""
    decline = (getattr(error, "json_body", None) or {}).get("error", {}).get("decline_code") or ""
    if decline == "insufficient_funds" or code == "insufficient_funds":
        return str(_("Your card was declined: insufficient funds."))
    if code in ("incorrect_number", "invalid_number"):
        return str(_("This card number is not valid."))
    if code == "payment_intent_authentication_failure":
        return not_confirmed_message()
    return str(_("Your card was declined."))


def _retryable(error: stripe.StripeError) -> bool:
    code = getattr(error, "code", None) or ""
    decline = (getattr(error, "json_body", None) or {}).get("error", {}).get("decline_code") or ""
    return code in ("processing_error", "lock_timeout") or decline in ("try_again_later", "processing_error")


def call(function, *args: Any, **kwargs: Any):
    """One call to Stripe, its errors as the gateway's: a card error is declined (final), a connection
    error, a timeout, a rate limit or Stripe's own 5xx are worth another try with the same key."""
    try:
        return function(*args, **kwargs)
    except stripe.CardError as error:
        if _retryable(error):
            raise GatewayUnavailable(_("The card issuer could not be reached. Try again in a moment.")) from error
        raise PaymentDeclined(declined_message(error)) from error
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise GatewayUnavailable(_("The payment processor did not answer in time.")) from error
    except stripe.APIError as error:  # Stripe's 5xx
        raise GatewayUnavailable(_("The payment processor is busy. Try again later.")) from error
    except stripe.InvalidRequestError as error:
        if error.http_status == 409 or _retryable(error):  # a concurrent request with the same key
            raise GatewayUnavailable(_("The payment processor is busy. Try again later.")) from error
        logger.warning("Stripe refused a request: %s", error.user_message or error)
        raise PaymentDeclined(_("The payment processor refused this payment.")) from error
    except stripe.StripeError as error:  # authentication, permission, idempotency: our configuration
        logger.error("Stripe error: %s", error)
        raise GatewayError(_("The payment processor refused this payment.")) from error


def _id(value: Any) -> str:
    return value if isinstance(value, str) else value.id


def metadata_key(obj: Any) -> str | None:
    """Our key in a Stripe object's metadata (the library's objects are not dicts)."""
    metadata = getattr(obj, "metadata", None)
    return metadata.to_dict().get(METADATA_KEY) if metadata else None


class StripeGateway:
    name = "stripe"
    client_side = True  # the page's Stripe.js takes the card
    demo_card = "pm_card_visa"  # Stripe's test card as a PaymentMethod (demo data; test mode only)

    def __init__(self, client: stripe.StripeClient | None = None):
        self.client = client or stripe_client()

    # --- what the page needs ----------------------------------------------------------------------

    @staticmethod
    def page_config() -> dict[str, str]:
        return {"publishable_key": settings.STRIPE_PUBLISHABLE_KEY, "js_url": settings.STRIPE_JS_URL}

    @staticmethod
    def content_security() -> dict[str, list[str]]:
        """What a payment page's Content-Security-Policy adds: Stripe.js, its frames and its API."""
        js = _origin(settings.STRIPE_JS_URL)
        api = _origin(settings.STRIPE_API_BASE or "https://api.stripe.com")
        return {
            "script-src": [js],
            "connect-src": ["'self'", js, api],
            "frame-src": [js, "https://hooks.stripe.com"],
        }

    # --- charges ----------------------------------------------------------------------------------

    def charge(self, *, amount: Decimal, currency: str, payment_method: str, idempotency_key: str) -> GatewayResult:
        if payment_method.startswith("pi_"):
            return self._confirmed(payment_method, amount, currency, idempotency_key)
        intents = self.client.v1.payment_intents
        params = {
            "amount": to_minor(amount, currency),
            "currency": currency.lower(),
            "payment_method": self._payment_method(payment_method),
            "payment_method_types": ["card"],
            "confirm": True,
            "metadata": {METADATA_KEY: idempotency_key},
        }
        intent = call(intents.create, params=params, options={"idempotency_key": idempotency_key})
        return self._outcome(intent, idempotency_key)

    def _payment_method(self, value: str) -> str:
        if value.startswith("tok_"):  # localstripe's Stripe.js makes tokens; their card is its payment method
            token = call(self.client.v1.tokens.retrieve, value)
            return _id(token.card)
        if not value.startswith(("pm_", "card_")):
            raise PaymentDeclined(_("This card number is not valid."))
        return value

    def _confirmed(self, intent_id: str, amount: Decimal, currency: str, idempotency_key: str) -> GatewayResult:
        """The intent the page says the shopper confirmed with their bank: Stripe's word, not the page's."""
        intent = call(self.client.v1.payment_intents.retrieve, intent_id, params={"expand": ["latest_charge"]})
        if (
            metadata_key(intent) != idempotency_key
            or intent.amount != to_minor(amount, currency)
            or intent.currency.lower() != currency.lower()
        ):
            raise PaymentDeclined(_("This payment could not be confirmed. Please pay again."))
        if intent.status == "requires_confirmation":
            intent = call(
                self.client.v1.payment_intents.confirm,
                intent_id,
                options={"idempotency_key": f"{idempotency_key}-confirm"},
            )
        return self._outcome(intent, idempotency_key)

    def _outcome(self, intent, idempotency_key: str) -> GatewayResult:
        status = intent.status
        if status == "succeeded":
            charge = intent.latest_charge
            if charge is not None and not isinstance(charge, str) and charge.amount_refunded:
                # Given back since (an orphaned payment we refunded): it pays for nothing now.
                raise PaymentDeclined(_("This payment could not be confirmed. Please pay again."))
            return GatewayResult(reference=intent.id)
        if status in ("requires_action", "requires_source_action"):
            raise PaymentActionRequired(action_required_message(), intent=intent.id, client_secret=intent.client_secret)
        if status in ("processing", "requires_capture", "requires_confirmation"):
            raise GatewayUnavailable(_("The payment processor is busy. Try again later."))
        error = intent.last_payment_error
        if error is not None and error.to_dict().get("code") == "payment_intent_authentication_failure":
            raise PaymentDeclined(not_confirmed_message())
        raise PaymentDeclined(_("Your card was declined."))

    # --- refunds ----------------------------------------------------------------------------------

    def refund(self, *, amount: Decimal, currency: str, charge_reference: str, idempotency_key: str) -> GatewayResult:
        done = self.find_refund(charge_reference=charge_reference, idempotency_key=idempotency_key)
        if done is None:
            intent = call(
                self.client.v1.payment_intents.retrieve, charge_reference, params={"expand": ["latest_charge"]}
            )
            charge = intent.latest_charge
            if intent.status != "succeeded" or charge is None or isinstance(charge, str):
                raise PaymentDeclined(_("The original payment was not found."))
            if to_minor(amount, currency) > charge.amount - (charge.amount_refunded or 0):
                raise PaymentDeclined(_("The refund is more than what is left of the payment."))
            params = {
                "payment_intent": charge_reference,
                "amount": to_minor(amount, currency),
                "metadata": {METADATA_KEY: idempotency_key},
            }
            done = call(self.client.v1.refunds.create, params=params, options={"idempotency_key": idempotency_key})
        if done.status == "succeeded":
            return GatewayResult(reference=done.id)
        if done.status in ("pending", "requires_action"):
            return GatewayResult(reference=done.id, pending=True)
        raise PaymentDeclined(
            _("The payment processor could not refund this payment (%(reason)s).")
            % {"reason": done.failure_reason or done.status}
        )

    def find_refund(self, *, charge_reference: str, idempotency_key: str):
        """The refund of this payment made with this key, if one was: after a timeout, the first try may
        have reached Stripe. Stripe's idempotency keys last 24 hours; metadata lasts."""

        def first_with_key():
            page = self.client.v1.refunds.list(params={"payment_intent": charge_reference, "limit": 100})
            for refund in page.auto_paging_iter():
                if metadata_key(refund) == idempotency_key:
                    return refund
            return None

        return call(first_with_key)

    def refund_whole(self, *, charge_reference: str, idempotency_key: str) -> GatewayResult:
        """Give back all that is left of a payment no order records (see ``orders.services.stripe_events``)."""
        intent = call(self.client.v1.payment_intents.retrieve, charge_reference, params={"expand": ["latest_charge"]})
        charge = intent.latest_charge
        left = charge.amount - (charge.amount_refunded or 0) if charge and not isinstance(charge, str) else 0
        if left <= 0:
            raise PaymentDeclined(_("The refund is more than what is left of the payment."))
        return self.refund(
            amount=from_minor(left, intent.currency.upper()),
            currency=intent.currency.upper(),
            charge_reference=charge_reference,
            idempotency_key=idempotency_key,
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
