"""Every message kind renders in every language, fully translated, with nothing missing from its context."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings

from notifications.constants import MARKETING_KINDS, MessageKind
from notifications.samples import SAMPLES
from notifications.services import render_message

LANGUAGES = [code for code, _name in settings.LANGUAGES]
MISSING = "@@MISSING:%s@@"


@pytest.fixture(autouse=True)
def loud_templates(settings):
    """A variable the template reads but the context lacks shows up in the output instead of vanishing."""
    settings.TEMPLATES = [
        {**engine, "OPTIONS": {**engine.get("OPTIONS", {}), "string_if_invalid": MISSING}}
        for engine in settings.TEMPLATES
    ]


def test_every_kind_has_a_sample():
    assert set(MessageKind.values) == set(SAMPLES)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", MessageKind.values)
def test_renders_translated_with_nothing_missing(kind, language):
    context = {**SAMPLES[kind], "unsubscribe_url": SAMPLES[kind].get("unsubscribe_url", "")}
    subject, text, html = render_message(kind=kind, language=language, context=context)
    for part in (subject, text, html):
        assert "@@MISSING" not in part, re.search(r"@@MISSING:[^@]*@@", part).group(0)
    assert subject and "\n" not in subject and len(subject) <= 90
    assert f'lang="{language}"' in html and "<html" in html
    if language != "en":
        english = render_message(kind=kind, language="en", context=context)
        assert subject != english[0], f"{kind} subject not translated into {language}"
        english_lines = {line.strip() for line in english[1].splitlines() if len(line.strip()) > 25}
        untranslated = english_lines & {line.strip() for line in text.splitlines()}
        # Lines that are data, not words (item names, a gateway's error, links), are the same in every language.
        data = [value for value in _strings(context) if len(value) > 5]
        assert not {line for line in untranslated if not any(value in line for value in data)}, untranslated
    if kind in MARKETING_KINDS:
        assert context["unsubscribe_url"] in html and context["unsubscribe_url"] in text


@pytest.mark.django_db
def test_money_and_dates_follow_the_language():
    kind, context = MessageKind.PAYMENT_NEEDED, SAMPLES[MessageKind.PAYMENT_NEEDED]
    assert "€36.00" in render_message(kind=kind, language="en", context=context)[0]
    german = render_message(kind=kind, language="de", context=context)
    assert "36,00\xa0€" in german[0] and "8. Dezember 2026" in german[1]
    assert "36,00\xa0€" in render_message(kind=kind, language="fr", context=context)[0]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "zh-hant"])
def test_japanese_and_chinese_put_no_space_after_a_full_stop_or_colon(language):
    """Sentences and label: value pairs are joined the way these languages write them (core.text.gap)."""
    for kind in MessageKind.values:
        subject, text, html = render_message(kind=kind, language=language, context=SAMPLES[kind])
        for part in (subject, text, re.sub(r"<[^>]+>", "", html)):
            spaced = re.search(r".{0,10}[。！？：][ \xa0].{0,10}", part)
            assert not spaced, f"{kind}: {spaced.group(0)!r}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "minutes", "expected"),
    [
        ("en", 1, "It works for 1 minute."),
        ("fr", 1, "Il est valable 1 minute."),
        ("fr", 10, "Il est valable 10 minutes."),
        ("cs", 3, "Platí 3 minuty."),
        ("cs", 10, "Platí 10 minut."),
        ("de", 1, "Er ist 1 Minute lang gültig."),
    ],
)
def test_counts_take_the_languages_plural_form(language, minutes, expected):
    context = {**SAMPLES[MessageKind.SIGN_IN_CODE], "code_minutes": minutes}
    _subject, text, html = render_message(kind=MessageKind.SIGN_IN_CODE, language=language, context=context)
    assert expected in text and expected in html


class _EmailMarkup(HTMLParser):
    """The html element's lang, the tables and the images of an email."""

    def __init__(self):
        super().__init__()
        self.lang, self.tables, self.images = None, [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "table":
            self.tables.append(attributes)
        elif tag == "img":
            self.images.append(attributes)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_email_says_its_language_lays_out_with_presentation_tables_and_names_its_images(language):
    for kind in MessageKind.values:
        context = {**SAMPLES[kind], "logo_url": "https://shop.example/logo.png", "store_name": "Fietsen & Co"}
        markup = _EmailMarkup()
        markup.feed(render_message(kind=kind, language=language, context=context).html)
        assert markup.lang == language, kind
        assert markup.tables and all(table.get("role") == "presentation" for table in markup.tables), kind
        assert markup.images and all(image.get("alt", "").strip() for image in markup.images), kind
        assert all(image["alt"] == "Fietsen & Co" for image in markup.images), kind  # the logo says whose it is
