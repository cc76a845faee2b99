"""The staff side of returns in admin (desk.return_admin, desk.return_views, desk.return_create_views,
returns.admin): the queue with its filters, search and flat query count; each return's page with only the
actions its status offers, each a POST carrying the page's version; the refund limit on receipt; a return
staff open from the order page; the policy and reasons, changed by managers only."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import paging
from orders.constants import ActorKind, EventType, ReturnStatus, TransactionKind
from orders.models import Order, OrderEvent, Transaction
from returns import services as returns
from returns.models import ReturnPolicy, ReturnReason, ReturnRequest
from storefront.models import Product, StoreSettings
from tests.editing.conftest import sku
from tests.orders.conftest import csrf_token, flashed, sign_in
from tests.returns.helpers import MUG, SOCKS, SWEATER_L, SWEATER_M, ask, delivered, line, receive_all

pytestmark = pytest.mark.usefixtures("catalog")
QUEUE = "/admin/returns/returnrequest/"


def page(ret: ReturnRequest) -> str:
    return f"{QUEUE}{ret.pk}/change/"


def act(ret: ReturnRequest, action: str) -> str:
    return f"{QUEUE}{ret.pk}/do/{action}/"


def listed(response) -> list[str]:
    return [ret.number for ret in response.context["cl"].result_list]


def row(html: str, number: str) -> str:
    """The list's row of one return."""
    return re.search(rf"<tr>(?:(?!</tr>).)*?>{number}</a>.*?</tr>", html, re.S).group(0)


def fresh(ret: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.get(pk=ret.pk)


def everything(ret: ReturnRequest, condition: str = "resellable") -> dict:
    """The receive form: every line arrived in ``condition``, with the return's current version."""
    data = {"version": fresh(ret).version}
    for item in ret.lines.all():
        data[f"received_{item.pk}"] = item.quantity
        data[f"condition_{item.pk}"] = condition
    return data


def approved(order: Order, *items) -> ReturnRequest:
    ret = ask(order, *items)
    return returns.approve_return(request=ret, actor=None, actor_kind=ActorKind.SYSTEM)


# --- the queue -------------------------------------------------------------------------------------------------


def test_both_staff_groups_work_the_queue_newest_first(desk_client):
    first = ask(delivered([(SWEATER_M, 1), (MUG, 2)], paid="card"), (SWEATER_M, 1, "too_small", SWEATER_L))
    second = ask(delivered([(MUG, 2)], paid="card", email="lena@example.com"), (MUG, 2, "damaged"))
    receive_all(returns.approve_return(request=second, actor=None, actor_kind=ActorKind.SYSTEM))

    response = desk_client.get(QUEUE)

    assert response.status_code == 200
    assert listed(response) == [second.number, first.number]
    html = response.content.decode()
    cells = row(html, second.number)
    assert f'href="/admin/orders/order/{second.order_id}/change/">#{second.order.number}</a>' in cells
    assert "lena@example.com" in cells and "Refunded" in cells and "Arrived damaged" in cells
    assert '<td class="field-items">2</td>' in cells
    assert "€40.95" in cells  # both mugs and the shipping: the whole order came back, the store's fault
    cells = row(html, first.number)
    assert "Requested" in cells and "Too small" in cells and '<td class="field-refund">—</td>' in cells
    assert 'href="/admin/returns/returnrequest/add/"' not in html


def test_the_queue_filters_by_status_reason_age_and_exchange(manager_client):
    swap = ask(delivered([(SWEATER_M, 1)], paid="card"), (SWEATER_M, 1, "too_small", SWEATER_L))
    refund = approved(delivered([(MUG, 1)], paid="card", email="b@example.com"), (MUG, 1, "changed_mind"))
    old = ask(delivered([(SOCKS, 1)], paid="card", email="c@example.com"), (SOCKS, 1, "wrong_item"))
    ReturnRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))

    def numbers(query: str) -> set[str]:
        return set(listed(manager_client.get(QUEUE + query)))

    assert numbers("?status__exact=approved") == {refund.number}
    assert numbers("?reason=too_small") == {swap.number}
    assert numbers("?reason=wrong_item") == {old.number}
    assert numbers("?age=7") == {old.number}
    assert numbers("?age=14") == set()
    assert numbers("?exchange=yes") == {swap.number}
    assert numbers("?exchange=no") == {refund.number, old.number}
    assert numbers("?status__exact=requested&exchange=no") == {old.number}


def test_the_queue_is_searched_by_return_number_order_number_or_email(agent_client):
    one = ask(delivered([(MUG, 1)], paid="card", email="noor.visser@example.com"), (MUG, 1, "changed_mind"))
    two = ask(delivered([(MUG, 1)], paid="card", email="piet@example.com"), (MUG, 1, "changed_mind"))

    def found(term: str) -> list[str]:
        return listed(agent_client.get(QUEUE, {"q": term}))

    assert found(one.number) == [one.number]
    assert found(one.number.lower().removeprefix("r")) == [one.number]
    assert found(str(two.order.number)) == [two.number]
    assert found(f"#{two.order.number}") == found(f"r{two.order.number}") == [two.number]
    assert found("NOOR.VISSER") == [one.number]
    assert found("example.com") == [two.number, one.number]
    assert found("nobody") == found("99999999999999") == []


def test_the_queues_queries_are_pinned_and_flat_in_its_rows(agent_client):
    ask(delivered([(SWEATER_M, 1), (MUG, 1)], paid="card"), (SWEATER_M, 1, "too_small", SWEATER_L), (MUG, 1, "damaged"))
    agent_client.get(QUEUE)  # the session, the signed-in user and the reasons are cached from here on
    with CaptureQueriesContext(connection) as few:
        agent_client.get(QUEUE)
    for n in range(6):
        order = delivered([(MUG, 2), (SOCKS, 1)], paid="card", email=f"many{n}@example.com")
        ask(order, (MUG, 2, "changed_mind"), (SOCKS, 1, "too_big"))
    with CaptureQueriesContext(connection) as many:
        response = agent_client.get(QUEUE)
    assert len(listed(response)) == 7
    assert len(many) == len(few)
    # The TOTP device, the user's and their groups' permissions, the table's estimate and the count, the page
    # with its orders, and its lines with their reasons.
    assert len(few) == 7, [query["sql"] for query in few]


def test_a_big_unfiltered_queue_is_paged_by_the_tables_estimate(agent_client, monkeypatch):
    ask(delivered([(MUG, 1)], paid="card"), (MUG, 1, "changed_mind"))
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", -1)  # the test table is small; the rule is the same when big
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE returns_returnrequest")
    with CaptureQueriesContext(connection) as queries:
        assert agent_client.get(QUEUE).status_code == 200
    assert not [q["sql"] for q in queries if "COUNT(*)" in q["sql"].upper()]
    assert any("reltuples" in q["sql"] for q in queries)


def test_staff_in_neither_group_cant_see_returns(outsider_client):
    ret = ask(delivered([(MUG, 1)], paid="card"), (MUG, 1, "changed_mind"))
    assert outsider_client.get(QUEUE).status_code == 403
    assert outsider_client.get(page(ret)).status_code == 403
    assert outsider_client.post(act(ret, "approve"), {"version": ret.version}).status_code == 403
    assert fresh(ret).status == ReturnStatus.REQUESTED


# --- the return's page -----------------------------------------------------------------------------------------


def test_the_page_shows_the_items_the_replacements_stock_and_only_the_actions_that_apply(manager_client):
    order = delivered([(SWEATER_M, 1), (MUG, 1)], paid="card")
    ret = ask(order, (SWEATER_M, 1, "too_small", SWEATER_L), (MUG, 1, "changed_mind"))
    html = manager_client.get(page(ret)).content.decode()
    assert f'href="/admin/orders/order/{order.pk}/change/">#{order.number}</a>' in html
    assert "Merino crew-neck sweater – M / Navy" in html and "L / Navy" in html
    assert f"{sku(SWEATER_L).stock} in stock" in html
    assert f"Return {ret.number} requested: 1 × Merino crew-neck sweater – M / Navy (Too small)" in html
    assert act(ret, "approve") in html and act(ret, "reject") in html
    assert act(ret, "receive") not in html and act(ret, "transit") not in html
    assert f'name="version" value="{ret.version}"' in html

    ret = returns.approve_return(request=ret, actor=None, actor_kind=ActorKind.SYSTEM)
    html = manager_client.get(page(ret)).content.decode()
    assert act(ret, "approve") not in html
    assert all(act(ret, name) in html for name in ("reject", "transit", "receive"))
    assert "Refund when these items are received" in html and "Reserved" in html

    receive_all(ret)
    html = manager_client.get(page(ret)).content.decode()
    assert not any(act(ret, name) in html for name in ("approve", "reject", "transit", "receive"))
    assert f'href="/admin/orders/order/{order.pk}/ship/"' in html  # the replacement waits to ship
    assert "Credit memo" in html and "€18.00" in html  # the mug, refunded


def test_the_pages_queries_are_flat_in_its_items(manager_client):
    def count(ret: ReturnRequest) -> int:
        manager_client.get(page(ret))
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(page(ret)).status_code == 200
        return len(queries)

    one = approved(delivered([(SWEATER_M, 1)], paid="card"), (SWEATER_M, 1, "too_small", SWEATER_L))
    three = approved(
        delivered([(SWEATER_M, 1), (MUG, 2), (SOCKS, 1)], paid="card", email="three@example.com"),
        (SWEATER_M, 1, "too_small", SWEATER_L),
        (MUG, 2, "damaged"),
        (SOCKS, 1, "changed_mind"),
    )
    # Sign-in and permissions (3), the return with its order and its lines (2), the refund preview (3: the order,
    # the lines, the order's lines), the manager's groups (the refund limit), admin's app list, the timeline.
    assert count(one) == count(three) == 11


def test_an_agent_approves_marks_in_transit_and_receives_through_the_page(agent_client):
    StoreSettings.objects.update(agent_refund_limit=D("100.00"))
    order = delivered([(MUG, 2)], paid="card")
    ret = ask(order, (MUG, 2, "changed_mind"))
    stock = sku(MUG).stock

    response = agent_client.post(act(ret, "approve"), {"version": ret.version}, follow=True)
    assert response.redirect_chain == [(page(ret), 302)]
    assert f"Return {ret.number} was approved" in flashed(response)[0]
    response = agent_client.post(
        act(ret, "transit"),
        {"version": fresh(ret).version, "carrier": "PostNL", "tracking_number": "3SABC123"},
        follow=True,
    )
    assert fresh(ret).tracking_number == "3SABC123"
    assert f"Return {ret.number} sent back with PostNL, tracking 3SABC123" in response.content.decode()
    response = agent_client.post(act(ret, "receive"), everything(ret), follow=True)

    ret = fresh(ret)
    assert ret.status == ReturnStatus.REFUNDED and ret.refund_amount == D("36.00")
    assert "a refund of €36.00 is on its way to the customer" in flashed(response)[0]
    assert sku(MUG).stock == stock + 2
    assert [t.amount for t in Transaction.objects.filter(order=order, kind=TransactionKind.REFUND)] == [D("36.00")]
    events = OrderEvent.objects.filter(order=order, data__return=ret.pk).order_by("id")
    assert [(e.type, e.actor.email if e.actor else None) for e in events][1:4] == [
        (EventType.RETURN_APPROVED, "agent@example.com"),
        (EventType.RETURN_IN_TRANSIT, "agent@example.com"),
        (EventType.RETURN_RECEIVED, "agent@example.com"),
    ]


def test_a_manager_rejects_with_a_reason_and_the_replacement_goes_back_to_stock(manager_client):
    ret = approved(delivered([(SWEATER_M, 1)], paid="card"), (SWEATER_M, 1, "too_small", SWEATER_L))
    large = sku(SWEATER_L).stock

    response = manager_client.post(act(ret, "reject"), {"version": ret.version, "reason": "other", "note": ""})
    assert response.status_code == 400
    assert "Say why in a note." in response.context["forms"]["reject"].errors["note"]
    assert fresh(ret).status == ReturnStatus.APPROVED

    data = {"version": ret.version, "reason": "used_by_customer", "note": "Worn, tags removed"}
    response = manager_client.post(act(ret, "reject"), data, follow=True)
    assert fresh(ret).status == ReturnStatus.REJECTED and sku(SWEATER_L).stock == large + 1
    html = response.content.decode()
    assert "Used or damaged by the customer (note: Worn, tags removed)" in html
    assert f"Return {ret.number} rejected: 1 × Merino crew-neck sweater – M / Navy (Too small)" in html


def test_every_action_needs_the_pages_csrf_token(agent):
    client = sign_in(Client(enforce_csrf_checks=True), agent)
    ret = ask(delivered([(MUG, 1)], paid="card"), (MUG, 1, "changed_mind"))
    assert client.post(act(ret, "approve"), {"version": ret.version}).status_code == 403
    assert fresh(ret).status == ReturnStatus.REQUESTED
    token = csrf_token(client.get(page(ret)))
    response = client.post(act(ret, "approve"), {"version": ret.version, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and fresh(ret).status == ReturnStatus.APPROVED


@pytest.mark.parametrize("action", ["approve", "reject", "transit", "receive"])
def test_a_stale_page_is_refused_with_a_clear_message_and_changes_nothing(manager_client, action):
    ret = ask(delivered([(MUG, 1)], paid="card"), (MUG, 1, "changed_mind"))
    if action in ("approve", "reject"):
        shown = ret.version
        returns.approve_return(request=ret, actor=None, actor_kind=ActorKind.SYSTEM)  # another staff member
    else:
        ret = returns.approve_return(request=ret, actor=None, actor_kind=ActorKind.SYSTEM)
        shown = ret.version
        returns.mark_in_transit(request=ret, carrier="DHL", actor_kind=ActorKind.CUSTOMER)  # the shopper
    before = fresh(ret)
    data = {
        "approve": {"version": shown},
        "reject": {"version": shown, "reason": "outside_window"},
        "transit": {"version": shown, "carrier": "PostNL"},
        "receive": {**everything(ret), "version": shown},
    }[action]

    response = manager_client.post(act(ret, action), data, follow=True)

    assert response.redirect_chain == [(page(ret), 302)]
    assert "This return changed since the page was shown; look again." in flashed(response)
    after = fresh(ret)
    assert (after.status, after.version, after.carrier) == (before.status, before.version, before.carrier)
    assert not Transaction.objects.filter(order=ret.order, kind=TransactionKind.REFUND).exists()


def test_an_action_its_status_doesnt_offer_is_refused(manager_client):
    ret = ask(delivered([(MUG, 1)], paid="card"), (MUG, 1, "changed_mind"))
    response = manager_client.post(act(ret, "receive"), everything(ret), follow=True)
    assert "Only an approved return can be received (and only once)." in flashed(response)
    assert fresh(ret).status == ReturnStatus.REQUESTED and fresh(ret).version == ret.version
    receive_all(returns.approve_return(request=ret, actor=None, actor_kind=ActorKind.SYSTEM))
    response = manager_client.post(act(ret, "approve"), {"version": fresh(ret).version}, follow=True)
    assert "This return is not waiting for approval." in flashed(response)
    assert manager_client.get(act(ret, "approve")).status_code == 302  # only a POST acts
    assert manager_client.post(act(ret, "explode"), {"version": 1}).status_code == 404


def test_an_agent_above_their_refund_limit_cant_receive_and_nothing_changes(agent_client, manager_client):
    StoreSettings.objects.update(agent_refund_limit=D("20.00"))
    order = delivered([(MUG, 2)], paid="card")
    ret = approved(order, (MUG, 2, "changed_mind"))
    stock, version, order_version = sku(MUG).stock, ret.version, Order.objects.get(pk=order.pk).version

    page_html = agent_client.get(page(ret)).content.decode()
    assert "This refund is above your refund limit" in page_html and "€20.00" in page_html
    response = agent_client.post(act(ret, "receive"), everything(ret))

    assert response.status_code == 400
    assert "Support agents can give back at most €20.00 at a time; ask a manager." in response.content.decode()
    after = fresh(ret)
    assert (after.status, after.version, after.received_at) == (ReturnStatus.APPROVED, version, None)
    assert sku(MUG).stock == stock and not after.lines.filter(received_quantity__gt=0).exists()
    assert not Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).exists()
    assert Order.objects.get(pk=order.pk).version == order_version

    response = manager_client.post(act(ret, "receive"), everything(ret), follow=True)
    assert fresh(ret).status == ReturnStatus.REFUNDED and fresh(ret).refund_amount == D("36.00")


def test_receiving_part_of_a_return_previews_then_refunds_what_arrived(manager_client):
    ret = approved(delivered([(MUG, 3)], paid="card"), (MUG, 3, "changed_mind"))
    item = ret.lines.get()
    data = {**everything(ret), f"received_{item.pk}": 1, f"condition_{item.pk}": "damaged"}

    response = manager_client.post(act(ret, "receive"), {**data, "preview": "1"})
    assert response.status_code == 200
    preview = re.search(r'<dl class="action-facts" id="return-preview">(.*?)</dl>', response.content.decode(), re.S)
    assert "<dt>Refund</dt><dd>€18.00</dd>" in preview.group(1)
    assert fresh(ret).status == ReturnStatus.APPROVED  # a preview changes nothing

    stock = sku(MUG).stock
    response = manager_client.post(act(ret, "receive"), {**data, f"received_{item.pk}": 4})
    assert response.status_code == 400 and f"received_{item.pk}" in response.context["forms"]["receive"].errors
    manager_client.post(act(ret, "receive"), data)
    ret = fresh(ret)
    assert ret.refund_amount == D("18.00") and sku(MUG).stock == stock  # one mug back, damaged: not restocked


# --- a return opened by staff ------------------------------------------------------------------------------------


def test_staff_open_a_return_outside_the_window_and_of_a_non_returnable_item(desk_client):
    order = delivered([(SWEATER_M, 1), (MUG, 1)], paid="card")
    order.fulfillments.update(delivered_at=timezone.now() - timedelta(days=400))
    Product.objects.filter(variants__sku=MUG).update(is_returnable=False)
    create = f"/admin/orders/order/{order.pk}/return/"
    assert f'href="{create}"' in desk_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    html = desk_client.get(create).content.decode()
    assert "The return window has closed." in html and "L / Navy (" in html

    sweater, mug = line(order, SWEATER_M), line(order, MUG)
    data = {
        f"quantity_{sweater.pk}": 1,
        f"reason_{sweater.pk}": "too_small",
        f"exchange_{sweater.pk}": sku(SWEATER_L).pk,
        f"quantity_{mug.pk}": 1,
        f"reason_{mug.pk}": "",
        "refund_to": "store_credit",
        "comment": "Called the shop",
    }
    response = desk_client.post(create, data)
    assert response.status_code == 400 and "Choose a reason." in response.context["form"].errors[f"reason_{mug.pk}"]
    assert not order.returns.exists()

    response = desk_client.post(create, {**data, f"reason_{mug.pk}": "damaged"}, follow=True)
    ret = order.returns.get()
    assert response.redirect_chain == [(page(ret), 302)]
    assert f"Return {ret.number} was created for order #{order.number}." in flashed(response)
    assert ret.requested_by_staff.email in ("agent@example.com", "manager@example.com")
    assert (ret.refund_to, ret.comment, ret.lines.count()) == ("store_credit", "Called the shop", 2)
    event = OrderEvent.objects.get(order=order, type=EventType.RETURN_REQUESTED)
    assert (event.actor_kind, event.actor_id) == (ActorKind.STAFF, ret.requested_by_staff_id)


def test_staff_cant_return_more_than_was_delivered_and_isnt_in_another_return(manager_client):
    order = delivered([(MUG, 2)], paid="card")
    ask(order, (MUG, 1, "changed_mind"))
    mug = line(order, MUG)
    create = f"/admin/orders/order/{order.pk}/return/"
    response = manager_client.post(create, {f"quantity_{mug.pk}": 2, f"reason_{mug.pk}": "damaged"})
    assert response.status_code == 400 and f"quantity_{mug.pk}" in response.context["form"].errors
    response = manager_client.post(create, {"refund_to": "original"})
    assert response.status_code == 400 and "Choose at least one item to return." in response.content.decode()
    assert order.returns.count() == 1


# --- the order page and list ---------------------------------------------------------------------------------------


def test_the_order_lists_its_returns_and_the_order_list_filters_by_return_status(agent_client):
    order = delivered([(MUG, 2)], paid="card")
    ret = ask(order, (MUG, 1, "changed_mind"))
    other = delivered([(MUG, 1)], paid="card", email="other@example.com")
    html = agent_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert f'href="{page(ret)}">{ret.number}</a>' in html and "1 × Ceramic coffee mug – White" in html
    assert re.search(r"Return status:</label>\s*<div class=\"readonly\">Requested</div>", html)
    numbers = [
        o.number for o in agent_client.get("/admin/orders/order/?return_status=requested").context["cl"].result_list
    ]
    assert numbers == [order.number] and other.number not in numbers


# --- the policy and the reasons --------------------------------------------------------------------------------------


def test_agents_read_the_policy_and_reasons_managers_change_them(agent_client, manager_client):
    policy = ReturnPolicy.load()
    url = f"/admin/returns/returnpolicy/{policy.pk}/change/"
    form = {
        "enabled": "on",
        "window_days": 14,
        "shipping_payer": "customer",
        "shipping_fee": "4.95",
        "refund_to": "shopper",
        "exchanges_allowed": "on",
        "return_address": "",
    }
    assert agent_client.get(url).status_code == 200
    assert agent_client.post(url, form).status_code == 403
    assert ReturnPolicy.load().window_days == 30
    assert manager_client.post(url, form).status_code == 302
    assert (ReturnPolicy.load().window_days, ReturnPolicy.load().shipping_fee) == (14, D("4.95"))

    reasons = "/admin/returns/returnreason/"
    assert 'name="form-0-position"' not in agent_client.get(reasons).content.decode()
    html = manager_client.get(reasons).content.decode()
    assert 'name="form-0-position"' in html and 'name="form-0-restocking_fee_percent"' in html
    new = {"code": "late_gift", "label": "", "restocking_fee_percent": "0", "position": 9, "is_active": "on"}
    assert agent_client.post(f"{reasons}add/", new).status_code == 403
    response = manager_client.post(f"{reasons}add/", new)
    assert "A reason of your own needs the label shoppers read." in response.content.decode()
    assert manager_client.post(f"{reasons}add/", {**new, "label": "Arrived after the party"}).status_code == 302
    assert ReturnReason.objects.get(code="late_gift").shown_label == "Arrived after the party"
