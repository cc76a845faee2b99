"""Issue 19, item 1: the edit page shows the edit. The items table is the order as the staged changes leave
it (new quantity, new size or colour, removed lines struck through with an Undo, added lines marked New),
locked lines say why instead of offering controls, the preview and the emails name every change, and htmx
requests get the partial (items, totals, status) instead of the redirect. These are the JavaScript-off
answers (Django's test client); tests/browser/test_edit_browser.py drives the same page in Chromium."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import Client

from editing.models import EditSession
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.constants import EventType, OrderStatus
from orders.models import Order, OrderEvent
from orders.presentation import describe_changes
from orders.services import cancel_order
from storefront.models import PickupLocation, ShippingMethod
from tests.editing.conftest import place, sku

pytestmark = pytest.mark.usefixtures("catalog")
SOCKS, MUG, TEE = "WOOL-SOCKS-M-GREY", "CERAMIC-MUG-WHITE", "ORGANIC-COTTON-TEE-M-WHITE"
TEE_L_BLACK, TOTE = "ORGANIC-COTTON-TEE-L-BLACK", "CANVAS-TOTE-NATURAL"
WALLET, WRAP = "LEATHER-WALLET-BROWN", "GIFT-WRAPPING"
HTMX = {"HTTP_HX_REQUEST": "true"}
NEW_ADDRESS = {
    "action": "address",
    "name": "Sam Jansen",
    "line1": "Damrak 1",
    "city": "Amsterdam",
    "postal_code": "1012 LG",
    "country": "NL",
}


# --- A small DOM of the answer (the standard library's parser): rows, controls, texts. -----------------------


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)
    parent: Node | None = None

    @property
    def text(self) -> str:
        parts = [child if isinstance(child, str) else child.text for child in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def all(self, tag: str | None = None, **attrs) -> list[Node]:
        """Every element below with this tag and these attributes (``data_row="x"``: data-row="x";
        ``class_``: class; ``True``: present with any value)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(
                    (name in child.attrs) if value is True else child.attrs.get(name) == value
                    for name, value in wanted.items()
                ):
                    found.append(child)
                found.extend(child.all(tag, **attrs))
        return found

    def one(self, tag: str | None = None, **attrs) -> Node:
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, [n.attrs for n in found])
        return found[0]

    def controls(self) -> dict[str, str]:
        """What a person can act on here: {id: what it is} for every field and button."""
        return {
            node.attrs.get("id", ""): node.tag if node.tag != "input" else f"input:{node.attrs.get('type')}"
            for node in self.all()
            if node.tag in ("button", "select") or (node.tag == "input" and node.attrs.get("type") != "hidden")
        }

    def actions(self) -> list[str]:
        """The actions the forms here post (their hidden ``action``)."""
        return [node.attrs["value"] for node in self.all("input", name="action")]


VOID = {"input", "br", "meta", "link", "img", "hr"}


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value if value is not None else "" for name, value in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def dom(response) -> Node:
    builder = _Builder()
    builder.feed(response.content.decode())
    return builder.root


def row(page: Node, key: str) -> Node:
    return page.one("tr", data_row=key)


def changes(page: Node) -> list[str]:
    lists = page.all("ul", data_changes=True)
    return [li.text for li in lists[0].all("li")] if lists else []


# --- The page and its requests. -------------------------------------------------------------------------------


@pytest.fixture
def order(client):
    order = place([(SOCKS, 1), (MUG, 2), (TEE, 2)])
    client.force_login(order.customer)
    return order


def url(order):
    return f"/store/account/orders/{order.number}/edit/"


def line(order, code):
    return order.lines.get(sku=code)


def post(client, order, htmx=False, **data):
    response = client.post(url(order), data, **(HTMX if htmx else {}))
    assert response.status_code == (200 if htmx else 302), response
    return response


def page(client, order) -> Node:
    return dom(client.get(url(order)))


def test_a_new_quantity_shows_in_the_table_and_the_preview(client, order):
    socks = line(order, SOCKS)
    post(client, order, action="quantity", line_id=socks.pk, quantity=3)
    shown = page(client, order)
    tr = row(shown, f"line-{socks.pk}")
    assert tr.attrs["data-change"] == "changed"
    assert tr.one("input", id=f"qty-line-{socks.pk}").attrs["value"] == "3"
    assert "Quantity: 1 → 3" in tr.text and tr.text.endswith(f"€{socks.total:.2f} €{socks.unit_price * 3:.2f}")
    assert set(tr.actions()) == {"swap", "quantity", "remove", "undo"}
    assert changes(shown) == ["Wool socks – M / Grey: quantity 1 → 3"]
    assert "Quantity updated. New total:" in shown.one(id="edit-status").text


def test_a_swap_names_both_variants_never_the_same_quantity_twice(client, order):
    tee = line(order, TEE)
    post(client, order, action="swap", line_id=tee.pk, variant_id=sku(TEE_L_BLACK).pk)
    shown = page(client, order)
    tr = row(shown, f"line-{tee.pk}")
    assert tr.attrs["data-change"] == "swapped"
    assert "M / White → L / Black" in tr.text and "Quantity:" not in tr.text
    assert [o.text for o in tr.one("select").all("option", selected=True)] == ["L / Black"]
    assert changes(shown) == [f"{tee.product_name}: M / White → L / Black"]
    assert not any("2 → 2" in sentence for sentence in changes(shown))
    # A swap with a new quantity says both.
    post(client, order, action="quantity", line_id=tee.pk, quantity=3)
    shown = page(client, order)
    assert "Quantity: 2 → 3" in row(shown, f"line-{tee.pk}").text
    assert changes(shown) == [
        f"{tee.product_name}: M / White → L / Black",
        f"{tee.product_name} – L / Black: quantity 2 → 3",
    ]


def test_a_removed_line_is_struck_through_with_an_undo(client, order):
    mug = line(order, MUG)
    post(client, order, action="remove", line_id=mug.pk)
    shown = page(client, order)
    tr = row(shown, f"line-{mug.pk}")
    assert tr.attrs["data-change"] == "removed"
    assert tr.all("del") and "Removed" in tr.one("span", class_="tag tag-removed").text
    assert tr.actions() == ["undo"] and tr.controls() == {f"undo-line-{mug.pk}": "button"}
    assert changes(shown) == [f"Removed {mug.product_name} – White"]

    post(client, order, action="undo", line_id=mug.pk)
    shown = page(client, order)
    tr = row(shown, f"line-{mug.pk}")
    assert tr.attrs["data-change"] == "unchanged" and not tr.all("del")
    assert tr.one("input", id=f"qty-line-{mug.pk}").attrs["value"] == "2" and "undo" not in tr.actions()
    assert changes(shown) == [] and "Change something to see the new totals." in shown.text
    assert "Change undone." in shown.one(id="edit-status").text


def test_undo_takes_back_a_swap_and_a_quantity(client, order):
    tee = line(order, TEE)
    post(client, order, action="swap", line_id=tee.pk, variant_id=sku(TEE_L_BLACK).pk)
    post(client, order, action="quantity", line_id=tee.pk, quantity=3)
    post(client, order, action="undo", line_id=tee.pk)
    session = EditSession.objects.get(order=order, status="open")
    assert session.staged_changes.has_changes is False
    assert row(page(client, order), f"line-{tee.pk}").attrs["data-change"] == "unchanged"


def test_an_added_line_is_new_with_its_own_controls(client, order):
    tote = sku(TOTE)
    post(client, order, action="add", variant_id=tote.pk, quantity=2)
    shown = page(client, order)
    tr = row(shown, f"new-{tote.pk}")
    assert tr.attrs["data-change"] == "added" and "New" in tr.one("span", class_="tag tag-added").text
    assert tr.one("input", id=f"qty-new-{tote.pk}").attrs["value"] == "2"
    assert tr.actions() == ["addition_quantity", "remove_addition"]
    assert changes(shown) == [f"Added 2 × {tote.product.name} – {tote.name}"]

    post(client, order, action="addition_quantity", variant_id=tote.pk, quantity=3)
    shown = page(client, order)
    assert row(shown, f"new-{tote.pk}").one("input", id=f"qty-new-{tote.pk}").attrs["value"] == "3"
    assert changes(shown) == [f"Added 3 × {tote.product.name} – {tote.name}"]

    post(client, order, action="remove_addition", variant_id=tote.pk)
    shown = page(client, order)
    assert not shown.all("tr", data_row=f"new-{tote.pk}") and changes(shown) == []


def test_a_new_address_is_named_on_one_line(client, order):
    post(client, order, **NEW_ADDRESS)
    shown = page(client, order)
    assert changes(shown) == ["Deliver to: Sam Jansen, Damrak 1, 1012 LG Amsterdam, Netherlands"]
    assert "Delivery address changed." in shown.one(id="edit-status").text


def test_a_new_delivery_method_or_pickup_place_is_named(client, order):
    express = ShippingMethod.objects.get(code="express")
    post(client, order, action="delivery", delivery=f"method:{express.pk}")
    assert changes(page(client, order)) == ["Delivery: Express delivery (DHL Express)"]
    pickup = PickupLocation.objects.get()
    post(client, order, action="delivery", delivery=f"pickup:{pickup.pk}")
    assert changes(page(client, order)) == ["Pick up at Amsterdam store"]


def test_locked_lines_say_why_and_offer_no_controls(staff_client):
    order = place([(WALLET, 1, {"customization": "S.J."}), (WRAP, 1), (TEE, 1, {"free": True}), (SOCKS, 1)])
    shopper = Client()
    shopper.force_login(order.customer)
    shown = page(shopper, order)
    wrap, free, wallet, socks = (line(order, code) for code in (WRAP, TEE, WALLET, SOCKS))

    fee_row = row(shown, f"line-{wrap.pk}")
    assert fee_row.one(data_locked_reason=True).text == "Fees can't be changed online."
    assert fee_row.controls() == {} and fee_row.actions() == []
    free_row = row(shown, f"line-{free.pk}")
    assert free_row.one(data_locked_reason=True).text == "Free items can't be changed online."
    assert free_row.controls() == {} and free_row.actions() == []
    # Personalised: it can go, but not change (editing.rules), so only Remove.
    wallet_row = row(shown, f"line-{wallet.pk}")
    assert wallet_row.one(data_locked_reason=True).text == "Personalized items can be removed, but not changed."
    assert wallet_row.actions() == ["remove"] and "Personalization: S.J." in wallet_row.text
    # An ordinary line has every control and no reason.
    socks_row = row(shown, f"line-{socks.pk}")
    assert set(socks_row.actions()) == {"swap", "quantity", "remove"} and not socks_row.all(data_locked_reason=True)

    # Staff edit past the shopper's limits: the fee has its controls; a personalised item still can't be swapped.
    staff_page = dom(staff_client.get(f"/admin/orders/order/{order.pk}/edit/"))
    assert set(row(staff_page, f"line-{wrap.pk}").actions()) == {"quantity", "remove"}
    assert not row(staff_page, f"line-{wrap.pk}").all(data_locked_reason=True)
    assert "swap" not in row(staff_page, f"line-{wallet.pk}").actions()


# --- htmx: the same forms, answered with the partial. --------------------------------------------------------


def test_an_htmx_request_gets_the_items_totals_and_status_in_place(client, order):
    socks = line(order, SOCKS)
    response = post(client, order, htmx=True, action="quantity", line_id=socks.pk, quantity=3)
    html = response.content.decode()
    assert "<html" not in html and "<body" not in html  # a partial, not the page
    answer = dom(response)
    items, preview = answer.one(id="edit-items"), answer.one(id="edit-preview")
    status = answer.one(id="edit-status")
    assert items.attrs["hx-swap-oob"] == "true" and preview.attrs["hx-swap-oob"] == "true"
    assert status.attrs["hx-swap-oob"] == "innerHTML"  # the live region stays; only its words change
    assert row(items, f"line-{socks.pk}").one("input", id=f"qty-line-{socks.pk}").attrs["value"] == "3"
    session = EditSession.objects.get(order=order, status="open")
    new_total = preview.one("dd", data_new_total=True).text
    assert new_total == f"€{order.total + 30:.2f}" and changes(answer) == ["Wool socks – M / Grey: quantity 1 → 3"]
    assert status.text == f"Quantity updated. New total: {new_total}."
    # The confirm form carries the session and version it would commit.
    assert preview.one("input", name="session").attrs["value"] == str(session.pk)
    assert preview.one("input", name="version").attrs["value"] == str(session.base_content_version)
    # Without the header, the same POST redirects (POST/redirect/GET), as without JavaScript.
    assert post(client, order, action="quantity", line_id=socks.pk, quantity=2)["Location"] == url(order)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "quantity", "line_id": "1", "quantity": "abc"}, "Please check"),
        ({"action": "explode"}, "Unknown action"),
    ],
)
def test_an_htmx_request_that_is_refused_says_why_in_the_status(client, order, data, message):
    answer = dom(post(client, order, htmx=True, **data))
    assert message in answer.one(id="edit-status").text and answer.one(id="edit-items")


def test_htmx_search_answers_with_the_results_and_how_many(client, order):
    response = client.get(url(order), {"q": "tote"}, **HTMX)
    answer = dom(response)
    assert "<html" not in response.content.decode() and "HX-Request" in response["Vary"]
    results = answer.one(id="search-results")
    assert results.actions() == ["add"] and "Canvas tote" in results.text
    assert answer.one(id="edit-status").text == "1 item found."
    # The page itself says it varies with the header too (a cached partial must never stand in for it).
    full = client.get(url(order), {"q": "tote"})
    assert "HX-Request" in full["Vary"] and "<html" in full.content.decode()


def test_confirming_through_htmx_leaves_with_hx_redirect(client, order):
    post(client, order, action="quantity", line_id=line(order, SOCKS).pk, quantity=2)
    session = EditSession.objects.get(order=order, status="open")
    response = post(
        client, order, htmx=True, action="confirm", session=session.pk, version=session.base_content_version
    )
    assert response["HX-Redirect"] == f"/store/account/orders/{order.number}/"
    assert Order.objects.get(pk=order.pk).lines.get(sku=SOCKS).quantity == 2


def test_an_htmx_request_on_an_order_that_can_no_longer_change_reloads_the_page(client, order):
    cancel_order(order=order, reason="", actor_kind="system")
    response = client.post(url(order), {"action": "reset"}, **HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_the_htmx_partial_is_flat_in_the_number_of_lines(client, django_assert_max_num_queries):
    codes = [SOCKS, MUG, TEE, "WOOL-SOCKS-L-GREY", TEE_L_BLACK, TOTE, "MERINO-CREW-SWEATER-M-NAVY"]
    counts = []
    for email, lines in (("small@example.com", codes[:1]), ("large@example.com", codes)):
        order = place([(code, 1) for code in lines], email=email)
        client.force_login(order.customer)
        socks = line(order, SOCKS)
        post(client, order, htmx=True, action="quantity", line_id=socks.pk, quantity=2)
        with django_assert_max_num_queries(27) as ctx:
            post(client, order, htmx=True, action="quantity", line_id=socks.pk, quantity=3)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# --- The emails and the event name every change, from the same records. --------------------------------------


def test_the_edited_email_names_every_change(client, order):
    socks, mug, tee, tote = line(order, SOCKS), line(order, MUG), line(order, TEE), sku(TOTE)
    express = ShippingMethod.objects.get(code="express")
    post(client, order, action="quantity", line_id=socks.pk, quantity=3)
    post(client, order, action="swap", line_id=tee.pk, variant_id=sku(TEE_L_BLACK).pk)
    post(client, order, action="remove", line_id=mug.pk)
    post(client, order, action="add", variant_id=tote.pk, quantity=1)
    post(client, order, **NEW_ADDRESS)
    post(client, order, action="delivery", delivery=f"method:{express.pk}")
    expected = [
        "Wool socks – M / Grey: quantity 1 → 3",
        "Removed Ceramic coffee mug – White",
        f"{tee.product_name}: M / White → L / Black",
        f"Added 1 × {tote.product.name} – {tote.name}",
        "Deliver to: Sam Jansen, Damrak 1, 1012 LG Amsterdam, Netherlands",
        "Delivery: Express delivery (DHL Express)",
    ]
    assert changes(page(client, order)) == expected  # the preview, before confirming

    session = EditSession.objects.get(order=order, status="open")
    post(client, order, action="confirm", session=session.pk, version=session.base_content_version)
    event = OrderEvent.objects.get(order=order, type=EventType.EDITED)
    assert describe_changes(event.data["changes"]) == expected
    shopper = compose(Message.objects.get(kind=MessageKind.ORDER_EDITED))
    merchant = compose(Message.objects.get(kind=MessageKind.MERCHANT_ORDER_EDITED))
    for message in (shopper, merchant):
        for sentence in expected:
            assert f"- {sentence}" in message.body_text, (sentence, message.body_text)
            assert sentence.replace("'", "&#x27;") in message.body_html
        assert "New delivery option" not in message.body_text and "New shipping address" not in message.body_text


def test_the_email_is_worded_in_the_orders_language(client):
    order = place([(SOCKS, 1), (TEE, 1)], language="de")
    client.force_login(order.customer)
    post(client, order, action="swap", line_id=line(order, TEE).pk, variant_id=sku(TEE_L_BLACK).pk)
    post(client, order, **{**NEW_ADDRESS, "country": "NL"})
    session = EditSession.objects.get(order=order, status="open")
    post(client, order, action="confirm", session=session.pk, version=session.base_content_version)
    shopper = compose(Message.objects.get(kind=MessageKind.ORDER_EDITED))
    assert shopper.language == "de" and "Niederlande" in shopper.body_text  # the country named in German
    assert "M / Weiß → L / Schwarz" in shopper.body_text  # names frozen in the order's language


def test_records_from_before_are_still_described():
    """Edited events written before swaps, addresses and deliveries were named (the Pay now page reads them)."""
    old = [
        {"type": "swapped", "item": "Tee L / Black", "from": 2, "to": 2},
        {"type": "address"},
        {"type": "delivery"},
    ]
    assert describe_changes(old) == ["Changed to Tee L / Black", "New shipping address", "New delivery option"]
