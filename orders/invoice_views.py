"""The invoice as a page and a PDF: for the shopper (their order page, or the status link of an email), and
for staff in admin (wired by ``orders.admin.InvoiceAdmin``). Reads only, but for staff issuing a missing one.

Who may read it: the signed-in shopper whose order it is (404 for anyone else's, as the order page), whoever
holds the order's status link (the same signed token: it already shows that order, read-only), and staff
with the "view invoice" permission (both staff groups). Issuing one needs the "change order" permission.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import documents
from core.errors import ApplicationError
from orders import invoice_document, selectors
from orders.admin_views import may_change_orders, order_url
from orders.models import Invoice
from orders.services.invoicing import issue_invoice
from orders.status_links import number_from_token


@login_required
def account_invoice(request, number: int):
    invoice = selectors.customer_invoice(user=request.user, number=number)
    return _page(invoice, pdf_url=reverse("orders:invoice-pdf", args=[number]))


@login_required
def account_invoice_pdf(request, number: int):
    return _pdf(selectors.customer_invoice(user=request.user, number=number))


def status_invoice(request, token: str):
    invoice = selectors.invoice_by_order_number(number=_number(token))
    return _page(invoice, pdf_url=reverse("orders:status-invoice-pdf", args=[token]))


def status_invoice_pdf(request, token: str):
    return _pdf(selectors.invoice_by_order_number(number=_number(token)))


def _number(token: str) -> int:
    number = number_from_token(token)
    if number is None:
        raise Http404
    return number


def _page(invoice: Invoice, *, pdf_url: str) -> HttpResponse:
    # A buyer's name, address and VAT ID: kept by no shared cache, listed by no search engine.
    return documents.private(HttpResponse(invoice_document.render_html(invoice, pdf_url=pdf_url)))


def _pdf(invoice: Invoice) -> HttpResponse:
    pdf = invoice_document.render_pdf(invoice)
    return documents.pdf_response(pdf, filename=invoice_document.pdf_filename(invoice))


# --- staff (admin) -------------------------------------------------------------------------------------


def _staff_invoice(request, pk: int) -> Invoice:
    if not request.user.has_perm("orders.view_invoice"):
        raise PermissionDenied
    return get_object_or_404(Invoice.objects.select_related("order"), pk=pk)


def staff_invoice(request, pk: int):
    invoice = _staff_invoice(request, pk)
    return _page(invoice, pdf_url=reverse("admin:orders_invoice_pdf", args=[invoice.pk]))


def staff_invoice_pdf(request, pk: int):
    return _pdf(_staff_invoice(request, pk))


@require_POST
def staff_issue_invoice(request, order_id: int):
    """The order page's "Issue invoice" button, for an order without one; back to the order either way."""
    if not may_change_orders(request.user):
        raise PermissionDenied
    try:
        invoice = issue_invoice(order_id=order_id, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Invoice %(number)s was issued.") % {"number": invoice.number})
    return HttpResponseRedirect(order_url(order_id))
