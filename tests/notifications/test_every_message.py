"""Every message kind renders in every language, fully translated, with nothing missing from its context."""

import re

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
