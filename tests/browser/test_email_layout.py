"""Emails in a real browser: every kind fits a phone's width in every language (no sideways scrolling),
and the showcase screenshots of docs/emails/ can be made."""

import pytest
from django.conf import settings

from demo.email_previews import SHOWCASE, VIEWPORTS, email_html, write_showcase
from notifications.constants import MessageKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_kind_fits_a_narrow_window(browser, language):
    narrow = VIEWPORTS["narrow"]
    page = browser.new_page(viewport=narrow)
    try:
        for kind in MessageKind.values:
            page.set_content(email_html(kind, language))
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= narrow["width"], f"{kind} in {language}: {width}px wide"
    finally:
        page.close()


def test_the_showcase_renders_every_language_in_both_widths(browser, tmp_path):
    written = write_showcase(tmp_path, browser=browser, progress=lambda line: None)
    assert len(written) == len(SHOWCASE) * len(VIEWPORTS)
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
