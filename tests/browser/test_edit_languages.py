"""The edit page read in English, Japanese and Czech on a phone (390 px): a shopper whose browser speaks the
language stages each kind of change (size, quantity, removal, addition, delivery method, address) and reads
the items table, the preview and the order-edited email in their language, word for word.

With ``SCREENSHOTS_DIR`` set, each language's staged page is saved there (docs/pages/ is made this way)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from demo.loader import DEMO_EMAIL, load_catalog, load_demo_shopper
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.services import compose
from orders.models import Order
from storefront.models import ShippingMethod, Variant
from tests.mail import sent_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}

# What each language's shopper searches for, then reads: the items table row by row, the preview's list of
# changes, the email's subject and its list of changes.
READS = {
    "en": {
        "browser": "en-GB",
        "search": "wool",
        "items": [
            "Organic cotton T-shirt M / White → L / Black Quantity: 2 → 3",
            "Ceramic coffee mug White Removed",
            "Wool socks New M / Grey",
        ],
        "changes": [
            "Organic cotton T-shirt: M / White → L / Black",
            "Organic cotton T-shirt – L / Black: quantity 2 → 3",
            "Removed Ceramic coffee mug – White",
            "Added 1 × Wool socks – M / Grey",
            "Deliver to: Sam Jansen, Damrak 1, 1016 GV Amsterdam, Netherlands",
            "Delivery: Express delivery (DHL Express)",
        ],
        "subject": "Order #{number}: new total {total}",
        "confirmed": "Your changes are confirmed. New total: {total}. Still to pay:",
    },
    "ja": {
        "browser": "ja-JP",
        "search": "ウール",
        "items": [
            "オーガニックコットン Tシャツ M / ホワイト → L / ブラック 数量：2 → 3",
            "陶器のコーヒーマグ ホワイト 削除済み",
            "ウールソックス 新規 M / グレー",
        ],
        "changes": [
            "オーガニックコットン Tシャツ：M / ホワイト → L / ブラック",
            "オーガニックコットン Tシャツ – L / ブラック：数量 2 → 3",
            "陶器のコーヒーマグ – ホワイトを削除",
            "ウールソックス – M / グレーを1点追加",
            "配送先：Sam Jansen, Damrak 1, 1016 GV Amsterdam, オランダ",
            "配送方法：速達配送（DHL Express）",
        ],
        "subject": "ご注文 #{number}：新しい合計 {total}",
        "confirmed": "変更内容を確定しました。新しい合計：{total}。未払い残高：",
    },
    "cs": {
        "browser": "cs-CZ",
        "search": "ponožky",
        "items": [
            "Tričko z biobavlny M / Bílá → L / Černá Množství: 2 → 3",
            "Keramický hrnek Bílá Odebráno",
            "Vlněné ponožky Nové M / Šedá",
        ],
        "changes": [
            "Tričko z biobavlny: M / Bílá → L / Černá",
            "Tričko z biobavlny – L / Černá: množství 2 → 3",
            "Odebráno: Keramický hrnek – Bílá",
            "Přidáno: 1 × Vlněné ponožky – M / Šedá",
            "Doručit na adresu: Sam Jansen, Damrak 1, 1016 GV Amsterdam, Nizozemsko",
            "Doručení: Expresní doručení (DHL Express)",
        ],
        "subject": "Objednávka č.\xa0{number}: nová celková částka {total}",  # no break after "č."
        "confirmed": "Vaše změny jsou potvrzeny. Nová celková částka: {total}. Zbývá zaplatit:",
    },
}


def sign_in(page, base_url, language):
    """Pick the language with the switcher (the demo shopper's profile says English), then sign in by the
    form's fields, whatever language their labels are in."""
    page.goto(f"{base_url}/store/account/login/")
    page.locator(".lang-switch select").select_option(language)
    page.locator(".lang-switch button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("input[name=email]").fill(DEMO_EMAIL)
    page.locator("form:has(input[name=email]) button[type=submit]").click()
    code = sent_code(Message.objects.filter(recipient=DEMO_EMAIL, kind=MessageKind.SIGN_IN_CODE).latest("id"))
    page.locator("input[name=code]").fill(code)
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    expect(page).to_have_url(f"{base_url}/store/account/orders/")


def visible_rows(page) -> list[str]:
    """Each row of the items table as one line of the words shown (its controls left out)."""
    return page.locator("#edit-items tbody tr").evaluate_all(
        """rows => rows.map(row => {
            const cell = row.querySelector('td');
            const copy = cell.cloneNode(true);
            copy.querySelectorAll('form, .visually-hidden').forEach(node => node.remove());
            return copy.innerText.replace(/\\s+/g, ' ').trim();
        })"""
    )


@pytest.mark.parametrize("language", ["en", "ja", "cs"])
def test_each_kind_of_change_reads_right_in_the_shoppers_language(live_server, new_page, language):
    reads = READS[language]
    load_catalog()
    load_demo_shopper()
    order = Order.objects.get(email=DEMO_EMAIL, lines__sku="ORGANIC-COTTON-TEE-M-WHITE", lines__quantity=2)
    tee, mug = order.lines.get(sku="ORGANIC-COTTON-TEE-M-WHITE"), order.lines.get(sku="CERAMIC-MUG-WHITE")
    black, socks = Variant.objects.get(sku="ORGANIC-COTTON-TEE-L-BLACK"), Variant.objects.get(sku="WOOL-SOCKS-M-GREY")
    express = ShippingMethod.objects.get(code="express")

    page = new_page(locale=reads["browser"], viewport=PHONE)
    sign_in(page, live_server.url, language)
    page.goto(f"{live_server.url}/store/account/orders/{order.number}/edit/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.wait_for_load_state("load")
    status = page.locator("#edit-status")

    page.locator(f"#swap-line-{tee.pk}").select_option(value=str(black.pk))
    page.locator(f"#change-line-{tee.pk}").click()
    expect(page.locator(f"tr[data-row=line-{tee.pk}]")).to_have_attribute("data-change", "swapped")
    page.locator(f"#qty-line-{tee.pk}").fill("3")
    page.locator(f"#update-line-{tee.pk}").click()
    expect(page.locator(f"tr[data-row=line-{tee.pk}] [data-quantity-change]")).to_be_visible()
    page.locator(f"#remove-line-{mug.pk}").click()
    expect(page.locator(f"tr[data-row=line-{mug.pk}]")).to_have_attribute("data-change", "removed")
    page.locator("#q").fill(reads["search"])
    page.locator("#search-button").click()
    page.locator(f"#add-{socks.pk}").click()
    expect(page.locator(f"tr[data-row=new-{socks.pk}]")).to_be_visible()
    page.locator(f"#m{express.pk}").check()
    page.locator("#delivery-button").click()
    expect(page.locator("[data-changes] li")).to_have_count(5)
    page.locator("#id_line1").fill("Damrak 1")
    page.locator("#address-button").click()

    expect(page.locator("[data-changes] li")).to_have_text(reads["changes"])
    assert visible_rows(page) == reads["items"]
    # Nothing wider than the phone: long Czech words and struck-through old totals wrap.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    new_total = page.locator("[data-new-total]").inner_text()
    expect(status).to_contain_text(new_total)
    if shots := os.environ.get("SCREENSHOTS_DIR"):
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/edit-{language}-390.png", full_page=True)

    page.locator("form:has(input[name=action][value=confirm]) button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/store/account/orders/{order.number}/")
    expect(page.locator(".messages")).to_contain_text(reads["confirmed"].format(total=new_total))

    email = compose(Message.objects.get(kind=MessageKind.ORDER_EDITED))
    assert email.subject == reads["subject"].format(number=order.number, total=new_total)
    for sentence in reads["changes"]:
        assert f"- {sentence}\n" in email.body_text, (sentence, email.body_text)
        assert f"<li>{sentence}</li>" in email.body_html
    assert f'lang="{language}"' in email.body_html
