"""Internal notes on orders and customers (staff only, in both timelines) and the order's readable audit trail."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from desk import services
from desk.models import Note
from editing import services as editing
from orders import services as orders
from orders.constants import ActorKind, EventType, RiskLevel
from orders.models import Order, OrderEvent
from orders.presentation import audit_sentence
from tests.factories import place_test_order
from tests.orders.conftest import change_url, csrf_token, flashed

pytestmark = pytest.mark.django_db


def add_order_note(client: Client, order: Order, text: str):
    """What the order page's "Add note" button sends: the page's whole form, posted to the note view."""
    token = csrf_token(client.get(change_url(order)))
    return client.post(f"/admin/orders/order/{order.pk}/note/", {"csrfmiddlewaretoken": token, "note_text": text})


def test_both_groups_note_an_order_and_it_shows_in_both_timelines_only(desk_client, catalog, client):
    order = place_test_order(email="noa@example.com")
    version = order.version

    response = add_order_note(desk_client, order, "Customer called: leave it with the neighbours")

    assert response.status_code == 302 and response["Location"].endswith("#timeline")
    note = Note.objects.get()
    assert note.order == order and note.customer == order.customer and note.author.groups.exists()
    assert Order.objects.get(pk=order.pk).version == version  # a note is no change to the order
    order_page = desk_client.get(change_url(order)).content.decode()
    assert "Customer called: leave it with the neighbours" in order_page
    customer_page = desk_client.get(f"/admin/desk/customer/{order.customer_id}/change/").content.decode()
    assert "Customer called: leave it with the neighbours" in customer_page
    # Never shown to the shopper: their order page and the shopper API.
    client.force_login(order.customer)
    shopper_page = client.get(f"/store/account/orders/{order.number}/").content.decode()
    api = client.get(reverse("api:my-order", args=[order.number])).content.decode()
    assert "neighbours" not in shopper_page and "neighbours" not in api


def test_both_groups_note_a_customer(desk_client, catalog):
    order = place_test_order(email="noa@example.com")
    url = f"/admin/desk/customer/{order.customer_id}/change/"
    token = csrf_token(desk_client.get(url))
    response = desk_client.post(
        f"/admin/desk/customer/{order.customer_id}/note/", {"csrfmiddlewaretoken": token, "note_text": "VIP"}
    )
    assert response.status_code == 302
    note = Note.objects.get()
    assert note.order is None and note.customer_id == order.customer_id and note.text == "VIP"


def test_an_empty_note_is_refused_and_nothing_is_written(agent_client, catalog):
    order = place_test_order()
    response = add_order_note(agent_client, order, "   ")
    assert response.status_code == 302
    assert "Write the note first." in flashed(agent_client.get(change_url(order)))
    assert not Note.objects.exists()
    with pytest.raises(services.NoteError):
        services.add_note(author=User.objects.get(email="agent@example.com"), order=order, text="x" * 2001)


def test_staff_outside_the_groups_cant_add_notes(outsider_client, catalog):
    order = place_test_order()
    assert outsider_client.post(f"/admin/orders/order/{order.pk}/note/", {"note_text": "hi"}).status_code == 403
    assert (
        outsider_client.post(f"/admin/desk/customer/{order.customer_id}/note/", {"note_text": "hi"}).status_code == 403
    )
    assert not Note.objects.exists()


def test_the_order_timeline_is_sentences_not_json(staff_client, catalog):
    order = place_test_order()
    staff = User.objects.get(email="staff-test@example.com")
    orders.review_order(order=order, tags=["vip"], risk_level=RiskLevel.HIGH, actor=staff)
    session = editing.begin_edit(order=order, actor_kind=ActorKind.STAFF, actor=staff)
    editing.stage_address(
        session_id=session.pk,
        address={
            "name": "Sam Jansen",
            "line1": "Damrak 1",
            "city": "Amsterdam",
            "postal_code": "1012 LG",
            "country": "NL",
        },
    )
    editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.STAFF, actor=staff)

    page = staff_client.get(change_url(order)).content.decode()
    timeline = page[page.index('id="timeline"') : page.index("</table>", page.index('id="timeline"'))]

    assert "Actor Actor" not in page and "{&quot;" not in timeline and "{'" not in timeline
    assert re.search(r"Order placed: 1 line, total €\d+\.\d\d", timeline)
    assert "Tags: — → vip; Risk: Low → High" in timeline
    assert (
        "Shipping address: Sam Jansen, Prinsengracht 263, 1016 GV Amsterdam, Netherlands → "
        "Sam Jansen, Damrak 1, 1012 LG Amsterdam, Netherlands" in timeline
    )
    assert "staff-test@example.com" in timeline and "System" not in timeline.split("Order placed")[0][-200:]


def test_audit_sentences_in_the_readers_language(catalog):
    order = place_test_order()
    event = OrderEvent.objects.get(order=order, type=EventType.PLACED)
    with translation.override("en"):
        assert audit_sentence(event, currency="EUR", language="en").startswith("Order placed: 1 line, total €")
    delivery = OrderEvent(
        order=order,
        type=EventType.DELIVERY_UPDATED,
        actor_kind=ActorKind.SYSTEM,
        data={"before": {"state": "in_transit"}, "after": {"state": "delivered"}},
        order_version=1,
    )
    assert audit_sentence(delivery, currency="EUR", language="en") == "Delivery: In transit → Delivered"
    cancelled = OrderEvent(
        order=order,
        type=EventType.CANCELLED,
        actor_kind=ActorKind.STAFF,
        data={"reason_code": "fraud", "reason_note": "two cards"},
        order_version=1,
    )
    assert audit_sentence(cancelled, currency="EUR", language="en") == (
        "Order canceled. Reason: Suspected fraud (note: two cards)"
    )
