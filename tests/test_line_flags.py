"""Every path that makes an order line (checkout, an edit's addition or swap, the bulk loader) makes the same line
of the same variant: one factory (``orders.lines.new_order_line``) decides its flags."""

import random
from decimal import Decimal as D

import pytest

from demo.bulk import bulk_customers, bulk_orders
from editing import services as editing
from orders.constants import ActorKind
from orders.models import OrderLine
from orders.services import LineRequest, place_order
from tests.factories import ADDRESS_NL, ShippingRateFactory, StoreSettingsFactory, TaxRateFactory, VariantFactory

pytestmark = pytest.mark.django_db


def flags(line: OrderLine) -> tuple:
    """What a line takes from its variant, besides its price."""
    return (
        line.is_free,
        line.is_fee,
        line.is_custom,
        line.customization,
        line.product_name,
        line.variant_name,
        line.sku,
        line.options,
    )


@pytest.fixture
def variants():
    StoreSettingsFactory()
    TaxRateFactory()
    method = ShippingRateFactory().method  # the catch-all: every country of the bulk loader's cities
    bought = VariantFactory(sku="BOUGHT", price=D("30.00"))
    free = VariantFactory(sku="SAMPLE", price=D("0.00"), options={"size": "S"})
    priced = VariantFactory(sku="PRICED", price=D("12.50"))
    fee = VariantFactory(sku="WRAP", price=D("4.00"), is_fee=True, options={})
    small = VariantFactory(sku="SMALL", product=priced.product, name="S", price=D("0.00"), options={"size": "S"})
    return {"method": method, "bought": bought, "free": free, "priced": priced, "fee": fee, "small": small}


def place(v, *variants, email="sam@example.com"):
    return place_order(
        email=email,
        lines=[LineRequest(variant_id=variant.pk, quantity=1) for variant in variants],
        shipping_method=v["method"],
        shipping_address=ADDRESS_NL,
        send_confirmation=False,
    )


def edit(order, actor_kind, *, add=(), swap=None):
    actor = order.customer if actor_kind == ActorKind.CUSTOMER else None
    session = editing.begin_edit(order=order, actor_kind=actor_kind, actor=actor)
    for variant in add:
        editing.stage_addition(session_id=session.pk, variant_id=variant.pk, quantity=1)
    if swap is not None:
        line, variant = swap
        editing.stage_swap(session_id=session.pk, line_id=line.pk, variant_id=variant.pk)
    return editing.commit_edit(session_id=session.pk, actor_kind=actor_kind, actor=actor).order


def by_sku(order) -> dict[str, tuple]:
    return {line.sku: flags(line) for line in order.lines.all()}


def test_checkout_edits_and_the_bulk_loader_make_the_same_line_of_the_same_variant(variants):
    v = variants
    checkout = by_sku(place(v, v["free"], v["priced"], v["fee"]))
    assert checkout["SAMPLE"][0] and not checkout["PRICED"][0] and checkout["WRAP"][1]  # what checkout always set

    added_by_shopper = by_sku(edit(place(v, v["bought"]), ActorKind.CUSTOMER, add=[v["free"], v["priced"]]))
    added_by_staff = by_sku(edit(place(v, v["bought"]), ActorKind.STAFF, add=[v["free"], v["priced"], v["fee"]]))
    for sku in ("SAMPLE", "PRICED"):
        assert added_by_shopper[sku] == added_by_staff[sku] == checkout[sku], sku
    assert added_by_staff["WRAP"] == checkout["WRAP"]

    # A swap makes the line one of another variant: it takes that variant's flags as checkout would.
    order = place(v, v["priced"])
    swapped = edit(order, ActorKind.CUSTOMER, swap=(order.lines.get(), v["small"])).lines.get()
    assert swapped.unit_price == 0 and flags(swapped) == by_sku(place(v, v["small"], email="al@example.com"))["SMALL"]

    rng = random.Random(3)  # noqa: S311 - test data
    bulk_orders(customers=bulk_customers(3, rng=rng), count=30, rng=rng, max_lines=2)
    bulk = {line.sku: flags(line) for line in OrderLine.objects.filter(order__email__startswith="bulk")}
    for sku in ("SAMPLE", "PRICED"):  # the bulk loader makes no fee lines
        assert bulk[sku] == checkout[sku], sku
