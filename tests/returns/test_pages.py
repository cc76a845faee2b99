"""The shopper's return pages (returns.views): asking for a return of a delivered order, the list of returns, one
return (withdraw, "I've sent it"), the slip as a page and a PDF, the step-up before a refund to store credit, and
the order pages showing the return's status."""

from __future__ import annotations

import io
import re
import time

import pytest
from pypdf import PdfReader

from accounts.step_up import SIGNED_IN_KEY, STEPPED_UP_KEY
from orders.constants import ActorKind, ReturnStatus
from returns import services as returns
from returns.models import ReturnPolicy, ReturnRequest
from returns.services.common import SLIP_LINKS
from storefront.models import StoreSettings, Variant
from tests.editing.conftest import place, sku
from tests.returns.helpers import MUG, SOCKS, SWEATER_L, SWEATER_M, ask, deliver, delivered, line, receive_all

pytestmark = pytest.mark.usefixtures("catalog")


def request_url(order) -> str:
    return f"/store/account/orders/{order.number}/return/"


def detail_url(ret: ReturnRequest) -> str:
    return f"/store/account/returns/{ret.number}/"


def signed_in(client, order):
    client.force_login(order.customer)
    return client


def answers(order, *items, refund_to=None, comment="") -> dict:
    """The request form's fields: ``items`` are (sku, quantity, reason[, exchange sku])."""
    data = {"comment": comment}
    for code, quantity, reason, *rest in items:
        pk = line(order, code).pk
        data[f"qty_{pk}"] = str(quantity)
        data[f"reason_{pk}"] = reason
        data[f"exchange_{pk}"] = str(sku(rest[0]).pk) if rest else ""
    if refund_to:
        data["refund_to"] = refund_to
    return data


def summary_of(html: str) -> str:
    return re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)


@pytest.fixture
def order():
    return delivered([(SWEATER_M, 1), (MUG, 2)], paid="card")


def test_the_form_offers_what_was_delivered_with_reasons_and_other_sizes(client, order):
    page = signed_in(client, order).get(request_url(order)).content.decode()
    sweater, mug = line(order, SWEATER_M), line(order, MUG)
    quantities = re.search(rf'<select name="qty_{mug.pk}".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', quantities) == ["0", "1", "2"]
    assert f'name="reason_{sweater.pk}"' in page and "Too small" in page and "Arrived damaged" in page
    exchange = re.search(rf'<select name="exchange_{sweater.pk}".*?</select>', page, re.S).group(0)
    assert ">Refund</option>" in exchange and "Exchange for L / Navy" in exchange
    assert f'name="exchange_{mug.pk}"' not in page  # the mug comes in one colour
    assert 'name="refund_to"' in page and "Store credit" in page  # the shopper chooses (the default policy)


def test_asking_creates_the_return_with_its_lines_and_shows_it(client, order):
    client = signed_in(client, order)
    answer = client.post(
        request_url(order),
        answers(order, (SWEATER_M, 1, "too_small", SWEATER_L), (MUG, 1, "changed_mind"), refund_to="original"),
    )
    ret = ReturnRequest.objects.get(order=order)
    assert answer.status_code == 302 and answer["Location"] == detail_url(ret)
    lines = {ln.order_line.sku: ln for ln in ret.lines.select_related("order_line", "exchange_variant", "reason")}
    assert (lines[SWEATER_M].quantity, lines[SWEATER_M].reason.code) == (1, "too_small")
    assert lines[SWEATER_M].exchange_variant.sku == SWEATER_L
    assert (lines[MUG].quantity, lines[MUG].reason.code, lines[MUG].exchange_variant) == (1, "changed_mind", None)
    assert ret.refund_to == "original" and ret.status == ReturnStatus.REQUESTED

    page = client.get(answer["Location"]).content.decode()
    assert f"Return {ret.number} is requested." in page
    assert 'data-return-status="requested"' in page and "Exchange for L / Navy" in page
    assert f'action="/store/account/returns/{ret.number}/withdraw/"' in page
    order_page = client.get(f"/store/account/orders/{order.number}/").content.decode()
    assert "Return: Requested" in order_page and f'href="{detail_url(ret)}"' in order_page


def test_field_errors_sit_beside_their_line_and_change_nothing(client, order):
    client = signed_in(client, order)
    sweater, mug = line(order, SWEATER_M), line(order, MUG)
    no_reason = client.post(request_url(order), answers(order, (MUG, 1, "")))
    assert no_reason.status_code == 400
    html = no_reason.content.decode()
    assert f'<a href="#id_reason_{mug.pk}">' in summary_of(html)
    assert f'id="id_reason_{mug.pk}_error"' in html

    Variant.objects.filter(sku=SWEATER_L).update(stock=0)  # the service refuses the exchange: out of stock
    out = client.post(request_url(order), answers(order, (SWEATER_M, 1, "too_small", SWEATER_L)))
    assert out.status_code == 400
    html = out.content.decode()
    assert f'<a href="#id_qty_{sweater.pk}">' in summary_of(html)
    assert "Only 0 left of L / Navy." in html

    nothing = client.post(request_url(order), answers(order))
    assert nothing.status_code == 400 and "Choose at least one item to return." in nothing.content.decode()
    assert not ReturnRequest.objects.filter(order=order).exists()
    order.refresh_from_db()
    assert order.return_status == ReturnStatus.NONE


def test_lines_that_cannot_come_back_say_why(client):
    order = deliver(place([(SWEATER_M, 1), (MUG, 1)], paid="card"), **{SWEATER_M: 1})
    page = signed_in(client, order).get(request_url(order)).content.decode()
    assert "Not delivered yet." in page and f'name="qty_{line(order, MUG).pk}"' not in page

    not_yet = place([(SOCKS, 1)], paid="card")
    assert "Returns open once your order is delivered." in client.get(request_url(not_yet)).content.decode()


def test_another_shoppers_order_and_returns_are_not_found(client, order):
    ret = ask(order, (MUG, 1, "changed_mind"))
    stranger = place([(SOCKS, 1)], email="someone-else@example.com")
    client.force_login(stranger.customer)
    assert client.get(request_url(order)).status_code == 404
    assert client.post(request_url(order), answers(order, (MUG, 1, "changed_mind"))).status_code == 404
    assert client.get(detail_url(ret)).status_code == 404
    assert client.post(f"{detail_url(ret)}withdraw/").status_code == 404
    assert client.post(f"{detail_url(ret)}sent/", {"carrier": "PostNL"}).status_code == 404
    assert ReturnRequest.objects.get(pk=ret.pk).status == ReturnStatus.REQUESTED
    assert ret.number not in client.get("/store/account/returns/").content.decode()


def test_withdrawing_a_return(client, order):
    ret = ask(order, (MUG, 1, "changed_mind"))
    client = signed_in(client, order)
    answer = client.post(f"{detail_url(ret)}withdraw/")
    assert answer.status_code == 302 and answer["Location"] == detail_url(ret)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.CANCELLED
    page = client.get(detail_url(ret)).content.decode()
    assert f"Return {ret.number} is withdrawn." in page and "withdraw/" not in page
    again = client.post(f"{detail_url(ret)}withdraw/", follow=True).content.decode()
    assert "This return can no longer be withdrawn." in again


def test_saying_the_parcel_was_sent(client, order):
    ret = ask(order, (MUG, 1, "changed_mind"))
    client = signed_in(client, order)
    assert (
        'action="/store/account/returns/' + ret.number + '/sent/"' not in client.get(detail_url(ret)).content.decode()
    )
    returns.approve_return(request=ret, actor=None)
    page = client.get(detail_url(ret)).content.decode()
    assert f'action="{detail_url(ret)}sent/"' in page
    too_long = client.post(f"{detail_url(ret)}sent/", {"carrier": "PostNL", "tracking_number": "9" * 101})
    assert too_long.status_code == 400 and "error-summary" in too_long.content.decode()
    answer = client.post(f"{detail_url(ret)}sent/", {"carrier": "PostNL", "tracking_number": "3SRET1"})
    assert answer["Location"] == detail_url(ret)
    ret.refresh_from_db()
    assert (ret.status, ret.carrier, ret.tracking_number) == (ReturnStatus.IN_TRANSIT, "PostNL", "3SRET1")
    page = client.get(detail_url(ret)).content.decode()
    assert "PostNL tracking number: 3SRET1" in page and 'data-step="in_transit"' in page


def test_a_refund_to_store_credit_asks_an_old_link_session_to_step_up_first(client, order):
    client = signed_in(client, order)
    session = client.session
    session[SIGNED_IN_KEY] = {"method": "link", "at": time.time() - 16 * 60}
    session.save()
    credit = answers(order, (MUG, 1, "changed_mind"), refund_to="store_credit", comment="Too many mugs")
    stopped = client.post(request_url(order), credit)
    assert stopped.status_code == 302 and stopped["Location"].startswith("/store/account/confirm-it-is-you/")
    assert not ReturnRequest.objects.filter(order=order).exists()
    # Back without a code (or after one): the answers are put back in the form.
    again = client.get(request_url(order)).content.decode()
    assert "Too many mugs" in again
    assert re.search(r'<input type="radio" name="refund_to" value="store_credit"[^>]* checked>', again)

    to_card = client.post(request_url(order), answers(order, (MUG, 1, "changed_mind"), refund_to="original"))
    assert to_card.status_code == 302 and to_card["Location"].startswith("/store/account/returns/")
    assert ReturnRequest.objects.get(order=order).refund_to == "original"

    session = client.session
    session[STEPPED_UP_KEY] = time.time()  # a fresh code entered (accounts.step_up.mark_stepped_up)
    session.save()
    stepped_up = client.post(request_url(order), answers(order, (MUG, 1, "changed_mind"), refund_to="store_credit"))
    assert stepped_up.status_code == 302 and stepped_up["Location"].startswith("/store/account/returns/")
    assert ReturnRequest.objects.filter(order=order, refund_to="store_credit").count() == 1


def test_a_fresh_session_refunds_to_store_credit_without_a_step_up(client, order):
    client = signed_in(client, order)
    answer = client.post(request_url(order), answers(order, (MUG, 1, "changed_mind"), refund_to="store_credit"))
    assert answer["Location"].startswith("/store/account/returns/")
    assert ReturnRequest.objects.get(order=order).refund_to == "store_credit"


def test_one_refund_destination_is_said_not_asked(client, order):
    policy = ReturnPolicy.load()
    policy.refund_to = "original"
    policy.save()
    page = signed_in(client, order).get(request_url(order)).content.decode()
    assert 'name="refund_to"' not in page and "Refunds go to: Original payment method" in page


def test_the_list_shows_newest_first_with_order_status_and_items(client, order):
    first = ask(order, (MUG, 1, "changed_mind"))
    second = ask(order, (SWEATER_M, 1, "too_small", SWEATER_L))
    page = signed_in(client, order).get("/store/account/returns/").content.decode()
    assert page.index(second.number) < page.index(first.number)
    assert f'href="/store/account/orders/{order.number}/"' in page and "Requested" in page
    assert "Exchange for L / Navy" in page and 'aria-current="page">Returns</a>' in page


def test_the_figures_once_received(client):
    policy = ReturnPolicy.load()
    policy.shipping_payer, policy.shipping_fee = "customer", "5.00"
    policy.save()
    order = delivered([(SOCKS, 1), (MUG, 1)], paid="card")
    ret = ask(order, (MUG, 1, "changed_mind"))
    returns.approve_return(request=ret, actor=None)
    ret = receive_all(ret)
    page = signed_in(client, order).get(detail_url(ret)).content.decode()
    figures = re.search(r"<dl class=\"totals\" data-return-figures>.*?</dl>", page, re.S).group(0)
    assert "Return shipping" in figures and "−€5.00" in figures
    refund = re.search(r'data-money="refund">([^<]*)<', figures).group(1)
    assert refund == f"€{ret.refund_amount}"
    steps = re.findall(r'data-step="(\w+)"', page)
    assert steps == ["requested", "approved", "received", "refunded"]
    assert "Send the items back" not in page  # no slip once received


def test_the_slip_page_and_pdf(client, order):
    StoreSettings.objects.update(address="Keizersgracht 1\n1015 CJ Amsterdam")
    ret = ask(order, (MUG, 2, "changed_mind"))
    returns.approve_return(request=ret, actor=None)
    client = signed_in(client, order)
    page = client.get(detail_url(ret)).content.decode()
    token = SLIP_LINKS.token(ret.pk)
    assert f'href="/store/returns/{token}/slip/"' in page and f'href="/store/returns/{token}/slip.pdf"' in page
    assert "Keizersgracht 1" in page

    client.logout()  # the signed link is the key: it is printed from the email too
    slip = client.get(f"/store/returns/{token}/slip/")
    html = slip.content.decode()
    assert slip["Cache-Control"] == "private, no-store"
    assert f"data-return-number>{ret.number}<" in html and f"#{order.number}" in html
    assert "Put this slip in the parcel." in html and "Keizersgracht 1" in html and "Sam Jansen" in html
    assert "Ceramic coffee mug" in html and '<td class="num">2</td>' in html
    pdf = client.get(f"/store/returns/{token}/slip.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert ret.number in text and "Put this slip in the parcel." in text

    assert client.get("/store/returns/1.forged/slip/").status_code == 404
    assert client.get(f"/store/returns/{token}x/slip.pdf").status_code == 404


def test_the_policy_return_address_is_on_the_slip(client, order):
    policy = ReturnPolicy.load()
    policy.return_address = "Returns dept.\nLoods 7\n1000 AA Amsterdam"
    policy.save()
    ret = ask(order, (MUG, 1, "changed_mind"))
    html = client.get(f"/store/returns/{SLIP_LINKS.token(ret.pk)}/slip/").content.decode()
    assert "Loods 7" in html


def test_the_order_list_and_status_page_show_the_return_status(client, order):
    ret = ask(order, (MUG, 1, "changed_mind"))
    returns.approve_return(request=ret, actor=None)
    client = signed_in(client, order)
    listed = client.get("/store/account/orders/").content.decode()
    assert 'data-return-status="approved"' in listed and "Return: Approved" in listed
    from orders.status_links import status_path

    assert "Return: Approved" in client.get(status_path(order.number)).content.decode()
    unreturned = place([(SOCKS, 1)], paid="card")
    assert "data-return-status" not in client.get(f"/store/account/orders/{unreturned.number}/").content.decode()


def test_list_and_detail_queries_are_pinned_and_flat_in_returns_and_lines(client, django_assert_num_queries):
    """The list: how many, the page's returns with their orders, their lines (with the items' catalog rows). One
    return: itself, its lines, its steps' times. The same with 1 return of 3 lines as with 5 returns."""
    for email, made in (("one@example.com", 1), ("five@example.com", 5)):
        orders = [delivered([(SWEATER_M, 1), (MUG, 2), (SOCKS, 1)], paid="card", email=email) for _ in range(made)]
        asked = [
            ask(order, (MUG, 2, "changed_mind"), (SWEATER_M, 1, "too_small", SWEATER_L), (SOCKS, 1, "damaged"))
            for order in orders
        ]
        returns.approve_return(request=asked[-1], actor=None)
        client.force_login(orders[0].customer)
        for url in ("/store/account/returns/", detail_url(asked[-1])):
            client.get(url)  # warm: the session, the cached store settings and policy
            with django_assert_num_queries(3):
                assert client.get(url).status_code == 200


def test_staff_actor_kind_is_not_a_shopper_page(client):
    """A return staff opened for the shopper is theirs to follow too."""
    order = delivered([(MUG, 1)], paid="card")
    ret = ask(order, (MUG, 1, "changed_mind"), actor_kind=ActorKind.STAFF)
    assert signed_in(client, order).get(detail_url(ret)).status_code == 200
