"""Recalculation tables for the pure edit plan, and the same scenarios end to end through the services."""

from decimal import Decimal as D

import pytest

from editing import services as editing
from editing.calculations import ADDED, CHANGED, REMOVED, SWAPPED, CatalogVariant, CurrentLine, plan_lines, price_plan
from orders.constants import ActorKind
from orders.quotes import PricingContext
from storefront.models import StoreSettings, TaxRate
from storefront.pricing import CustomerPricing
from tests.editing.conftest import ADDRESS_DE, place, sku

SOCKS = CatalogVariant(
    id=1, product_id=10, product_name="Socks", name="M", price=D("15.00"), weight_grams=80, is_fee=False
)
SOCKS_L = CatalogVariant(
    id=2, product_id=10, product_name="Socks", name="L", price=D("16.00"), weight_grams=90, is_fee=False
)
MUG = CatalogVariant(
    id=3, product_id=20, product_name="Mug", name="White", price=D("18.00"), weight_grams=400, is_fee=False
)
CATALOG = {v.id: v for v in (SOCKS, SOCKS_L, MUG)}


def ctx(*, rate="0.21", inclusive=True, exempt=False, group="0", discount="0", currency="EUR"):
    return PricingContext(
        currency=currency,
        prices_include_tax=inclusive,
        customer=CustomerPricing(group_discount_percent=D(group), tax_exempt=exempt),
        discount_percent=D(discount),
        tax_rate=D(rate),
    )


def socks_line(quantity=2, unit="15.00", rate="0.21"):
    return CurrentLine(
        id=100,
        variant_id=1,
        product_name="Socks",
        variant_name="M",
        quantity=quantity,
        unit_price=D(unit),
        tax_rate=D(rate),
        total=D(unit) * quantity,
        discountable=True,
        weight_grams=80,
    )


@pytest.mark.parametrize(
    ("case", "context", "retax", "expect_tax", "expect_total"),
    [
        # inclusive prices: the tax inside the same gross changes with the rate; the total doesn't
        ("stay NL", ctx(rate="0.21"), False, D("5.21"), D("30.00")),
        ("move to DE", ctx(rate="0.19"), True, D("4.79"), D("30.00")),
        # exclusive prices: tax is added, so the total moves with the rate
        ("exclusive NY", ctx(rate="0.08875", inclusive=False), True, D("2.66"), D("32.66")),
        ("exclusive kept rate", ctx(rate="0.08875", inclusive=False), False, D("6.30"), D("36.30")),
        # tax-exempt buyer: no tax on re-rated lines
        ("exempt moves", ctx(rate="0.19", exempt=True), True, D("0"), D("30.00")),
    ],
)
def test_tax_re_rating_on_kept_lines(case, context, retax, expect_tax, expect_total):
    plan = plan_lines(
        current=[socks_line()], quantities={}, swaps={}, additions={}, variants=CATALOG, ctx=context, retax=retax
    )
    price_plan(plan, ctx=context, shipping=D("0"), shipping_tax_rate=D("0"))
    assert (plan.totals.tax, plan.totals.total) == (expect_tax, expect_total), case


def test_kept_lines_keep_the_price_paid_new_and_swapped_take_todays_with_group_discount():
    context = ctx(group="10")
    current = [
        socks_line(quantity=2, unit="12.00"),
        CurrentLine(
            id=101,
            variant_id=3,
            product_name="Mug",
            variant_name="White",
            quantity=1,
            unit_price=D("20.00"),
            tax_rate=D("0.21"),
            total=D("20.00"),
            discountable=True,
            weight_grams=400,
        ),
    ]
    plan = plan_lines(
        current=current,
        quantities={101: 0},
        swaps={100: 2},
        additions={3: 1},
        variants=CATALOG,
        ctx=context,
        retax=False,
    )
    price_plan(plan, ctx=context, shipping=D("4.95"), shipping_tax_rate=D("0.21"))
    by_change = {line.change: line for line in plan.lines}
    assert by_change[SWAPPED].unit_price == D("14.40")  # 16.00 less 10%
    assert by_change[REMOVED].quantity == 0
    assert by_change[ADDED].unit_price == D("16.20")  # 18.00 less 10%
    assert plan.totals.total == D("28.80") + D("16.20") + D("4.95")
    assert plan.variant_deltas == {1: -2, 2: 2}  # the mug: one removed, one added, no net move


def test_discount_code_percent_applies_to_changed_lines():
    context = ctx(discount="10")
    plan = plan_lines(
        current=[socks_line()], quantities={100: 3}, swaps={}, additions={}, variants=CATALOG, ctx=context, retax=False
    )
    price_plan(plan, ctx=context, shipping=D("0"), shipping_tax_rate=D("0"))
    assert plan.lines[0].change == CHANGED and plan.totals.discount == D("4.50") and plan.totals.total == D("40.50")


def test_jpy_rounds_to_whole_yen():
    context = ctx(rate="0.10", currency="JPY")
    current = [
        CurrentLine(
            id=1,
            variant_id=1,
            product_name="Socks",
            variant_name="M",
            quantity=1,
            unit_price=D("1650"),
            tax_rate=D("0.10"),
            total=D("1650"),
            discountable=True,
            weight_grams=80,
        )
    ]
    plan = plan_lines(
        current=current, quantities={1: 3}, swaps={}, additions={}, variants=CATALOG, ctx=context, retax=False
    )
    price_plan(plan, ctx=context, shipping=D("700"), shipping_tax_rate=D("0.10"))
    assert plan.totals.total == D("5650") and plan.totals.tax == D("450") + D("64")
    assert all(amount == amount.to_integral_value() for amount in (plan.totals.total, plan.totals.tax))


# --- the same through the services ---------------------------------------------------------------------


@pytest.mark.usefixtures("catalog")
def test_exclusive_price_store_address_change_re_taxes_and_changes_the_total():
    StoreSettings.objects.update(prices_include_tax=False)
    order = place([("WOOL-SOCKS-M-GREY", 2)])  # 30 net + 21% + 4.95 shipping + 21%
    assert order.total == D("30.00") + D("6.30") + D("4.95") + D("1.04")
    result = editing.commit_edit(
        session_id=editing.stage_address(
            session_id=editing.begin_edit(order=order, actor_kind=ActorKind.STAFF).pk, address=ADDRESS_DE
        ).pk,
        actor_kind=ActorKind.STAFF,
    )
    # Germany: 19% on 30 and on the German rate of 7.95.
    assert result.order.total == D("30.00") + D("5.70") + D("7.95") + D("1.51")
    assert result.settlement.payment_request.amount == result.order.total - order.total


@pytest.mark.usefixtures("catalog")
def test_tax_exempt_buyer_adds_at_net_price():
    order = place([("WOOL-SOCKS-M-GREY", 1)], email="b2b@example.com")
    profile = order.customer.profile
    profile.tax_exempt = True
    profile.save()
    exempt_order = place([("WOOL-SOCKS-M-GREY", 1)], email="b2b@example.com")
    session = editing.begin_edit(order=exempt_order, actor_kind=ActorKind.CUSTOMER, actor=exempt_order.customer)
    editing.stage_addition(session_id=session.pk, variant_id=sku("CERAMIC-MUG-WHITE").pk, quantity=1)
    result = editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.CUSTOMER, actor=exempt_order.customer)
    mug = result.order.lines.get(sku="CERAMIC-MUG-WHITE")
    assert (mug.unit_price, mug.tax_amount) == (D("14.88"), D("0"))  # 18.00 without its 21% VAT
    assert result.order.tax_total == D("0")


@pytest.mark.usefixtures("catalog")
def test_jpy_store_end_to_end():
    StoreSettings.objects.update(currency="JPY", prices_include_tax=True)
    TaxRate.objects.update_or_create(country="NL", region="", defaults={"rate": D("0.10")})
    socks = sku("WOOL-SOCKS-M-GREY")
    socks.price = D("1650")
    socks.save()
    order = place([("WOOL-SOCKS-M-GREY", 1)])
    session = editing.begin_edit(order=order, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    editing.stage_quantity(session_id=session.pk, line_id=order.lines.get().pk, quantity=3)
    result = editing.commit_edit(session_id=session.pk, actor_kind=ActorKind.CUSTOMER, actor=order.customer)
    assert result.order.currency == "JPY" and result.order.subtotal == D("4950")
    assert result.order.tax_total == result.order.tax_total.to_integral_value()
