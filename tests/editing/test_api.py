from decimal import Decimal as D

import pytest
from django.test import Client

from accounts.models import CustomerGroup
from editing.models import EditPolicy, EditSession
from orders.constants import TransactionKind, TransactionStatus
from orders.models import Order, Transaction
from storefront.models import PickupLocation
from tests.editing.conftest import ADDRESS_DE, place, sku

pytestmark = pytest.mark.usefixtures("catalog")
SOCKS, MUG = "WOOL-SOCKS-M-GREY", "CERAMIC-MUG-WHITE"


@pytest.fixture
def api(client):
    order = place([(SOCKS, 1), (MUG, 1)])
    client.force_login(order.customer)
    client.order = order
    return client


def base(order):
    return f"/api/v1/me/orders/{order.number}"


def test_begin_stage_preview_commit(api):
    order = api.order
    begun = api.post(f"{base(order)}/edits/")
    assert begun.status_code == 201
    edit_id, version = begun.json()["id"], begun.json()["version"]
    staged = api.post(
        f"{base(order)}/edits/{edit_id}/changes/",
        {"type": "quantity", "line_id": order.lines.get(sku=SOCKS).pk, "quantity": 3},
        content_type="application/json",
    )
    assert staged.status_code == 200
    preview = staged.json()
    assert preview["after"]["total"] == str(order.total + 30) and preview["to_pay"] == "30.00"
    assert {line["change"] for line in preview["lines"]} == {"changed", "unchanged"}
    added = api.post(
        f"{base(order)}/edits/{edit_id}/changes/",
        {"type": "add", "variant_id": sku("CANVAS-TOTE-NATURAL").pk, "quantity": 1},
        content_type="application/json",
    )
    assert added.json()["lines"][-1]["change"] == "added"
    committed = api.post(
        f"{base(order)}/edits/{edit_id}/commit/", {"version": version}, content_type="application/json"
    )
    assert committed.status_code == 200, committed.json()
    body = committed.json()
    assert D(body["to_pay"]) == D(body["total"]) - order.total and body["version"] == order.version + 1
    again = api.post(f"{base(order)}/edits/{edit_id}/commit/", {"version": version}, content_type="application/json")
    assert again.status_code == 422 and again.json()["code"] == "already_committed"


def test_the_preview_prices_with_the_group_discount_and_holds_back_open_refunds(api, django_assert_num_queries):
    order = api.order
    profile = order.customer.profile
    profile.group = CustomerGroup.objects.get(name="VIP")  # 10% off
    profile.save()
    Transaction.objects.create(
        order=order,
        kind=TransactionKind.REFUND,
        amount=D("5.00"),
        currency=order.currency,
        status=TransactionStatus.AWAITING_APPROVAL,
        idempotency_key="waiting-refund",
    )
    edit_id = api.post(f"{base(order)}/edits/").json()["id"]
    api.post(
        f"{base(order)}/edits/{edit_id}/changes/",
        {"type": "add", "variant_id": sku(MUG).pk, "quantity": 1},
        content_type="application/json",
    )
    # The session with its order (with group discount and open refunds), then the lines with their
    # variants, which include the one added; its delivery comes from the cached catalog.
    with django_assert_num_queries(2):
        preview = api.get(f"{base(order)}/edits/{edit_id}/").json()
    assert preview["lines"][-1]["unit_price"] == "16.20"  # 18.00 less 10%
    assert preview["paid"] == str(order.captured_total - D("5.00"))

    # A variant that is on none of the lines is read on its own, with its product.
    tee = sku("ORGANIC-COTTON-TEE-M-WHITE")
    api.post(
        f"{base(order)}/edits/{edit_id}/changes/",
        {"type": "add", "variant_id": tee.pk, "quantity": 1},
        content_type="application/json",
    )
    with django_assert_num_queries(3):
        preview = api.get(f"{base(order)}/edits/{edit_id}/").json()
    added = next(line for line in preview["lines"] if line["variant_id"] == tee.pk)
    assert added["change"] == "added" and added["product_name"] == tee.product.name


def test_validation_and_rule_errors_have_codes_and_fields(api):
    order = api.order
    edit_id = api.post(f"{base(order)}/edits/").json()["id"]
    url = f"{base(order)}/edits/{edit_id}/changes/"
    bad = api.post(
        url,
        {"type": "quantity", "line_id": order.lines.get(sku=SOCKS).pk, "quantity": -4},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "quantity" in bad.json()["fields"]  # below the schema's minimum
    typed = api.post(url, {"type": "quantity", "line_id": "7", "quantity": 2.0}, content_type="application/json")
    assert typed.status_code == 400 and set(typed.json()["fields"]) == {"line_id", "quantity"}
    form = api.post(url, {"type": "remove", "line_id": 7})  # multipart: the API takes JSON only
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    # What a type needs is a rule the schema cannot say: refused as asked, 422.
    missing = api.post(url, {"type": "swap"}, content_type="application/json")
    assert missing.status_code == 422 and set(missing.json()["fields"]) == {"line_id", "variant_id"}
    other_product = api.post(
        url,
        {"type": "swap", "line_id": order.lines.get(sku=SOCKS).pk, "variant_id": sku(MUG).pk},
        content_type="application/json",
    )
    assert other_product.status_code == 422 and other_product.json()["code"] == "swap_other_product"
    abroad = api.post(url, {"type": "address", "address": ADDRESS_DE}, content_type="application/json")
    assert abroad.json()["code"] == "other_country"
    pickup = api.post(
        url,
        {"type": "delivery", "pickup_location_id": PickupLocation.objects.get().pk},
        content_type="application/json",
    )
    assert pickup.status_code == 200 and pickup.json()["after"]["shipping"] == "0.00"
    stale = api.post(f"{base(order)}/edits/{edit_id}/commit/", {"version": 99}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert Order.objects.get(pk=order.pk).version == order.version


def test_other_peoples_orders_and_sessions_are_404(api):
    other = place([(MUG, 1)], email="alex@example.com")
    assert api.post(f"{base(other)}/edits/").status_code == 404
    assert api.post(f"{base(other)}/cancel/").status_code == 404
    stranger = Client()
    stranger.force_login(other.customer)
    theirs = stranger.post(f"{base(other)}/edits/").json()["id"]
    assert api.get(f"{base(api.order)}/edits/{theirs}/").status_code == 404


def test_cancel_and_csrf(api):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(api.order.customer)
    assert strict.post(f"{base(api.order)}/cancel/").status_code == 403
    response = api.post(f"{base(api.order)}/cancel/", {"reason": "duplicate"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["refund"]["amount"] == str(api.order.captured_total)
    again = api.post(f"{base(api.order)}/cancel/", {}, content_type="application/json")
    assert again.status_code == 422 and again.json()["code"] == "order_cancelled"


def test_abandon(api):
    edit_id = api.post(f"{base(api.order)}/edits/").json()["id"]
    assert api.delete(f"{base(api.order)}/edits/{edit_id}/").status_code == 204
    assert api.get(f"{base(api.order)}/edits/{edit_id}/").json()["status"] == "abandoned"


def test_schema_documents_the_edit_endpoints(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in (
        "edits/",
        "edits/{session_id}/",
        "edits/{session_id}/changes/",
        "edits/{session_id}/commit/",
        "cancel/",
    ):
        assert f"/api/v1/me/orders/{{number}}/{path}" in paths


@pytest.mark.parametrize("country", ["QQ", "nl", "NLD"])
def test_an_address_in_a_country_that_does_not_exist_is_a_field_error_and_stages_nothing(api, country):
    # With the same-country rule off nothing else stands between such a code and tax 0.00 at the catch-all rate.
    EditPolicy.objects.update(address_same_country_only=False)
    order = api.order
    edit_id = api.post(f"{base(order)}/edits/").json()["id"]
    refused = api.post(
        f"{base(order)}/edits/{edit_id}/changes/",
        {"type": "address", "address": {**ADDRESS_DE, "country": country}},
        content_type="application/json",
    )
    assert refused.status_code == 400, refused.json()
    assert refused.json()["fields"]["address.country"] == [
        f"Select a valid choice. {country} is not one of the available choices."
    ]
    assert not EditSession.objects.get(pk=edit_id).staged_changes.has_changes
    assert api.get(f"{base(order)}/edits/{edit_id}/").json()["staged"]["address"] is None


def test_an_address_staged_in_an_unknown_country_is_refused_by_the_preview_and_the_commit(api):
    """A session staged before countries were checked (or written past the API) is not priced at tax 0.00."""
    EditPolicy.objects.update(address_same_country_only=False)
    order = api.order
    begun = api.post(f"{base(order)}/edits/").json()
    EditSession.objects.filter(pk=begun["id"]).update(
        staged={"address": {**ADDRESS_DE, "country": "QQ"}, "quantities": {}, "swaps": {}, "additions": {}}
    )
    preview = api.get(f"{base(order)}/edits/{begun['id']}/").json()
    assert preview["after"] is None and preview["lines"] is None
    assert preview["error"]["code"] == "unknown_country" and "address.country" in preview["error"]["fields"]
    committed = api.post(
        f"{base(order)}/edits/{begun['id']}/commit/", {"version": begun["version"]}, content_type="application/json"
    )
    assert committed.status_code == 422 and committed.json()["code"] == "unknown_country"
    assert "address.country" in committed.json()["fields"]
    unchanged = Order.objects.get(pk=order.pk)
    assert unchanged.version == order.version and unchanged.shipping_address == order.shipping_address


def test_a_free_variant_added_through_the_api_is_a_free_line_like_at_checkout(api):
    order = api.order
    sample = sku("CANVAS-TOTE-NATURAL")
    sample.price = D("0.00")
    sample.save()
    begun = api.post(f"{base(order)}/edits/").json()
    edit_id, version = begun["id"], begun["version"]
    api.post(
        f"{base(order)}/edits/{edit_id}/changes/",
        {"type": "add", "variant_id": sample.pk, "quantity": 1},
        content_type="application/json",
    )
    committed = api.post(
        f"{base(order)}/edits/{edit_id}/commit/", {"version": version}, content_type="application/json"
    )
    assert committed.status_code == 200, committed.json()
    added = Order.objects.get(pk=order.pk).lines.order_by("-position").first()
    assert added.unit_price == 0 and added.is_free and not added.is_fee
    # Locked like a free line from checkout: the shopper can't take more of it online.
    again = api.post(f"{base(order)}/edits/").json()["id"]
    locked = api.post(
        f"{base(order)}/edits/{again}/changes/",
        {"type": "quantity", "line_id": added.pk, "quantity": 2},
        content_type="application/json",
    )
    assert locked.status_code == 422 and locked.json()["code"] == "locked_line"
