"""Placing an order: the lines a shopper or an integration asks for (``LineRequest``), pricing them with
shipping and tax (``price_order``, the checkout's summary ``quote_order``), and ``place_order``, which
creates the order with its shopper's account, takes the stock, sets the edit window and fulfilment hold,
and queues the confirmation (``order_confirmation_context``). Paying for it is ``payments.checkout_order``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Required, TypedDict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import CustomerProfile, User
from accounts.services import get_or_create_customer, validate_vat_id
from core.money import ZERO
from notifications.constants import MessageKind
from notifications.services import notify
from orders import events, quotes
from orders.calculations import Totals
from orders.constants import ActorKind, RiskLevel
from orders.email_names import item_title
from orders.errors import OrderError
from orders.lines import new_order_line
from orders.models import Order, OrderLine
from orders.services.discounts import StaffDiscount, check_staff_discount, resolve_discount_code
from orders.services.invoicing import invoice_new_order
from orders.services.kernel import refresh_statuses, track_owing
from orders.status_links import invoice_path, status_path
from storefront.countries import is_known_country, unknown_country_message
from storefront.models import PickupLocation, ShippingMethod, StoreSettings, Variant
from storefront.pricing import CustomerPricing
from storefront.selectors import tax_rate_for

MAX_LINE_QUANTITY = 999


@dataclass(frozen=True)
class LineRequest:
    variant_id: int
    quantity: int
    customization: str = ""
    free: bool = False  # a gift line at price 0


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


def _check_country(country: str, shipping_method: ShippingMethod | None) -> None:
    """Refuse a destination that is no country: it would be taxed at zero and shipped at the catch-all rate."""
    field = "shipping_address.country" if shipping_method is not None else "pickup_location"
    if not country:
        raise OrderError(
            _("A shipping address with a country is required."),
            code="no_address",
            fields={field: [_("This field is required.")]},
        )
    if not is_known_country(country):
        message = unknown_country_message(country)
        raise OrderError(message, code="unknown_country", fields={field: [message]})


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
    discount_amount: Decimal = ZERO,
) -> PricedOrder:
    """Lines, shipping (rated for the destination) and tax of an order to be placed: one function for the
    checkout's summary and for ``place_order``, so what the shopper is shown is what they are charged."""
    _check_country(country, shipping_method)
    ctx = quotes.PricingContext(
        currency=currency,
        prices_include_tax=prices_include_tax,
        customer=pricing,
        discount_percent=discount_percent,
        tax_rate=tax_rate_for(country=country, region=region),
        discount_amount=discount_amount,
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
    staff_discount: StaffDiscount | None = None,
) -> PricedOrder:
    """What ``place_order`` would charge now (the checkout's summary, a draft's totals). Reads only; raises
    like it."""
    _validate_lines(lines)
    staff_discount = check_staff_discount(staff_discount, discount_code)
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
        group_discount_percent=profile.group.discount_percent if profile and profile.group else ZERO,
        tax_exempt=bool(profile and profile.tax_exempt),
    )
    address = shipping_address or {}
    return price_order(
        lines=lines,
        variants=variants,
        currency=store.currency,
        prices_include_tax=store.prices_include_tax,
        pricing=pricing,
        discount_percent=staff_discount.percent if staff_discount else resolve_discount_code(discount_code),
        discount_amount=staff_discount.amount if staff_discount else ZERO,
        country=str(address.get("country") or (pickup_location.country if pickup_location else "")),
        region=address.get("region", "") if shipping_method else "",
        shipping_method=shipping_method,
    )


class OrderRequest(TypedDict, total=False):
    """``place_order``'s keywords but ``actor``: what ``payments.checkout_order`` passes on to it."""

    email: Required[str]
    lines: Required[list[LineRequest]]
    shipping_address: dict | None
    billing_address: dict | None
    shipping_method: ShippingMethod | None
    pickup_location: PickupLocation | None
    discount_code: str
    language: str
    name: str
    vat_id: str
    risk_level: str
    external_id: str
    placed_at: datetime | None
    actor_kind: ActorKind
    send_confirmation: bool
    staff_discount: StaffDiscount | None
    draft_id: int | None


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
    vat_id: str = "",
    risk_level: str = RiskLevel.LOW,
    external_id: str = "",
    placed_at: datetime | None = None,
    actor_kind: ActorKind = ActorKind.CUSTOMER,
    actor: User | None = None,
    send_confirmation: bool = True,
    staff_discount: StaffDiscount | None = None,
    draft_id: int | None = None,
    issue_invoice: bool = True,
) -> Order:
    """Price, rate and tax an order, take its stock, and create it with its shopper's account. ``vat_id``: the
    buyer's EU VAT number, kept on the order (refused unless valid; stored in compact form).
    ``staff_discount`` (staff placing a draft, ``draft_id``): kept on the order and in its placed event.

    ``issue_invoice``: issue its invoice as the last step (``checkout_order`` passes False and issues it
    after the charge, so the invoice counter is not held while the card is charged)."""
    _validate_lines(lines)
    staff_discount = check_staff_discount(staff_discount, discount_code)
    vat_id = validate_vat_id(vat_id)
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
    discount_percent = staff_discount.percent if staff_discount else resolve_discount_code(discount_code)
    discount_amount = staff_discount.amount if staff_discount else ZERO
    shipping_address = dict(shipping_address or {})
    country = str(shipping_address.get("country") or (pickup_location.country if pickup_location else ""))
    region = shipping_address.get("region", "") if shipping_method else ""
    placed_at = placed_at or timezone.now()

    with transaction.atomic():
        customer = get_or_create_customer(email=email, name=name or shipping_address.get("name", ""), language=language)
        profile = customer.profile
        pricing = CustomerPricing(
            group_discount_percent=profile.group.discount_percent if profile.group else ZERO,
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
                    ngettext(
                        "Only %(stock)s of %(item)s left in stock.",
                        "Only %(stock)s of %(item)s left in stock.",
                        variant.stock,
                    )
                    % {"stock": variant.stock, "item": variant},
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
            discount_amount=discount_amount,
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
            fixed_discount=discount_amount,
            prices_include_tax=store.prices_include_tax,
            tax_exempt=pricing.tax_exempt,
            vat_id=vat_id,
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
            # or it would never ship; edits then stop at whatever has shipped), and an order from
            # another system, which arrives unpaid, until it is paid if the store says so.
            on_fulfillment_hold=(window is not None and placed_at + timedelta(minutes=window) > timezone.now())
            or bool(external_id and store.hold_unpaid_orders),
            external_id=external_id,
        )
        order_lines = [
            new_order_line(
                order=order,
                variant=variants[line.variant_id],
                quantity=line.quantity,
                priced=line_input,
                amounts=amounts,
                position=position,
                customization=line.customization,
                free=line.free,
            )
            for position, (line, line_input, amounts) in enumerate(zip(lines, line_inputs, totals.lines, strict=True))
        ]
        refresh_statuses(order=order, lines=order_lines)
        track_owing(order, new=True)
        order.save()
        OrderLine.objects.bulk_create(order_lines)
        for variant_id, quantity in wanted.items():
            if variants[variant_id].track_inventory:
                Variant.objects.filter(pk=variant_id).update(stock=F("stock") - quantity)
        events.order_placed_event(
            order=order,
            line_count=len(order_lines),
            actor_kind=actor_kind,
            actor=actor,
            draft_id=draft_id,
            staff_discount=staff_discount.as_data() if staff_discount else None,
        )
        if send_confirmation and store.send_order_confirmation:  # the caller's and the merchant's switch
            notify(
                kind=MessageKind.ORDER_CONFIRMATION,
                recipient=order.email,
                language=order.language,
                context=order_confirmation_context(order, order_lines),
                dedupe_key=f"order:{order.pk}:confirmation",
            )
        if issue_invoice:
            invoice_new_order(order=order, lines=order_lines, actor_kind=actor_kind, actor=actor)
    return order


def order_confirmation_context(order: Order, lines: list[OrderLine]) -> dict:
    return {
        "order_number": order.number,
        "status_url": settings.SITE_URL + status_path(order.number),
        # Issued in the same transaction as the order (orders.services.invoicing), so the link works once sent.
        "invoice_url": settings.SITE_URL + invoice_path(order.number),
        "currency": order.currency,
        "total": str(order.total),
        "lines": [
            {
                "name": item_title(line.product_name, line.variant_name),  # the record; renamed as the email's
                "variant_id": line.variant_id,  # language reads it when it is sent (orders.email_names)
                "quantity": line.quantity,
                "total": str(line.total),
            }
            for line in lines
        ],
    }
