"""The draft order pages in admin, with the Django test client, for each staff role."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from drafts.constants import DraftStatus, Payment
from drafts.models import DraftOrder
from notifications.constants import MessageKind
from notifications.models import Message
from orders.constants import FinancialStatus
from orders.models import Order
from storefront.models import ShippingMethod
from tests.drafts.conftest import CUSTOMER, PHONE, build_draft, sku, staff
from tests.orders.conftest import csrf_token, sign_in

pytestmark = pytest.mark.django_db

LIST = "/admin/drafts/draftorder/"
ADD = "/admin/drafts/draftorder/add/"


def page(draft: DraftOrder) -> str:
    return f"/admin/drafts/draftorder/{draft.pk}/change/"


def act(draft: DraftOrder, action: str) -> str:
    return f"/admin/drafts/draftorder/{draft.pk}/do/{action}/"


@pytest.fixture
def agent_client(agent) -> Client:
    return sign_in(Client(), agent)


@pytest.fixture
def manager_client(manager) -> Client:
    return sign_in(Client(), manager)


@pytest.fixture(params=["agent", "manager"])
def role(request, agent, manager):
    user = agent if request.param == "agent" else manager
    return request.param, user, sign_in(Client(), user)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_both_roles_find_a_customer_by_phone_and_build_a_draft(customer, role):
    _name, user, client = role
    found = client.get(ADD, {"q": PHONE.split()[-1]})
    assert found.status_code == 200 and CUSTOMER in found.content.decode()

    created = client.post(ADD, {"customer": customer.pk, "csrfmiddlewaretoken": csrf_token(found)})
    draft = DraftOrder.objects.get()
    assert created.status_code == 302 and created["Location"] == page(draft)
    assert (draft.customer, draft.created_by) == (customer, user)

    results = client.get(page(draft), {"q": "socks"})
    assert "WOOL-SOCKS-M-GREY" in results.content.decode()
    client.post(act(draft, "add"), {"variant": sku("WOOL-SOCKS-M-GREY").pk, "quantity": 2, "q": "socks"})
    client.post(act(draft, "address"), {"address": customer.addresses.get(is_default=True).pk})
    client.post(act(draft, "delivery"), {"delivery": f"method:{ShippingMethod.objects.get(code='standard').pk}"})
    client.post(act(draft, "discount"), {"discount_kind": "percent", "discount_value": "10", "reason": "goodwill"})
    shown = client.get(page(draft)).content.decode()
    # 2 × €15.00 less 10% = €27.00, plus €4.95 standard shipping to NL below €75.
    totals = re.search(r'id="draft-totals">(.*?)</dl>', shown, re.S).group(1)
    assert "€3.00" in totals and "€4.95" in totals and "€31.95" in totals


def test_an_agent_sends_a_payment_link_and_cannot_record_a_payment(customer, agent, agent_client):
    draft = build_draft(customer, agent)
    shown = agent_client.get(page(draft)).content.decode()
    assert 'name="reference"' not in shown  # the option is for managers
    refused = agent_client.post(
        act(draft, "place"), {"version": draft.version, "payment": Payment.ELSEWHERE, "reference": "BT"}
    )
    assert refused.status_code == 400 and not Order.objects.exists()
    assert "Only managers can record a payment taken elsewhere." in refused.content.decode()

    placed = agent_client.post(act(draft, "place"), {"version": draft.version, "payment": Payment.LINK})
    assert placed.status_code == 302
    order = Order.objects.get()
    assert order.financial_status == FinancialStatus.PENDING
    assert Message.objects.filter(kind=MessageKind.PAYMENT_NEEDED, recipient=CUSTOMER).count() == 1
    after = agent_client.get(page(draft))
    assert f"Placed as order #{order.number}" in after.content.decode()
    assert "Record a payment taken elsewhere" not in after.content.decode()


def test_a_manager_places_a_draft_paid_elsewhere(customer, manager, manager_client):
    draft = build_draft(customer, manager)
    placed = manager_client.post(
        act(draft, "place"), {"version": draft.version, "payment": Payment.ELSEWHERE, "reference": "BT-77"}
    )
    assert placed.status_code == 302
    order = Order.objects.get()
    assert order.financial_status == FinancialStatus.PAID and order.transactions.get().gateway_reference == "BT-77"


def test_a_manager_records_a_payment_after_the_link(customer, agent, manager_client):
    draft = build_draft(customer, agent)
    from drafts import services

    services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    shown = manager_client.get(page(draft)).content.decode()
    assert "Record a payment taken elsewhere" in shown
    recorded = manager_client.post(act(draft, "record-payment"), {"reference": "BT-3"})
    assert recorded.status_code == 302
    assert Order.objects.get().financial_status == FinancialStatus.PAID


@pytest.mark.parametrize(
    ("action", "data", "error"),
    [
        ("add", {"variant": "x", "quantity": "1"}, "Enter a whole number."),
        ("add", {"variant": "0", "quantity": "1"}, "Not for sale."),
        ("quantity", {"line": "LINE", "quantity": "-1"}, "Ensure this value is greater than or equal to 0."),
        ("address", {"address": "0"}, "Select a valid choice."),
        ("delivery", {"delivery": "method:0"}, "Select a valid choice."),
        ("discount", {"discount_kind": "percent", "discount_value": "101", "reason": "goodwill"}, "up to 100"),
        ("discount", {"discount_kind": "amount", "discount_value": "500", "reason": "goodwill"}, "ask a manager"),
        ("discount", {"discount_kind": "amount", "discount_value": "5", "reason": "other"}, "Say why in a note."),
        ("place", {"version": "VERSION_BEFORE", "payment": "link"}, "check the totals again"),
    ],
)
def test_bad_input_shows_a_field_error_and_changes_nothing(customer, agent, agent_client, action, data, error):
    draft = build_draft(customer, agent)
    data = {
        key: {"LINE": str(draft.lines.get().pk), "VERSION_BEFORE": str(draft.version - 1)}.get(value, value)
        for key, value in data.items()
    }
    before = DraftOrder.objects.values().get(pk=draft.pk)
    response = agent_client.post(act(draft, action), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert DraftOrder.objects.values().get(pk=draft.pk) == before
    assert not Order.objects.exists()


def test_a_new_customer_with_a_bad_email_is_a_field_error(agent_client):
    response = agent_client.post(ADD, {"email": "nope", "name": "X", "language": "en"})
    assert response.status_code == 400 and "Enter a valid email address." in response.content.decode()
    assert not DraftOrder.objects.exists()


def test_a_new_customer_gets_an_account_and_a_draft(agent_client):
    response = agent_client.post(ADD, {"email": "ines@example.com", "name": "Inês Sá", "language": "pt-br"})
    draft = DraftOrder.objects.get()
    assert response["Location"] == page(draft)
    assert (draft.customer.email, draft.customer.profile.language) == ("ines@example.com", "pt-br")


def test_discarding_a_draft(customer, agent, agent_client):
    draft = build_draft(customer, agent)
    response = agent_client.post(act(draft, "discard"))
    assert response.status_code == 302 and response["Location"] == LIST
    assert not DraftOrder.objects.exists()


def test_staff_without_a_group_see_no_drafts(customer, agent, db):
    draft = build_draft(customer, agent)
    other = sign_in(Client(), staff("nobody@example.com", None))
    assert other.get(LIST).status_code == 403
    assert other.get(page(draft)).status_code == 403
    assert other.post(act(draft, "add"), {"variant": sku("WOOL-SOCKS-M-GREY").pk, "quantity": 1}).status_code == 403
    assert other.post(act(draft, "place"), {"version": draft.version, "payment": "link"}).status_code == 403
    assert DraftOrder.objects.get().status == DraftStatus.OPEN


def test_the_list_reads_flat_in_the_number_of_drafts(customer, agent, agent_client, django_assert_max_num_queries):
    for _ in range(2):
        build_draft(customer, agent)
    with django_assert_max_num_queries(6) as few:
        assert agent_client.get(LIST).status_code == 200
    for _ in range(8):
        build_draft(customer, agent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = agent_client.get(LIST)
    assert response.content.decode().count("D-0") >= 10


def test_the_draft_page_reads_flat_in_the_number_of_lines(customer, agent, agent_client, django_assert_max_num_queries):
    draft = build_draft(customer, agent)
    with django_assert_max_num_queries(19) as few:
        assert agent_client.get(page(draft), {"q": "sweater"}).status_code == 200
    for code in ["WOOL-SOCKS-M-GREY", "ORGANIC-COTTON-TEE-M-WHITE", "ORGANIC-COTTON-TEE-L-BLACK"]:
        from drafts import services

        services.add_draft_line(draft_id=draft.pk, variant_id=sku(code).pk, quantity=1, actor=agent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert agent_client.get(page(draft), {"q": "sweater"}).status_code == 200


def test_a_placed_draft_shows_the_order_and_no_forms(customer, agent, agent_client):
    from drafts import services

    draft = build_draft(customer, agent)
    services.place_draft(draft_id=draft.pk, version=draft.version, actor=agent, payment=Payment.LINK)
    shown = agent_client.get(page(draft)).content.decode()
    assert "Place order" not in shown and "Discard draft" not in shown and "Search the catalog" not in shown
    listed = agent_client.get(LIST).content.decode()
    assert "Unpaid" in listed
    assert (
        agent_client.post(
            act(draft, "discount"), {"discount_kind": "amount", "discount_value": "5", "reason": "goodwill"}
        ).status_code
        == 400
    )
    assert Order.objects.get().discount_total == Decimal("0")
