"""What an invoice says, worked out from the order as it is when the invoice is issued: pure functions, no writes.

Every line (goods and shipping) gets its net, tax and gross from the figures frozen on the order, so they add
up to the order's total; the rows per VAT rate and the totals are sums of those lines, so net + tax = gross
holds for each row and for the whole invoice, to the cent, in Decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from core.money import ZERO
from orders.email_names import item_title


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    sku: str
    quantity: int
    unit_price: Decimal  # in the store's price mode (with or without tax), as the order was priced
    discount: Decimal
    tax_rate: Decimal  # 0.2100 for 21%
    net: Decimal
    tax: Decimal
    gross: Decimal

    def as_data(self) -> dict:
        return {key: str(value) if isinstance(value, Decimal) else value for key, value in asdict(self).items()}

    @classmethod
    def from_data(cls, data: dict) -> InvoiceLine:
        return cls(
            description=data["description"],
            sku=data["sku"],
            quantity=int(data["quantity"]),
            unit_price=Decimal(data["unit_price"]),
            discount=Decimal(data["discount"]),
            tax_rate=Decimal(data["tax_rate"]),
            net=Decimal(data["net"]),
            tax=Decimal(data["tax"]),
            gross=Decimal(data["gross"]),
        )


@dataclass(frozen=True)
class TaxRow:
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    net: Decimal
    tax: Decimal
    gross: Decimal


def split_amount(*, total: Decimal, tax: Decimal, prices_include_tax: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, gross) of an amount the order keeps in its price mode: with tax included, the total is the
    gross; without, the net."""
    if prices_include_tax:
        return total - tax, tax, total
    return total, tax, total + tax


def invoice_lines(order, lines: Iterable) -> list[InvoiceLine]:
    """The order's lines, then its shipping, as invoice lines, described in the order's language."""
    result, goods_tax = [], ZERO
    for line in lines:
        net, tax, gross = split_amount(
            total=line.total, tax=line.tax_amount, prices_include_tax=order.prices_include_tax
        )
        goods_tax += line.tax_amount
        result.append(
            InvoiceLine(
                description=item_title(line.product_name, line.variant_name),
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount_amount,
                tax_rate=line.tax_rate,
                net=net,
                tax=tax,
                gross=gross,
            )
        )
    if order.shipping_total or order.shipping_method_id:
        # The order keeps shipping's tax only inside its tax total: what the lines don't carry.
        shipping_tax = order.tax_total - goods_tax
        net, tax, gross = split_amount(
            total=order.shipping_total, tax=shipping_tax, prices_include_tax=order.prices_include_tax
        )
        with translation.override(order.language):
            description = order.shipping_method_name or _("Shipping")
        result.append(
            InvoiceLine(
                description=description,
                sku="",
                quantity=1,
                unit_price=order.shipping_total,
                discount=ZERO,
                tax_rate=order.shipping_tax_rate,
                net=net,
                tax=tax,
                gross=gross,
            )
        )
    return result


def tax_rows(lines: Sequence[InvoiceLine]) -> list[TaxRow]:
    """One row per VAT rate (lowest first): the sums of the lines taxed at it."""
    sums: dict[Decimal, list[Decimal]] = {}
    for line in lines:
        row = sums.setdefault(line.tax_rate.normalize(), [ZERO, ZERO, ZERO])
        row[0] += line.net
        row[1] += line.tax
        row[2] += line.gross
    return [TaxRow(rate=rate, net=net, tax=tax, gross=gross) for rate, (net, tax, gross) in sorted(sums.items())]


def totals(lines: Sequence[InvoiceLine]) -> InvoiceTotals:
    return InvoiceTotals(
        net=sum((line.net for line in lines), ZERO),
        tax=sum((line.tax for line in lines), ZERO),
        gross=sum((line.gross for line in lines), ZERO),
    )


def seller(store) -> dict:
    """The seller as the store settings name it now."""
    return {
        "name": store.name,
        "address": store.address,
        "country": str(store.country or ""),
        "vat_id": store.vat_id,
        "email": store.support_email,
    }


ADDRESS_KEYS = ("name", "company", "line1", "line2", "postal_code", "city", "region", "country")


def buyer(order, *, name: str = "") -> dict:
    """The buyer: the order's billing address (its shipping address when none was given), the order's VAT ID
    and email; a pickup order without an address is addressed to the shopper's name."""
    address = order.billing_address or order.shipping_address or {}
    found = {key: str(address.get(key) or "") for key in ADDRESS_KEYS}
    found["name"] = found["name"] or name
    return {**found, "vat_id": order.vat_id, "email": order.email}
