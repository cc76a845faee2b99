"""Staff fulfilment in admin: ship items, report a backorder, update delivery, the "mark delivered" action."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from editing import services as editing
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders import services
from orders.constants import ActorKind, BackorderKind, DeliveryState, EventType, FulfillmentStatus
from orders.models import Fulfillment, Order, OrderEvent
from tests.conftest import STAFF_PASSWORD
from tests.editing.conftest import place  # the catalog fixture lives in tests/conftest.py
from tests.editing.test_services import MUG, SOCKS, SWEATER_M, line
from tests.orders.conftest import change_url, flashed, sign_in, url

pytestmark = pytest.mark.usefixtures("catalog")

SHIPMENTS = "/admin/orders/fulfillment/"


def delivery_url(shipment: Fulfillment) -> str:
    return f"/admin/orders/fulfillment/{shipment.pk}/delivery/"


def field(order: Order, sku: str) -> str:
    return f"line_{line(order, sku).pk}"


def sent(order: Order, kind: MessageKind) -> int:
    return Message.objects.filter(recipient=order.email, kind=kind).count()


def ship_data(order: Order, socks=1, sweater=0, **extra) -> dict:
    return {
        field(order, SOCKS): str(socks),
        field(order, SWEATER_M): str(sweater),
        "carrier": "PostNL",
        "tracking_number": "3SABC123",
        "tracking_url": "https://postnl.example/track/3SABC123",
        "delivery_state": DeliveryState.IN_TRANSIT,
        "estimated_arrival": "2026-12-03",
        **extra,
    }


def shipped(order: Order, **kwargs) -> Fulfillment:
    """A shipment of one pair of socks, recorded by the warehouse (not through admin)."""
    return services.record_shipment(order=order, quantities={line(order, SOCKS).pk: 1}, **kwargs)


@pytest.fixture
def order() -> Order:
    return place([(SWEATER_M, 1), (SOCKS, 2)], paid="card")


# --- the order page ----------------------------------------------------------------------------------


def test_order_page_has_the_fulfilment_buttons_and_an_update_link_per_shipment(staff_client, order):
    assert reverse("admin:orders_order_ship", args=[order.pk]) == url(order, "ship")
    assert reverse("admin:orders_order_backorder", args=[order.pk]) == url(order, "backorder")
    html = staff_client.get(change_url(order)).content.decode()
    assert f'href="{url(order, "ship")}"' in html and f'href="{url(order, "backorder")}"' in html
    assert "Update delivery" not in html

    shipment = shipped(order)
    assert reverse("admin:orders_fulfillment_delivery", args=[shipment.pk]) == delivery_url(shipment)
    html = staff_client.get(change_url(order)).content.decode()
    assert f'href="{delivery_url(shipment)}"' in html


def test_fulfilment_buttons_go_once_everything_is_shipped_or_the_order_is_cancelled(staff_client, order):
    services.record_shipment(order=order, quantities={line.pk: line.quantity for line in order.lines.all()})
    html = staff_client.get(change_url(order)).content.decode()
    assert f'href="{url(order, "ship")}"' not in html and "Everything is shipped." in html

    other = place([(MUG, 1)], email="other@example.com", paid="card")
    editing.cancel_order(order=other, actor_kind=ActorKind.STAFF, actor=None, reason="test")
    html = staff_client.get(change_url(other)).content.decode()
    assert f'href="{url(other, "backorder")}"' not in html and "can&#x27;t be shipped" in html


# --- ship items ----------------------------------------------------------------------------------------


def test_ship_page_offers_what_is_left_to_ship(staff_client, order):
    shipped(order)
    page = staff_client.get(url(order, "ship"))
    assert page.status_code == 200
    form = page.context["form"]
    assert form[field(order, SOCKS)].initial == 1 and form[field(order, SWEATER_M)].initial == 1
    assert form["delivery_state"].initial == DeliveryState.IN_TRANSIT
    html = page.content.decode()
    assert f'name="{field(order, SOCKS)}" value="1" min="0" max="1"' in html
    assert 'name="tracking_url"' in html and 'name="estimated_arrival"' in html


def test_staff_ship_part_of_an_order(staff_client, staff_user, order):
    response = staff_client.post(url(order, "ship"), ship_data(order, socks=1), follow=True)
    assert response.redirect_chain == [(change_url(order), 302)]
    assert (line(order, SOCKS).fulfilled_quantity, line(order, SWEATER_M).fulfilled_quantity) == (1, 0)
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED
    shipment = Fulfillment.objects.get(order=order)
    assert (
        shipment.carrier,
        shipment.tracking_number,
        shipment.tracking_url,
        shipment.delivery_state,
        shipment.estimated_arrival,
    ) == ("PostNL", "3SABC123", "https://postnl.example/track/3SABC123", DeliveryState.IN_TRANSIT, date(2026, 12, 3))
    assert [(fl.order_line.sku, fl.quantity) for fl in shipment.lines.all()] == [(SOCKS, 1)]
    event = OrderEvent.objects.get(order=order, type=EventType.FULFILLMENT_CREATED)
    assert (event.actor, event.actor_kind) == (staff_user, ActorKind.STAFF)
    assert sent(order, MessageKind.SHIPMENT_SHIPPED) == 1
    assert any(f"Shipment #{shipment.pk}" in message for message in flashed(response))


def test_shipping_more_than_is_left_is_refused_on_that_line(staff_client, order):
    version = order.version
    response = staff_client.post(url(order, "ship"), ship_data(order, socks=3, sweater=1))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[field(order, SOCKS)] == ["More than is left to ship."]
    assert field(order, SWEATER_M) not in form.errors
    assert any("Only 2 of" in error for error in form.non_field_errors())
    assert not Fulfillment.objects.filter(order=order).exists()
    assert sent(order, MessageKind.SHIPMENT_SHIPPED) == 0
    assert line(order, SWEATER_M).fulfilled_quantity == 0
    order.refresh_from_db()
    assert order.version == version and order.fulfillment_status == FulfillmentStatus.UNFULFILLED


def test_shipping_nothing_or_a_bad_link_is_refused(staff_client, order):
    nothing = staff_client.post(url(order, "ship"), ship_data(order, socks=0))
    assert nothing.status_code == 400
    assert "Choose at least one item to ship." in nothing.context["form"].non_field_errors()
    bad = staff_client.post(url(order, "ship"), ship_data(order, tracking_url="not a link", delivery_state="lost"))
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"tracking_url", "delivery_state"}
    assert not Fulfillment.objects.filter(order=order).exists()


# --- update delivery ---------------------------------------------------------------------------------------


def test_update_delivery_to_out_for_delivery_notifies_once(staff_client, staff_user, order):
    shipment = shipped(order, estimated_arrival=date(2026, 12, 3))
    page = staff_client.get(delivery_url(shipment))
    assert page.status_code == 200 and page.context["form"]["delivery_state"].initial == DeliveryState.IN_TRANSIT

    data = {"delivery_state": DeliveryState.OUT_FOR_DELIVERY, "estimated_arrival": ""}
    response = staff_client.post(delivery_url(shipment), data, follow=True)
    assert response.redirect_chain == [(change_url(order), 302)]
    shipment.refresh_from_db()
    assert shipment.delivery_state == DeliveryState.OUT_FOR_DELIVERY
    assert shipment.estimated_arrival == date(2026, 12, 3)  # an empty date keeps the shipment's
    assert sent(order, MessageKind.SHIPMENT_OUT_FOR_DELIVERY) == 1
    event = OrderEvent.objects.get(order=order, type=EventType.DELIVERY_UPDATED)
    assert (event.actor, event.actor_kind) == (staff_user, ActorKind.STAFF)

    again = staff_client.post(delivery_url(shipment), data, follow=True)
    assert sent(order, MessageKind.SHIPMENT_OUT_FOR_DELIVERY) == 1
    assert OrderEvent.objects.filter(order=order, type=EventType.DELIVERY_UPDATED).count() == 1
    assert any(message.startswith("Nothing changed") for message in flashed(again))


def test_update_delivery_needs_a_known_state(staff_client, order):
    shipment = shipped(order)
    response = staff_client.post(delivery_url(shipment), {"delivery_state": "teleported"})
    assert response.status_code == 400 and "delivery_state" in response.context["form"].errors
    shipment.refresh_from_db()
    assert shipment.delivery_state == DeliveryState.IN_TRANSIT


# --- backorder ------------------------------------------------------------------------------------------------


def test_backorder_report_shows_on_the_line_and_notifies_once(staff_client, staff_user, order):
    page = staff_client.get(url(order, "backorder"))
    assert page.context["form"][field(order, SOCKS)].initial == 0
    data = {
        field(order, SOCKS): "2",
        field(order, SWEATER_M): "0",
        "kind": BackorderKind.BACKORDER,
        "expected": "2026-12-10",
        "note": "The new batch arrives next week.",
    }
    response = staff_client.post(url(order, "backorder"), data, follow=True)
    assert response.redirect_chain == [(change_url(order), 302)]
    socks, sweater = line(order, SOCKS), line(order, SWEATER_M)
    assert (socks.backordered_quantity, socks.backorder_kind, socks.backorder_expected) == (
        2,
        BackorderKind.BACKORDER,
        date(2026, 12, 10),
    )
    assert sweater.backordered_quantity == 0
    notice = compose(Message.objects.get(recipient=order.email, kind=MessageKind.BACKORDER_NOTICE))
    assert "The new batch arrives next week." in notice.body_text
    event = OrderEvent.objects.get(order=order, type=EventType.BACKORDER_REPORTED)
    assert (event.actor, event.actor_kind) == (staff_user, ActorKind.STAFF)

    again = staff_client.post(url(order, "backorder"), data, follow=True)
    assert sent(order, MessageKind.BACKORDER_NOTICE) == 1
    assert any(message.startswith("Nothing changed") for message in flashed(again))


def test_backorder_of_more_than_is_left_is_refused_on_that_line(staff_client, order):
    response = staff_client.post(url(order, "backorder"), {field(order, SOCKS): "5", "kind": BackorderKind.SHORT_PICK})
    assert response.status_code == 400
    assert response.context["form"].errors[field(order, SOCKS)] == ["More than is left to ship."]
    assert line(order, SOCKS).backordered_quantity == 0 and sent(order, MessageKind.BACKORDER_NOTICE) == 0


# --- the changelist action --------------------------------------------------------------------------------------


def test_action_marks_selected_shipments_delivered_and_reports_the_rest(staff_client, staff_user, order):
    first = shipped(order)
    done = shipped(order, delivery_state=DeliveryState.DELIVERED)
    response = staff_client.post(
        SHIPMENTS, {"action": "mark_delivered", "_selected_action": [first.pk, done.pk]}, follow=True
    )
    first.refresh_from_db()
    assert first.delivery_state == DeliveryState.DELIVERED and first.delivered_at is not None
    event = OrderEvent.objects.get(order=order, type=EventType.DELIVERY_UPDATED)
    assert (event.data["fulfillment"], event.actor) == (first.pk, staff_user)
    shown = flashed(response)
    assert "1 shipment marked delivered." in shown
    assert f"Shipment #{done.pk} was already delivered." in shown
    assert sent(order, MessageKind.SHIPMENT_DELIVERED) == 2  # the one recorded delivered, and first


# --- who may --------------------------------------------------------------------------------------------------


def test_support_agent_ships_updates_and_marks_delivered(agent_client, agent, order):
    assert agent_client.get(url(order, "ship")).status_code == 200
    assert agent_client.get(url(order, "backorder")).status_code == 200
    assert agent_client.post(url(order, "ship"), ship_data(order, socks=2, sweater=1)).status_code == 302
    shipment = Fulfillment.objects.get(order=order)
    assert OrderEvent.objects.get(order=order, type=EventType.FULFILLMENT_CREATED).actor == agent
    # The order page shows agents the shipment with its link, though their group has no shipment permissions.
    assert f'href="{delivery_url(shipment)}"' in agent_client.get(change_url(order)).content.decode()
    data = {"delivery_state": DeliveryState.OUT_FOR_DELIVERY}
    assert agent_client.post(delivery_url(shipment), data).status_code == 302
    agent_client.post(SHIPMENTS, {"action": "mark_delivered", "_selected_action": [shipment.pk]})
    shipment.refresh_from_db()
    assert shipment.delivery_state == DeliveryState.DELIVERED
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED


def test_staff_without_the_change_order_permission_is_forbidden(db, order):
    shipment = shipped(order)
    clerk = User.objects.create_user("clerk@example.com", STAFF_PASSWORD, is_staff=True)
    client = sign_in(Client(), clerk)
    assert client.get(url(order, "ship")).status_code == 403
    assert client.post(url(order, "ship"), ship_data(order, socks=1)).status_code == 403
    assert client.post(url(order, "backorder"), {field(order, SOCKS): "1", "kind": "backorder"}).status_code == 403
    assert client.post(delivery_url(shipment), {"delivery_state": DeliveryState.DELIVERED}).status_code == 403
    assert Fulfillment.objects.filter(order=order).count() == 1
    shipment.refresh_from_db()
    assert shipment.delivery_state == DeliveryState.IN_TRANSIT and line(order, SOCKS).backordered_quantity == 0


def test_shoppers_and_strangers_are_sent_to_the_admin_login(client, order):
    shipment = shipped(order)
    client.force_login(order.customer)  # signed in, but not staff
    for page in (url(order, "ship"), url(order, "backorder"), delivery_url(shipment)):
        response = client.post(page, ship_data(order, socks=1))
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        assert Client().get(page)["Location"].startswith("/admin/login/")
    assert Fulfillment.objects.filter(order=order).count() == 1
