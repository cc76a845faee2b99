"""The return slip: a printable page and its PDF from one template (as the invoice, ``orders.invoice_document``),
behind a signed link (``returns.services.common.SLIP_LINKS``). It goes in the parcel, so it reads the same for
every reader: in the order's language, its date in the store's time zone."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_countries import countries

from core.documents import pdf_from_html
from returns.models import ReturnPolicy, ReturnRequest
from returns.presentation import item_names
from storefront.models import StoreSettings

STYLESHEET = "css/return-slip.css"
ADDRESS_FIELDS = ("name", "company", "line1", "line2")


def return_address(policy: ReturnPolicy, store: StoreSettings) -> str:
    """Where the parcel goes: the policy's return address, else the store's (with its country)."""
    if policy.return_address.strip():
        return policy.return_address.strip()
    country = str(countries.name(store.country) or "") if store.country else ""
    return "\n".join(part for part in (store.name, store.address.strip(), country) if part)


def sender_lines(address: dict) -> list[str]:
    """The shopper's address, one line per row, as the order keeps it."""
    if not address:
        return []
    lines = [address.get(key, "") for key in ADDRESS_FIELDS]
    lines.append(" ".join(part for part in (address.get("postal_code", ""), address.get("city", "")) if part))
    lines.append(address.get("region", ""))
    if code := address.get("country"):
        lines.append(str(countries.name(code) or code))
    return [line for line in lines if line]


def context(ret: ReturnRequest) -> dict:
    """What the slip shows, in the active language (the order's, set by ``render_html``)."""
    order = ret.order
    items = []
    for line in ret.lines.all():
        product_name, variant_name = item_names(line.order_line)
        items.append(
            {
                "product_name": product_name,
                "variant_name": variant_name,
                "sku": line.order_line.sku,
                "quantity": line.quantity,
                "exchange_for": line.exchange_variant.name if line.exchange_variant else "",
            }
        )
    store = StoreSettings.cached()
    return {
        "ret": ret,
        "order": order,
        "store_name": store.name,
        "return_address": return_address(ReturnPolicy.cached(), store),
        "sender": sender_lines(order.shipping_address or order.billing_address),
        "email": order.email,
        "items": items,
    }


def render_html(ret: ReturnRequest, *, pdf_url: str = "", for_pdf: bool = False) -> str:
    """The page (with its stylesheet, a print button and ``pdf_url``), or the PDF's source (``for_pdf``)."""
    with translation.override(ret.order.language), timezone.override(settings.TIME_ZONE):
        return render_to_string("returns/slip.html", {**context(ret), "pdf_url": pdf_url, "for_pdf": for_pdf})


def render_pdf(ret: ReturnRequest) -> bytes:
    return pdf_from_html(render_html(ret, for_pdf=True), stylesheet=STYLESHEET)


def pdf_filename(ret: ReturnRequest) -> str:
    return f"return-slip-{ret.number}.pdf"
