"""The order list and page in admin for humans (desk.admin, desk.filters, desk.archive_views): archived orders
out of the default list, a typed date range, compact columns, buttons only where they apply, "Ship items"
warnings, archive and unarchive by hand per staff group, and a query count flat in the number of rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from orders import services as orders
from orders.constants import ActorKind, EventType, OrderStatus
from orders.models import Order, OrderEvent
from tests.conftest import STAFF_PASSWORD
from tests.editing.conftest import place
from tests.editing.test_cancel_rest import partly_shipped, ship
from tests.editing.test_services import MUG, SOCKS
from tests.orders.conftest import change_url, flashed, sign_in, url

pytestmark = pytest.mark.usefixtures("catalog")
LIST = "/admin/orders/order/"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def staff(email: str, group: str | None) -> User:
    user = User.objects.create_user(email, STAFF_PASSWORD, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def listed(client: Client, query: str = "") -> list[int]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return sorted(order.number for order in response.context["cl"].result_list)


@pytest.fixture
def three(db):
    open_, archived, cancelled = (place([(MUG, 1)], email=f"{n}@example.com") for n in ("open", "old", "gone"))
    orders.archive_order(order=archived)
    orders.cancel_order(order=cancelled, actor_kind=ActorKind.STAFF)
    return open_, archived, cancelled


def test_archived_orders_leave_the_default_list_and_come_back_on_request(staff_client, three):
    open_, archived, cancelled = three
    assert listed(staff_client) == sorted([open_.number, cancelled.number])
    assert listed(staff_client, "?status=archived") == [archived.number]
    assert listed(staff_client, "?status=all") == sorted(order.number for order in three)
    assert listed(staff_client, f"?q={archived.number}") == [archived.number]  # a search finds it anywhere
    html = staff_client.get(LIST).content.decode()
    assert "Not archived" in html and "All, archived too" in html


def test_a_typed_date_range_includes_both_days_in_the_staff_zone(staff_client, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    days = [datetime(2026, 3, day, 0, 30, tzinfo=AMSTERDAM) for day in (1, 2, 3, 4)]
    placed = [place([(MUG, 1)], email=f"d{n}@example.com", placed_at=day) for n, day in enumerate(days)]
    assert listed(staff_client, "?placed_from=2026-03-02&placed_to=2026-03-03") == [o.number for o in placed[1:3]]
    assert listed(staff_client, "?placed_from=2026-03-04") == [placed[3].number]
    assert listed(staff_client, "?placed_to=2026-03-01") == [placed[0].number]
    page = staff_client.get(LIST + "?placed_from=2026-03-02&risk_level__exact=low")
    html = page.content.decode()
    assert 'type="date" name="placed_from" value="2026-03-02"' in html
    assert '<input type="hidden" name="risk_level__exact" value="low">' in html  # other filters ride along


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?placed_from=2026-03-05&placed_to=2026-03-01", "The end date is before the start date."),
        ("?placed_from=yesterday", "Enter a valid date."),
    ],
)
def test_a_bad_range_says_why_and_lists_nothing(staff_client, query, error):
    place([(MUG, 1)])
    response = staff_client.get(LIST + query)
    assert response.status_code == 200 and error in response.content.decode()
    assert list(response.context["cl"].result_list) == []


def test_the_list_reads_a_flat_number_of_queries(staff_client, django_assert_num_queries):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(LIST + "?placed_from=2000-01-01").status_code == 200
        return len(queries)

    place([(MUG, 1)], email="a@example.com")
    count()  # the session and the signed-in user, cached from here on
    few = count()
    for n in range(12):
        place([(SOCKS, 1)], email=f"many{n}@example.com")
    with django_assert_num_queries(few):
        staff_client.get(LIST + "?placed_from=2000-01-01")
    assert few <= 8, few


def test_columns_show_the_total_with_its_currency_and_both_statuses(staff_client):
    order = place([(MUG, 1)], email="a-very-long-address-for-the-column@example.com", paid=False)
    html = staff_client.get(LIST).content.decode()
    assert f"€{order.total}" in html and "Unpaid" in html and "Unfulfilled" in html
    assert 'class="order-email" title="a-very-long-address-for-the-column@example.com"' in html
    assert "css/order-list.css" in html


# --- the order page's buttons ------------------------------------------------------------------------------


def test_ship_items_warns_of_an_open_payment_request_and_a_hold(staff_client, staff_user):
    order = place([(MUG, 1)], paid=False)
    orders.request_balance_payment(order_id=order.pk, actor_kind=ActorKind.STAFF, actor=staff_user)
    Order.objects.filter(pk=order.pk).update(edit_window_ends_at=None, on_fulfillment_hold=True)
    for page in (change_url(order), url(order, "ship")):
        html = staff_client.get(page).content.decode()
        assert "A payment request of €" in html and "the customer hasn&#x27;t paid it yet" in html
        assert "This order is on hold until €" in html
    paid = place([(MUG, 1)], email="paid@example.com")
    Order.objects.filter(pk=paid.pk).update(on_fulfillment_hold=False)
    assert "ship-warning" not in staff_client.get(change_url(paid)).content.decode()


def test_edit_shows_only_while_something_can_change(staff_client):
    shipped = place([(MUG, 1)])
    ship(shipped, **{MUG: 1})
    assert f'href="{url(shipped, "edit")}"' not in staff_client.get(change_url(shipped)).content.decode()
    fresh = place([(MUG, 1)], email="fresh@example.com")
    assert f'href="{url(fresh, "edit")}"' in staff_client.get(change_url(fresh)).content.decode()


# --- archive and unarchive ------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["Managers", "Support agents"])
def test_each_staff_group_archives_and_unarchives_with_an_event(db, group):
    user = staff(f"{group[:3].lower()}@example.com", group)
    client = sign_in(Client(), user)
    order = partly_shipped()
    assert f'formaction="{url(order, "archive")}"' in client.get(change_url(order)).content.decode()
    response = client.post(url(order, "archive"), follow=True)
    assert any(f"Order #{order.number} is archived." in message for message in flashed(response))
    order.refresh_from_db()
    assert order.status == OrderStatus.ARCHIVED and order.archived_at is not None
    assert f'formaction="{url(order, "unarchive")}"' in response.content.decode()
    assert OrderEvent.objects.get(order=order, type=EventType.ARCHIVED).actor == user
    version = order.version
    client.post(url(order, "unarchive"))
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN and order.archived_at is None and order.version > version
    assert OrderEvent.objects.get(order=order, type=EventType.UNARCHIVED).actor == user


def test_archiving_is_post_only_and_for_staff_with_a_group(staff_client, db):
    order = place([(MUG, 1)])
    assert staff_client.get(url(order, "archive")).status_code == 405
    outsider = sign_in(Client(), staff("nobody@example.com", None))
    assert outsider.post(url(order, "archive")).status_code == 403
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_a_cancelled_order_is_not_archived_and_an_open_one_not_unarchived(staff_client):
    cancelled = place([(MUG, 1)], email="gone@example.com")
    orders.cancel_order(order=cancelled, actor_kind=ActorKind.STAFF)
    response = staff_client.post(url(cancelled, "archive"), follow=True)
    assert any("Only an open order can be archived." in message for message in flashed(response))
    open_ = place([(MUG, 1)])
    response = staff_client.post(url(open_, "unarchive"), follow=True)
    assert any("This order is not archived." in message for message in flashed(response))
    assert not OrderEvent.objects.filter(type__in=[EventType.ARCHIVED, EventType.UNARCHIVED]).exists()


def test_list_actions_archive_and_unarchive_the_selected(staff_client, three):
    open_, archived, cancelled = three
    ids = [str(order.pk) for order in three]
    response = staff_client.post(LIST, {"action": "archive_selected", "_selected_action": ids}, follow=True)
    assert any("1 order archived." in message for message in flashed(response))
    assert Order.objects.get(pk=open_.pk).status == OrderStatus.ARCHIVED
    assert Order.objects.get(pk=cancelled.pk).status == OrderStatus.CANCELLED
    # Posted from the list that shows archived orders (actions act on the list's own filtered rows).
    response = staff_client.post(
        LIST + "?status=all", {"action": "unarchive_selected", "_selected_action": ids}, follow=True
    )
    assert any("2 orders unarchived." in message for message in flashed(response))
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"open", "cancelled"}


def test_archived_orders_list_and_archive_actions_for_agents(db):
    client = sign_in(Client(), staff("agent@example.com", "Support agents"))
    order = place([(MUG, 1)])
    response = client.post(LIST, {"action": "archive_selected", "_selected_action": [order.pk]}, follow=True)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ARCHIVED and response.status_code == 200
    assert listed(client, "?status=archived") == [order.number]


def test_the_timeline_reads_the_new_events(staff_client):
    order = place([(MUG, 1)])
    orders.archive_order(order=order)
    orders.unarchive_order(order=order, actor=None)
    types = list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("type", flat=True))
    assert types[-2:] == [EventType.ARCHIVED, EventType.UNARCHIVED]
    assert "Order unarchived" in staff_client.get(change_url(order)).content.decode()
    assert timedelta(0) <= Order.objects.get(pk=order.pk).updated_at - Order.objects.get(pk=order.pk).placed_at


def test_the_unfiltered_list_scans_no_whole_table(staff_client, monkeypatch):
    """At a million orders a full scan per page is seconds: no year drill-down (date_hierarchy), the tags in
    use kept as they are saved (not read off every order), and a big table paged by its estimated size
    instead of COUNT(*)."""
    order = place([(MUG, 1)], email="tagged@example.com")
    orders.review_order(
        order=order, tags=["vip"], risk_level=order.risk_level, actor=User.objects.get(email="staff-test@example.com")
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    monkeypatch.setattr("core.paging.ESTIMATE_ABOVE", -1)  # this small table counts as big
    staff_client.get(LIST)  # the session and the user, read once
    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(LIST)
    assert page.status_code == 200 and "tag=vip" in page.content.decode()
    sql = " ".join(query["sql"] for query in queries)
    assert "COUNT(" not in sql and "DATE_TRUNC" not in sql and "unnest(" not in sql and "orders_tagname" in sql, sql
    assert "reltuples" in sql
