"""Screenshots of the emails as a mail client shows them: headless Chromium at a phone's width and a
desktop's. ``manage.py email_screenshots`` writes the ones in docs/emails/ (one kind per language)."""

from __future__ import annotations

import os
from pathlib import Path

from notifications.samples import SAMPLES
from notifications.services import render_message

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWPORTS = {"narrow": {"width": 375, "height": 700}, "wide": {"width": 1024, "height": 700}}
# One kind per language, so the set shows every language and a spread of messages.
SHOWCASE = {
    "en": "order_confirmation",
    "fr": "order_edited",
    "nl": "payment_needed",
    "de": "shipment_shipped",
    "es": "refund_issued",
    "pt-br": "backorder_notice",
    "cs": "payment_reminder",
    "ja": "shipment_ready_for_pickup",
    "zh-hant": "sign_in_code",
}


def email_html(kind: str, language: str) -> str:
    return render_message(kind=kind, language=language, context=SAMPLES[kind])[2]


def screenshot(browser, html: str, path: Path, viewport: dict) -> int:
    """Write a full-page PNG; returns the page's scroll width (wider than the viewport = broken on phones)."""
    page = browser.new_page(viewport=viewport)
    try:
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(path), full_page=True)
        return page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.close()


def write_showcase(out: Path, *, browser=None, progress=print) -> list[Path]:
    """The showcase PNGs, with a given Playwright browser or one of its own."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            own = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                return write_showcase(out, browser=own, progress=progress)
            finally:
                own.close()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for language, kind in SHOWCASE.items():
        html = email_html(kind, language)
        for name, viewport in VIEWPORTS.items():
            path = out / f"{language}-{kind}-{name}.png"
            width = screenshot(browser, html, path, viewport)
            if width > viewport["width"]:
                raise RuntimeError(f"{path.name}: {width}px wide in a {viewport['width']}px window")
            written.append(path)
            progress(f"{len(written)}/{len(SHOWCASE) * len(VIEWPORTS)} {path}")
    return written
