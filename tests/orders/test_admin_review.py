"""Staff set an order's tags and risk in admin: versioned, recorded, and never a silent save."""

import html
import re

import pytest

from editing import services as editing
from editing.errors import EditConflict
from orders.constants import ActorKind, EventType, RiskLevel
from orders.models import Order, OrderEvent
from tests.factories import place_test_order
from tests.orders.conftest import change_url

pytestmark = pytest.mark.django_db


def change_form(page: str) -> dict[str, str]:
    """What the browser would post back from the admin change page, as rendered."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else ""
    return data


def save(staff_client, order, **changes):
    data = {**change_form(staff_client.get(change_url(order)).content.decode()), **changes}
    response = staff_client.post(change_url(order), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.get(pk=order.pk)


def test_staff_tags_and_risk_bump_the_version_and_leave_an_event(staff_client):
    order = place_test_order()
    session = editing.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    line = order.lines.get()
    editing.stage_quantity(session_id=session.pk, line_id=line.pk, quantity=2)

    reviewed = save(staff_client, order, risk_level=RiskLevel.HIGH, tags="vip,check-address")

    assert reviewed.risk_level == RiskLevel.HIGH and reviewed.tags == ["vip", "check-address"]
    assert reviewed.version == order.version + 1
    event = OrderEvent.objects.get(order=order, type=EventType.REVIEWED)
    assert event.actor_kind == ActorKind.STAFF and event.actor.email == "staff-test@example.com"
    assert event.data == {
        "tags": {"from": [], "to": ["vip", "check-address"]},
        "risk_level": {"from": RiskLevel.LOW, "to": RiskLevel.HIGH},
    }
    assert not event.customer_visible and event.order_version == reviewed.version
    # The shopper's edit was staged on the version before: it must be reviewed again, not committed blind.
    with pytest.raises(EditConflict):
        editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.CUSTOMER, actor=order.customer)


def test_saving_without_a_change_writes_nothing(staff_client):
    order = place_test_order()
    unchanged = save(staff_client, order)
    assert unchanged.version == order.version
    assert not OrderEvent.objects.filter(order=order, type=EventType.REVIEWED).exists()
