"""The order's return status in the shopper's API (/api/v1/me/orders/), beside its other three statuses."""

import pytest

from returns import services as returns
from tests.returns.helpers import MUG, ask, delivered

pytestmark = pytest.mark.usefixtures("catalog")


def test_the_shoppers_orders_show_their_latest_returns_status(client, django_assert_max_num_queries):
    order = delivered([(MUG, 2)], paid="card")
    other = delivered([(MUG, 1)], paid="card")
    client.force_login(order.customer)

    def statuses():
        listed = {o["number"]: o["return_status"] for o in client.get("/api/v1/me/orders/").json()["results"]}
        detail = client.get(f"/api/v1/me/orders/{order.number}/").json()["return_status"]
        return listed[order.number], detail

    assert statuses() == ("", "")
    first = ask(order, (MUG, 1, "changed_mind"))
    assert statuses() == ("requested", "requested")
    returns.approve_return(request=first, actor=None)
    assert statuses() == ("approved", "approved")
    ask(order, (MUG, 1, "too_big"))  # the latest return is the one shown
    assert statuses() == ("requested", "requested")
    with django_assert_max_num_queries(4):  # the field is read with the list's columns, no query per row
        listed = client.get("/api/v1/me/orders/").json()["results"]
    assert {o["number"]: o["return_status"] for o in listed} == {order.number: "requested", other.number: ""}
