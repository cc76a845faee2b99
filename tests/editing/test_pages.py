import pytest

from core.reasons import Reason
from editing.models import EditPolicy, EditSession
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import EventType, OrderStatus, OrderTag
from orders.models import Order
from storefront.models import StoreSettings
from tests.editing.conftest import place, sku

pytestmark = pytest.mark.usefixtures("catalog")
SOCKS, MUG, TEE = "WOOL-SOCKS-M-GREY", "CERAMIC-MUG-WHITE", "ORGANIC-COTTON-TEE-M-WHITE"


@pytest.fixture
def shopper_order(client):
    order = place([(SOCKS, 1), (MUG, 1)])
    client.force_login(order.customer)
    return order


def edit_url(order):
    return f"/store/account/orders/{order.number}/edit/"


def post(client, order, **data):
    return client.post(edit_url(order), data)


def messages_of(response):
    """The messages a page shows: the edit page's in its status region, other pages' in base.html's list."""
    if not response.context:
        return []
    shown = response.context.get("status_messages")
    return [str(m) for m in (shown if shown is not None else response.context["messages"])]


def test_order_page_offers_edit_and_cancel(client, shopper_order):
    page = client.get(f"/store/account/orders/{shopper_order.number}/").content.decode()
    assert edit_url(shopper_order) in page and f"/store/account/orders/{shopper_order.number}/cancel/" in page
    assert "You can change this order until" in page


def test_stage_preview_confirm(client, shopper_order):
    socks = shopper_order.lines.get(sku=SOCKS)
    assert post(client, shopper_order, action="quantity", line_id=socks.pk, quantity=3).status_code == 302
    page = client.get(edit_url(shopper_order))
    preview = page.context["preview"]
    assert preview.after.total == shopper_order.total + 30 and preview.to_pay == 30
    html = page.content.decode()
    assert "New totals" in html and "1 → 3" in html and "Confirm changes" in html
    session = page.context["session"]
    response = post(client, shopper_order, action="confirm", session=session.pk, version=session.base_content_version)
    assert response.status_code == 302 and response["Location"] == f"/store/account/orders/{shopper_order.number}/"
    followed = client.get(response["Location"])
    assert any("Your changes are confirmed" in m for m in messages_of(followed))
    assert "You changed the order; new total" in followed.content.decode()
    order = Order.objects.get(pk=shopper_order.pk)
    assert order.lines.get(sku=SOCKS).quantity == 3 and OrderTag.EDITED_BY_CUSTOMER in order.tags
    # The same confirm again (double submit): nothing more happens.
    again = post(client, shopper_order, action="confirm", session=session.pk, version=session.base_content_version)
    assert again.status_code == 302
    assert Order.objects.get(pk=shopper_order.pk).version == order.version


def test_a_stale_confirm_asks_to_review(client, shopper_order):
    socks = shopper_order.lines.get(sku=SOCKS)
    post(client, shopper_order, action="quantity", line_id=socks.pk, quantity=2)
    session = EditSession.objects.get(order=shopper_order, status="open")
    response = post(
        client, shopper_order, action="confirm", session=session.pk, version=session.base_content_version - 1
    )
    assert "changed since you last looked" in " ".join(messages_of(client.get(response["Location"])))
    assert Order.objects.get(pk=shopper_order.pk).lines.get(sku=SOCKS).quantity == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "quantity", "line_id": "1", "quantity": "abc"}, "Please check"),
        ({"action": "quantity", "line_id": "99999", "quantity": "2"}, "not on this order"),
        ({"action": "swap", "line_id": "LINE", "variant_id": "TEE"}, "same product"),
        ({"action": "add", "variant_id": "99999", "quantity": "1"}, "can't be added"),
        ({"action": "address", "name": "x", "line1": "y", "city": "z", "country": "JP"}, "same country"),
        ({"action": "delivery", "delivery": "pickup:99999"}, "not available"),
        ({"action": "explode"}, "Unknown action"),
    ],
)
def test_bad_input_says_why_and_stages_nothing(client, shopper_order, data, message):
    data = {
        key: (
            str(shopper_order.lines.get(sku=SOCKS).pk)
            if value == "LINE"
            else str(sku(TEE).pk)
            if value == "TEE"
            else value
        )
        for key, value in data.items()
    }
    response = post(client, shopper_order, **data)
    assert response.status_code == 302
    shown = " ".join(messages_of(client.get(response["Location"])))
    assert message in shown, shown
    session = EditSession.objects.get(order=shopper_order, status="open")
    assert not any(session.staged.get(key) for key in ("quantities", "swaps", "additions", "address", "delivery"))


def test_catalog_search_and_add(client, shopper_order):
    page = client.get(edit_url(shopper_order), {"q": "shirt"})
    results = page.context["results"]
    assert results and all("T-shirt" in v.product.name for v in results)
    post(client, shopper_order, action="add", variant_id=results[0].pk, quantity=2)
    assert client.get(edit_url(shopper_order)).context["preview"].plan.lines[-1].change == "added"


def test_someone_elses_order_cannot_be_edited(client, shopper_order):
    other = place([(MUG, 1)], email="alex@example.com")
    assert client.get(edit_url(other)).status_code == 404
    assert client.post(edit_url(other), {"action": "reset"}).status_code == 404
    assert client.get(f"/store/account/orders/{other.number}/cancel/").status_code == 404


def test_a_locked_order_shows_the_reason(client):
    order = place([(SOCKS, 1)], discount_code="WELCOME10")
    client.force_login(order.customer)
    detail = client.get(f"/store/account/orders/{order.number}/").content.decode()
    assert 'data-edit-refusal="discount_locked"' in detail and edit_url(order) not in detail
    page = client.get(edit_url(order))
    assert page.status_code == 200 and "discount code" in page.content.decode()


def test_cancel_with_a_confirm_step(client, shopper_order):
    url = f"/store/account/orders/{shopper_order.number}/cancel/"
    page = client.get(url).content.decode()
    assert "Yes, cancel the order" in page
    assert Order.objects.get(pk=shopper_order.pk).status == OrderStatus.OPEN  # looking changes nothing
    response = client.post(url, {"reason": "ordered_by_mistake", "note": "ordered twice"})
    order = Order.objects.get(pk=shopper_order.pk)
    assert response.status_code == 302 and order.status == OrderStatus.CANCELLED
    event = order.events.get(type=EventType.CANCELLED)
    assert Reason.from_data(event.data) == Reason("ordered_by_mistake", "ordered twice")
    assert OrderTag.CANCELLED_BY_CUSTOMER in order.tags
    assert Message.objects.filter(kind=MessageKind.ORDER_CANCELLED).exists()


def test_cancel_not_allowed_shows_why(client, shopper_order):
    EditPolicy.objects.update(allow_cancel=False)
    page = client.get(f"/store/account/orders/{shopper_order.number}/cancel/").content.decode()
    assert "allow canceling orders online" in page and "Yes, cancel the order" not in page
    client.post(f"/store/account/orders/{shopper_order.number}/cancel/", {"reason": ""})
    assert Order.objects.get(pk=shopper_order.pk).status == OrderStatus.OPEN


def test_staff_edit_from_admin_past_customer_limits(staff_client):
    order = place([(SOCKS, 1)], discount_code="WELCOME10")  # locked for the shopper
    url = f"/admin/orders/order/{order.pk}/edit/"
    assert "Editing as staff" in staff_client.get(url).content.decode()
    staff_client.post(url, {"action": "quantity", "line_id": order.lines.get().pk, "quantity": 4})
    session = EditSession.objects.get(order=order, status="open", actor_kind="staff")
    response = staff_client.post(
        url, {"action": "confirm", "session": session.pk, "version": session.base_content_version}
    )
    assert response["Location"] == f"/admin/orders/order/{order.pk}/change/"
    order.refresh_from_db()
    assert order.lines.get().quantity == 4 and OrderTag.EDITED_BY_STAFF in order.tags
    assert "Edit lines, address or delivery" in staff_client.get(response["Location"]).content.decode()


def test_admin_edit_page_needs_staff(client, shopper_order):
    response = client.get(f"/admin/orders/order/{shopper_order.pk}/edit/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_edit_page_queries_are_flat_in_the_number_of_lines(client, django_assert_max_num_queries):
    codes = [
        SOCKS,
        MUG,
        TEE,
        "WOOL-SOCKS-L-GREY",
        "ORGANIC-COTTON-TEE-L-BLACK",
        "CANVAS-TOTE-NATURAL",
        "MERINO-CREW-SWEATER-M-NAVY",
    ]
    counts = []
    for email, lines in (("small@example.com", codes[:1]), ("large@example.com", codes)):
        order = place([(code, 1) for code in lines], email=email)
        client.force_login(order.customer)
        post(client, order, action="quantity", line_id=order.lines.get(sku=SOCKS).pk, quantity=2)
        client.get(edit_url(order))
        with django_assert_max_num_queries(19) as ctx:
            client.get(edit_url(order))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_policy_admin_edits_the_window_with_the_policy(staff_client):

    policy = EditPolicy.objects.get()
    url = f"/admin/editing/editpolicy/{policy.pk}/change/"
    page = staff_client.get(url)
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"edit_window_minutes": "2", "merchant_alert_email": "ops@shop.example"})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    refused = staff_client.post(url, data)
    assert refused.status_code == 200 and "edit_window_minutes" in refused.context["adminform"].form.errors
    data["edit_window_minutes"] = "30"
    assert staff_client.post(url, data).status_code == 302
    assert StoreSettings.load().edit_window_minutes == 30
    assert StoreSettings.load().alert_email == "ops@shop.example"


def test_a_free_variant_added_on_the_page_is_a_free_line_like_at_checkout(client, shopper_order):
    sample = sku("CANVAS-TOTE-NATURAL")
    sample.price = 0
    sample.save()
    post(client, shopper_order, action="add", variant_id=sample.pk, quantity=1)
    session = EditSession.objects.get(order=shopper_order, status="open")
    post(client, shopper_order, action="confirm", session=session.pk, version=session.base_content_version)
    added = Order.objects.get(pk=shopper_order.pk).lines.get(sku=sample.sku)
    assert added.unit_price == 0 and added.is_free and not added.is_fee
