"""The edit's plan: the order as the staged changes would leave it, which the preview shows and the commit
writes. ``load_variants`` reads the variants the changes touch (locked, for the commit);
``build_edit`` recalculates lines, totals, shipping and tax for the new destination and checks stock;
``staged_refusal`` finds the first policy rule the staged changes break. Nothing here writes: the
commit recomputes the same plan under the order's lock and never trusts figures from a preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.money import ZERO
from editing import rules
from editing.calculations import CatalogVariant, CurrentLine, EditPlan, plan_lines, price_plan
from editing.eligibility import order_view
from editing.errors import EditError
from editing.staged import StagedChanges
from orders.models import Order, OrderLine
from orders.quotes import PricingContext, rate_shipping
from storefront.countries import is_known_country, unknown_country_message
from storefront.models import PickupLocation, ShippingMethod, Variant
from storefront.pricing import CustomerPricing
from storefront.selectors import tax_rate_for, variants_with_products

# The order's (``o``) customer group, for ``grp.discount_percent``: the commit's and the preview's reads
# (``group_discount_of`` takes it from there).
GROUP_DISCOUNT_JOIN = """
    LEFT JOIN accounts_customerprofile profile ON profile.user_id = o.customer_id
    LEFT JOIN accounts_customergroup grp ON grp.id = profile.group_id"""


@dataclass
class Destination:
    method: ShippingMethod | None
    pickup: PickupLocation | None
    address: dict
    country: str
    region: str


@dataclass
class BuiltEdit:
    plan: EditPlan
    destination: Destination
    variants: dict[int, Variant]
    shipping_tax_rate: Decimal


def _destination(order: Order, staged: StagedChanges) -> Destination:
    delivery = staged.delivery
    method, pickup = order.shipping_method, order.pickup_location
    if delivery is not None and delivery.method_id:
        method, pickup = ShippingMethod.objects.filter(pk=delivery.method_id, is_active=True).first(), None
        if method is None:
            raise EditError(_("That delivery option is not available."), code="unknown_delivery")
    elif delivery is not None and delivery.pickup_id:
        method, pickup = None, PickupLocation.objects.filter(pk=delivery.pickup_id, is_active=True).first()
        if pickup is None:
            raise EditError(_("That delivery option is not available."), code="unknown_delivery")
    address = staged.address or order.shipping_address or {}
    if method is not None and not address.get("country"):
        raise EditError(
            _("Add a shipping address for delivery."), code="no_address", fields={"address": [_("Required.")]}
        )
    if pickup is not None:
        destination = Destination(method=None, pickup=pickup, address={}, country=str(pickup.country), region="")
    else:
        destination = Destination(
            method=method, pickup=None, address=address, country=address["country"], region=address.get("region", "")
        )
    if not is_known_country(destination.country):
        # Staged before countries were checked, or an old order's address: never taxed at 0 at the catch-all rate.
        message = unknown_country_message(destination.country)
        field = "delivery" if pickup is not None else "address.country"
        raise EditError(message, code="unknown_country", fields={field: [message]})
    return destination


def _original_place(order: Order) -> tuple[str, str]:
    if order.pickup_location:
        return str(order.pickup_location.country), ""
    address = order.shipping_address or {}
    return address.get("country", ""), address.get("region", "")


def load_variants(
    *, order: Order, lines: list[OrderLine], staged: StagedChanges, lock: bool = False
) -> dict[int, Variant]:
    """The variants an edit touches (its lines', swap targets, additions). ``lock`` (commit) locks them in
    primary-key order, so concurrent edits and orders moving the same stock can't deadlock."""
    wanted = {line.variant_id for line in lines if line.variant_id}
    wanted |= set(staged.swaps.values()) | set(staged.additions)
    variants: dict[int, Variant] = {}
    if not lock:  # read with the lines already (the preview's), unless they are to be locked here
        for line in lines:
            if line.variant_id and (variant := _variant_read_with(line)) is not None:
                variants[line.variant_id] = variant
    variants.update(variants_with_products(wanted - variants.keys(), lock=lock))
    return variants


def _variant_read_with(line: OrderLine) -> Variant | None:
    """The line's variant if it was read with the line, with its product."""
    if not line.variant_id or not OrderLine.variant.is_cached(line):
        return None
    variant = line.variant
    return variant if variant is not None and Variant.product.is_cached(variant) else None


def group_discount_of(order: Order) -> Decimal:
    """The shopper's group discount: read with the order (``group_discount_percent``) or through its customer."""
    if hasattr(order, "group_discount_percent"):
        return order.group_discount_percent or ZERO
    profile = getattr(order.customer, "profile", None)
    return profile.group.discount_percent if profile is not None and profile.group_id else ZERO


def build_edit(
    *, order: Order, lines: list[OrderLine], staged: StagedChanges, variants: dict[int, Variant]
) -> BuiltEdit:
    """The order after the staged changes: lines, totals, shipping and tax for the new destination, stock."""
    with translation.override(order.language):
        # Names are read in the order's language, as they are frozen onto its lines.
        catalog = {
            pk: CatalogVariant(
                id=pk,
                product_id=v.product_id,
                product_name=v.product.name,
                name=v.name,
                price=v.price,
                weight_grams=v.weight_grams,
                is_fee=v.is_fee,
            )
            for pk, v in variants.items()
        }
    destination = _destination(order, staged)
    original_country, original_region = _original_place(order)
    # Tax is re-rated only when the goods go somewhere else; otherwise kept lines keep the rate they were sold at.
    retax = (destination.country, destination.region.lower()) != (original_country, original_region.lower())
    group_discount = group_discount_of(order)
    ctx = PricingContext(
        currency=order.currency,
        prices_include_tax=order.prices_include_tax,
        customer=CustomerPricing(group_discount_percent=group_discount, tax_exempt=order.tax_exempt),
        discount_percent=order.discount_percent,
        tax_rate=tax_rate_for(country=destination.country, region=destination.region),
        discount_amount=order.fixed_discount,  # a staff discount's amount stays as given, spread over what is left
    )
    current = [
        CurrentLine(
            id=line.pk,
            variant_id=line.variant_id,
            product_name=line.product_name,
            variant_name=line.variant_name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            total=line.total,
            discountable=not (line.is_free or line.is_fee),
            weight_grams=variants[line.variant_id].weight_grams if line.variant_id in variants else 0,
        )
        for line in lines
    ]
    plan = plan_lines(
        current=current,
        quantities=staged.quantities,
        swaps=staged.swaps,
        additions=staged.additions,
        variants=catalog,
        ctx=ctx,
        retax=retax,
    )
    if not plan.kept:
        raise EditError(_("An order needs at least one item. To stop the order, cancel it instead."), code="no_lines")
    shipping, shipping_tax_rate = ZERO, ZERO
    if destination.method is not None:
        rated = rate_shipping(
            method=destination.method,
            country=destination.country,
            lines=[line.as_input() for line in plan.kept],
            weight_grams=plan.weight_grams,
            ctx=ctx,
        )
        if rated is None:
            raise EditError(
                _("%(method)s does not deliver to this address.") % {"method": destination.method.name},
                code="no_shipping_rate",
                fields={"address": [_("We can't deliver here.")]},
            )
        shipping, shipping_tax_rate = rated
    price_plan(plan, ctx=ctx, shipping=shipping, shipping_tax_rate=shipping_tax_rate)
    for variant_id, extra in plan.variant_deltas.items():
        variant = variants.get(variant_id)
        if extra > 0 and variant is not None and not variant.in_stock(extra):
            raise EditError(
                ngettext(
                    "Only %(count)s more of %(item)s in stock.",
                    "Only %(count)s more of %(item)s in stock.",
                    max(variant.stock, 0),
                )
                % {"count": max(variant.stock, 0), "item": variant},
                code="out_of_stock",
            )
    return BuiltEdit(plan=plan, destination=destination, variants=variants, shipping_tax_rate=shipping_tax_rate)


def staged_refusal(
    *,
    order: Order,
    lines: list[OrderLine],
    staged: StagedChanges,
    variants: dict[int, Variant],
    policy: rules.PolicyView,
    staff: bool,
) -> rules.Refusal | None:
    """The first rule the staged changes break, if any."""
    product_ids = {pk: v.product_id for pk, v in variants.items()}
    view = order_view(order, lines, product_ids)
    for line_id, quantity in staged.quantities.items():
        if refusal := rules.quantity_refusal(view, policy, line_id=line_id, quantity=quantity, staff=staff):
            return refusal
    for line_id, variant_id in staged.swaps.items():
        target = variants.get(variant_id)
        if refusal := rules.swap_refusal(
            view, policy, line_id=line_id, target_product_id=target.product_id if target else None, staff=staff
        ):
            return refusal
        if target is not None and not target.product.is_active:
            return rules.Refusal("not_for_sale", _("This item can't be added."))
    for variant_id, quantity in staged.additions.items():
        variant = variants.get(variant_id)
        if refusal := rules.addition_refusal(
            policy,
            quantity=quantity,
            on_sale=variant is not None and variant.product.is_active,
            is_fee=variant is not None and variant.is_fee,
            staff=staff,
        ):
            return refusal
    if staged.address is not None and (
        refusal := rules.address_refusal(view, policy, country=staged.address.get("country", ""), staff=staff)
    ):
        return refusal
    if staged.delivery is not None and (
        refusal := rules.delivery_refusal(view, policy, available=True, staff=staff)  # existence checked by build_edit
    ):
        return refusal
    return None
