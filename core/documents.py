"""Printable documents (the invoice, the return slip): one template for the page and, through WeasyPrint, the PDF,
and the headers every such answer carries."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import HttpResponse


def pdf_from_html(html: str, *, stylesheet: str) -> bytes:
    """The PDF of a document's HTML, styled by ``stylesheet`` (a static path, e.g. ``css/invoice.css``)."""
    from weasyprint import CSS, HTML  # loads Pango: only the processes that make a PDF pay for it

    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=finders.find(stylesheet))])


def pdf_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private(response)


def private(response: HttpResponse) -> HttpResponse:
    """A buyer's name and address: kept by no shared cache, listed by no search engine."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
