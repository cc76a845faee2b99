"""Shipment and backorder notices (one per change, even when the update arrives twice), and the
marketing follow-up that only consenting shoppers get, with headers checked on a real SMTP server."""

import email
from datetime import date
from email import policy

import pytest
from django.utils import translation

from accounts.models import CustomerProfile
from accounts.selectors import unsubscribe_token
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders import services
from orders.constants import BackorderKind, DeliveryState
from orders.errors import OrderError
from storefront.models import StoreSettings
from tests.editing.conftest import place
from tests.editing.test_services import MUG, SWEATER_M, line

pytestmark = pytest.mark.usefixtures("catalog")

SMTP_ENV = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_USE_TLS": "0"}


def kinds(order):
    return list(Message.objects.filter(recipient=order.email).order_by("pk").values_list("kind", flat=True))


@pytest.mark.django_db
def test_out_for_delivery_twice_sends_one_message():
    order = place([(MUG, 1)], paid="card")
    shipment = services.record_shipment(
        order=order,
        quantities={line(order, MUG).pk: 1},
        carrier="PostNL",
        tracking_number="3S1",
        estimated_arrival=date(2026, 12, 3),
    )
    for _ in range(2):
        services.update_delivery_state(fulfillment=shipment, delivery_state=DeliveryState.OUT_FOR_DELIVERY)
    assert kinds(order) == [MessageKind.SHIPMENT_SHIPPED, MessageKind.SHIPMENT_OUT_FOR_DELIVERY]
    shipped = compose(Message.objects.get(kind=MessageKind.SHIPMENT_SHIPPED))
    assert "3S1" in shipped.body_text and "December 3, 2026" in shipped.body_text


@pytest.mark.django_db
def test_each_delivery_state_has_its_message_and_a_new_date_alone_sends_none():
    order = place([(MUG, 1)], paid="card")
    shipment = services.record_shipment(order=order, quantities={line(order, MUG).pk: 1})
    services.update_delivery_state(
        fulfillment=shipment, delivery_state=DeliveryState.IN_TRANSIT, estimated_arrival=date(2026, 12, 9)
    )
    services.update_delivery_state(fulfillment=shipment, delivery_state=DeliveryState.FAILED)
    services.update_delivery_state(fulfillment=shipment, delivery_state=DeliveryState.DELIVERED)
    assert kinds(order) == [
        MessageKind.SHIPMENT_SHIPPED,
        MessageKind.SHIPMENT_FAILED,
        MessageKind.SHIPMENT_DELIVERED,
    ]  # no marketing: this shopper never consented


@pytest.mark.django_db
def test_ready_for_pickup_names_the_place_in_the_orders_language():
    order = place([(MUG, 1)], paid="card", method=None, pickup_location=_pickup(), language="de")
    services.record_shipment(
        order=order, quantities={line(order, MUG).pk: 1}, delivery_state=DeliveryState.READY_FOR_PICKUP
    )
    message = compose(Message.objects.get(kind=MessageKind.SHIPMENT_READY_FOR_PICKUP))
    with translation.override("de"):
        german_name = _pickup().name
    assert german_name != "Amsterdam store"  # the catalog's German name
    assert message.language == "de" and german_name in message.body_text and "abholbereit" in message.subject


def _pickup():
    from storefront.models import PickupLocation

    return PickupLocation.objects.get()


@pytest.mark.django_db
def test_a_backorder_notice_names_the_items_and_what_happens_next_once(client):
    order = place([(SWEATER_M, 1), (MUG, 2)], paid="card")
    mug = line(order, MUG)
    for _ in range(2):
        services.report_backorder(
            order=order, quantities={mug.pk: 2}, kind=BackorderKind.BACKORDER, expected=date(2026, 12, 12)
        )
    notice = compose(Message.objects.get(kind=MessageKind.BACKORDER_NOTICE))
    assert "Ceramic coffee mug – White" in notice.body_text and "on backorder" in notice.body_text
    assert "December 12, 2026" in notice.body_text and "later shipment" in notice.body_text
    mug.refresh_from_db()
    assert (mug.backordered_quantity, mug.backorder_kind) == (2, BackorderKind.BACKORDER)
    client.force_login(order.customer)
    page = client.get(f"/store/account/orders/{order.number}/").content.decode()
    assert "On backorder: 2" in page
    # Shipping the units clears the notice on the line.
    services.record_shipment(order=order, quantities={mug.pk: 2})
    mug.refresh_from_db()
    assert mug.backordered_quantity == 0 and mug.backorder_kind == ""


@pytest.mark.django_db
def test_a_backorder_for_more_than_is_left_to_ship_is_refused():
    order = place([(MUG, 1)], paid="card")
    with pytest.raises(OrderError) as refused:
        services.report_backorder(order=order, quantities={line(order, MUG).pk: 2})
    assert refused.value.code == "over_fulfilment" and not Message.objects.filter(kind="backorder_notice").exists()


@pytest.mark.django_db(transaction=True)
def test_headers_on_a_real_smtp_server_marketing_only_with_consent_and_unsubscribe(smtp_server, run_worker, client):
    StoreSettings.objects.update(support_email="help@shop.example")
    order = place([(MUG, 1)], paid="card", language="fr")
    CustomerProfile.objects.filter(user=order.customer).update(marketing_consent=True)
    shipment = services.record_shipment(order=order, quantities={line(order, MUG).pk: 1})
    services.update_delivery_state(fulfillment=shipment, delivery_state=DeliveryState.DELIVERED)
    run_worker(extra_env={**SMTP_ENV, "EMAIL_HOST": smtp_server.host, "EMAIL_PORT": str(smtp_server.port)})

    received = {
        mail["X-Aftersale-Message"]: mail
        for mail in (email.message_from_bytes(e.content, policy=policy.default) for e in smtp_server.messages)
    }
    by_kind = {Message.objects.get(pk=int(pk)).kind: mail for pk, mail in received.items()}
    assert set(by_kind) == {
        MessageKind.SHIPMENT_SHIPPED,
        MessageKind.SHIPMENT_DELIVERED,
        MessageKind.SHOP_AGAIN,
    }
    for kind, mail in by_kind.items():
        assert mail.is_multipart() and {p.get_content_type() for p in mail.walk()} >= {"text/plain", "text/html"}
        assert mail["From"] == "Aftersale Demo Store <shop@example.com>" and mail["Reply-To"] == "help@shop.example"
        assert mail["Content-Language"] == "fr" and mail["Message-ID"].endswith("@example.com>")
        assert ("List-Unsubscribe" in mail) == (kind == MessageKind.SHOP_AGAIN)
    unsubscribe = by_kind[MessageKind.SHOP_AGAIN]["List-Unsubscribe"].strip("<>")
    assert by_kind[MessageKind.SHOP_AGAIN]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.endswith(f"/store/account/unsubscribe/{unsubscribe_token(order.customer_id)}/")

    # One-click unsubscribe (a mail client's POST, no CSRF token, no session), then no more marketing.
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200  # only asks
    assert CustomerProfile.objects.get(user=order.customer).marketing_consent
    assert client.post(f"/{path}", {"List-Unsubscribe": "One-Click"}).status_code == 200
    profile = CustomerProfile.objects.get(user=order.customer)
    assert not profile.marketing_consent and profile.marketing_consent_source == "unsubscribe"
    second = place([(MUG, 1)], paid="card", email=order.email)
    shipment = services.record_shipment(order=second, quantities={line(second, MUG).pk: 1})
    services.update_delivery_state(fulfillment=shipment, delivery_state=DeliveryState.DELIVERED)
    assert kinds(second).count(MessageKind.SHOP_AGAIN) == 1  # only the first order's, sent before
    assert kinds(second).count(MessageKind.SHIPMENT_DELIVERED) == 2  # transactional mail still comes


@pytest.mark.django_db
def test_a_forged_unsubscribe_link_is_not_found(client):
    assert client.get("/store/account/unsubscribe/7.forged/").status_code == 404


@pytest.mark.django_db
def test_a_zero_quantity_clears_a_backorder_without_an_email():
    order = place([(MUG, 2)], paid="card")
    mug = line(order, MUG)
    services.report_backorder(order=order, quantities={mug.pk: 1})
    services.report_backorder(order=order, quantities={mug.pk: 0})
    mug.refresh_from_db()
    assert (mug.backordered_quantity, mug.backorder_kind) == (0, "")
    assert Message.objects.filter(kind=MessageKind.BACKORDER_NOTICE).count() == 1


@pytest.mark.django_db
def test_a_new_date_on_a_delivered_parcel_keeps_its_delivery_time():
    order = place([(MUG, 1)], paid="card")
    shipment = services.record_shipment(
        order=order, quantities={line(order, MUG).pk: 1}, delivery_state=DeliveryState.DELIVERED
    )
    delivered_at = shipment.delivered_at
    shipment = services.update_delivery_state(
        fulfillment=shipment, delivery_state=DeliveryState.DELIVERED, estimated_arrival=date(2026, 12, 1)
    )
    assert shipment.delivered_at == delivered_at
