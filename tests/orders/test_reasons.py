"""Reasons are a code from one translatable list plus a note kept as typed (issue 19): every reader sees the
code's label in their own language, whoever entered it and in whatever language."""

from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation

from core.reasons import Reason, ReasonCode
from editing import services as editing
from editing.settlement import give_goodwill_discount
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import ActorKind, EventType, TransactionKind
from orders.models import CreditMemo, OrderEvent, Transaction
from orders.services import send_refund
from tests.editing.conftest import place
from tests.editing.test_services import MUG, SWEATER_M
from tests.orders.conftest import url

pytestmark = pytest.mark.usefixtures("catalog")


def test_a_reason_entered_in_portuguese_reads_in_english_in_the_email_and_in_japanese_on_the_page(staff_client):
    order = place([(SWEATER_M, 1), (MUG, 1)], paid="card", language="en")
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pt-br"  # this staff member reads admin in Portuguese
    form = staff_client.get(url(order, "refund")).content.decode()
    assert "Cortesia" in form  # the list, in their language
    response = staff_client.post(
        url(order, "refund"), {"amount": "5", "reason": "goodwill", "note": "Desculpe a demora"}
    )
    assert response.status_code == 302
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    assert (refund.reason_code, refund.reason_note) == ("goodwill", "Desculpe a demora")  # no sentence stored
    send_refund(refund_id=refund.pk)  # the refund job's work: the gateway, then the shopper's email

    email = compose(Message.objects.get(kind=MessageKind.REFUND_ISSUED, recipient=order.email))
    assert email.language == "en"
    assert "Goodwill (note: Desculpe a demora)" in email.body_text
    assert "Cortesia" not in email.body_text + email.body_html

    shopper = Client()
    shopper.force_login(order.customer)
    shopper.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    page = shopper.get(f"/store/account/orders/{order.number}/").content.decode()
    assert '<html lang="ja"' in page
    assert "補償" in page and "Desculpe a demora" in page  # the label in Japanese, the note as typed
    assert "Cortesia" not in page and "Goodwill" not in page

    # Admin reads the same row in each reader's language.
    for language, label in (("en", "Goodwill (note:"), ("pt-br", "Cortesia (observação:")):
        staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        memo = CreditMemo.objects.get(order=order)
        printed = staff_client.get(f"/admin/orders/creditmemo/{memo.pk}/print/").content.decode()
        assert f"{label} Desculpe a demora)" in printed


def test_a_shoppers_cancel_reason_is_a_code_and_their_words_stay_as_typed(client):
    order = place([(MUG, 1)], paid=True)
    client.force_login(order.customer)
    page = client.get(f"/store/account/orders/{order.number}/cancel/").content.decode()
    assert 'value="changed_mind"' in page and 'name="note"' in page
    client.post(f"/store/account/orders/{order.number}/cancel/", {"reason": "changed_mind", "note": "zu teuer"})
    event = OrderEvent.objects.get(order=order, type=EventType.CANCELLED)
    assert event.data == {"reason_code": "changed_mind", "reason_note": "zu teuer"}
    refund = Transaction.objects.get(order=order, kind=TransactionKind.REFUND)
    assert refund.reason == Reason(ReasonCode.CHANGED_MIND, "zu teuer")


def test_the_api_still_takes_a_free_text_reason_as_the_other_reasons_note(client):
    order = place([(MUG, 1)], paid=True)
    client.force_login(order.customer)
    response = client.post(
        f"/api/v1/me/orders/{order.number}/cancel/",
        {"reason": "Bestellt aus Versehen"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    event = OrderEvent.objects.get(order=order, type=EventType.CANCELLED)
    assert Reason.from_data(event.data) == Reason("other", "Bestellt aus Versehen")


def test_the_api_takes_a_code_and_a_note_and_refuses_codes_not_for_shoppers(client):
    order = place([(MUG, 1)], paid=True)
    client.force_login(order.customer)
    path = f"/api/v1/me/orders/{order.number}/cancel/"
    refused = client.post(path, {"reason_code": "fraud"}, content_type="application/json")
    assert refused.status_code == 400 and "reason_code" in refused.json()["fields"]
    done = client.post(path, {"reason_code": "found_cheaper", "note": "-10%"}, content_type="application/json")
    assert done.status_code == 200
    event = OrderEvent.objects.get(order=order, type=EventType.CANCELLED)
    assert Reason.from_data(event.data) == Reason("found_cheaper", "-10%")


def test_services_still_take_free_text_as_an_other_note(manager):
    order = place([(SWEATER_M, 1)], paid="card")
    give_goodwill_discount(order=order, amount=D("2.00"), reason="Kratzer", actor=manager)
    event = OrderEvent.objects.get(order=order, type=EventType.GOODWILL_DISCOUNT)
    assert Reason.from_data(event.data) == Reason("other", "Kratzer")
    with translation.override("de"):
        assert str(Reason.from_data(event.data)) == "Sonstiges (Notiz: Kratzer)"


def test_an_older_events_sentence_reads_as_an_other_note():
    assert Reason.from_data({"reason": "Order #1042 edited"}) == Reason("other", "Order #1042 edited")
    assert Reason.from_data({"reason": ""}) == Reason() and not Reason.from_data({})
    assert Reason.from_data({"reason_code": "late", "reason_note": ""}).text() == "Late delivery"
    assert Reason("no_longer_a_code").label() == "Other"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_free_text_as_the_note_of_other(catalog):
    before, after = [("orders", "0017_line_group_price")], [("orders", "0018_reason_code_and_note")]
    order = place([(MUG, 1)], paid="card")
    untouched = place([(MUG, 1)], email="kim@example.com", paid="card")
    try:
        MigrationExecutor(connection).migrate(before)  # the columns as they were: one free-text ``reason``
        with connection.cursor() as cursor:
            cursor.execute("UPDATE orders_transaction SET reason = %s WHERE order_id = %s", ["Kapot", order.pk])
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert Transaction.objects.get(order=order).reason == Reason("other", "Kapot")
    assert Transaction.objects.get(order=untouched).reason == Reason()  # an empty reason stays empty


@pytest.fixture
def manager(db):
    from accounts.models import User

    return User.objects.create_superuser("manager-reasons@example.com", "x")


def test_staff_cancel_reason_is_stored_as_a_code(manager):
    order = place([(MUG, 1)], paid="card")
    editing.cancel_order(
        order=order, actor_kind=ActorKind.STAFF, actor=manager, reason=Reason(ReasonCode.FRAUD, "stolen card")
    )
    event = OrderEvent.objects.get(order=order, type=EventType.CANCELLED)
    assert event.data == {"reason_code": "fraud", "reason_note": "stolen card"}


def test_webhooks_keep_a_reason_sentence_in_the_stores_language(manager):
    from integrations.services import event_data
    from storefront.models import StoreSettings

    StoreSettings.objects.update(language="de")
    order = place([(MUG, 1)], paid="card")
    editing.cancel_order(order=order, actor_kind=ActorKind.STAFF, actor=manager, reason=Reason("fraud", "stolen"))
    data = event_data(OrderEvent.objects.get(order=order, type=EventType.CANCELLED))
    assert (data["reason_code"], data["reason_note"]) == ("fraud", "stolen")
    assert data["reason"] == "Betrugsverdacht (Notiz: stolen)"
