"""Catalog pages and the session cart, through the Django test client."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from storefront.selectors import cart_lines
from tests.factories import ProductFactory, StoreSettingsFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = reverse("storefront:product-list")
CART = reverse("storefront:cart")


@pytest.fixture(autouse=True)
def store():
    return StoreSettingsFactory(currency="EUR", prices_include_tax=True)


@pytest.fixture
def sweater():
    product = ProductFactory(
        slug="sweater",
        name_en="Merino sweater",
        name_fr="Pull en mérinos",
        description_en="Warm and soft.",
        description_fr="Chaud et doux.",
    )
    VariantFactory(product=product, name_en="S / Navy", name_fr="S / Marine", price=D("89.00"), stock=3, position=0)
    VariantFactory(product=product, name_en="M / Navy", name_fr="M / Marine", price=D("95.50"), stock=50, position=1)
    VariantFactory(product=product, name_en="L / Navy", name_fr="L / Marine", price=D("95.50"), stock=0, position=2)
    return product


def detail_url(product):
    return reverse("storefront:product-detail", args=[product.slug])


def variant(product, name):
    return product.variants.get(name_en=name)


def session_cart(client):
    return client.session.get("cart", [])


def put_in_cart(client, *lines):
    session = client.session
    session["cart"] = [{"variant_id": v.pk, "quantity": quantity, "customization": text} for v, quantity, text in lines]
    session.save()


# --- product list


def test_product_list_shows_products_for_sale_with_from_prices(client, sweater):
    mug = ProductFactory(slug="mug", name_en="Ceramic mug", name_fr="Tasse en céramique")
    VariantFactory(product=mug, price=D("14.00"))
    VariantFactory(product=ProductFactory(name_en="Old thing", is_active=False))
    ProductFactory(name_en="Nothing to sell")  # no variants
    page = client.get(LIST).content.decode()
    assert "Merino sweater" in page and "Ceramic mug" in page
    assert "Old thing" not in page and "Nothing to sell" not in page
    assert "from €89.00" in page  # the cheapest of differing prices
    assert "€14.00" in page and "from €14.00" not in page  # one price: no "from"
    assert f'href="{detail_url(sweater)}"' in page
    assert page.index("Ceramic mug") < page.index("Merino sweater")  # by name
    assert "Cart (0)" in page and f'href="{LIST}"' in page


def test_product_list_is_in_the_shoppers_language(client, sweater):
    VariantFactory(product=ProductFactory(name_en="Zip hoodie", name_fr="Gilet zippé"))
    VariantFactory(product=ProductFactory(name_en="Apron"))  # no French name: falls back to English
    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Pull en mérinos" in page and "Merino sweater" not in page and "Apron" in page
    # Sorted by the names shown: Apron, Gilet zippé, Pull en mérinos (not by the English names).
    assert page.index("Apron") < page.index("Gilet zippé") < page.index("Pull en mérinos")


def test_product_list_marks_sold_out_products(client):
    product = ProductFactory(name_en="Rare print")
    VariantFactory(product=product, stock=0)
    page = client.get(LIST).content.decode()
    assert "Rare print" in page and "Out of stock" in page


def test_product_list_query_count_is_flat(client, django_assert_max_num_queries):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    VariantFactory(product=ProductFactory())
    client.get(LIST)  # warm the store-name cache
    one = count_queries()
    for _ in range(5):
        product = ProductFactory()
        VariantFactory.create_batch(3, product=product)
    assert count_queries() == one
    with django_assert_max_num_queries(3):  # store settings, products, variants
        client.get(LIST)


# --- product detail


def test_product_detail_shows_variants_prices_and_stock(client, sweater):
    page = client.get(detail_url(sweater)).content.decode()
    assert "Merino sweater" in page and "Warm and soft." in page
    assert "S / Navy" in page and "€89.00" in page and "€95.50" in page
    assert "Only 3 left." in page  # low stock hint on S
    assert "Only 50 left" not in page
    sold_out = variant(sweater, "L / Navy")
    assert f'value="{sold_out.pk}"' in page
    radio = page[page.index(f'value="{sold_out.pk}"') - 120 : page.index(f'value="{sold_out.pk}"') + 120]
    assert "disabled" in radio
    assert "Personalization" not in page  # not customizable
    assert 'type="submit" disabled' not in page


def test_product_detail_is_in_the_shoppers_language(client, sweater):
    page = client.get(detail_url(sweater), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Pull en mérinos" in page and "Chaud et doux." in page and "S / Marine" in page
    assert "Merino sweater" not in page


def test_sold_out_product_cannot_be_added(client):
    product = ProductFactory(slug="gone")
    only = VariantFactory(product=product, stock=0)
    page = client.get(detail_url(product)).content.decode()
    assert 'type="submit" disabled' in page
    response = client.post(detail_url(product), {"variant": only.pk, "quantity": 1})
    assert response.status_code == 200
    assert response.context["form"].errors == {"variant": ["This one is out of stock."]}
    assert session_cart(client) == []


def test_untracked_variants_never_run_out(client):
    product = ProductFactory(slug="wrap")
    fee = VariantFactory(product=product, stock=0, track_inventory=False, is_fee=True)
    assert "Out of stock" not in client.get(detail_url(product)).content.decode()
    assert client.post(detail_url(product), {"variant": fee.pk, "quantity": 5}).status_code == 302
    assert session_cart(client) == [{"variant_id": fee.pk, "quantity": 5, "customization": ""}]


@pytest.mark.parametrize("slug_product", [{"is_active": False}, None])
def test_inactive_or_unknown_product_is_404(client, slug_product):
    if slug_product is not None:
        VariantFactory(product=ProductFactory(slug="hidden", **slug_product))
    assert client.get(reverse("storefront:product-detail", args=["hidden"])).status_code == 404
    assert client.post(reverse("storefront:product-detail", args=["hidden"]), {"quantity": 1}).status_code == 404


def test_product_detail_query_count(client, sweater, django_assert_max_num_queries):
    client.get(LIST)  # warm the store-name cache
    with django_assert_max_num_queries(3):  # product, its variants, store settings
        client.get(detail_url(sweater))


# --- adding to the cart


def test_add_to_cart_redirects_with_a_message_and_merges(client, sweater):
    m = variant(sweater, "M / Navy")
    response = client.post(detail_url(sweater), {"variant": m.pk, "quantity": 2}, follow=True)
    assert response.redirect_chain == [(CART, 302)]
    page = response.content.decode()
    assert "Added to your cart: 2 × Merino sweater – M / Navy." in page
    client.post(detail_url(sweater), {"variant": m.pk, "quantity": 3})
    assert session_cart(client) == [{"variant_id": m.pk, "quantity": 5, "customization": ""}]
    assert "Cart (5)" in client.get(LIST).content.decode()


def test_over_stock_add_is_a_field_error_and_changes_nothing(client, sweater):
    s = variant(sweater, "S / Navy")  # 3 left
    response = client.post(detail_url(sweater), {"variant": s.pk, "quantity": 4})
    assert response.status_code == 200
    assert response.context["form"].errors == {"quantity": ["Only 3 left."]}
    assert "Only 3 left." in response.content.decode()
    assert session_cart(client) == []
    # What is already in the cart counts too.
    client.post(detail_url(sweater), {"variant": s.pk, "quantity": 2})
    response = client.post(detail_url(sweater), {"variant": s.pk, "quantity": 2})
    assert response.context["form"].errors == {"quantity": ["Only 3 left, and your cart already holds 2."]}
    assert session_cart(client) == [{"variant_id": s.pk, "quantity": 2, "customization": ""}]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1000}, "quantity"),
        ({"quantity": "two"}, "quantity"),
        ({"quantity": 1, "variant": "other"}, "variant"),
        ({"quantity": 1, "variant": ""}, "variant"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(client, sweater, data, field):
    other_product_variant = VariantFactory()
    m = variant(sweater, "M / Navy")
    data = {"variant": m.pk, **data}
    if data["variant"] == "other":
        data["variant"] = other_product_variant.pk
    response = client.post(detail_url(sweater), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert session_cart(client) == []


def test_customization_only_for_customizable_products(client, sweater):
    wallet = ProductFactory(slug="wallet", is_customizable=True)
    brown = VariantFactory(product=wallet, name_en="Brown")
    assert "Personalization" in client.get(detail_url(wallet)).content.decode()
    client.post(detail_url(wallet), {"variant": brown.pk, "quantity": 1, "customization": "S.J."})
    client.post(detail_url(wallet), {"variant": brown.pk, "quantity": 1, "customization": "A.B."})
    client.post(detail_url(wallet), {"variant": brown.pk, "quantity": 2, "customization": "S.J."})
    assert session_cart(client) == [
        {"variant_id": brown.pk, "quantity": 3, "customization": "S.J."},
        {"variant_id": brown.pk, "quantity": 1, "customization": "A.B."},
    ]
    too_long = client.post(detail_url(wallet), {"variant": brown.pk, "quantity": 1, "customization": "x" * 201})
    assert list(too_long.context["form"].errors) == ["customization"]
    # A product that takes none ignores one posted anyway.
    m = variant(sweater, "M / Navy")
    client.post(detail_url(sweater), {"variant": m.pk, "quantity": 1, "customization": "sneaky"})
    assert session_cart(client)[-1] == {"variant_id": m.pk, "quantity": 1, "customization": ""}


def test_a_line_never_goes_past_999(client):
    product = ProductFactory(slug="pens")
    pen = VariantFactory(product=product, track_inventory=False)
    client.post(detail_url(product), {"variant": pen.pk, "quantity": 999})
    response = client.post(detail_url(product), {"variant": pen.pk, "quantity": 1})
    assert response.context["form"].errors == {"quantity": ["A cart line holds at most 999 pieces."]}
    assert session_cart(client) == [{"variant_id": pen.pk, "quantity": 999, "customization": ""}]


# --- the cart page


def test_cart_page_lists_lines_subtotal_and_checkout(client, sweater):
    s, m = variant(sweater, "S / Navy"), variant(sweater, "M / Navy")
    put_in_cart(client, (s, 2, ""), (m, 1, "For Sam"))
    response = client.get(CART)
    page = response.content.decode()
    assert "S / Navy" in page and "M / Navy" in page and "Personalization: For Sam" in page
    assert "€178.00" in page  # 2 × 89.00
    summary = response.context["summary"]
    assert summary.subtotal == D("273.50") and isinstance(summary.subtotal, D)
    assert "€273.50" in page
    assert f'href="{reverse("orders:checkout")}"' in page
    assert "Continue shopping" in page
    assert "Cart (3)" in page
    assert page.count('name="csrfmiddlewaretoken"') >= 2


def test_cart_page_in_the_shoppers_language(client, sweater):
    put_in_cart(client, (variant(sweater, "M / Navy"), 1, ""))
    page = client.get(CART, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Pull en mérinos" in page and "M / Marine" in page


def test_empty_cart_says_so_and_links_to_products(client):
    page = client.get(CART).content.decode()
    assert "Your cart is empty." in page and f'href="{LIST}"' in page
    assert reverse("orders:checkout") not in page


def test_update_quantity_and_remove(client, sweater):
    s, m = variant(sweater, "S / Navy"), variant(sweater, "M / Navy")
    put_in_cart(client, (s, 1, ""), (m, 1, ""))
    response = client.post(CART, {"action": "update", "line": 1, "variant": m.pk, "quantity": 4}, follow=True)
    assert response.redirect_chain == [(CART, 302)]
    assert "Your cart is updated." in response.content.decode()
    assert [line["quantity"] for line in session_cart(client)] == [1, 4]
    client.post(CART, {"action": "remove", "line": 0, "variant": s.pk})
    assert session_cart(client) == [{"variant_id": m.pk, "quantity": 4, "customization": ""}]
    client.post(CART, {"action": "update", "line": 0, "variant": m.pk, "quantity": 0})  # 0 removes
    assert session_cart(client) == []


def test_update_past_stock_or_with_bad_input_is_a_field_error(client, sweater):
    s = variant(sweater, "S / Navy")  # 3 left
    put_in_cart(client, (s, 1, ""), (s, 1, "gift"))
    response = client.post(CART, {"action": "update", "line": 0, "variant": s.pk, "quantity": 3})
    assert response.status_code == 200
    assert "Only 3 left, and your cart already holds 1." in response.content.decode()
    for bad in ("-1", "1000", "many", ""):
        response = client.post(CART, {"action": "update", "line": 0, "variant": s.pk, "quantity": bad})
        assert response.status_code == 200
        assert "quantity" in response.context["rows"][0]["form"].errors
        assert not response.context["rows"][1]["form"].is_bound
    assert [line["quantity"] for line in session_cart(client)] == [1, 1]


def test_a_line_that_changed_meanwhile_is_not_touched(client, sweater):
    s, m = variant(sweater, "S / Navy"), variant(sweater, "M / Navy")
    put_in_cart(client, (s, 1, ""), (m, 2, ""))
    before = session_cart(client)
    for data in (
        {"action": "remove", "line": 0, "variant": m.pk},  # line 0 is S now, not M
        {"action": "remove", "line": 5, "variant": m.pk},
        {"action": "remove", "line": "x", "variant": m.pk},
        {"action": "explode", "line": 1, "variant": m.pk},
    ):
        client.post(CART, data, follow=True)
        assert session_cart(client) == before
    for data in ({"action": "remove", "line": 0, "variant": m.pk}, {"action": "explode", "line": 1, "variant": m.pk}):
        response = client.post(CART, data, follow=True)
        assert response.redirect_chain == [(CART, 302)]
        assert "Your cart changed in the meantime." in response.content.decode()


def test_items_no_longer_for_sale_leave_the_cart(client, sweater):
    gone = VariantFactory(product=ProductFactory(slug="gone"))
    s = variant(sweater, "S / Navy")
    put_in_cart(client, (gone, 1, ""), (s, 1, ""))
    gone.product.is_active = False
    gone.product.save()
    response = client.get(CART, follow=True)
    assert "no longer for sale" in response.content.decode()
    assert session_cart(client) == [{"variant_id": s.pk, "quantity": 1, "customization": ""}]


def test_cart_warns_when_stock_ran_short(client, sweater):
    s = variant(sweater, "S / Navy")
    put_in_cart(client, (s, 2, ""))
    s.stock = 1
    s.save()
    page = client.get(CART).content.decode()
    assert "Only 1 left." in page


def test_cart_lines_loads_variants_in_one_query(sweater, django_assert_num_queries):
    from storefront.cart import CartItem

    items = [CartItem(v.pk, 2, "") for v in sweater.variants.all()] + [CartItem(999_999, 1, "")]
    with django_assert_num_queries(1):
        summary = cart_lines(items)
        names = [line.product.name for line in summary.lines]
    assert names == ["Merino sweater"] * 3
    assert summary.unavailable == [3]
    assert summary.subtotal == D("560.00")
    assert [line.total for line in summary.lines] == [D("178.00"), D("191.00"), D("191.00")]
    with django_assert_num_queries(0):
        assert cart_lines([]).subtotal == D("0")


@pytest.mark.parametrize("signed_in", [False, True])
def test_cart_page_query_count_is_flat_in_the_number_of_lines(client, signed_in, django_assert_max_num_queries):
    if signed_in:
        client.force_login(UserFactory())
    variants = [VariantFactory(product=ProductFactory()) for _ in range(5)]

    def count_queries(lines):
        put_in_cart(client, *[(v, 1, "") for v in lines])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CART)
        assert len(response.context["rows"]) == len(lines)
        return len(queries)

    client.get(LIST)  # warm the store-name cache
    one = count_queries(variants[:1])
    assert count_queries(variants) == one
    # Store settings and the variants; signed in, also the user.
    with django_assert_max_num_queries(3 if signed_in else 2):
        client.get(CART)


# --- the header


def test_header_shows_shop_and_cart_to_everyone(client, sweater):
    put_in_cart(client, (variant(sweater, "M / Navy"), 2, ""), (variant(sweater, "S / Navy"), 1, ""))
    page = client.get(CART).content.decode()
    assert f'<a href="{LIST}"' in page and "Cart (3)" in page
    client.force_login(UserFactory())
    page = client.get(LIST).content.decode()
    assert "Cart (3)" in page  # the cart survives signing in
    assert f'<a href="{LIST}"' in page


def test_header_has_no_shop_links_on_staff_pages():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = {"cart": [{"variant_id": 1, "quantity": 4, "customization": ""}]}
    assert "Cart (4)" in render_to_string("base.html", {}, request=request)
    staff_page = render_to_string("base.html", {"staff": True}, request=request)
    assert "Cart (" not in staff_page and reverse("storefront:product-list") not in staff_page
