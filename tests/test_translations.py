"""Every user-visible string is translated in all 8 non-English locales, and the catalogs match the code."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

from tests.conftest import ROOT

LOCALES = ["fr", "nl", "de", "es", "pt_BR", "cs", "ja", "zh_Hant"]
SOURCE_DIRS = [
    "config",
    "core",
    "accounts",
    "storefront",
    "orders",
    "editing",
    "drafts",
    "returns",
    "desk",
    "integrations",
    "notifications",
    "demo",
    "templates",
]


def catalog(locale: str, path: Path | None = None):
    with open(path or ROOT / "locale" / locale / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po)


def ids(cat) -> set:
    return {message.id for message in cat if message.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_is_translated_and_compiled(locale):
    po = catalog(locale)
    untranslated = [m.id for m in po if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert not untranslated, f"{locale}: untranslated {untranslated[:10]}"
    assert not fuzzy, f"{locale}: fuzzy {fuzzy[:10]}"
    with open(ROOT / "locale" / locale / "LC_MESSAGES" / "django.mo", "rb") as mo:
        compiled = read_mo(mo)

    def as_tuple(value):
        return tuple(value) if isinstance(value, (list, tuple)) else (value,)

    stale = [
        m.id
        for m in po
        if m.id
        and (
            compiled.get(m.id, m.context) is None
            or as_tuple(compiled.get(m.id, m.context).string) != as_tuple(m.string)
        )
    ]
    assert not stale, f"{locale}: .mo out of date with .po (run `make messages`): {stale[:5]}"


def test_catalogs_hold_every_string_in_the_code(tmp_path):
    """Extract strings from a copy of the source: a new string without a translation fails here."""
    for name in [*SOURCE_DIRS, "manage.py"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "REDIS_URL": settings.REDIS_URL}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "--no-location"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    in_code = ids(catalog("fr", tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    in_catalog = ids(catalog("fr"))
    assert in_code - in_catalog == set(), "strings missing from locale/ (run `make messages` and translate)"
    assert len(in_code) > 100


@pytest.mark.parametrize(
    ("language", "expected"), [("nl", "Geannuleerd"), ("ja", "キャンセル済み"), ("de", "Storniert")]
)
def test_status_names_are_translated_at_runtime(language, expected):
    from orders.constants import OrderStatus

    with translation.override(language):
        assert str(OrderStatus.CANCELLED.label) == expected


# Words that stay as they are in a translation: names and technical terms.
KEPT_AS_IS = {"Aftersale Demo Store", "API key", "Message-ID", "VAT ID", "Stripe", "PDF"}


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sentence_is_left_in_english(locale):
    """A msgstr of three or more words equal to its English msgid is a copy, not a translation."""
    copies = []
    for message in catalog(locale):
        if not message.id:
            continue
        pairs = zip(
            message.id if isinstance(message.id, tuple) else (message.id,),
            message.string if isinstance(message.string, tuple) else (message.string,),
            strict=False,
        )
        for english, translated in pairs:
            words = re.sub(r"%\(\w+\)[sd]|[^\w\s]", " ", english).split()  # placeholders are not words
            if english == translated and len(words) >= 3 and english not in KEPT_AS_IS:
                copies.append(english)
    assert not copies, f"{locale}: left in English: {copies[:10]}"


# Placeholders that hold a number of things: the sentence around them needs the language's plural forms.
COUNTS = {"count", "counter", "minutes", "code_minutes", "link_minutes", "days", "hours", "left", "stock", "failures"}
NO_WORD_FOR_THE_COUNT = {"Cart (%(count)s)"}  # a bare number: no noun or verb agrees with it


def test_every_count_is_a_plural_message():
    singular = [
        message.id
        for message in catalog("fr")
        if message.id
        and not isinstance(message.id, tuple)
        and message.id not in NO_WORD_FOR_THE_COUNT
        and COUNTS & set(re.findall(r"%\((\w+)\)[sd]", message.id))
    ]
    assert not singular, f"use ngettext / blocktranslate count for: {singular}"


def test_punctuation_beside_translated_words_is_inside_the_string():
    """`{% translate "Total" %}: …` leaves the colon to English; "Total: %(total)s" lets French write " : "."""
    outside = re.compile(r"(endblocktranslate|translate\s+\"[^\"]*\"(\s+context\s+\"[^\"]*\")?)\s*%\}[:：]")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for name in SOURCE_DIRS
        for path in (ROOT / name).rglob("*")
        if path.suffix in {".html", ".txt"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if outside.search(line)
    ]
    assert not found, found
