"""The customer admin for support: list figures and filters, search by every field, the customer page, roles."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Address, CustomerGroup, CustomerProfile, User
from core import paging
from core.reasons import Reason, ReasonCode
from desk.models import Note
from orders import services
from orders.models import Order
from tests.factories import ADDRESS_NL, place_test_order

pytestmark = pytest.mark.django_db

LIST = "/admin/desk/customer/"


def page_url(user) -> str:
    return f"/admin/desk/customer/{user.pk}/change/"


def listed(response) -> list[str]:
    """The customers' emails in the list, in order."""
    return re.findall(r'class="field-email"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def customer(email: str) -> User:
    return User.objects.get(email=email)


@pytest.fixture
def shoppers(catalog):
    """Three customers: a business in Utrecht with a phone and VAT ID (two orders), one in Amsterdam, one with no
    order but an address book entry."""
    business = {
        "name": "Femke de Boer",
        "company": "Boer Koffie BV",
        "line1": "Oudegracht 112",
        "city": "Utrecht",
        "postal_code": "3511 AX",
        "country": "NL",
        "phone": "+31 (0)6-2345 6789",
    }
    first = place_test_order(email="femke@example.com", shipping_address=business, vat_id="NL004495445B01")
    second = place_test_order(email="femke@example.com", shipping_address=business)
    other = place_test_order(email="sam@example.com", shipping_address=ADDRESS_NL)
    services.record_payment(order=first, amount=first.total, idempotency_key="paid-1", gateway="manual")
    booked = User.objects.create_user("lina@example.com")
    CustomerProfile.objects.create(user=booked, name="Lina Novák")
    Address.objects.create(
        user=booked, name="Lina Novák", line1="Vinohradská 12", city="Praha", postal_code="120 00", country="CZ"
    )
    return {"first": first, "second": second, "other": other}


def test_the_list_shows_each_customers_figures_and_no_staff(desk_client, shoppers):
    first, second = Order.objects.get(pk=shoppers["first"].pk), shoppers["second"]
    group = CustomerGroup.objects.create(name="Trade buyers", discount_percent=10)
    CustomerProfile.objects.filter(user__email="femke@example.com").update(
        group=group, tax_exempt=True, marketing_consent=True
    )
    services.record_refund(order=first, amount=Decimal("1.00"), idempotency_key="back-1", gateway="manual")

    response = desk_client.get(LIST)

    assert response.status_code == 200
    assert listed(response) == ["lina@example.com", "sam@example.com", "femke@example.com"]
    row = re.search(r"<tr>.*?femke@example.com.*?</tr>", response.content.decode(), re.S).group(0)
    assert '<td class="field-order_count">2</td>' in row
    spent = first.total - Decimal("1.00")  # the second order is unpaid: nothing spent on it
    assert f"€{spent:.2f}" in row
    assert "Trade buyers" in row and row.count('alt="True"') == 2  # tax exempt and marketing consent
    assert f"{second.placed_at:%Y}" in row
    assert not {"agent@example.com", "manager@example.com"} & set(listed(response))


def test_the_lists_queries_are_flat_in_its_rows(agent_client, catalog):
    for index in range(2):
        place_test_order(email=f"few{index}@example.com")
    agent_client.get(LIST)  # the signed-in user, the store settings and permissions are cached from here on
    with CaptureQueriesContext(connection) as few:
        agent_client.get(LIST)
    for index in range(12):
        place_test_order(email=f"many{index}@example.com")
    with CaptureQueriesContext(connection) as many:
        response = agent_client.get(LIST)
    assert len(listed(response)) == 14
    assert len(many) == len(few)


def test_a_big_unfiltered_list_is_paged_by_the_tables_estimate_not_counted(agent_client, shoppers, monkeypatch):
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", 0)  # the test store is small; the rule is the same at 100,000
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")
    with CaptureQueriesContext(connection) as queries:
        response = agent_client.get(LIST)
    assert response.status_code == 200
    assert not [q["sql"] for q in queries if "COUNT(*)" in q["sql"].upper()]
    assert any("reltuples" in q["sql"] for q in queries)
    # Filtered lists are counted exactly (they are small, and their count must be right).
    with CaptureQueriesContext(connection) as queries:
        agent_client.get(LIST + "?profile__tax_exempt__exact=0")
    assert [q["sql"] for q in queries if "COUNT(*)" in q["sql"].upper()]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("femke@exa", ["femke@example.com"]),  # email
        ("de boer", ["femke@example.com"]),  # name
        ("06 2345 6789", ["femke@example.com"]),  # phone, typed another way
        ("23456789", ["femke@example.com"]),
        ("oudegracht", ["femke@example.com"]),  # street on their orders
        ("Vinohradská", ["lina@example.com"]),  # street in the address book
        ("3511ax", ["femke@example.com"]),  # postal code without its space
        ("120 00", ["lina@example.com"]),
        ("koffie", ["femke@example.com"]),  # company
        ("NL 0044 95445", ["femke@example.com"]),  # VAT ID of an order
        ("Prinsengracht", ["sam@example.com"]),
        ("nobody-here", []),
    ],
)
def test_search_finds_customers_by_every_field(agent_client, shoppers, query, found):
    response = agent_client.get(LIST, {"q": query})
    assert response.status_code == 200
    assert listed(response) == found


def test_search_by_order_number_and_a_too_short_term(agent_client, shoppers):
    number = shoppers["other"].number
    assert listed(agent_client.get(LIST, {"q": f"#{number}"})) == ["sam@example.com"]
    response = agent_client.get(LIST, {"q": "ab"})
    assert listed(response) == []
    assert "Type at least 3 characters" in response.content.decode()


def test_filters_by_group_consent_tax_exempt_and_balance_due(agent_client, shoppers):
    group = CustomerGroup.objects.create(name="Press")
    CustomerProfile.objects.filter(user__email="sam@example.com").update(
        group=group, marketing_consent=True, tax_exempt=True
    )
    for order in (shoppers["second"], shoppers["other"]):
        services.record_payment(order=order, amount=order.total, idempotency_key=f"pay-{order.pk}", gateway="manual")
    assert listed(agent_client.get(LIST, {"balance_due": "yes"})) == []
    owing = place_test_order(email="femke@example.com")  # unpaid
    assert listed(agent_client.get(LIST, {"balance_due": "yes"})) == ["femke@example.com"]
    services.record_payment(order=owing, amount=owing.total, idempotency_key="late", gateway="manual")
    assert listed(agent_client.get(LIST, {"balance_due": "yes"})) == []
    assert listed(agent_client.get(LIST, {"profile__group__id__exact": group.pk})) == ["sam@example.com"]
    assert listed(agent_client.get(LIST, {"profile__marketing_consent__exact": "1"})) == ["sam@example.com"]
    assert listed(agent_client.get(LIST, {"profile__tax_exempt__exact": "1"})) == ["sam@example.com"]


def test_the_customer_page_shows_orders_in_a_range_addresses_credit_and_one_timeline(manager_client, manager, shoppers):
    first, second = shoppers["first"], shoppers["second"]
    Order.objects.filter(pk=first.pk).update(placed_at=timezone.now() - timedelta(days=40))
    femke = customer("femke@example.com")
    Address.objects.create(user=femke, name="Femke", line1="Lange Nieuwstraat 4", city="Utrecht", country="NL")
    services.give_store_credit(
        order=second, amount=Decimal("5.00"), reason=Reason(ReasonCode.LATE, "parcel a week late"), actor=manager
    )
    Note.objects.create(customer=femke, author=manager, text="Prefers a call after 5 pm")

    page = manager_client.get(page_url(femke)).content.decode()

    assert f"#{first.number}" in page and f"#{second.number}" in page
    assert "Lange Nieuwstraat 4, Utrecht, Netherlands" in page
    assert "€5.00" in page and "Late delivery (note: parcel a week late)" in page
    assert "Prefers a call after 5 pm" in page
    timeline = page[page.index('id="timeline"') :]
    assert "Order placed" in timeline and f"#{first.number}" in timeline and f"#{second.number}" in timeline
    assert "superuser" not in page.lower() and "user_permissions" not in page

    recent = manager_client.get(
        page_url(femke), {"orders_from": (timezone.now() - timedelta(days=7)).date().isoformat()}
    ).content.decode()
    orders = recent[recent.index('id="orders"') : recent.index('id="addresses"')]
    assert f"#{second.number}" in orders and f"#{first.number}" not in orders

    wrong = manager_client.get(page_url(femke), {"orders_from": "2026-05-01", "orders_to": "2026-04-01"})
    assert "The end is before the start." in wrong.content.decode()


def test_the_customer_pages_queries_are_flat_in_orders_and_events(agent_client, catalog):
    place_test_order(email="grow@example.com")
    user = customer("grow@example.com")
    agent_client.get(page_url(user))  # caches warmed, as in test_the_lists_queries_are_flat_in_its_rows
    with CaptureQueriesContext(connection) as few:
        agent_client.get(page_url(user))
    for _index in range(6):
        order = place_test_order(email="grow@example.com")
        services.record_payment(order=order, amount=order.total, idempotency_key=f"p{order.pk}", gateway="manual")
    with CaptureQueriesContext(connection) as many:
        agent_client.get(page_url(user))
    assert len(many) == len(few)


def change_data(user, **changes) -> dict:
    profile = user.profile
    data = {
        "name": profile.name,
        "language": profile.language,
        "vat_id": profile.vat_id,
        "group": profile.group_id or "",
        **({"marketing_consent": "on"} if profile.marketing_consent else {}),
        **({"tax_exempt": "on"} if profile.tax_exempt else {}),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_agent_changes_details_but_not_group_or_tax_exemption(agent_client, shoppers):
    group = CustomerGroup.objects.create(name="Trade buyers")
    sam = customer("sam@example.com")
    response = agent_client.post(
        page_url(sam), change_data(sam, name="Sam J. Jansen", marketing_consent="on", group=group.pk, tax_exempt="on")
    )
    assert response.status_code == 302
    profile = CustomerProfile.objects.get(user=sam)
    assert profile.name == "Sam J. Jansen" and profile.marketing_consent
    assert profile.marketing_consent_source == CustomerProfile.ConsentSource.STAFF
    assert profile.group is None and not profile.tax_exempt  # a manager's decision
    assert "Only managers change this." in agent_client.get(page_url(sam)).content.decode()


def test_a_manager_sets_group_and_tax_exemption(manager_client, shoppers):
    group = CustomerGroup.objects.create(name="Trade buyers")
    sam = customer("sam@example.com")
    response = manager_client.post(page_url(sam), change_data(sam, group=group.pk, tax_exempt="on"))
    assert response.status_code == 302
    profile = CustomerProfile.objects.get(user=sam)
    assert profile.group == group and profile.tax_exempt


def test_a_bad_vat_id_is_a_field_error_and_changes_nothing(desk_client, shoppers):
    sam = customer("sam@example.com")
    response = desk_client.post(page_url(sam), change_data(sam, name="Changed", vat_id="NL123"))
    assert response.status_code == 200
    assert "Not a valid EU VAT number." in response.content.decode()
    assert CustomerProfile.objects.get(user=sam).name == "Sam Jansen"


def test_staff_outside_the_groups_see_no_customers(outsider_client, shoppers):
    assert outsider_client.get(LIST).status_code == 403
    assert outsider_client.get(page_url(customer("sam@example.com"))).status_code == 403


def test_staff_users_are_not_customers(desk_client, agent):
    assert desk_client.get(page_url(agent)).status_code == 302  # "doesn't exist", back to the list
