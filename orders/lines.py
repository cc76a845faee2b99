"""The one factory of order lines: checkout (``place_order``), an edit's added and swapped lines
(``editing.commit``) and the bulk loader (``demo.bulk``) all make a line of a variant here, so a line of the
same variant at the same price carries the same flags whichever path made it (a 0.00 item is a free line,
locked like one, whether it came with the order or with an edit).
"""

from __future__ import annotations

from django.utils import translation

from orders.calculations import LineAmounts, LineInput
from orders.models import Order, OrderLine
from storefront.models import Variant

# What a line takes from its variant (besides its price), and what a swap to another variant changes (with the
# group price it was priced at: a swapped line is priced as its new variant today).
VARIANT_FIELDS = (
    "variant_id",
    "product_name",
    "variant_name",
    "sku",
    "options",
    "is_free",
    "is_fee",
    "is_custom",
    "list_price",
    "group_discount_percent",
)


def new_order_line(
    *,
    order: Order,
    variant: Variant,
    quantity: int,
    priced: LineInput,
    amounts: LineAmounts,
    position: int,
    customization: str = "",
    free: bool = False,
) -> OrderLine:
    """An unsaved line of ``variant`` on ``order``, priced (``priced``: unit price and tax rate for this buyer;
    ``amounts``: the line's figures from ``orders.calculations``). ``free``: a gift line given at price 0.

    Names are frozen in the order's language; ``variant.product`` must be loaded.
    """
    with translation.override(order.language):
        product_name, variant_name = variant.product.name, variant.name
    return OrderLine(
        order=order,
        variant=variant,
        product_name=product_name,
        variant_name=variant_name,
        sku=variant.sku,
        options=variant.options,
        quantity=quantity,
        unit_price=priced.unit_price,
        tax_rate=priced.tax_rate,
        subtotal=amounts.subtotal,
        discount_amount=amounts.discount,
        tax_amount=amounts.tax,
        total=amounts.total,
        # Free items and fees are locked against shopper changes (editing.rules.LineView.locked).
        list_price=priced.list_price,
        group_discount_percent=priced.group_discount_percent,
        is_free=free or priced.unit_price == 0,
        is_fee=variant.is_fee,
        is_custom=False,  # a line of a catalog variant; custom items are not made from one
        customization=customization.strip(),
        position=position,
    )
