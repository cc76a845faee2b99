"""Staff money actions in admin: refund, goodwill, cancel, refund decisions, credit memo printing, the ledger."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from django.test import Client

from accounts.models import User
from core.money import format_money
from core.reasons import Reason
from editing import services as editing
from editing.models import EditPolicy
from orders.constants import ActorKind, EventType, MoneySource, OrderStatus, TransactionKind, TransactionStatus
from orders.models import CreditMemo, Order, OrderEvent, StoreCreditEntry, Transaction
from storefront.models import StoreSettings
from tests.conftest import STAFF_PASSWORD
from tests.editing.conftest import place  # the catalog fixture lives in tests/conftest.py
from tests.editing.test_services import MUG, SOCKS, SWEATER_M
from tests.orders.conftest import change_url, csrf_token, flashed, sign_in, url

pytestmark = pytest.mark.usefixtures("catalog")


def eur(amount) -> str:
    return format_money(D(amount), "EUR", "en")


@pytest.fixture
def paid_order() -> Order:
    return place([(SWEATER_M, 1), (SOCKS, 2)], paid="card")


def refunds(order: Order):
    return Transaction.objects.filter(order=order, kind=TransactionKind.REFUND).order_by("pk")


def awaiting_refund(email="wait@example.com") -> Transaction:
    """A shopper's cancellation while the policy makes staff approve refunds."""
    EditPolicy.objects.update(refund_automatically=False)
    order = place([(MUG, 1)], email=email, paid="card")
    editing.cancel_order(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    refund = refunds(order).get()
    assert refund.status == TransactionStatus.AWAITING_APPROVAL
    return refund


# --- the order page --------------------------------------------------------------------------------------


def test_order_page_links_the_money_pages_and_shows_adjustment_and_credit(staff_client, paid_order):
    page = staff_client.get(change_url(paid_order))
    html = page.content.decode()
    for name in ("refund", "goodwill", "cancel"):
        assert f'href="{url(paid_order, name)}"' in html
    assert "field-adjustment_total" in html and "field-store_credit" in html
    amounts = next(fs for fs in page.context["adminform"] if str(fs.name) == "Amounts")
    assert "adjustment_total" in [field for line in amounts for field in line.fields]


def test_cancel_button_is_gone_once_the_order_is_cancelled(staff_client, paid_order):
    editing.cancel_order(order=paid_order, actor_kind=ActorKind.STAFF, actor=None, reason="test")
    html = staff_client.get(change_url(paid_order)).content.decode()
    assert f'href="{url(paid_order, "cancel")}"' not in html
    # Everything paid is on its way back: nothing is left to refund (issue 20).
    assert f'href="{url(paid_order, "refund")}"' not in html


def test_refund_shows_only_while_money_is_held(staff_client, paid_order):
    unpaid = place([(MUG, 1)], email="unpaid@example.com", paid=False)
    assert f'href="{url(unpaid, "refund")}"' not in staff_client.get(change_url(unpaid)).content.decode()
    assert f'href="{url(unpaid, "payment-link")}"' in staff_client.get(change_url(unpaid)).content.decode()
    kept = place([(MUG, 1)], email="kept@example.com", paid="card")
    editing.cancel_order(order=kept, actor_kind=ActorKind.STAFF, actor=None, reason="test", refund=False)
    assert f'href="{url(kept, "refund")}"' in staff_client.get(change_url(kept)).content.decode()
    assert f'href="{url(paid_order, "refund")}"' in staff_client.get(change_url(paid_order)).content.decode()


# --- refund ----------------------------------------------------------------------------------------------


def test_refund_page_shows_what_is_refundable_and_the_limit(staff_client, paid_order):
    staff_client.post(url(paid_order, "refund"), {"amount": "10", "reason": "other", "note": "First"})
    page = staff_client.get(url(paid_order, "refund"))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"#{paid_order.number}" in html and eur(paid_order.total - 10) in html  # a refund on its way counts
    assert "No limit" in html
    assert 'name="with_return"' in html and 'name="csrfmiddlewaretoken"' in html


def test_staff_refund_creates_a_pending_refund_a_memo_and_an_event(staff_client, staff_user, paid_order):
    response = staff_client.post(
        url(paid_order, "refund"),
        {"amount": "10.00", "reason": "late", "note": "Two weeks", "with_return": "on"},
        follow=True,
    )
    assert response.redirect_chain == [(change_url(paid_order), 302)]
    memo = CreditMemo.objects.get(order=paid_order)
    assert (memo.amount, memo.source, memo.created_by, memo.reason) == (
        D("10.00"),
        MoneySource.RETURN,
        staff_user,
        Reason("late", "Two weeks"),
    )
    assert (memo.reason_code, memo.reason_note) == ("late", "Two weeks")  # a code, and the note as typed
    refund = refunds(paid_order).get()
    assert (refund.status, refund.amount, refund.credit_memo, refund.created_by) == (
        TransactionStatus.PENDING,
        D("10.00"),
        memo,
        staff_user,
    )
    event = OrderEvent.objects.get(order=paid_order, type=EventType.REFUND_REQUESTED)
    assert (event.actor, event.actor_kind, event.data["transaction"]) == (staff_user, ActorKind.STAFF, refund.pk)
    paid_order.refresh_from_db()
    assert paid_order.adjustment_total == D("10.00")
    assert any(memo.number in message and eur(10) in message for message in flashed(response))
    # The order page now lists the memo with its print link, and the adjustment.
    html = response.content.decode()
    assert memo.number in html and f"/admin/orders/creditmemo/{memo.pk}/print/" in html


def test_refund_without_return_is_a_staff_refund(staff_client, paid_order):
    staff_client.post(url(paid_order, "refund"), {"amount": "3", "reason": "goodwill"})
    assert CreditMemo.objects.get(order=paid_order).source == MoneySource.STAFF


def test_over_refund_is_refused_on_the_amount_field_and_changes_nothing(staff_client, paid_order):
    too_much = paid_order.total + D("0.01")
    response = staff_client.post(url(paid_order, "refund"), {"amount": str(too_much), "reason": "goodwill"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "More than was paid and not yet refunded." in form.errors["amount"]
    assert any("can be refunded" in error for error in form.non_field_errors())
    assert not CreditMemo.objects.filter(order=paid_order).exists() and not refunds(paid_order).exists()
    paid_order.refresh_from_db()
    assert paid_order.adjustment_total == 0


def test_refund_needs_a_reason_and_a_positive_amount(staff_client, paid_order):
    response = staff_client.post(url(paid_order, "refund"), {"amount": "0", "reason": "  "})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"amount", "reason"}
    assert not refunds(paid_order).exists()


def test_other_needs_a_note_and_free_text_is_no_reason(staff_client, paid_order):
    response = staff_client.post(url(paid_order, "refund"), {"amount": "1", "reason": "other", "note": " "})
    assert response.status_code == 400 and "note" in response.context["form"].errors
    response = staff_client.post(url(paid_order, "refund"), {"amount": "1", "reason": "Because"})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert not refunds(paid_order).exists()


def test_agent_refunds_up_to_the_limit_and_no_more(agent_client, agent, paid_order):
    StoreSettings.objects.update(agent_refund_limit=D("20"))
    assert eur(20) in agent_client.get(url(paid_order, "refund")).content.decode()

    refused = agent_client.post(url(paid_order, "refund"), {"amount": "25", "reason": "goodwill"})
    assert refused.status_code == 400
    assert "Above your refund limit." in refused.context["form"].errors["amount"]
    assert not refunds(paid_order).exists()

    done = agent_client.post(url(paid_order, "refund"), {"amount": "15", "reason": "goodwill"})
    assert done.status_code == 302
    assert refunds(paid_order).get().created_by == agent


def test_staff_without_a_money_group_or_permission_is_forbidden(db, paid_order):
    clerk = User.objects.create_user("clerk@example.com", STAFF_PASSWORD, is_staff=True)
    client = sign_in(Client(), clerk)
    assert client.get(url(paid_order, "refund")).status_code == 403
    assert client.post(url(paid_order, "refund"), {"amount": "1", "reason": "x"}).status_code == 403
    assert not refunds(paid_order).exists()


# --- goodwill --------------------------------------------------------------------------------------------


def test_goodwill_store_credit_adds_to_the_ledger_and_the_order_shows_the_balance(staff_client, staff_user, paid_order):
    response = staff_client.post(
        url(paid_order, "goodwill"), {"kind": "store_credit", "amount": "7.50", "reason": "wrong_item"}, follow=True
    )
    assert response.redirect_chain == [(change_url(paid_order), 302)]
    entry = StoreCreditEntry.objects.get(customer=paid_order.customer)
    assert (entry.amount, entry.order, entry.created_by, entry.reason) == (
        D("7.50"),
        paid_order,
        staff_user,
        Reason("wrong_item"),
    )
    assert not refunds(paid_order).exists()  # credit is not money back
    balance_field = re.search(r"field-store_credit.*?</div>\s*</div>", response.content.decode(), re.S).group(0)
    assert eur("7.50") in balance_field
    assert OrderEvent.objects.get(order=paid_order, type=EventType.STORE_CREDIT_ISSUED).actor == staff_user
    # The goodwill page shows the balance too, and the ledger lists the entry by the customer's email.
    assert eur("7.50") in staff_client.get(url(paid_order, "goodwill")).content.decode()
    ledger = staff_client.get("/admin/orders/storecreditentry/", {"q": paid_order.email})
    assert list(ledger.context["cl"].result_list) == [entry]
    assert (
        list(staff_client.get("/admin/orders/storecreditentry/", {"q": "other@example.com"}).context["cl"].result_list)
        == []
    )


def test_store_credit_ledger_is_read_only(staff_client, paid_order):
    staff_client.post(url(paid_order, "goodwill"), {"kind": "store_credit", "amount": "2", "reason": "goodwill"})
    entry = StoreCreditEntry.objects.get()
    assert staff_client.get("/admin/orders/storecreditentry/add/").status_code == 403
    assert staff_client.post(f"/admin/orders/storecreditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert StoreCreditEntry.objects.filter(pk=entry.pk, amount=D("2")).exists()


def test_goodwill_discount_on_a_paid_order_refunds_the_overpaid_part(staff_client, paid_order):
    response = staff_client.post(
        url(paid_order, "goodwill"),
        {"kind": "order_discount", "amount": "5", "reason": "damaged", "note": "Scratched"},
        follow=True,
    )
    assert response.redirect_chain == [(change_url(paid_order), 302)]
    refund = refunds(paid_order).get()
    assert (refund.status, refund.amount, refund.source) == (
        TransactionStatus.PENDING,
        D("5.00"),
        MoneySource.APPEASEMENT,
    )
    assert refund.reason == Reason("damaged", "Scratched")
    paid_order.refresh_from_db()
    assert paid_order.adjustment_total == D("5.00")
    assert not StoreCreditEntry.objects.exists()
    assert any(eur(5) in message and "refunded" in message for message in flashed(response))


def test_goodwill_discount_above_the_order_total_is_refused(staff_client, paid_order):
    response = staff_client.post(
        url(paid_order, "goodwill"),
        {"kind": "order_discount", "amount": str(paid_order.total + 1), "reason": "goodwill"},
    )
    assert response.status_code == 400 and "Too large." in response.context["form"].errors["amount"]
    paid_order.refresh_from_db()
    assert paid_order.adjustment_total == 0 and not refunds(paid_order).exists()


def test_goodwill_needs_a_kind(staff_client, paid_order):
    response = staff_client.post(url(paid_order, "goodwill"), {"amount": "5", "reason": "goodwill"})
    assert response.status_code == 400 and "kind" in response.context["form"].errors
    assert not StoreCreditEntry.objects.exists()


# --- cancel ----------------------------------------------------------------------------------------------


def test_cancel_page_offers_the_reasons_and_refunds_by_default(staff_client, paid_order):
    html = staff_client.get(url(paid_order, "cancel")).content.decode()
    assert "Suspected fraud" in html
    assert re.search(r'<input[^>]*name="refund"[^>]*checked', html)


def test_cancel_with_reason_and_refund(staff_client, staff_user, paid_order):
    response = staff_client.post(
        url(paid_order, "cancel"), {"reason": "fraud", "note": "Card reported stolen", "refund": "on"}, follow=True
    )
    assert response.redirect_chain == [(change_url(paid_order), 302)]
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.CANCELLED
    event = OrderEvent.objects.get(order=paid_order, type=EventType.CANCELLED)
    assert (Reason.from_data(event.data), event.actor) == (Reason("fraud", "Card reported stolen"), staff_user)
    refund = refunds(paid_order).get()
    assert (refund.amount, refund.status, refund.source) == (
        paid_order.captured_total,
        TransactionStatus.PENDING,
        MoneySource.CANCELLATION,
    )
    assert refund.reason == Reason("fraud", "Card reported stolen")
    assert any(f"#{paid_order.number}" in message for message in flashed(response))


def test_cancel_without_refund_keeps_the_money(staff_client, paid_order):
    response = staff_client.post(url(paid_order, "cancel"), {"reason": "customer_request"})  # checkbox unticked
    assert response.status_code == 302
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.CANCELLED and not refunds(paid_order).exists()
    event = OrderEvent.objects.get(order=paid_order, type=EventType.CANCELLED)
    assert event.data == {"reason_code": "customer_request", "reason_note": ""}


def test_cancelling_twice_is_refused_and_changes_nothing(staff_client, paid_order):
    staff_client.post(url(paid_order, "cancel"), {"reason": "other", "note": "Test order", "refund": "on"})
    events_before = OrderEvent.objects.filter(order=paid_order).count()
    again = staff_client.post(url(paid_order, "cancel"), {"reason": "other", "note": "Test order", "refund": "on"})
    assert again.status_code == 400 and again.context["form"].non_field_errors()
    assert OrderEvent.objects.filter(order=paid_order).count() == events_before
    assert refunds(paid_order).count() == 1


def test_cancel_reason_must_be_one_of_the_list(staff_client, paid_order):
    response = staff_client.post(url(paid_order, "cancel"), {"reason": "bored", "refund": "on"})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.OPEN


# --- refund decisions --------------------------------------------------------------------------------------


def test_order_page_shows_approve_and_decline_for_a_refund_awaiting_approval(staff_client):
    refund = awaiting_refund()
    html = staff_client.get(change_url(refund.order)).content.decode()
    assert f'formaction="/admin/orders/transaction/{refund.pk}/approve/"' in html
    assert f'formaction="/admin/orders/transaction/{refund.pk}/decline/"' in html
    assert f'formaction="/admin/orders/transaction/{refund.pk}/retry/"' not in html


def test_approve_button_sends_the_refund(staff_client, staff_user):
    refund = awaiting_refund()
    response = staff_client.post(f"/admin/orders/transaction/{refund.pk}/approve/", follow=True)
    assert response.redirect_chain == [(change_url(refund.order), 302)]
    refund.refresh_from_db()
    assert refund.status == TransactionStatus.PENDING
    assert OrderEvent.objects.get(order=refund.order, type=EventType.REFUND_APPROVED).actor == staff_user
    # A second click finds nothing to approve and says so.
    again = staff_client.post(f"/admin/orders/transaction/{refund.pk}/approve/", follow=True)
    assert any("not waiting for approval" in message for message in flashed(again))


def test_decline_button_keeps_the_money(staff_client):
    refund = awaiting_refund()
    staff_client.post(f"/admin/orders/transaction/{refund.pk}/decline/")
    refund.refresh_from_db()
    assert refund.status == TransactionStatus.CANCELLED
    assert OrderEvent.objects.filter(order=refund.order, type=EventType.REFUND_DECLINED).exists()


def test_decisions_are_post_only(staff_client):
    refund = awaiting_refund()
    assert staff_client.get(f"/admin/orders/transaction/{refund.pk}/approve/").status_code == 405
    refund.refresh_from_db()
    assert refund.status == TransactionStatus.AWAITING_APPROVAL


def test_decision_buttons_post_the_order_pages_csrf_token(db):
    refund = awaiting_refund()
    manager = User.objects.create_superuser("manager@example.com", STAFF_PASSWORD)
    client = sign_in(Client(enforce_csrf_checks=True), manager)
    approve = f"/admin/orders/transaction/{refund.pk}/approve/"
    assert client.post(approve).status_code == 403  # no token
    token = csrf_token(client.get(change_url(refund.order)))
    assert client.post(approve, {"csrfmiddlewaretoken": token}).status_code == 302
    refund.refresh_from_db()
    assert refund.status == TransactionStatus.PENDING


def test_agent_cannot_approve_above_their_limit(agent_client):
    StoreSettings.objects.update(agent_refund_limit=D("1"))
    refund = awaiting_refund()
    response = agent_client.post(f"/admin/orders/transaction/{refund.pk}/approve/", follow=True)
    assert any("Support agents can give back at most €1.00" in message for message in flashed(response))
    refund.refresh_from_db()
    assert refund.status == TransactionStatus.AWAITING_APPROVAL


def test_retry_button_resends_a_failed_refund(staff_client, staff_user, paid_order):
    staff_client.post(url(paid_order, "refund"), {"amount": "4", "reason": "other", "note": "Lost parcel"})
    refund = refunds(paid_order).get()
    Transaction.objects.filter(pk=refund.pk).update(status=TransactionStatus.FAILED, error="Processor down")
    html = staff_client.get(change_url(paid_order)).content.decode()
    assert f'formaction="/admin/orders/transaction/{refund.pk}/retry/"' in html
    assert f'formaction="/admin/orders/transaction/{refund.pk}/approve/"' not in html
    staff_client.post(f"/admin/orders/transaction/{refund.pk}/retry/")
    refund.refresh_from_db()
    assert (refund.status, refund.retry_round, refund.error) == (TransactionStatus.PENDING, 1, "")


def test_changelist_actions_approve_and_report_each_refused_row(staff_client):
    waiting = awaiting_refund("one@example.com")
    done = awaiting_refund("two@example.com")
    staff_client.post(f"/admin/orders/transaction/{done.pk}/approve/")
    charge = Transaction.objects.filter(order=waiting.order, kind=TransactionKind.CHARGE).get()
    response = staff_client.post(
        "/admin/orders/transaction/",
        {"action": "approve_selected", "_selected_action": [waiting.pk, done.pk, charge.pk]},
        follow=True,
    )
    waiting.refresh_from_db()
    assert waiting.status == TransactionStatus.PENDING
    shown = flashed(response)
    assert "1 refund approved." in shown
    assert any(f"Refund #{done.pk}" in message and "not waiting for approval" in message for message in shown)
    assert any(f"Transaction #{charge.pk} is not a refund." == message for message in shown)


def test_changelist_action_retries_failed_refunds(staff_client, paid_order):
    staff_client.post(url(paid_order, "refund"), {"amount": "4", "reason": "other", "note": "Lost parcel"})
    staff_client.post(url(paid_order, "refund"), {"amount": "3", "reason": "late"})
    failed, pending = refunds(paid_order)
    Transaction.objects.filter(pk=failed.pk).update(status=TransactionStatus.FAILED)
    response = staff_client.post(
        "/admin/orders/transaction/",
        {"action": "retry_selected", "_selected_action": [failed.pk, pending.pk]},
        follow=True,
    )
    failed.refresh_from_db()
    assert (failed.status, failed.retry_round) == (TransactionStatus.PENDING, 1)
    shown = flashed(response)
    assert "1 refund sent again." in shown
    assert any(f"Refund #{pending.pk}" in message and "Only a failed refund" in message for message in shown)


# --- credit memo printing ------------------------------------------------------------------------------------


def test_print_page_shows_the_memo(staff_client, staff_user, paid_order):
    StoreSettings.objects.update(name="Northwind Outfitters", address="Keizersgracht 1\nAmsterdam")
    staff_client.post(url(paid_order, "refund"), {"amount": "12.34", "reason": "damaged", "note": "Broken zip"})
    memo = CreditMemo.objects.get(order=paid_order)
    page = staff_client.get(f"/admin/orders/creditmemo/{memo.pk}/print/")
    html = page.content.decode()
    assert page.status_code == 200
    assert memo.number in html and re.fullmatch(r"CM-\d{6}", memo.number)
    assert eur("12.34") in html
    reason = "Damaged item (note: Broken zip)"
    for text in ("Northwind Outfitters", "Keizersgracht 1", f"#{paid_order.number}", paid_order.email, reason):
        assert text in html
    assert "Pending" in html and staff_user.email in html  # the refund paying it, and who created it
    assert 'id="header"' not in html  # standalone, not the admin chrome


# --- who may reach these pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["refund", "goodwill", "cancel"])
def test_signed_out_and_shoppers_are_sent_to_the_admin_login(client, paid_order, page):
    assert client.post(url(paid_order, page), {"amount": "1", "reason": "x", "kind": "store_credit"})[
        "Location"
    ].startswith("/admin/login/")
    client.force_login(paid_order.customer)
    response = client.get(url(paid_order, page))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not refunds(paid_order).exists() and not StoreCreditEntry.objects.exists()


def test_print_and_decisions_need_staff_with_a_second_factor(client, paid_order):
    refund = awaiting_refund()
    memo = CreditMemo.objects.get(order=refund.order)
    staff = User.objects.create_superuser("nototp@example.com", STAFF_PASSWORD)
    client.force_login(staff)  # password only: no authenticator code
    for path in (f"/admin/orders/creditmemo/{memo.pk}/print/", f"/admin/orders/transaction/{refund.pk}/approve/"):
        response = client.post(path) if path.endswith("approve/") else client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    refund.refresh_from_db()
    assert refund.status == TransactionStatus.AWAITING_APPROVAL


# --- the agent's limit holds on every way of giving money back --------------------------------------------


@pytest.mark.parametrize(
    "page, data",
    [
        ("goodwill", {"kind": "order_discount", "amount": "50", "reason": "late"}),
        ("goodwill", {"kind": "store_credit", "amount": "50", "reason": "late"}),
        ("cancel", {"reason": "customer_request", "refund": "on"}),
    ],
)
def test_agent_limit_holds_for_goodwill_and_cancel_with_refund(agent_client, paid_order, page, data):
    StoreSettings.objects.update(agent_refund_limit=D("20"))
    version = paid_order.version
    response = agent_client.post(url(paid_order, page), data)
    paid_order.refresh_from_db()
    assert response.status_code == 400 and "Support agents can give back at most €20.00" in response.content.decode()
    assert paid_order.version == version and not refunds(paid_order).exists()
    assert not StoreCreditEntry.objects.exists()


def test_a_managers_cancel_refunds_at_once_even_when_shopper_refunds_wait(staff_client, paid_order):
    EditPolicy.objects.update(refund_automatically=False)
    staff_client.post(url(paid_order, "cancel"), {"reason": "fraud", "refund": "on"})
    assert {refund.status for refund in refunds(paid_order)} == {TransactionStatus.PENDING}


def test_an_agent_sees_the_lines_transactions_and_timeline_on_the_order_page(agent_client, paid_order):
    html = agent_client.get(change_url(paid_order)).content.decode()
    for inline in ("lines-group", "transactions-group", "fulfillments-group"):
        assert f'id="{inline}"' in html, inline
    assert 'id="timeline"' in html and "Order placed" in html  # the timeline reads as sentences (desk.admin)
