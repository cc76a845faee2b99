"""Every state change of an order. Each follows DESIGN.md's template:
guard → atomic → lock (primary-key order) → save(update_fields) → event → on_commit → return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import CustomerProfile, User
from accounts.services import get_or_create_customer
from core.money import ZERO, quantize
from notifications.constants import MessageKind
from notifications.services import notify
from orders import events, quotes
from orders.calculations import Totals
from orders.constants import (
    ActorKind,
    MoneySource,
    RiskLevel,
    TransactionKind,
)
from orders.errors import OrderError
from orders.models import Order, OrderLine, Transaction
from orders.services.kernel import lock_order, record_money, refresh_statuses, save_change
from orders.status_links import status_path
from storefront.models import DiscountCode, PickupLocation, ShippingMethod, StoreSettings, Variant
from storefront.pricing import CustomerPricing
from storefront.selectors import tax_rate_for

MAX_LINE_QUANTITY = 999


@dataclass(frozen=True)
class LineRequest:
    variant_id: int
    quantity: int
    customization: str = ""
    free: bool = False  # a gift line at price 0


# --- staff review -----------------------------------------------------------------------------


def review_order(*, order: Order, tags: list[str], risk_level: str, actor: User) -> Order:
    """Staff set the order's tags and risk. A change bumps the version, like any other: the shopper's
    cached pages and the edit rules (a high risk stops shopper edits) follow at once. No change, no write."""
    with transaction.atomic():
        order = lock_order(order)
        changes = {
            field: {"from": getattr(order, field), "to": value}
            for field, value in (("tags", list(dict.fromkeys(tags))), ("risk_level", risk_level))
            if getattr(order, field) != value
        }
        if not changes:
            return order
        for field, change in changes.items():
            setattr(order, field, change["to"])
        save_change(order, list(changes))
        events.order_reviewed_event(order=order, changes=changes, actor=actor)
    return order


# --- placing --------------------------------------------------------------------------------


def _next_order_number() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq')")
        return cursor.fetchone()[0]


def _validate_lines(lines: list[LineRequest]) -> None:
    if not lines:
        raise OrderError(_("An order needs at least one item."), code="no_lines", fields={"lines": [_("Add an item.")]})
    for index, line in enumerate(lines):
        if not 1 <= line.quantity <= MAX_LINE_QUANTITY:
            raise OrderError(
                _("Quantities must be between 1 and %(max)s.") % {"max": MAX_LINE_QUANTITY},
                code="bad_quantity",
                fields={
                    f"lines.{index}.quantity": [
                        _("Enter a quantity between 1 and %(max)s.") % {"max": MAX_LINE_QUANTITY}
                    ]
                },
            )


def _resolve_discount(code: str) -> Decimal:
    if not code:
        return ZERO
    discount = DiscountCode.objects.filter(code__iexact=code.strip(), is_active=True).first()
    if discount is None:
        raise OrderError(
            _("This discount code is not valid."),
            code="bad_discount_code",
            fields={"discount_code": [_("Unknown or expired code.")]},
        )
    return discount.percent


@dataclass(frozen=True)
class PricedOrder:
    lines: list
    totals: Totals
    shipping_tax_rate: Decimal


def price_order(
    *,
    lines: list[LineRequest],
    variants: dict[int, Variant],
    currency: str,
    prices_include_tax: bool,
    pricing: CustomerPricing,
    discount_percent: Decimal,
    country: str,
    region: str,
    shipping_method: ShippingMethod | None,
) -> PricedOrder:
    """Lines, shipping (rated for the destination) and tax of an order to be placed: one function for the
    checkout's summary and for ``place_order``, so what the shopper is shown is what they are charged."""
    ctx = quotes.PricingContext(
        currency=currency,
        prices_include_tax=prices_include_tax,
        customer=pricing,
        discount_percent=discount_percent,
        tax_rate=tax_rate_for(country=country, region=region),
    )
    line_inputs = [
        quotes.price_line(
            price=ZERO if line.free else variants[line.variant_id].price,
            quantity=line.quantity,
            discountable=not (line.free or variants[line.variant_id].is_fee),
            ctx=ctx,
        )
        for line in lines
    ]
    shipping_price, shipping_tax_rate = ZERO, ZERO
    if shipping_method is not None:
        rated = quotes.rate_shipping(
            method=shipping_method,
            country=country,
            lines=line_inputs,
            weight_grams=sum(variants[line.variant_id].weight_grams * line.quantity for line in lines),
            ctx=ctx,
        )
        if rated is None:
            raise OrderError(
                _("%(method)s does not ship to this address.") % {"method": shipping_method.name},
                code="no_shipping_rate",
                fields={"shipping_method": [_("Not available for this address.")]},
            )
        shipping_price, shipping_tax_rate = rated
    totals = quotes.total(line_inputs, ctx=ctx, shipping=shipping_price, shipping_tax_rate=shipping_tax_rate)
    return PricedOrder(lines=line_inputs, totals=totals, shipping_tax_rate=shipping_tax_rate)


def quote_order(
    *,
    email: str,
    lines: list[LineRequest],
    shipping_address: dict | None = None,
    shipping_method: ShippingMethod | None = None,
    pickup_location: PickupLocation | None = None,
    discount_code: str = "",
) -> PricedOrder:
    """What ``place_order`` would charge now (the checkout's summary). Reads only; raises like it."""
    _validate_lines(lines)
    store = StoreSettings.load()
    variants = (
        Variant.objects.select_related("product")
        .filter(pk__in={line.variant_id for line in lines}, product__is_active=True)
        .in_bulk()
    )
    for index, line in enumerate(lines):
        if line.variant_id not in variants:
            raise OrderError(
                _("This item is not for sale."),
                code="unknown_variant",
                fields={f"lines.{index}.variant": [_("Not for sale.")]},
            )
    profile = CustomerProfile.objects.select_related("group").filter(user__email=email.strip().lower()).first()
    pricing = CustomerPricing(
        group_discount_percent=profile.group.discount_percent if profile and profile.group_id else ZERO,
        tax_exempt=bool(profile and profile.tax_exempt),
    )
    address = shipping_address or {}
    return price_order(
        lines=lines,
        variants=variants,
        currency=store.currency,
        prices_include_tax=store.prices_include_tax,
        pricing=pricing,
        discount_percent=_resolve_discount(discount_code),
        country=str(address.get("country") or (pickup_location.country if pickup_location else "")),
        region=address.get("region", "") if shipping_method else "",
        shipping_method=shipping_method,
    )


def place_order(
    *,
    email: str,
    lines: list[LineRequest],
    shipping_address: dict | None = None,
    billing_address: dict | None = None,
    shipping_method: ShippingMethod | None = None,
    pickup_location: PickupLocation | None = None,
    discount_code: str = "",
    language: str = "en",
    name: str = "",
    risk_level: str = RiskLevel.LOW,
    external_id: str = "",
    placed_at: datetime | None = None,
    actor_kind: ActorKind = ActorKind.CUSTOMER,
    actor: User | None = None,
    send_confirmation: bool = True,
) -> Order:
    """Price, rate and tax an order, take its stock, and create it with its shopper's account."""
    _validate_lines(lines)
    if (shipping_method is None) == (pickup_location is None):
        raise OrderError(
            _("Choose a shipping method or a pickup location."),
            code="no_delivery",
            fields={"shipping_method": [_("Choose one way to receive the order.")]},
        )
    if shipping_method is not None and not (shipping_address or {}).get("country"):
        raise OrderError(
            _("A shipping address with a country is required."),
            code="no_address",
            fields={"shipping_address.country": [_("This field is required.")]},
        )
    store = StoreSettings.load()
    currency = store.currency
    discount_percent = _resolve_discount(discount_code)
    shipping_address = dict(shipping_address or {})
    country = str(shipping_address.get("country") or pickup_location.country)
    region = shipping_address.get("region", "") if shipping_method else ""
    placed_at = placed_at or timezone.now()

    with transaction.atomic():
        customer = get_or_create_customer(email=email, name=name or shipping_address.get("name", ""), language=language)
        profile = customer.profile
        pricing = CustomerPricing(
            group_discount_percent=profile.group.discount_percent if profile.group_id else ZERO,
            tax_exempt=profile.tax_exempt,
        )
        wanted: dict[int, int] = {}
        for line in lines:
            wanted[line.variant_id] = wanted.get(line.variant_id, 0) + line.quantity
        # Lock in primary-key order so concurrent orders for the same variants can't deadlock.
        variants = {
            v.pk: v
            for v in Variant.objects.select_for_update(of=("self",))
            .select_related("product")
            .filter(pk__in=sorted(wanted), product__is_active=True)
            .order_by("pk")
        }
        for index, line in enumerate(lines):
            variant = variants.get(line.variant_id)
            if variant is None:
                raise OrderError(
                    _("This item is not for sale."),
                    code="unknown_variant",
                    fields={f"lines.{index}.variant": [_("Not for sale.")]},
                )
            if not variant.in_stock(wanted[variant.pk]):
                raise OrderError(
                    _("Only %(stock)s of %(item)s left in stock.") % {"stock": variant.stock, "item": variant},
                    code="out_of_stock",
                    fields={f"lines.{index}.quantity": [_("Not enough stock.")]},
                )

        priced = price_order(
            lines=lines,
            variants=variants,
            currency=currency,
            prices_include_tax=store.prices_include_tax,
            pricing=pricing,
            discount_percent=discount_percent,
            country=country,
            region=region,
            shipping_method=shipping_method,
        )
        line_inputs, totals, shipping_tax_rate = priced.lines, priced.totals, priced.shipping_tax_rate
        window = store.edit_window_minutes
        order = Order(
            number=_next_order_number(),
            customer=customer,
            email=customer.email,
            currency=currency,
            language=language,
            shipping_address=shipping_address if shipping_method else {},
            billing_address=dict(billing_address or shipping_address),
            shipping_method=shipping_method,
            shipping_method_name=shipping_method.name if shipping_method else "",
            pickup_location=pickup_location,
            discount_code=discount_code.strip().upper(),
            discount_percent=discount_percent,
            prices_include_tax=store.prices_include_tax,
            tax_exempt=pricing.tax_exempt,
            subtotal=totals.subtotal,
            discount_total=totals.discount,
            shipping_total=totals.shipping,
            shipping_tax_rate=shipping_tax_rate,
            tax_total=totals.tax,
            total=totals.total,
            risk_level=risk_level,
            placed_at=placed_at,
            edit_window_ends_at=placed_at + timedelta(minutes=window) if window else None,
            # Held back from the warehouse while the shopper may still change it (no limit: no hold,
            # or it would never ship; edits then stop at whatever has shipped).
            on_fulfillment_hold=window is not None and placed_at + timedelta(minutes=window) > timezone.now(),
            external_id=external_id,
        )
        with translation.override(language):
            order_lines = [
                OrderLine(
                    order=order,
                    variant=variants[line.variant_id],
                    product_name=variants[line.variant_id].product.name,
                    variant_name=variants[line.variant_id].name,
                    sku=variants[line.variant_id].sku,
                    options=variants[line.variant_id].options,
                    quantity=line.quantity,
                    unit_price=line_input.unit_price,
                    tax_rate=line_input.tax_rate,
                    subtotal=amounts.subtotal,
                    discount_amount=amounts.discount,
                    tax_amount=amounts.tax,
                    total=amounts.total,
                    is_free=line.free or line_input.unit_price == 0,
                    is_fee=variants[line.variant_id].is_fee,
                    customization=line.customization.strip(),
                    position=position,
                )
                for position, (line, line_input, amounts) in enumerate(
                    zip(lines, line_inputs, totals.lines, strict=True)
                )
            ]
        refresh_statuses(order=order, lines=order_lines)
        order.save()
        OrderLine.objects.bulk_create(order_lines)
        for variant_id, quantity in wanted.items():
            if variants[variant_id].track_inventory:
                Variant.objects.filter(pk=variant_id).update(stock=F("stock") - quantity)
        events.order_placed_event(order=order, line_count=len(order_lines), actor_kind=actor_kind, actor=actor)
        if send_confirmation:
            notify(
                kind=MessageKind.ORDER_CONFIRMATION,
                recipient=order.email,
                language=order.language,
                context=order_confirmation_context(order, order_lines),
                dedupe_key=f"order:{order.pk}:confirmation",
            )
    return order


def order_confirmation_context(order: Order, lines: list[OrderLine]) -> dict:
    return {
        "order_number": order.number,
        "status_url": settings.SITE_URL + status_path(order.number),
        "currency": order.currency,
        "total": str(order.total),
        "lines": [
            {
                "name": f"{line.product_name} – {line.variant_name}" if line.variant_name else line.product_name,
                "quantity": line.quantity,
                "total": str(line.total),
            }
            for line in lines
        ],
    }


# --- money already moved (recorded facts: the gateway jobs of the money-movement issue call these) ---


def _positive(amount: Decimal, currency: str, message: str) -> Decimal:
    amount = quantize(amount, currency)
    if amount <= 0:
        raise OrderError(message, code="bad_amount", fields={"amount": [_("Must be positive.")]})
    return amount


def record_payment(
    *,
    order: Order,
    amount: Decimal,
    idempotency_key: str,
    gateway: str = "manual",
    gateway_reference: str = "",
    source: MoneySource = MoneySource.CHECKOUT,
    actor_kind: ActorKind = ActorKind.SYSTEM,
    actor: User | None = None,
) -> Transaction:
    """Record money captured for an order. Recording the same key twice records it once.

    ``gateway`` "manual": taken outside Aftersale (an import, a bank transfer); refunds of it go back by hand.
    """
    amount = _positive(amount, order.currency, _("A payment must be more than zero."))
    with transaction.atomic():
        order, txn, created = record_money(
            order=order,
            kind=TransactionKind.CHARGE,
            amount=amount,
            idempotency_key=idempotency_key,
            gateway=gateway,
            gateway_reference=gateway_reference,
            source=source,
        )
        if created:
            events.payment_captured_event(order=order, transaction=txn, actor_kind=actor_kind, actor=actor)
    return txn


def record_refund(
    *,
    order: Order,
    amount: Decimal,
    idempotency_key: str,
    gateway: str = "manual",
    gateway_reference: str = "",
    actor_kind: ActorKind = ActorKind.SYSTEM,
    actor: User | None = None,
) -> Transaction:
    """Record money returned to the shopper; never more than was captured and not yet refunded."""
    amount = _positive(amount, order.currency, _("A refund must be more than zero."))
    with transaction.atomic():
        order, txn, created = record_money(
            order=order,
            kind=TransactionKind.REFUND,
            amount=amount,
            idempotency_key=idempotency_key,
            gateway=gateway,
            gateway_reference=gateway_reference,
        )
        if created:
            events.refund_recorded_event(order=order, transaction=txn, actor_kind=actor_kind, actor=actor)
    return txn


# --- closing ---------------------------------------------------------------------------------


def cancel_order(
    *, order: Order, reason: str = "", actor_kind: ActorKind, actor: User | None = None, add_tags: tuple[str, ...] = ()
) -> Order:
    """Cancel an unshipped order and put its stock back. Refunding what was paid is the money issue's job."""
    with transaction.atomic():
        order = lock_order(order)
        if not order.can_cancel():
            raise OrderError(_("This order can no longer be canceled."), code="cannot_cancel")
        lines = list(OrderLine.objects.filter(order=order).order_by("pk"))
        restock = {}
        for line in lines:
            if line.variant_id:
                restock[line.variant_id] = restock.get(line.variant_id, 0) + line.quantity
        for variant_id in sorted(restock):
            Variant.objects.filter(pk=variant_id, track_inventory=True).update(stock=F("stock") + restock[variant_id])
        order.cancelled_at = timezone.now()
        order.on_fulfillment_hold = False
        order.tags = [*order.tags, *(tag for tag in add_tags if tag not in order.tags)]
        save_change(order, ["cancelled_at", "on_fulfillment_hold", "tags", *refresh_statuses(order=order, lines=lines)])
        events.order_cancelled_event(order=order, reason=reason, actor_kind=actor_kind, actor=actor)
    return order


def archive_order(*, order: Order, actor_kind: ActorKind = ActorKind.STAFF, actor: User | None = None) -> Order:
    with transaction.atomic():
        order = lock_order(order)
        if order.archived_at is not None or order.cancelled_at is not None:
            return order
        order.archived_at = timezone.now()
        save_change(order, ["archived_at", *refresh_statuses(order=order)])
        events.order_archived_event(order=order, actor_kind=actor_kind, actor=actor)
    return order


# --- fulfilment hold ----------------------------------------------------------------------------


def release_fulfillment_holds(*, now: datetime | None = None, limit: int = 500) -> int:
    """Hand orders whose edit window has closed to the warehouse. Safe to run twice or in parallel:
    each order is released under its own lock, and locked ones are left for the next run."""
    now = now or timezone.now()
    released = 0
    due = Order.objects.filter(on_fulfillment_hold=True, edit_window_ends_at__lte=now).values_list("pk", flat=True)
    for order_id in list(due.order_by("edit_window_ends_at")[:limit]):
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True).filter(pk=order_id, on_fulfillment_hold=True).first()
            )
            if order is None or order.edit_window_ends_at is None or order.edit_window_ends_at > now:
                continue
            order.on_fulfillment_hold = False
            save_change(order, ["on_fulfillment_hold"])
            events.released_for_fulfillment_event(order=order)
            released += 1
    return released
