"""Money in: card charges through the gateway (checkout, Pay now), store credit spent, and payment requests.

Charges happen while the shopper waits (the card's answer is the page's answer), inside the caller's
transaction and under the order's lock; the gateway call carries an idempotency key from the form, so
a resubmitted form charges once. Payment requests are rows; their reminders and expiry are jobs
scheduled by the settlement (``editing.settlement``), and the sweeper catches any a lost job missed.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Unpack

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.money import ZERO, format_money, quantize
from core.reasons import Reason, ReasonCode
from notifications.constants import MessageKind
from notifications.services import notify
from orders import events
from orders.constants import ActorKind, MoneySource, PaymentRequestStatus, TransactionKind
from orders.errors import OrderError
from orders.gateway import GatewayError, PaymentActionRequired, get_gateway
from orders.models import Order, PaymentRequest, Transaction
from orders.pay_links import pay_path
from orders.payment_terms import payment_terms
from orders.services import credit
from orders.services.invoicing import invoice_new_order
from orders.services.kernel import lock_order, record_money, save_change
from orders.services.placing import OrderRequest, place_order
from orders.status_links import status_path


class PaymentError(OrderError):
    code = "payment_failed"


class PaymentActionNeeded(PaymentError):
    """The card's bank asks the shopper to confirm (3-D Secure): nothing was taken and the caller's
    transaction rolls back; the page lets them confirm with ``client_secret``, then pays ``intent`` with the
    same attempt key."""

    code = "action_required"

    def __init__(self, message: str, *, intent: str, client_secret: str):
        super().__init__(message, code=self.code)
        self.intent = intent
        self.client_secret = client_secret


def lock_payment_key(idempotency_key: str) -> None:
    """Hold the payment's key until the caller's transaction ends (a PostgreSQL advisory lock): a second
    request with the same key, or the processor's webhook about it, waits for the first to commit or roll
    back, then finds what it recorded. So a double submit charges once even on a processor that forgets
    (or, like localstripe, ignores) idempotency keys."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"payment:{idempotency_key}"])


def take_card_payment(
    *,
    order: Order,
    amount: Decimal,
    card_number: str,
    idempotency_key: str,
    source: MoneySource,
    actor_kind: ActorKind = ActorKind.CUSTOMER,
    actor: User | None = None,
) -> Transaction:
    """Charge a card and record the charge. The caller holds the order's lock inside its transaction;
    a decline raises ``PaymentError`` (with a ``card_number`` field error) and records nothing; a bank
    asking the shopper to confirm raises ``PaymentActionNeeded``.

    ``card_number``: what the gateway charges — the test gateway's card number, Stripe.js's payment method,
    or the intent the shopper confirmed with their bank (then with the key it was made with)."""
    gateway = get_gateway()
    lock_payment_key(idempotency_key)
    done = Transaction.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None:
        if done.order_id != order.pk:
            # A resubmitted form after its order was placed: that order has the payment.
            raise PaymentError(_("This payment was already made for another order."), code="payment_reused")
        return done
    try:
        result = gateway.charge(
            amount=amount, currency=order.currency, payment_method=card_number, idempotency_key=idempotency_key
        )
    except PaymentActionRequired as exc:
        raise PaymentActionNeeded(exc.message, intent=exc.intent, client_secret=exc.client_secret) from exc
    except GatewayError as exc:
        code = "gateway_unavailable" if exc.retryable else "card_declined"
        raise PaymentError(exc.message, code=code, fields={"card_number": [exc.message]}) from exc
    order, txn, created = record_money(
        order=order,
        kind=TransactionKind.CHARGE,
        amount=amount,
        idempotency_key=idempotency_key,
        gateway=gateway.name,
        gateway_reference=result.reference,
        source=source,
    )
    if created:
        events.payment_captured_event(order=order, transaction=txn, actor_kind=actor_kind, actor=actor)
    return txn


def spend_store_credit(
    *, order: Order, amount: Decimal, idempotency_key: str, source: MoneySource, actor: User | None = None
) -> Transaction | None:
    """Pay up to ``amount`` of the order from its shopper's store credit; None when they have none."""
    balance = credit.store_credit_balance(order.customer, lock=True)
    amount = min(quantize(amount, order.currency), balance)
    if amount <= 0:
        return None
    entry, _created = credit.ledger_entry(
        customer_id=order.customer_id,
        amount=-amount,
        currency=order.currency,
        reason=Reason(ReasonCode.ORDER_PAYMENT),
        order=order,
        key=f"spend-{idempotency_key}",
    )
    order, txn, created = record_money(
        order=order,
        kind=TransactionKind.CHARGE,
        amount=-entry.amount,
        idempotency_key=idempotency_key,
        gateway=credit.GATEWAY_NAME,
        gateway_reference=f"credit-{entry.pk}",
        source=source,
    )
    if created:
        events.payment_captured_event(order=order, transaction=txn, actor_kind=ActorKind.CUSTOMER, actor=actor)
    return txn


# --- payment requests ("Pay now") ---------------------------------------------------------------------


def create_payment_request(
    *,
    order: Order,
    amount: Decimal,
    reason: Reason | str,
    due_days: int,
    reminder_days: list[int],
    actor_kind: ActorKind,
    actor: User | None = None,
    email_shopper: bool = True,
    balance: bool = False,
) -> PaymentRequest:
    """The caller holds the order's lock. Any open request was superseded by the caller's settlement.
    ``balance``: for a balance not made by an edit (its email says so, with the reason and staff's note)."""
    request = PaymentRequest.objects.create(
        order=order,
        amount=amount,
        currency=order.currency,
        **Reason.of(reason).as_data(),
        expires_at=timezone.now() + timedelta(days=due_days),
        reminder_days=sorted(day for day in set(reminder_days) if 0 < day < due_days),
    )
    events.payment_requested_event(order=order, request=request, actor_kind=actor_kind, actor=actor)
    if not email_shopper:  # the shopper asked for it on the page, and is paying it now
        return request
    notify(
        kind=MessageKind.PAYMENT_NEEDED,
        recipient=order.email,
        language=order.language,
        context={**payment_request_context(order, request), "balance": balance or None},
        dedupe_key=f"payment-request:{request.pk}:needed",
    )
    return request


def request_balance_payment(
    *,
    order_id: int,
    actor_kind: ActorKind,
    actor: User | None = None,
    amount: Decimal | None = None,
    due_days: int | None = None,
    reason: Reason | str = "",
    note: str = "",
    asked_by_shopper: bool = False,
) -> PaymentRequest | None:
    """The open payment request of an order with a balance due, made now if there is none: any balance is
    payable by a "Pay now" link, whatever made it (a partial capture, an import without payment, staff).

    ``asked_by_shopper`` (their "Pay now" click): an open request (an edit's, or one sent before) is reused,
    and a new one is not emailed to them. Staff replace an open request with theirs (``amount`` at most
    the balance; ``due_days``), emailed. None when nothing is due. Reminders and the expiry follow the
    merchant's payment terms, as for an edit's request (the sweeper sends them).

    ``reason``: a code (core.reasons.PAYMENT_LINK_REASONS, "balance due" when none) and staff's note to the
    shopper; ``note`` alone (older callers: free text) is that note.
    """
    reason = Reason.of(reason)
    if note.strip() and not reason.note:
        reason = Reason(reason.code or ReasonCode.BALANCE_DUE, note)
    reason = reason.or_default(ReasonCode.BALANCE_DUE)
    with transaction.atomic():
        order = lock_order(Order(pk=order_id))
        due = order.position.balance_due
        if due <= 0:
            return None
        open_request = (
            PaymentRequest.objects.select_for_update().filter(order=order, status=PaymentRequestStatus.OPEN).first()
        )
        if open_request is not None and asked_by_shopper:
            return open_request
        amount = quantize(due if amount is None else amount, order.currency)
        if not 0 < amount <= due:
            raise OrderError(
                _("The amount must be more than zero and at most the balance due."),
                fields={"amount": [_("Enter an amount up to %(due)s.") % {"due": format_money(due, order.currency)}]},
            )
        if open_request is not None:
            open_request.status = PaymentRequestStatus.SUPERSEDED
            open_request.save(update_fields=["status"])
        terms = payment_terms()
        save_change(order, [], content=False)  # shown on the order's pages: a new version, which the event carries
        request = create_payment_request(
            order=order,
            amount=amount,
            reason=reason,
            balance=True,
            due_days=due_days or terms.due_days,
            reminder_days=list(terms.reminder_days),
            actor_kind=actor_kind,
            actor=actor,
            email_shopper=not asked_by_shopper,
        )
    return request


def payment_request_context(order: Order, request: PaymentRequest) -> dict:
    return {
        "order_number": order.number,
        "currency": request.currency,
        "amount": str(request.amount),
        "reason": request.reason.as_data(),
        "pay_url": settings.SITE_URL + pay_path(request.pk),
        "status_url": settings.SITE_URL + status_path(order.number),
        "expires_at": request.expires_at.isoformat(),
    }


CLOSED_REQUEST_MESSAGES: dict[str, Promise] = {  # by PaymentRequest.status
    PaymentRequestStatus.PAID: gettext_lazy("This payment was already made. Thank you!"),
    PaymentRequestStatus.EXPIRED: gettext_lazy("This payment link has expired."),
    PaymentRequestStatus.SUPERSEDED: gettext_lazy(
        "The order changed since this link was sent; use the newest payment link."
    ),
    PaymentRequestStatus.CANCELLED: gettext_lazy("This payment request was withdrawn."),
}


def closed_request_message(status: str) -> str:
    return str(CLOSED_REQUEST_MESSAGES[status])


def pay_payment_request(
    *, request_id: int, card_number: str, use_store_credit: bool, attempt_key: str, actor: User | None = None
) -> PaymentRequest:
    """Pay an open request by card (and store credit first, if asked). A request already paid,
    expired or superseded says so and takes no money. ``attempt_key`` comes from the form: the same
    submission twice charges once."""
    with transaction.atomic():
        order_id = PaymentRequest.objects.values_list("order_id", flat=True).get(pk=request_id)
        order = lock_order(Order(pk=order_id))
        request = PaymentRequest.objects.select_for_update().get(pk=request_id)
        if request.status == PaymentRequestStatus.OPEN and request.expires_at <= timezone.now():
            request.status = PaymentRequestStatus.EXPIRED  # the expiry job hasn't run yet; the answer is the same
        if request.status != PaymentRequestStatus.OPEN:
            raise PaymentError(closed_request_message(request.status), code=f"request_{request.status}")
        key = f"payment-request-{request.pk}-{attempt_key}"[:190]
        remaining, payment = request.amount, None
        if use_store_credit:
            payment = spend_store_credit(
                order=order, amount=remaining, idempotency_key=f"{key}-credit", source=MoneySource.EDIT, actor=actor
            )
            remaining -= payment.amount if payment else ZERO
        if remaining > 0:
            if not card_number.strip():
                raise PaymentError(_("Enter a card number."), fields={"card_number": [_("This field is required.")]})
            payment = take_card_payment(
                order=order,
                amount=remaining,
                card_number=card_number,
                idempotency_key=key,
                source=MoneySource.EDIT,
                actor=actor,
            )
        request.status, request.paid_at, request.payment = PaymentRequestStatus.PAID, timezone.now(), payment
        request.save(update_fields=["status", "paid_at", "payment"])
        order.refresh_from_db()
        position = order.position  # as the pay page shows it: due = held + balance due
        notify(
            kind=MessageKind.PAYMENT_RECEIVED,
            recipient=order.email,
            language=order.language,
            context={
                "order_number": order.number,
                "currency": order.currency,
                "amount": str(request.amount),
                "paid_total": str(position.held),
                "order_total": str(position.due),
                "balance_due": str(position.balance_due) if position.balance_due else "",
                "status_url": settings.SITE_URL + status_path(order.number),
            },
            dedupe_key=f"payment-request:{request.pk}:paid",
        )
    return request


def send_payment_reminder(*, request_id: int, number: int) -> bool:
    """Reminder ``number`` (1-based) for an open request, once. False when nothing was due."""
    with transaction.atomic():
        request = PaymentRequest.objects.select_for_update().select_related("order").filter(pk=request_id).first()
        if request is None or request.status != PaymentRequestStatus.OPEN or number <= request.reminders_sent:
            return False
        if number > len(request.reminder_days) or request.expires_at <= timezone.now():
            return False
        order = request.order
        notify(
            kind=MessageKind.PAYMENT_REMINDER,
            recipient=order.email,
            language=order.language,
            context={**payment_request_context(order, request), "reminder": number},
            dedupe_key=f"payment-request:{request.pk}:reminder:{number}",
        )
        request.reminders_sent = number
        request.save(update_fields=["reminders_sent"])
    return True


def due_reminders(*, now=None) -> list[tuple[int, int]]:
    """(request id, reminder number) of reminders whose day has come but that were not sent (sweeper)."""
    now = now or timezone.now()
    due = []
    for request in PaymentRequest.objects.filter(status=PaymentRequestStatus.OPEN, expires_at__gt=now).only(
        "pk", "created_at", "reminder_days", "reminders_sent"
    ):
        for number, days in enumerate(request.reminder_days, start=1):
            if number > request.reminders_sent and request.created_at + timedelta(days=days) <= now:
                due.append((request.pk, number))
    return due


def expire_payment_request(*, request_id: int, now=None) -> PaymentRequest | None:
    """Close an open request whose time is up and release the order's fulfilment hold. Returns the
    request if this call expired it (the caller then undoes the edit and tells the merchant), else None."""
    now = now or timezone.now()
    with transaction.atomic():
        order_id = PaymentRequest.objects.filter(pk=request_id).values_list("order_id", flat=True).first()
        if order_id is None:
            return None
        order = lock_order(Order(pk=order_id))
        request = PaymentRequest.objects.select_for_update().get(pk=request_id)
        if request.status != PaymentRequestStatus.OPEN or request.expires_at > now:
            return None
        request.status = PaymentRequestStatus.EXPIRED
        request.save(update_fields=["status"])
        order.on_fulfillment_hold = False
        save_change(order, ["on_fulfillment_hold"])  # content, not bookkeeping: the hold goes, the edit may be undone
        events.payment_request_expired_event(order=order, request=request)
    return request


def overdue_request_ids(*, now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        PaymentRequest.objects.filter(status=PaymentRequestStatus.OPEN, expires_at__lte=now).values_list(
            "pk", flat=True
        )[:500]
    )


# --- checkout ------------------------------------------------------------------------------------------


def checkout_order(
    *,
    card_number: str,
    attempt_key: str,
    use_store_credit: bool = False,
    actor: User | None = None,
    **order: Unpack[OrderRequest],
) -> Order:
    """Place the order (``place_order``: account, prices, tax, stock, edit window and hold, confirmation)
    and pay for it, all or nothing: a declined card leaves no order, no stock taken and no email.

    ``attempt_key`` comes from the checkout form, so a double-submitted form charges the card once.
    """
    with transaction.atomic():
        placed = place_order(**order, actor=actor, issue_invoice=False)
        remaining = placed.total
        if use_store_credit and actor is not None and actor.pk == placed.customer_id:
            spent = spend_store_credit(
                order=placed,
                amount=remaining,
                idempotency_key=f"checkout-{attempt_key}-credit",
                source=MoneySource.CHECKOUT,
                actor=actor,
            )
            remaining -= spent.amount if spent else ZERO
        if remaining > 0:
            if not card_number:
                raise PaymentError(_("Enter a card number."), fields={"card_number": [_("This field is required.")]})
            take_card_payment(
                order=placed,
                amount=remaining,
                card_number=card_number,
                idempotency_key=f"checkout-{attempt_key}",
                source=MoneySource.CHECKOUT,
                actor=actor,
            )
        placed.refresh_from_db()
        # Last, once the card said yes: the invoice counter is locked from here until this commits.
        invoice_new_order(
            order=placed,
            lines=list(placed.lines.order_by("position", "pk")),
            actor_kind=order.get("actor_kind", ActorKind.CUSTOMER),
            actor=actor,
        )
    return placed
