"""core.rows: instances built from hand-written SQL are the ones the ORM would build."""

from decimal import Decimal

import pytest

from core import rows
from orders.models import Order, OrderEvent, OrderLine
from storefront.models import Product, Variant
from storefront.selectors import variants_with_products
from tests.factories import VariantFactory, place_test_order

pytestmark = pytest.mark.django_db


def _field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_an_order_read_by_sql_equals_the_orm_s_in_every_field():
    order = place_test_order(quantities=[3])
    Order.objects.filter(pk=order.pk).update(tags=["VIP", "Gift"])

    sql = f"SELECT {rows.columns(Order, 'o')}, o.number * 2 FROM orders_order o WHERE o.id = %s"
    [read] = rows.instances(Order, sql, [order.pk], extra=("doubled",))

    expected = _field_values(Order.objects.get(pk=order.pk))
    assert _field_values(read) == expected
    assert read.shipping_address["country"] == "NL"  # JSON converted, not left as text
    assert read.tags == ["VIP", "Gift"]
    assert isinstance(read.total, Decimal) and read.total > 0
    assert read.doubled == order.number * 2
    assert read._state.adding is False  # a saved row: save() updates it
    read.email = "changed@example.com"
    read.save(update_fields=["email"])
    assert Order.objects.get(pk=order.pk).email == "changed@example.com"


def test_events_keep_their_json_data():
    order = place_test_order()
    sql = f"SELECT {rows.columns(OrderEvent, 'e')} FROM orders_orderevent e WHERE e.order_id = %s ORDER BY e.id"
    read = rows.instances(OrderEvent, sql, [order.pk])
    expected = list(OrderEvent.objects.filter(order=order).order_by("pk"))
    assert [_field_values(event) for event in read] == [_field_values(event) for event in expected]
    assert any(isinstance(event.data, dict) and event.data for event in read)


def test_variants_come_with_their_products_without_another_query(django_assert_num_queries):
    first, second = VariantFactory(), VariantFactory()
    with django_assert_num_queries(1):
        found = variants_with_products({second.pk, first.pk})
        names = {pk: (variant.product.name, variant.name) for pk, variant in found.items()}
    assert list(found) == sorted([first.pk, second.pk])
    assert names[first.pk] == (first.product.name, first.name)
    assert _field_values(found[second.pk]) == _field_values(Variant.objects.get(pk=second.pk))
    assert _field_values(found[second.pk].product) == _field_values(Product.objects.get(pk=second.product_id))


def test_no_variants_asked_for_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert variants_with_products(set()) == {}


def test_an_extra_column_without_a_name_is_refused():
    order = place_test_order()
    sql = f"SELECT {rows.columns(Order, 'o')}, 1 FROM orders_order o WHERE o.id = %s"
    with pytest.raises(ValueError):
        rows.instances(Order, sql, [order.pk])


def test_update_writes_each_row_its_own_values_and_nothing_else():
    order = place_test_order(variants=[VariantFactory(), VariantFactory(), VariantFactory()], quantities=[1, 2, 3])
    first, second, third = order.lines.order_by("pk")
    first.quantity, first.total, first.options = 7, Decimal("70.50"), {"size": "XL"}
    second.quantity, second.total, second.options = 9, Decimal("0.05"), {}
    untouched = {field: getattr(third, field) for field in ("quantity", "total", "options")}
    first.product_name = "not written: not among the fields"

    rows.update([first, second], ["quantity", "total", "options"])

    first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
    assert (first.quantity, first.total, first.options) == (7, Decimal("70.50"), {"size": "XL"})
    assert (second.quantity, second.total, second.options) == (9, Decimal("0.05"), {})
    assert {field: getattr(third, field) for field in untouched} == untouched
    assert first.product_name != "not written: not among the fields"


def test_update_of_nothing_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        rows.update([], ["quantity"])


def test_an_outer_join_that_matched_nothing_gives_none():
    order = place_test_order(variants=[VariantFactory(), VariantFactory()])
    gone, kept = order.lines.order_by("pk")
    OrderLine.objects.filter(pk=gone.pk).update(variant=None)  # a custom item, or a variant since deleted
    sql = (
        f"SELECT {rows.columns(OrderLine, 'line')}, {rows.columns(Variant, 'variant')} FROM orders_orderline line "
        "LEFT JOIN storefront_variant variant ON variant.id = line.variant_id WHERE line.order_id = %s ORDER BY line.id"
    )
    (first, no_variant), (second, variant) = rows.read(sql, [order.pk], OrderLine, Variant)
    assert (first.pk, first.variant_id, no_variant) == (gone.pk, None, None)
    assert (second.pk, variant.pk) == (kept.pk, kept.variant_id)
