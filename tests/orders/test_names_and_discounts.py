"""Order pages name what was bought in the reader's language, and say why a line costs less.

Lines keep the names frozen when they were bought (the record); pages show the catalog's current name in the
reader's language while the variant exists, and the frozen one after. Cached renders are keyed by language and
by the catalog stamp, so a Japanese and an English reader never see each other's page, and a rename shows at once.
"""

import re
from decimal import Decimal as D

import pytest
from django.core.cache import caches

from accounts.models import CustomerGroup
from orders import services
from orders.models import OrderLine
from storefront.models import DiscountCode, Product, ShippingMethod, Variant
from tests.factories import ProductFactory, VariantFactory, place_test_order

pytestmark = pytest.mark.django_db

SWEATER = "MERINO-CREW-SWEATER-M-NAVY"
SOCKS = "WOOL-SOCKS-M-GREY"
MUG = "CERAMIC-MUG-WHITE"
TOTE = "CANVAS-TOTE-NATURAL"
WRAP = "GIFT-WRAPPING"


@pytest.fixture
def shop(catalog):
    DiscountCode.objects.create(code="SPRING10", percent=D("10"))


def variants(*skus):
    return [Variant.objects.get(sku=sku) for sku in skus]


def reading(client, order, language):
    """``client`` signed in as the order's shopper, reading pages in ``language`` (the stored one, as the
    language switcher sets it)."""
    client.force_login(order.customer)
    client.post("/store/account/language/", {"language": language, "next": "/"})
    return client


def items_table(html: str) -> str:
    """The page's items, no-break spaces (which hold "€89.00 → €80.10" together) read as spaces."""
    return html[html.index('aria-labelledby="items-h"') : html.index('aria-labelledby="totals-h"')].replace("\xa0", " ")


def list_rows(html: str) -> str:
    return re.search(r'<ul class="orders">.*?</ul>', html, re.S).group()


def test_a_japanese_page_shows_japanese_names_and_an_english_page_english_ones_each_cached(
    client, shop, django_assert_num_queries
):
    order = place_test_order(variants=variants(SWEATER), email="sam@example.com", language="en")
    line = order.lines.get()
    assert (line.product_name, line.variant_name) == ("Merino crew-neck sweater", "M / Navy")  # frozen in English
    url = f"/store/account/orders/{order.number}/"

    japanese = items_table(reading(client, order, "ja").get(url).content.decode())
    assert "メリノ クルーネックセーター" in japanese and "M / ネイビー" in japanese
    assert "Merino" not in japanese and "Navy" not in japanese
    english = items_table(reading(client, order, "en").get(url).content.decode())
    assert "Merino crew-neck sweater" in english and "M / Navy" in english and "メリノ" not in english

    # Both renders are cached now: each language gets its own, never the other's.
    for language, name in (("ja", "メリノ クルーネックセーター"), ("en", "Merino crew-neck sweater")):
        reading(client, order, language)
        with django_assert_num_queries(1):  # the order's version: the render comes from the cache
            page = items_table(client.get(url).content.decode())
        assert name in page and page == (japanese if language == "ja" else english)
    assert len([key for key in caches["process"]._cache if f":order-page:detail:{order.pk}:" in key]) == 2

    line.refresh_from_db()
    assert line.product_name == "Merino crew-neck sweater"  # the record is untouched


def test_the_status_link_page_follows_the_browser_language(client, shop):
    from orders.status_links import status_path

    order = place_test_order(variants=variants(MUG), email="sam@example.com", language="en")
    path = status_path(order.number)
    assert "陶器のコーヒーマグ" in client.get(path, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    client.cookies.clear()
    german = client.get(path, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Keramik-Kaffeebecher" in german and "陶器" not in german


def test_a_rename_shows_at_once_and_a_deleted_variant_falls_back_to_the_name_bought(client, shop):
    product = ProductFactory(name_en="Linen shirt", name_fr="Chemise en lin")
    variant = VariantFactory(product=product, name_en="L / White", name_fr="L / Blanc")
    order = place_test_order(variants=[variant], email="sam@example.com", language="fr")
    url = f"/store/account/orders/{order.number}/"
    reading(client, order, "fr")
    assert "Chemise en lin" in items_table(client.get(url).content.decode())
    assert "Chemise en lin" in list_rows(client.get("/store/account/orders/").content.decode())

    product.name_fr = "Chemise en lin lavé"
    product.save()
    assert "Chemise en lin lavé" in items_table(client.get(url).content.decode())
    assert "Chemise en lin lavé" in list_rows(client.get("/store/account/orders/").content.decode())
    variant.name_fr = "L / Écru"
    variant.save()
    assert "L / Écru" in items_table(client.get(url).content.decode())

    # No name in the reader's language: the catalog's default-language name, as on the catalog's pages.
    reading(client, order, "cs")
    assert "Linen shirt" in items_table(client.get(url).content.decode())

    variant.delete()  # the line keeps its record; the page falls back to it
    reading(client, order, "en")
    page = items_table(client.get(url).content.decode())
    assert "Chemise en lin" in page and "L / Blanc" in page and "Linen shirt" not in page
    assert "Chemise en lin" in list_rows(client.get("/store/account/orders/").content.decode())


def test_list_rows_name_the_first_two_products_and_count_the_rest(client, shop):
    order = place_test_order(
        variants=variants(SWEATER, "MERINO-CREW-SWEATER-L-NAVY", SOCKS, MUG, TOTE, WRAP), email="sam@example.com"
    )
    single = place_test_order(variants=variants(MUG, WRAP), email="sam@example.com")
    two = place_test_order(variants=variants(MUG, SOCKS), email="sam@example.com")
    reading(client, order, "en")
    rows = list_rows(client.get("/store/account/orders/").content.decode())
    row = rows[rows.index(f"Order #{order.number}") :]
    # The sweater bought in two sizes counts once; gift wrapping is a fee, not an item.
    assert re.search(r"data-items>Merino crew-neck sweater, Wool socks and 2 more<", row)
    assert re.search(r"data-items>Ceramic coffee mug<", rows[rows.index(f"Order #{single.number}") :])
    assert re.search(r"data-items>Ceramic coffee mug and Wool socks<", rows[rows.index(f"Order #{two.number}") :])

    reading(client, order, "ja")
    rows = list_rows(client.get("/store/account/orders/").content.decode())
    assert "メリノ クルーネックセーター" in rows and "ウールソックス" in rows and "Merino" not in rows
    reading(client, order, "fr")
    rows = list_rows(client.get("/store/account/orders/").content.decode())
    assert "Mug en céramique et Chaussettes en laine" in rows


def test_list_rows_stay_one_query_for_many_lines(client, shop, django_assert_num_queries):
    many = [VariantFactory(price=D("5.00")) for _ in range(30)]
    order = place_test_order(variants=many, email="sam@example.com")
    place_test_order(variants=many[:1], email="sam@example.com")
    reading(client, order, "en")
    client.get("/store/account/orders/?status=cancelled")  # warm the session and the store's row: no rows shown
    with django_assert_num_queries(2) as queries:  # the keys, then both rows (with their names) at once
        page = client.get("/store/account/orders/").content.decode()
    assert "orders_orderline" in queries.captured_queries[1]["sql"]
    assert f"{many[0].product.name}, {many[1].product.name} and 28 more" in page


def test_a_discounted_line_says_which_code(client, shop):
    order = place_test_order(variants=variants(SWEATER), email="sam@example.com", discount_code="spring10")
    reading(client, order, "en")
    table = items_table(client.get(f"/store/account/orders/{order.number}/").content.decode())
    assert "<span data-discounted>€89.00 → €80.10 (SPRING10)</span>" in table


def test_a_group_price_says_member_price_and_both_reasons_show_together(client, shop):
    group = CustomerGroup.objects.create(name="Friends and family", discount_percent=D("10.00"))
    first = place_test_order(variants=variants(SWEATER, WRAP), email="vip@example.com")
    profile = first.customer.profile
    profile.group = group
    profile.save()
    order = place_test_order(variants=variants(SWEATER, WRAP), email="vip@example.com")
    line = order.lines.get(sku=SWEATER)
    assert (line.unit_price, line.list_price, line.group_discount_percent) == (D("80.10"), D("89.00"), D("10"))
    reading(client, order, "en")
    table = items_table(client.get(f"/store/account/orders/{order.number}/").content.decode())
    assert "€89.00 → €80.10 (Member price −10%)" in table
    assert "Friends and family" not in table  # the group's own name is staff's label, not the shopper's
    assert table.count("€4.00 → €3.60 (Member price −10%)") == 1  # the group price applies to fees too

    both = place_test_order(variants=variants(SWEATER), email="vip@example.com", discount_code="SPRING10")
    table = items_table(client.get(f"/store/account/orders/{both.number}/").content.decode())
    assert "€89.00 → €72.09 (Member price −10%, SPRING10)" in table
    reading(client, order, "fr")
    table = items_table(client.get(f"/store/account/orders/{both.number}/").content.decode())
    assert "89,00 € → 72,09 € (" in table and "−10 %, SPRING10)" in table  # French money and percent


def test_lines_without_a_discount_show_their_total_alone(client, shop):
    order = place_test_order(variants=variants(MUG), email="sam@example.com")
    reading(client, order, "en")
    table = items_table(client.get(f"/store/account/orders/{order.number}/").content.decode())
    assert "→" not in table and "data-discounted" not in table


def test_swapped_and_added_lines_take_the_group_price_of_today(shop):
    from editing import services as editing

    group = CustomerGroup.objects.create(name="VIP 15", discount_percent=D("15"))
    order = place_test_order(variants=variants(SWEATER), email="swap@example.com")
    assert order.lines.get().list_price is None  # bought before the shopper joined the group
    profile = order.customer.profile
    profile.group = group
    profile.save()
    session = editing.begin_edit(order=order, actor_kind="customer", actor=order.customer)
    large = Variant.objects.get(sku="MERINO-CREW-SWEATER-L-NAVY")
    editing.stage_swap(session_id=session.pk, line_id=order.lines.get().pk, variant_id=large.pk)
    editing.stage_addition(session_id=session.pk, variant_id=Variant.objects.get(sku=SOCKS).pk, quantity=1)
    editing.commit_edit(session_id=session.pk, actor_kind="customer", actor=order.customer)
    lines = {line.sku: line for line in OrderLine.objects.filter(order=order)}
    swapped, added = lines[large.sku], lines[SOCKS]
    assert (swapped.list_price, swapped.unit_price, swapped.group_discount_percent) == (D("89.00"), D("75.65"), 15)
    assert (added.list_price, added.unit_price, added.group_discount_percent) == (D("15.00"), D("12.75"), 15)


def test_a_catalog_write_through_save_changes_the_stamp_but_stock_moves_do_not(shop):
    from storefront.selectors import catalog_stamp

    standard = ShippingMethod.objects.get(code="standard")
    stamp = catalog_stamp()
    place_test_order(variants=variants(MUG), method=standard, email="stamp@example.com")  # stock by update()
    assert catalog_stamp() == stamp
    Variant.objects.filter(sku=MUG).update(stock=5)
    assert catalog_stamp() == stamp
    Variant.objects.get(sku=MUG).save()
    assert catalog_stamp() != stamp
    stamp = catalog_stamp()
    Product.objects.get(slug="ceramic-mug").save()
    assert catalog_stamp() != stamp


def test_an_order_page_query_count_stays_flat_with_many_discounted_lines(client, shop, django_assert_max_num_queries):
    from editing.models import EditPolicy

    EditPolicy.cached()
    small = place_test_order(variants=variants(SWEATER), email="small@example.com", discount_code="SPRING10")
    large = place_test_order(
        variants=[VariantFactory(price=D("12.00")) for _ in range(40)],
        email="large@example.com",
        discount_code="SPRING10",
    )
    counts = []
    for order in (small, large):
        reading(client, order, "ja")
        client.get("/store/account/orders/")
        with django_assert_max_num_queries(5) as ctx:
            page = client.get(f"/store/account/orders/{order.number}/").content.decode()
        counts.append(len(ctx.captured_queries))
        assert page.count("data-discounted") == len(order.lines.all())
        client.logout()
    assert counts[0] == counts[1] == 5
    services.record_payment(order=large, amount=D("1.00"), idempotency_key="late")


# --- emails ------------------------------------------------------------------------------------------------


def sent(message):
    from notifications.services import render_for_sending

    return render_for_sending(message)


def test_emails_name_items_as_the_catalog_does_in_the_emails_language_when_sent(shop):
    from accounts.models import CustomerProfile
    from notifications.constants import MessageKind
    from notifications.models import Message
    from notifications.services import notify
    from orders.services.placing import order_confirmation_context

    order = place_test_order(variants=variants(SWEATER, MUG), email="sam@example.com", send_confirmation=True)
    confirmation = Message.objects.get(kind=MessageKind.ORDER_CONFIRMATION)
    assert confirmation.context["lines"][0]["name"] == "Merino crew-neck sweater – M / Navy"  # the record
    product = Product.objects.get(slug="merino-crew-sweater")
    product.name_en = "Merino crew sweater"  # renamed before the send job ran
    product.save()
    assert "1 × Merino crew sweater – M / Navy" in sent(confirmation).text

    # The same lines in a Japanese email (a shopper's email renders in their profile's language): Japanese names.
    CustomerProfile.objects.filter(user=order.customer).update(language="ja")
    japanese = notify(
        kind=MessageKind.ORDER_CONFIRMATION,
        recipient=order.email,
        language="ja",
        context=order_confirmation_context(order, list(order.lines.all())),
    )
    text, html = sent(japanese).text, sent(japanese).html
    assert "メリノ クルーネックセーター – M / ネイビー" in text and "陶器のコーヒーマグ – ホワイト" in html
    assert "Merino" not in text


def test_a_shipment_email_names_items_in_its_language_and_a_deleted_variant_by_the_name_bought(shop):
    from notifications.constants import MessageKind
    from notifications.models import Message

    order = place_test_order(variants=variants(SOCKS, TOTE), email="sam@example.com", language="de")
    services.record_payment(order=order, amount=order.total, idempotency_key="pay-de")
    Variant.objects.get(sku=TOTE).delete()
    services.record_shipment(
        order=order, quantities={line.pk: line.quantity for line in order.lines.all()}, carrier="DHL"
    )
    text = sent(Message.objects.get(kind=MessageKind.SHIPMENT_SHIPPED)).text
    assert "Wollsocken – M / Grau" in text
    assert "Canvas-Tragetasche – Natur" in text  # gone from the catalog: the name frozen in German


def test_the_pay_now_page_names_the_changes_in_the_readers_language(client, shop):
    from editing import services as editing
    from orders.pay_links import pay_path

    order = place_test_order(variants=variants(SWEATER), email="sam@example.com")
    services.record_payment(order=order, amount=order.total, idempotency_key="pay-first")
    session = editing.begin_edit(order=order, actor_kind="customer", actor=order.customer)
    editing.stage_addition(session_id=session.pk, variant_id=Variant.objects.get(sku=SOCKS).pk, quantity=2)
    request = editing.commit_edit(session_id=session.pk, actor_kind="customer", actor=order.customer)
    request = request.settlement.payment_request
    reading(client, order, "en")
    assert "Added 2 × Wool socks – M / Grey" in client.get(pay_path(request.pk)).content.decode()
    reading(client, order, "ja")
    page = client.get(pay_path(request.pk)).content.decode()
    assert "ウールソックス – M / グレー" in page and "Wool socks" not in page


def test_discount_reasons_and_item_summaries_read_in_the_language():
    from orders.models import Order
    from orders.presentation import discount_reasons, item_summary

    line = OrderLine(unit_price=D("10.50"), list_price=D("12.00"), group_discount_percent=D("12.50"), quantity=2)
    line.discount_amount = D("0")
    assert line.price_before_discounts == D("24.00")
    assert discount_reasons(line, Order(discount_code=""), language="en") == "Member price −12.5%"
    line.discount_amount = D("2.10")
    assert discount_reasons(line, Order(discount_code="SPRING10"), language="de") == "Member price −12,5\xa0%, SPRING10"
    assert item_summary([["Mug", False]], language="ja") == "Mug"
    assert item_summary([["マグ", False], ["靴下", False]], language="ja") == "マグ、靴下"
    assert item_summary([[n, False] for n in "ABCD"], language="en") == "A, B and 2 more"
    assert item_summary([["A", False], ["B", False], ["C", False]], language="en") == "A, B and 1 more"
    assert item_summary([["Gift wrapping", True]], language="en") == "Gift wrapping"
    assert item_summary([], language="en") == ""


def test_the_demo_catalog_names_every_product_and_variant_in_every_language(catalog):
    from django.conf import settings

    columns = [f"name_{code.replace('-', '_')}" for code, _name in settings.LANGUAGES]
    for product in Product.objects.all():
        names = {column: getattr(product, column) for column in columns}
        assert all(names.values()), (product.slug, names)
        # Written for each language, not copied from English (nor from a neighbour: es and pt-br differ too).
        assert len(set(names.values())) == len(columns), (product.slug, names)
    for variant in Variant.objects.all():
        assert all(getattr(variant, column) for column in columns), variant.sku
    assert Variant.objects.get(sku="GIFT-WRAPPING").name_nl == "Eén maat"


def test_an_edits_swap_and_new_delivery_read_in_the_readers_language_in_email_and_on_pay_now(client, shop):
    """The records keep the variant a swap came from and the delivery's id: each reader gets them named in
    their language, though the edit was made (and its names frozen) in English."""
    from accounts.models import CustomerProfile
    from editing import services as editing
    from notifications.constants import MessageKind
    from notifications.models import Message
    from orders.pay_links import pay_path

    order = place_test_order(variants=variants(SWEATER), email="sam@example.com", language="en")
    services.record_payment(order=order, amount=order.total, idempotency_key="pay-first")
    CustomerProfile.objects.filter(user=order.customer).update(language="ja")
    session = editing.begin_edit(order=order, actor_kind="customer", actor=order.customer)
    line = order.lines.get()
    editing.stage_swap(
        session_id=session.pk, line_id=line.pk, variant_id=Variant.objects.get(sku="MERINO-CREW-SWEATER-L-NAVY").pk
    )
    editing.stage_delivery(session_id=session.pk, method_id=ShippingMethod.objects.get(code="express").pk)
    result = editing.commit_edit(session_id=session.pk, actor_kind="customer", actor=order.customer)

    text = sent(Message.objects.get(kind=MessageKind.ORDER_EDITED)).text
    assert "- メリノ クルーネックセーター：M / ネイビー → L / ネイビー\n" in text, text
    assert "- 配送方法：速達配送（DHL Express）\n" in text
    assert "Merino" not in text and "Express delivery" not in text

    reading(client, order, "ja")
    page = client.get(pay_path(result.settlement.payment_request.pk)).content.decode()
    assert "メリノ クルーネックセーター：M / ネイビー → L / ネイビー" in page and "速達配送（DHL Express）" in page
    reading(client, order, "en")
    page = client.get(pay_path(result.settlement.payment_request.pk)).content.decode()
    assert "Merino crew-neck sweater: M / Navy → L / Navy" in page and "Express delivery (DHL Express)" in page
