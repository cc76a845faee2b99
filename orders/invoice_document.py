"""An invoice as a document: the printable page and its PDF (WeasyPrint), both from one template.

The document reads the same for every reader: in the order's language, its date in the store's time zone,
from the snapshot the invoice took when it was issued (``Invoice``), so it needs no query beyond the invoice.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_countries import countries

from core.documents import pdf_from_html
from orders import invoices
from orders.models import Invoice

STYLESHEET = "css/invoice.css"


def context(invoice: Invoice) -> dict:
    lines = [invoices.InvoiceLine.from_data(data) for data in invoice.lines]
    return {
        "invoice": invoice,
        "seller": {**invoice.seller, "country_name": _country(invoice.seller.get("country"))},
        "buyer": {**invoice.buyer, "country_name": _country(invoice.buyer.get("country"))},
        "lines": lines,
        "tax_rows": invoices.tax_rows(lines),
        "totals": invoices.totals(lines),
    }


def _country(code: str | None) -> str:
    return str(countries.name(code) or code) if code else ""


def render_html(invoice: Invoice, *, pdf_url: str = "", for_pdf: bool = False) -> str:
    """The page (with its stylesheet, a print button and ``pdf_url``), or the PDF's source (``for_pdf``)."""
    with translation.override(invoice.language), timezone.override(settings.TIME_ZONE):
        return render_to_string("orders/invoice.html", {**context(invoice), "pdf_url": pdf_url, "for_pdf": for_pdf})


def render_pdf(invoice: Invoice) -> bytes:
    return pdf_from_html(render_html(invoice, for_pdf=True), stylesheet=STYLESHEET)


def pdf_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"
