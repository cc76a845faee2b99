"""Every change to a draft order, and placing it.

Each service locks the draft's row, refuses a placed one, saves with ``update_fields`` and bumps
``DraftOrder.version``; nothing here prices anything (a draft's totals are quoted by ``selectors.quote_draft``
from the same ``orders`` pricing as checkout) or touches stock. ``place_draft`` hands the draft to
``orders.place_order`` (prices, tax, stock, the order's timeline) and then either asks for the money with a
Pay now request (``request_balance_payment``) or records it as taken elsewhere; the draft's row lock makes
two simultaneous placings one order.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Address, User
from accounts.services import get_or_create_customer, normalize_email
from core.errors import ApplicationError
from core.money import ZERO, quantize
from core.reasons import Reason, ReasonCode
from drafts.constants import DiscountKind, DraftStatus, Payment
from drafts.errors import DraftConflict, DraftError
from drafts.models import DraftLine, DraftOrder
from orders.constants import ActorKind
from orders.models import Order
from orders.services import (
    MAX_LINE_QUANTITY,
    LineRequest,
    StaffDiscount,
    place_order,
    record_payment_elsewhere,
    request_balance_payment,
)
from orders.services.refund_limits import MANAGERS_GROUP, check_refund_limit
from storefront.models import PickupLocation, ShippingMethod, StoreSettings, Variant


def _lock(draft_id: int) -> DraftOrder:
    """The draft's row under ``FOR UPDATE``, refused once placed (the caller is inside a transaction)."""
    draft = DraftOrder.objects.select_for_update(of=("self",)).select_related("order").filter(pk=draft_id).first()
    if draft is None:
        raise DraftError(_("This draft order no longer exists."), code="draft_gone")
    if not draft.is_open():
        raise DraftConflict(
            _("Draft %(draft)s was already placed as order #%(number)s.")
            % {"draft": draft.number, "number": draft.order.number if draft.order else "?"},
            code="draft_placed",
        )
    return draft


def _save(draft: DraftOrder, fields: list[str], actor: User) -> DraftOrder:
    draft.version += 1
    draft.updated_by = actor
    draft.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    return draft


def may_record_payments(user: User) -> bool:
    """Marking money as received lets the goods ship without our gateway seeing it: managers only."""
    return user.is_superuser or user.groups.filter(name=MANAGERS_GROUP).exists()


# --- customer -----------------------------------------------------------------------------------------


def create_draft(
    *, actor: User, customer_id: int | None = None, email: str = "", name: str = "", language: str = ""
) -> DraftOrder:
    """A new draft for an existing shopper (``customer_id``) or for an email, whose account is made now
    (as ``place_order`` would make it) with the name and language given."""
    if customer_id is not None:
        customer = User.objects.filter(pk=customer_id, is_staff=False, is_active=True).first()
        if customer is None:
            raise DraftError(_("Choose a customer."), code="unknown_customer", fields={"customer": [_("Not found.")]})
        return DraftOrder.objects.create(customer=customer, created_by=actor, updated_by=actor)
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise DraftError(
            _("Enter a valid email address."), code="bad_email", fields={"email": [_("Enter a valid email address.")]}
        ) from None
    if language and language not in dict(settings.LANGUAGES):
        raise DraftError(_("Choose a language."), code="bad_language", fields={"language": [_("Choose a language.")]})
    if User.objects.filter(email=email, is_staff=True).exists():
        raise DraftError(
            _("This email belongs to a staff account."),
            code="staff_email",
            fields={"email": [_("Use the customer's own email.")]},
        )
    with transaction.atomic():
        customer = get_or_create_customer(email=email, name=name.strip()[:200], language=language)
        return DraftOrder.objects.create(customer=customer, created_by=actor, updated_by=actor)


# --- lines --------------------------------------------------------------------------------------------


def _check_quantity(quantity: int, field: str) -> None:
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise DraftError(
            _("Quantities must be between 1 and %(max)s.") % {"max": MAX_LINE_QUANTITY},
            code="bad_quantity",
            fields={field: [_("Enter a quantity between 1 and %(max)s.") % {"max": MAX_LINE_QUANTITY}]},
        )


def add_draft_line(*, draft_id: int, variant_id: int, quantity: int, actor: User) -> DraftOrder:
    """Add an item for sale; the same item again adds to its line. No stock is held: placing checks it."""
    _check_quantity(quantity, "quantity")
    with transaction.atomic():
        draft = _lock(draft_id)
        if not Variant.objects.filter(pk=variant_id, product__is_active=True).exists():
            raise DraftError(
                _("This item is not for sale."), code="unknown_variant", fields={"variant": [_("Not for sale.")]}
            )
        line = DraftLine.objects.filter(draft=draft, variant_id=variant_id).first()
        if line is None:
            DraftLine.objects.create(draft=draft, variant_id=variant_id, quantity=quantity)
        else:
            _check_quantity(line.quantity + quantity, "quantity")
            DraftLine.objects.filter(pk=line.pk).update(quantity=F("quantity") + quantity)
        return _save(draft, [], actor)


def set_draft_quantity(*, draft_id: int, line_id: int, quantity: int, actor: User) -> DraftOrder:
    """A line's new quantity; 0 removes it."""
    if quantity != 0:
        _check_quantity(quantity, f"line_{line_id}")
    with transaction.atomic():
        draft = _lock(draft_id)
        lines = DraftLine.objects.filter(draft=draft, pk=line_id)
        if not (lines.delete()[0] if quantity == 0 else lines.update(quantity=quantity)):
            raise DraftError(_("This line is no longer on the draft."), code="unknown_line")
        return _save(draft, [], actor)


# --- destination and discount -------------------------------------------------------------------------


def choose_draft_address(*, draft_id: int, address_id: int, actor: User) -> DraftOrder:
    """Ship to an address from the customer's own book (a snapshot: later changes to the book don't move it)."""
    with transaction.atomic():
        draft = _lock(draft_id)
        address = Address.objects.filter(pk=address_id, user_id=draft.customer_id).first()
        if address is None:
            raise DraftError(
                _("Choose one of the customer's addresses."),
                code="unknown_address",
                fields={"address": [_("Not in this customer's address book.")]},
            )
        draft.address_id, draft.shipping_address = address.pk, address.as_snapshot()
        return _save(draft, ["address_id", "shipping_address"], actor)


def choose_draft_delivery(
    *, draft_id: int, actor: User, shipping_method_id: int | None = None, pickup_location_id: int | None = None
) -> DraftOrder:
    """A shipping method or a pickup place (one of them), among those on offer."""
    if (shipping_method_id is None) == (pickup_location_id is None):
        raise DraftError(
            _("Choose a shipping method or a pickup location."),
            code="no_delivery",
            fields={"delivery": [_("Choose one way to receive the order.")]},
        )
    with transaction.atomic():
        draft = _lock(draft_id)
        method = pickup = None
        if shipping_method_id is not None:
            method = ShippingMethod.objects.filter(pk=shipping_method_id, is_active=True).first()
        if pickup_location_id is not None:
            pickup = PickupLocation.objects.filter(pk=pickup_location_id, is_active=True).first()
        if method is None and pickup is None:
            raise DraftError(
                _("That delivery option is not available."),
                code="unknown_delivery",
                fields={"delivery": [_("Not available.")]},
            )
        draft.shipping_method, draft.pickup_location = method, pickup
        return _save(draft, ["shipping_method", "pickup_location"], actor)


def staff_discount(draft: DraftOrder) -> StaffDiscount | None:
    """The draft's discount as ``place_order`` takes it."""
    if draft.discount_kind == DiscountKind.PERCENT:
        return StaffDiscount(percent=draft.discount_value, reason=draft.reason)
    if draft.discount_kind == DiscountKind.AMOUNT:
        return StaffDiscount(amount=draft.discount_value, reason=draft.reason)
    return None


def set_draft_discount(*, draft_id: int, kind: str, value: Decimal | None, reason: Reason, actor: User) -> DraftOrder:
    """A percentage (up to 100) or an amount off the goods, with a reason; ``kind`` "" takes it away. A support
    agent's amount is held to their refund limit here, and the discount as placed again by ``place_draft``."""
    currency = StoreSettings.load().currency
    if kind == DiscountKind.NONE:
        value, reason = ZERO, Reason()
    elif kind not in (DiscountKind.PERCENT, DiscountKind.AMOUNT):
        raise DraftError(
            _("Choose a kind of discount."), code="bad_discount", fields={"discount_kind": [_("Choose one.")]}
        )
    else:
        value = quantize(value or ZERO, currency) if kind == DiscountKind.AMOUNT else (value or ZERO)
        top = Decimal(100) if kind == DiscountKind.PERCENT else Decimal("9999999999")
        if not ZERO < value <= top:
            message = (
                _("Enter a percentage above 0 and up to 100.")
                if kind == DiscountKind.PERCENT
                else _("Enter an amount above zero.")
            )
            raise DraftError(message, code="bad_discount", fields={"discount_value": [message]})
        if not reason.code:
            raise DraftError(
                _("Say why the discount is given."),
                code="no_discount_reason",
                fields={"reason": [_("Choose a reason.")]},
            )
        if reason.code == ReasonCode.OTHER and not reason.note:
            raise DraftError(
                _("Say why in a note."), code="no_discount_reason", fields={"note": [_("Say why in a note.")]}
            )
        if kind == DiscountKind.AMOUNT:
            _check_limit(actor, value)
    with transaction.atomic():
        draft = _lock(draft_id)
        draft.discount_kind, draft.discount_value, draft.reason = kind, value, reason
        return _save(draft, ["discount_kind", "discount_value", "reason_code", "reason_note"], actor)


def _check_limit(actor: User, amount: Decimal) -> None:
    """A discount is money given: a support agent gives at most their refund limit (orders.refund_limits)."""
    try:
        check_refund_limit(actor, amount)
    except ApplicationError as error:
        raise DraftError(str(error.message), code=error.code, fields={"discount_value": [str(error.message)]}) from None


def discard_draft(*, draft_id: int, actor: User) -> None:
    """Delete an open draft (nothing of it was ever an order)."""
    with transaction.atomic():
        draft = _lock(draft_id)
        draft.delete()


# --- placing ------------------------------------------------------------------------------------------


def place_draft(
    *,
    draft_id: int,
    version: int,
    actor: User,
    payment: str,
    due_days: int | None = None,
    message: str = "",
    reference: str = "",
) -> Order:
    """Place the draft as an order, against the ``version`` staff saw (its totals), then ask for the money.

    ``payment`` LINK: ``place_order`` (confirmation email), then a Pay now request for the whole balance,
    emailed in the customer's language with staff's ``message``; the order waits unpaid (held from the
    warehouse) until the shopper pays. ELSEWHERE (managers): the balance is recorded as paid another way,
    ``reference`` kept on the payment. One transaction: a refusal (stock, an address the method doesn't
    ship to, a discount above an agent's limit) leaves no order and the draft as it was.
    """
    if payment not in Payment.values:
        raise DraftError(_("Choose how the order is paid."), code="bad_payment", fields={"payment": [_("Choose one.")]})
    if payment == Payment.ELSEWHERE and not may_record_payments(actor):
        raise DraftError(
            _("Only managers can record a payment taken elsewhere."),
            code="not_allowed",
            fields={"reference": [_("Send a payment link instead.")]},
        )
    with transaction.atomic():
        draft = _lock(draft_id)
        if draft.version != version:
            raise DraftConflict(_("The draft changed since you opened it: check the totals again."))
        lines = [LineRequest(variant_id=line.variant_id, quantity=line.quantity) for line in draft.lines.all()]
        customer = User.objects.select_related("profile").get(pk=draft.customer_id)
        profile = getattr(customer, "profile", None)
        order = place_order(
            email=customer.email,
            lines=lines,
            shipping_address=draft.shipping_address if draft.shipping_method_id else None,
            shipping_method=draft.shipping_method,
            pickup_location=draft.pickup_location,
            language=(profile.language if profile else "") or settings.LANGUAGE_CODE,
            name=profile.name if profile else "",
            vat_id=profile.vat_id if profile else "",
            actor_kind=ActorKind.STAFF,
            actor=actor,
            staff_discount=staff_discount(draft),
            draft_id=draft.pk,
        )
        if order.discount_total:
            _check_limit(actor, order.discount_total)
        draft.status, draft.order = DraftStatus.PLACED, order
        _save(draft, ["status", "order"], actor)
        if payment == Payment.LINK:
            request_balance_payment(
                order_id=order.pk,
                actor_kind=ActorKind.STAFF,
                actor=actor,
                due_days=due_days,
                reason=Reason(ReasonCode.BALANCE_DUE, message),
            )
        elif order.position.balance_due > 0:
            record_payment_elsewhere(order_id=order.pk, actor=actor, reference=reference, note=message)
        order.refresh_from_db()
    return order


def record_draft_payment(*, draft_id: int, actor: User, reference: str = "", note: str = "") -> Order:
    """A placed draft's balance paid another way after its link was sent (managers); a shopper paying the
    link at the same moment pays nothing twice (``record_payment_elsewhere`` withdraws the request under the
    order's lock)."""
    if not may_record_payments(actor):
        raise DraftError(
            _("Only managers can record a payment taken elsewhere."),
            code="not_allowed",
            fields={"reference": [_("Only managers can do this.")]},
        )
    draft = DraftOrder.objects.filter(pk=draft_id).first()
    if draft is None or draft.order_id is None:
        raise DraftError(_("Place the draft first."), code="not_placed")
    record_payment_elsewhere(order_id=draft.order_id, actor=actor, reference=reference, note=note)
    return Order.objects.get(pk=draft.order_id)
