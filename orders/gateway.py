"""The payment gateway interface and the built-in test gateway.

Every call carries an idempotency key: the same key twice moves money once and returns the first
answer, so a job that died after the processor acted can simply run again. ``settings.PAYMENT_GATEWAY``
names the class: this test gateway, or Stripe (``orders.stripe_gateway.StripeGateway``). Both are held
to one contract (``tests/orders/test_gateway_contract.py``).

A charge may need the shopper first: a card whose bank asks for 3-D Secure raises
``PaymentActionRequired`` with an intent, nothing taken; once the shopper has answered their bank on the
page, ``charge`` again with the intent's reference as ``payment_method`` and the same key takes the money
(or is declined). The server never takes the browser's word that the payment went through: it asks.
"""

from __future__ import annotations

import functools
import json
import random
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from redis import Redis


class GatewayError(Exception):
    """The processor said no. ``retryable`` ones ("try again later", timeouts) are worth another attempt."""

    retryable = False

    def __init__(self, message: str | Promise):
        super().__init__(message)
        self.message = str(message)


class PaymentDeclined(GatewayError):
    """A final answer: the card or the refund was refused."""


class GatewayUnavailable(GatewayError):
    """The processor failed or did not answer in time; the same call with the same key may succeed."""

    retryable = True


class PaymentActionRequired(GatewayError):
    """The card's bank asks the shopper to confirm the payment (3-D Secure) on the page; nothing was taken.
    ``intent`` is charged with the same key once they did; ``client_secret`` is what the page's script needs."""

    def __init__(self, message: str | Promise, *, intent: str, client_secret: str):
        super().__init__(message)
        self.intent = intent
        self.client_secret = client_secret


@dataclass(frozen=True)
class GatewayResult:
    reference: str
    # A refund the processor accepted but has not finished (Stripe's "pending"): its webhook, or the job
    # run again, completes it.
    pending: bool = False


class PaymentGateway(Protocol):
    name: str

    def charge(self, *, amount: Decimal, currency: str, payment_method: str, idempotency_key: str) -> GatewayResult: ...

    def refund(
        self, *, amount: Decimal, currency: str, charge_reference: str, idempotency_key: str
    ) -> GatewayResult: ...


def get_gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()


def gateway_class() -> Any:
    """The gateway's class: what its pages need (``client_side``, ``page_config``) is read without a connection."""
    return import_string(settings.PAYMENT_GATEWAY)


def demo_card() -> str:
    """A card that pays in the configured gateway's test mode, for demo data: the test gateway's 4242…,
    Stripe's test PaymentMethod ``pm_card_visa`` (which Stripe's test mode and localstripe know)."""
    return getattr(gateway_class(), "demo_card", SUCCESS_CARD)


def action_required_message() -> str:
    return str(_("Your bank asks you to confirm this payment."))


def not_confirmed_message() -> str:
    return str(_("Your bank did not confirm the payment. Try again or use another card."))


# --- the test gateway ------------------------------------------------------------------------------

# Card numbers the test gateway knows, like a card processor's test mode. Any other number that
# passes the Luhn check is approved; one that fails it is declined as mistyped.
SUCCESS_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
DECLINED_ON_CHARGE_CARD = "4000000000000341"  # Stripe's card that is accepted, then declined when charged
INSUFFICIENT_FUNDS_CARD = "4000000000009995"
TRY_AGAIN_CARD = "4000000000000119"
THREE_D_SECURE_CARD = "4000002760003184"  # the bank asks the shopper to confirm (3-D Secure), as on Stripe


UNITS = 10_000  # refunded sums are kept as integers of 1/10000: exact, and INCRBY is atomic


def card_digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_valid(digits: str) -> bool:
    if not 12 <= len(digits) <= 19:
        return False
    total = 0
    for index, ch in enumerate(reversed(digits)):
        n = int(ch)
        if index % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


@functools.cache
def _books(url: str) -> Redis:
    return Redis.from_url(url)  # one pool per process; redis-py resets it in a forked child (RQ's work horse)


class TestGateway:
    """A card processor for demos and tests. Its books live in Redis, outside our database
    transactions, so it behaves like a remote service: what it did stays done when our side rolls back.
    They have a Redis database of their own (``TEST_GATEWAY_REDIS_URL``), as a processor's books are
    its own: flushing the app's database (cache, queues) must not forget a payment a refund goes back to.

    Settings (environment): ``TEST_GATEWAY_FAILURE_RATE`` and ``TEST_GATEWAY_TIMEOUT_RATE`` make that
    share of calls fail before acting or time out after acting; ``TEST_GATEWAY_DELAY`` sleeps after
    acting (to kill a worker mid-call). ``fail_next(n)`` makes the next n calls fail, for tests.
    """

    __test__ = False  # not a pytest class
    name = "test"
    PREFIX = "aftersale:test-gateway"

    def __init__(self, connection=None):
        self.redis = connection or _books(settings.TEST_GATEWAY_REDIS_URL)

    # Books: one record per idempotency key; refunds per charge; a log of every operation done.
    def _key(self, *parts: str) -> str:
        return ":".join([self.PREFIX, *parts])

    def fail_next(self, count: int) -> None:
        self.redis.set(self._key("fail-next"), count)

    def operations(self) -> list[dict]:
        return [json.loads(raw) for raw in self.redis.lrange(self._key("log"), 0, -1)]

    def _before_acting(self) -> None:
        pending = self.redis.decr(self._key("fail-next"))
        if pending >= 0:
            raise GatewayUnavailable(_("The payment processor is busy. Try again later."))
        self.redis.delete(self._key("fail-next"))
        if random.random() < settings.TEST_GATEWAY_FAILURE_RATE:  # noqa: S311 - simulated failures, not secrets
            raise GatewayUnavailable(_("The payment processor is busy. Try again later."))

    def _after_acting(self) -> None:
        if settings.TEST_GATEWAY_DELAY:
            time.sleep(settings.TEST_GATEWAY_DELAY)
        if random.random() < settings.TEST_GATEWAY_TIMEOUT_RATE:  # noqa: S311 - simulated failures, not secrets
            raise GatewayUnavailable(_("The payment processor did not answer in time."))

    def _replay(self, idempotency_key: str) -> GatewayResult | None:
        raw = self.redis.get(self._key("idem", idempotency_key))
        if raw is None:
            return None
        record = json.loads(raw)
        if record.get("declined"):
            raise PaymentDeclined(record["declined"])
        return GatewayResult(reference=record["reference"])

    def _first_answer(self, idempotency_key: str) -> GatewayResult:
        """The answer of the call that claimed the key first (``_remember`` found its record, never deleted)."""
        done = self._replay(idempotency_key)
        if done is None:  # not reached; a retry would find the key free
            raise GatewayUnavailable(_("The payment processor is busy. Try again later."))
        return done

    def _remember(self, idempotency_key: str, record: dict) -> bool:
        """Claim the key; False if another call with the same key got there first."""
        return bool(self.redis.set(self._key("idem", idempotency_key), json.dumps(record), nx=True))

    # 3-D Secure: an intent waits for the shopper's answer to their bank (``authenticate``, the demo's
    # stand-in for the bank's page); charging it with the same key then takes the money or declines.
    def authenticate(self, *, client_secret: str, success: bool) -> None:
        intent, _sep, _secret = client_secret.partition("_secret_")
        raw = self.redis.get(self._key("intent", intent))
        if raw is None or json.loads(raw)["client_secret"] != client_secret:
            raise PaymentDeclined(not_confirmed_message())
        record = {**json.loads(raw), "status": "authenticated" if success else "failed"}
        self.redis.set(self._key("intent", intent), json.dumps(record), xx=True)

    def _action_required(self, amount: Decimal, currency: str, idempotency_key: str) -> PaymentActionRequired:
        intent = f"ti_{uuid.uuid4().hex[:20]}"
        secret = f"{intent}_secret_{uuid.uuid4().hex}"
        record = {"amount": str(amount), "currency": currency, "key": idempotency_key, "client_secret": secret}
        self.redis.set(self._key("intent", intent), json.dumps({**record, "status": "requires_action"}), ex=86400)
        return PaymentActionRequired(action_required_message(), intent=intent, client_secret=secret)

    def _authenticated(self, intent: str, amount: Decimal, currency: str, idempotency_key: str) -> None:
        """Raise unless the shopper confirmed this intent, made for this payment, with their bank."""
        raw = self.redis.get(self._key("intent", intent))
        record = json.loads(raw) if raw else None
        if (
            record is None
            or record["key"] != idempotency_key
            or Decimal(record["amount"]) != amount
            or record["currency"] != currency
        ):
            raise PaymentDeclined(str(_("This payment could not be confirmed. Please pay again.")))
        if record["status"] == "requires_action":
            raise PaymentActionRequired(action_required_message(), intent=intent, client_secret=record["client_secret"])
        if record["status"] != "authenticated":
            raise PaymentDeclined(not_confirmed_message())

    def charge(self, *, amount: Decimal, currency: str, payment_method: str, idempotency_key: str) -> GatewayResult:
        if (done := self._replay(idempotency_key)) is not None:
            return done
        self._before_acting()
        if payment_method.startswith("ti_"):
            self._authenticated(payment_method, amount, currency, idempotency_key)
            digits = SUCCESS_CARD
        else:
            digits = card_digits(payment_method)
            if digits == THREE_D_SECURE_CARD:
                raise self._action_required(amount, currency, idempotency_key)
        declined = None
        if digits in (DECLINED_CARD, DECLINED_ON_CHARGE_CARD, INSUFFICIENT_FUNDS_CARD):
            declined = str(
                _("Your card was declined.")
                if digits != INSUFFICIENT_FUNDS_CARD
                else _("Your card was declined: insufficient funds.")
            )
        elif digits == TRY_AGAIN_CARD:
            raise GatewayUnavailable(_("The card issuer could not be reached. Try again in a moment."))
        elif not luhn_valid(digits):
            declined = str(_("This card number is not valid."))
        if declined:
            self._remember(idempotency_key, {"declined": declined})
            raise PaymentDeclined(declined)
        reference = f"ch_{uuid.uuid4().hex[:20]}"
        record = {"kind": "charge", "reference": reference, "amount": str(amount), "currency": currency}
        if not self._remember(idempotency_key, record):
            return self._first_answer(idempotency_key)
        self.redis.set(self._key("charge", reference), str(amount))
        self.redis.rpush(self._key("log"), json.dumps({**record, "key": idempotency_key}))
        self._after_acting()
        return GatewayResult(reference=reference)

    def refund(self, *, amount: Decimal, currency: str, charge_reference: str, idempotency_key: str) -> GatewayResult:
        if (done := self._replay(idempotency_key)) is not None:
            return done
        self._before_acting()
        charged = self.redis.get(self._key("charge", charge_reference))
        if charged is None:
            raise PaymentDeclined(str(_("The original payment was not found.")))
        refunded = Decimal(int(self.redis.get(self._key("refunded", charge_reference)) or 0)) / UNITS
        if refunded + amount > Decimal(charged.decode()):
            raise PaymentDeclined(str(_("The refund is more than what is left of the payment.")))
        reference = f"re_{uuid.uuid4().hex[:20]}"
        record = {"kind": "refund", "reference": reference, "amount": str(amount), "currency": currency}
        if not self._remember(idempotency_key, record):
            return self._first_answer(idempotency_key)
        self.redis.incrby(self._key("refunded", charge_reference), int(amount * UNITS))
        self.redis.rpush(self._key("log"), json.dumps({**record, "key": idempotency_key, "charge": charge_reference}))
        self._after_acting()
        return GatewayResult(reference=reference)
