"""Invoices: gapless numbers per store under concurrency and rollbacks, contents that add up per VAT rate,
the page and the PDF (its text read back with pypdf), who may open them, the confirmation email's link,
credit memos naming the invoice they correct, and the page's query count."""

from __future__ import annotations

import io
import threading
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.test import Client
from pypdf import PdfReader

from accounts.models import User
from orders import services
from orders.constants import EventType
from orders.gateway import DECLINED_CARD, SUCCESS_CARD
from orders.invoices import InvoiceLine, tax_rows, totals
from orders.models import CreditMemo, Invoice, InvoiceSequence, Order, OrderEvent
from orders.services.invoicing import InvoiceError, issue_invoice
from orders.services.payments import PaymentError, checkout_order
from orders.status_links import invoice_path
from storefront.models import ShippingMethod, StoreSettings
from tests.conftest import STAFF_PASSWORD
from tests.editing.conftest import ADDRESS_NL, place, sku
from tests.editing.test_services import MUG, SOCKS, SWEATER_M
from tests.factories import place_test_order
from tests.orders.conftest import change_url, sign_in

pytestmark = pytest.mark.usefixtures("catalog")
VAT_ID = "NL000099998B57"  # python-stdnum's valid example number


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def checkout_mug(email: str, *, card: str = SUCCESS_CARD, key: str) -> Order:
    return checkout_order(
        card_number=card,
        attempt_key=key,
        email=email,
        lines=[services.LineRequest(variant_id=sku(MUG).pk, quantity=1)],
        shipping_method=ShippingMethod.objects.get(code="standard"),
        shipping_address=ADDRESS_NL,
        send_confirmation=False,
    )


def serials() -> list[int]:
    return list(Invoice.objects.order_by("serial").values_list("serial", flat=True))


# --- numbering ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_placed_order_gets_the_next_number_and_a_rolled_back_one_gives_it_back():
    first = place([(MUG, 1)])
    with pytest.raises(PaymentError):
        checkout_mug("declined@example.com", card=DECLINED_CARD, key="declined")  # the whole checkout rolls back
    with pytest.raises(RuntimeError), transaction.atomic():
        place([(MUG, 1)], email="undone@example.com")
        raise RuntimeError("anything after placing fails: the transaction, and its number, are undone")
    second = checkout_mug("paid@example.com", key="paid")
    assert first.invoice.number == "INV-000001" and second.invoice.serial == 2
    assert serials() == [1, 2] and not Order.objects.filter(email__in=["declined@example.com", "undone@example.com"])
    assert InvoiceSequence.objects.get().last_serial == 2


@pytest.mark.django_db
def test_a_number_is_never_given_twice_nor_an_order_two_invoices():
    order = place([(MUG, 1)])
    other = place([(SOCKS, 1)], email="other@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=other.invoice.pk).update(serial=order.invoice.serial)
    with pytest.raises(InvoiceError) as refused:
        issue_invoice(order_id=order.pk, actor=User.objects.create_user("boss@example.com", "x", is_staff=True))
    assert refused.value.code == "already_invoiced" and Invoice.objects.filter(order=order).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_on_real_connections_leave_no_gap_and_no_duplicate():
    """24 checkouts at once, each on its own connection; every third card is declined, so its transaction
    rolls back after the others may have waited on the counter. The committed invoices are 1..n."""
    count = 24
    barrier = threading.Barrier(count)
    placed, refused, errors = [], [], []

    def buy(i: int) -> None:
        try:
            barrier.wait()
            card = DECLINED_CARD if i % 3 == 0 else SUCCESS_CARD
            placed.append(checkout_mug(f"buyer{i}@example.com", card=card, key=f"race-{i}").pk)
        except PaymentError:
            refused.append(i)
        except Exception as error:  # collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and len(refused) == count // 3 and len(placed) == count - count // 3
    assert serials() == list(range(1, len(placed) + 1))
    assert set(Invoice.objects.values_list("order_id", flat=True)) == set(placed)
    assert InvoiceSequence.objects.get().last_serial == len(placed)
    # The store's next invoice follows on, and numbers increase with the time they were issued.
    after = place([(MUG, 1)], email="after@example.com")
    assert after.invoice.serial == len(placed) + 1
    issued = list(Invoice.objects.order_by("serial").values_list("issued_at", flat=True))
    assert issued == sorted(issued)


# --- contents ----------------------------------------------------------------------------------------------


def assert_adds_up(invoice: Invoice, order: Order) -> None:
    lines = [InvoiceLine.from_data(data) for data in invoice.lines]
    rows, sums = tax_rows(lines), totals(lines)
    for row in rows:
        assert isinstance(row.net, D) and row.net + row.tax == row.gross
    for line in lines:
        assert line.net + line.tax == line.gross
    assert sum(row.net for row in rows) == sums.net == invoice.net_total
    assert sum(row.tax for row in rows) == sums.tax == invoice.tax_total == order.tax_total
    assert sum(row.gross for row in rows) == sums.gross == invoice.total == order.total
    assert sums.net + sums.tax == sums.gross


@pytest.mark.django_db
def test_lines_shipping_and_vat_rows_add_up_with_tax_included():
    StoreSettings.objects.update(name="Kleding BV", address="Damrak 1\n1012 LG Amsterdam", vat_id="NL000099998B57")
    order = place([(SWEATER_M, 1), (SOCKS, 3), (MUG, 2)], vat_id="BE0403019261")
    invoice = order.invoice
    assert invoice.seller["name"] == "Kleding BV" and invoice.seller["vat_id"] == VAT_ID
    assert invoice.buyer["vat_id"] == "BE0403019261" and invoice.buyer["city"] == "Amsterdam"
    assert [line["description"] for line in invoice.lines][-1] == order.shipping_method_name
    assert len(invoice.lines) == 4 and invoice.prices_include_tax
    assert_adds_up(invoice, order)
    assert [row.rate for row in tax_rows([InvoiceLine.from_data(d) for d in invoice.lines])] == [D("0.21")]
    # A snapshot: renaming the store later changes no invoice already issued.
    StoreSettings.objects.update(name="Renamed")
    assert Invoice.objects.get(pk=invoice.pk).seller["name"] == "Kleding BV"


@pytest.mark.django_db
def test_vat_rows_add_up_with_prices_without_tax_and_a_discount():
    from tests.factories import DiscountCodeFactory

    StoreSettings.objects.update(prices_include_tax=False)
    DiscountCodeFactory(code="TEN", percent=D("10"))
    order = place([(SWEATER_M, 1), (SOCKS, 3)], discount_code="TEN")
    assert order.discount_total > 0 and not order.invoice.prices_include_tax
    assert_adds_up(order.invoice, order)


def test_one_row_per_rate_each_adding_up():
    def line(rate, net, tax):
        return InvoiceLine("x", "", 1, D(net), D("0"), D(rate), D(net), D(tax), D(net) + D(tax))

    lines = [
        line("0.21", "10.00", "2.10"),
        line("0.09", "5.00", "0.45"),
        line("0.2100", "3.33", "0.70"),
        line("0", "1", "0"),
    ]
    rows = tax_rows(lines)
    assert [(row.rate, row.net, row.tax, row.gross) for row in rows] == [
        (D("0"), D("1"), D("0"), D("1")),
        (D("0.09"), D("5.00"), D("0.45"), D("5.45")),
        (D("0.21"), D("13.33"), D("2.80"), D("16.13")),
    ]
    assert totals(lines).gross == sum(row.gross for row in rows) == D("22.58")


# --- the document --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pdf_names_the_number_the_parties_and_the_vat_lines(client):
    StoreSettings.objects.update(name="Kleding BV", vat_id=VAT_ID)
    order = place([(SWEATER_M, 1), (MUG, 2)], vat_id="BE0403019261")
    client.force_login(order.customer)
    response = client.get(f"/store/account/orders/{order.number}/invoice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{order.invoice.number}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    row = tax_rows([InvoiceLine.from_data(d) for d in order.invoice.lines])[0]
    assert order.invoice.number in text and f"#{order.number}" in text
    assert f"VAT ID: {VAT_ID}" in text and "VAT ID: BE0403019261" in text
    assert "VAT 21%" in text  # the row of the rate, then its net, tax and gross
    for amount in (row.net, row.tax, row.gross):
        assert f"€{amount:,.2f}" in text


@pytest.mark.django_db
def test_the_document_is_in_the_orders_language_whoever_reads_it(client):
    order = place([(MUG, 2)], language="de")
    client.force_login(order.customer)
    html = client.get(f"/store/account/orders/{order.number}/invoice/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="de">' in html and f"{order.total:.2f}".replace(".", ",") + "\xa0€" in html
    pdf = pdf_text(client.get(f"/store/account/orders/{order.number}/invoice.pdf").content)
    assert f"{order.total:.2f}".replace(".", ",") in pdf


# --- who may open it -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_shopper_opens_theirs_and_anyone_else_gets_404(client):
    order = place([(MUG, 1)])
    stranger = place([(MUG, 1)], email="stranger@example.com").customer
    page, pdf = f"/store/account/orders/{order.number}/invoice/", f"/store/account/orders/{order.number}/invoice.pdf"
    assert client.get(page).status_code == 302  # signed out: to sign-in
    client.force_login(stranger)
    assert client.get(page).status_code == 404 and client.get(pdf).status_code == 404
    client.force_login(order.customer)
    response = client.get(page)
    html = response.content.decode()
    assert response.status_code == 200 and order.invoice.number in html and response["X-Robots-Tag"] == "noindex"
    assert f'href="{pdf}"' in html and client.get(pdf).status_code == 200


@pytest.mark.django_db
def test_an_order_without_an_invoice_has_no_invoice_page(client):
    order = place([(MUG, 1)], issue_invoice=False)
    client.force_login(order.customer)
    assert client.get(f"/store/account/orders/{order.number}/invoice/").status_code == 404
    assert "data-invoice-links" not in client.get(f"/store/account/orders/{order.number}/").content.decode()


@pytest.mark.django_db
def test_order_page_and_status_page_link_the_invoice(client):
    order = place([(MUG, 1)])
    client.force_login(order.customer)
    html = client.get(f"/store/account/orders/{order.number}/").content.decode()
    assert f'href="/store/account/orders/{order.number}/invoice.pdf"' in html and order.invoice.number in html
    client.logout()
    status = client.get(invoice_path(order.number).replace("invoice/", "")).content.decode()
    assert f'href="{invoice_path(order.number)}"' in status


@pytest.mark.django_db
def test_the_status_link_opens_the_invoice_and_a_forged_one_does_not(client):
    order = place([(MUG, 1)])
    path = invoice_path(order.number)
    assert order.invoice.number in client.get(path).content.decode()
    assert client.get(path.replace("invoice/", "invoice.pdf")).status_code == 200
    token = path.split("/")[-3]
    forged = path.replace(token, f"{order.number + 1}.{token.split('.', 1)[1]}")
    assert client.get(forged).status_code == 404 and client.get("/store/orders/status/1/invoice/").status_code == 404


@pytest.mark.django_db
def test_the_confirmation_email_links_an_invoice_the_shopper_can_open(client):
    from notifications.models import Message
    from notifications.services import compose

    order = place_test_order(send_confirmation=True)
    message = compose(Message.objects.get(kind="order_confirmation"))
    url = message.context["invoice_url"]
    assert f'href="{url}"' in message.body_html and url in message.body_text
    assert url.endswith(invoice_path(order.number))  # the order's signed status token: nothing stored to leak
    assert order.invoice.number in client.get(invoice_path(order.number)).content.decode()


def staff(email: str, group: str | None) -> User:
    user = User.objects.create_user(email, STAFF_PASSWORD, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("group", ["Support agents", "Managers"])
def test_staff_groups_open_and_download_the_invoice_from_the_order_page(group):
    order = place([(MUG, 1)])
    client = sign_in(Client(), staff(f"{group[0]}@shop.example", group))
    html = client.get(change_url(order)).content.decode()
    page, pdf = f"/admin/orders/invoice/{order.invoice.pk}/print/", f"/admin/orders/invoice/{order.invoice.pk}/pdf/"
    assert f'href="{page}"' in html and f'href="{pdf}"' in html
    assert order.invoice.number in client.get(page).content.decode()
    assert order.invoice.number in pdf_text(client.get(pdf).content)


@pytest.mark.django_db
def test_staff_without_a_group_may_not_open_or_issue_invoices():
    order = place([(MUG, 1)])
    bare = place([(MUG, 1)], email="old@example.com", issue_invoice=False)
    client = sign_in(Client(), staff("nobody@shop.example", None))
    assert client.get(f"/admin/orders/invoice/{order.invoice.pk}/print/").status_code == 403
    assert client.get(f"/admin/orders/invoice/{order.invoice.pk}/pdf/").status_code == 403
    assert client.post(f"/admin/orders/invoice/issue/{bare.pk}/").status_code == 403
    assert not Invoice.objects.filter(order=bare).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("group", ["Support agents", "Managers"])
def test_staff_issue_the_missing_invoice_of_an_older_order_once(group):
    order = place([(MUG, 1)], issue_invoice=False)
    client = sign_in(Client(), staff(f"{group[0]}@shop.example", group))
    assert "Issue invoice" in client.get(change_url(order)).content.decode()
    version = order.version
    response = client.post(f"/admin/orders/invoice/issue/{order.pk}/", follow=True)
    invoice = Invoice.objects.get(order=order)
    assert f"Invoice {invoice.number} was issued." in response.content.decode()
    order.refresh_from_db()
    assert order.version == version + 1  # its cached pages now show the link
    event = OrderEvent.objects.get(order=order, type=EventType.INVOICE_ISSUED)
    assert event.actor.email == f"{group[0].lower()}@shop.example" and event.data["number"] == invoice.number
    again = client.post(f"/admin/orders/invoice/issue/{order.pk}/", follow=True)
    assert "already has an invoice" in again.content.decode() and Invoice.objects.filter(order=order).count() == 1


# --- credit memos ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_credit_memo_names_the_invoice_it_corrects(staff_client):
    order = place([(SWEATER_M, 1), (SOCKS, 2)], paid="card")
    staff_user = User.objects.get(email="staff-test@example.com")
    memo = services.issue_refund(order=order, amount=D("5.00"), reason="damaged", with_return=False, actor=staff_user)
    assert memo.invoice == order.invoice
    page = staff_client.get(f"/admin/orders/creditmemo/{memo.pk}/print/").content.decode()
    assert f"<dd data-invoice>{order.invoice.number}</dd>" in page
    bare = place([(MUG, 1)], email="old@example.com", paid="card", issue_invoice=False)
    other = services.issue_refund(order=bare, amount=D("1.00"), reason="damaged", with_return=False, actor=staff_user)
    assert CreditMemo.objects.get(pk=other.pk).invoice is None


# --- query counts ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_invoice_page_reads_one_query_however_many_lines(client, django_assert_num_queries):
    small = place([(MUG, 1)])
    big = place([(MUG, 3), (SOCKS, 2), (SWEATER_M, 1)], email=small.email)
    client.force_login(small.customer)
    client.get("/store/account/orders/")  # the session and user are read once and cached
    for order in (small, big):
        with django_assert_num_queries(1):  # the invoice with its order's number
            response = client.get(f"/store/account/orders/{order.number}/invoice/")
        assert response.status_code == 200 and order.invoice.number in response.content.decode()
