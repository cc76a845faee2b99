"""The return emails (notifications kinds return_requested, return_approved, return_rejected, return_received),
as the services queue them and the send job renders them: in the shopper's language, with the items, the slip,
the reason and the figures."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from accounts.models import CustomerProfile
from core.reasons import Reason
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from returns import services as returns
from returns.models import ReturnPolicy, ReturnReason
from returns.services.common import SLIP_LINKS
from storefront.models import Variant
from tests.returns.helpers import MUG, SOCKS, SWEATER_L, SWEATER_M, ask, delivered, receive_all

pytestmark = pytest.mark.usefixtures("catalog")
SITE = "http://127.0.0.1:8000"  # settings.SITE_URL in the tests


def email(order, kind):
    return compose(Message.objects.get(recipient=order.email, kind=kind))


def return_url(ret) -> str:
    return f"{SITE}/store/account/returns/{ret.number}/"


def test_requested_lists_the_items_and_the_exchange():
    order = delivered([(SWEATER_M, 1), (MUG, 2)], paid="card")
    ret = ask(order, (SWEATER_M, 1, "too_small", SWEATER_L), (MUG, 2, "changed_mind"))
    message = email(order, MessageKind.RETURN_REQUESTED)
    assert message.subject == f"Order #{order.number}: return {ret.number} requested"
    text = message.body_text
    assert f"We have your request to return these items of order #{order.number} (return {ret.number}):" in text
    assert "1 × Merino crew-neck sweater – M / Navy\n  Exchange for Merino crew-neck sweater – L / Navy\n" in text
    assert "2 × Ceramic coffee mug – White" in text
    assert "email you the return slip once it is approved" in text and "/slip/" not in text
    assert f"See your return: {return_url(ret)}" in text


def test_approved_at_once_links_the_slip_in_both_emails():
    policy = ReturnPolicy.load()
    policy.auto_approve = True
    policy.save()
    order = delivered([(MUG, 1)], paid="card")
    ret = ask(order, (MUG, 1, "changed_mind"))
    slip = f"/store/returns/{SLIP_LINKS.token(ret.pk)}/slip/"
    requested = email(order, MessageKind.RETURN_REQUESTED)
    assert requested.subject == f"Order #{order.number}: return {ret.number} approved"
    assert "Your return is approved." in requested.body_text and slip in requested.body_text
    approved = email(order, MessageKind.RETURN_APPROVED)
    assert approved.subject == f"Order #{order.number}: return {ret.number} approved"
    assert "Print the return slip and pack the items with it. The return address is on the slip." in approved.body_text
    assert f"Return slip: {SITE}{slip}" in approved.body_text
    assert f'href="{SITE}{slip}"' in approved.body_html and "Print the return slip</a>" in approved.body_html


def test_rejected_says_why():
    order = delivered([(MUG, 1)], paid="card")
    ret = ask(order, (MUG, 1, "damaged"))
    returns.reject_return(request=ret, reason=Reason("damaged", "No damage in the photos"), actor=None)
    message = email(order, MessageKind.RETURN_REJECTED)
    assert message.subject == f"Order #{order.number}: return {ret.number} not accepted"
    assert "Reason: Damaged item (note: No damage in the photos)" in message.body_text
    assert "Nothing will be refunded for them." in message.body_text


def test_received_tells_the_refund_its_destination_and_the_fees_taken_off():
    policy = ReturnPolicy.load()
    policy.shipping_payer, policy.shipping_fee = "customer", D("5.00")
    policy.save()
    ReturnReason.objects.filter(code="changed_mind").update(restocking_fee_percent=D("10"))
    order = delivered([(SOCKS, 1), (MUG, 1)], paid="card")
    ret = ask(order, (MUG, 1, "changed_mind"))
    returns.approve_return(request=ret, actor=None)
    ret = receive_all(ret)
    text = email(order, MessageKind.RETURN_RECEIVED).body_text
    money = lambda amount: f"€{amount}"  # noqa: E731
    assert f"We've received the items of your return {ret.number} (order #{order.number}):" in text
    assert f"A restocking fee of {money(ret.restocking_fee)} was taken off." in text
    assert "Return shipping of €5.00 was taken off." in text
    assert f"We're refunding {money(ret.refund_amount)} to your original payment method." in text


def test_received_to_store_credit_with_the_shipping_back():
    order = delivered([(SOCKS, 1)], paid="card")  # below free shipping: the shipping comes back too
    ret = ask(order, (SOCKS, 1, "damaged"), refund_to="store_credit")
    returns.approve_return(request=ret, actor=None)
    ret = receive_all(ret, condition="damaged")
    text = email(order, MessageKind.RETURN_RECEIVED).body_text
    assert ret.shipping_refund > 0
    assert f"The shipping of your order, €{ret.shipping_refund}, is refunded too." in text
    assert f"We've added €{ret.refund_amount} to your store credit, to spend on your next order." in text
    assert "taken off" not in text  # the store's fault: no fees


def test_received_exchange_ships_soon_and_a_pricier_one_asks_for_the_difference():
    order = delivered([(SWEATER_M, 1)], paid="card")
    Variant.objects.filter(sku=SWEATER_L).update(price=D("99.00"))  # 10.00 more than M
    ret = ask(order, (SWEATER_M, 1, "too_small", SWEATER_L))
    returns.approve_return(request=ret, actor=None)
    ret = receive_all(ret)
    message = email(order, MessageKind.RETURN_RECEIVED)
    assert "Your replacement, Merino crew-neck sweater – L / Navy, will ship soon." in message.body_text
    assert f"Still to pay: €{ret.payment_request.amount}. We'll email you a link to pay." in message.body_text
    assert "refunding" not in message.body_text


def test_the_emails_are_in_the_shoppers_language():
    order = delivered([(SOCKS, 1), (MUG, 1)], paid="card")
    CustomerProfile.objects.filter(user=order.customer).update(language="ja")
    ret = ask(order, (MUG, 1, "changed_mind"))
    returns.approve_return(request=ret, actor=None)
    ret = receive_all(ret)
    japanese = email(order, MessageKind.RETURN_RECEIVED)
    assert japanese.language == "ja"
    amount = f"€{ret.refund_amount}"
    assert f"{amount} を元のお支払い方法に返金しています。" in japanese.body_text  # the sentence, in Japanese
    assert 'lang="ja"' in japanese.body_html and "マイアカウント" in japanese.body_html
    # The same step for an English reader reads in English.
    CustomerProfile.objects.filter(user=order.customer).update(language="en")
    Message.objects.filter(recipient=order.email).update(subject="", body_text="", body_html="")
    again = email(order, MessageKind.RETURN_RECEIVED)
    assert again.language == "en"
    assert f"We're refunding {amount} to your original payment method." in again.body_text


def test_an_exchanges_replacement_is_named_in_the_readers_language():
    from orders.email_names import item_title, localize_item_names
    from storefront.selectors import catalog_item_names
    from tests.editing.conftest import sku

    small, large = sku(SWEATER_M), sku(SWEATER_L)
    item = {
        "name": "frozen",
        "variant_id": small.pk,
        "quantity": 1,
        "exchange_for": {"name": "frozen", "variant_id": large.pk},
    }
    names = catalog_item_names({small.pk, large.pk}, "ja")
    renamed = localize_item_names({"items": [item]}, "ja")["items"][0]
    assert renamed["exchange_for"]["name"] == item_title(*names[large.pk]) != "frozen"
    assert renamed["name"] == item_title(*names[small.pk])
