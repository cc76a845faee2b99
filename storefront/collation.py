"""Sorting words the way a language's readers expect (its collation), for lists people scan such as countries.

``sort_key(language)`` gives a key function. With PyICU installed it is ICU's collator for that language (CLDR's
rules, exactly); without it, a built-in key that follows the same rules for what our lists hold:

- accents, case and width decide only between otherwise equal words ("Åland" beside "Albania", not after "Z");
- the letters a language sorts on their own: Czech č, ř, š, ž after c, r, s, z and ch after h; Spanish ñ after n;
- spaces and punctuation before letters, in CLDR's order (a space before "-", "-" before "(");
- Japanese kana in gojūon order, hiragana and katakana alike, a voiced or small kana beside its plain one, and
  the long-vowel mark "ー" read as the vowel before it; kanji after kana.

Ideographs (kanji, Chinese names) fall back to Unicode's radical-and-stroke order; ICU orders Traditional
Chinese by stroke count, which needs data this module doesn't carry. Pure Python, no Django: tests compare it
with ICU where ICU is installed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

try:  # PyICU: optional (a compiled extension); the built-in key below serves without it.
    import icu  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the machine
    icu = None

# ICU locale names of Django's language codes, where they differ.
ICU_LOCALES = {"pt-br": "pt_BR", "zh-hant": "zh_Hant", "zh-hans": "zh_Hans"}

# CLDR's root order of the spaces and punctuation names contain ("alternate=non-ignorable": they count, and
# sort before digits and letters). Full-width forms fold to these first (NFKC).
_PUNCTUATION = " _-,;:!?.'’\"()[]{}@*/\\&#%`^+<=>|~$、・"
_PUNCTUATION_RANK = {char: chr(1 + rank) for rank, char in enumerate(_PUNCTUATION)}

# Letters a language sorts as letters of their own, after the base letter (or digraph) they follow.
_AFTER = "\U0010ffff"  # sorts after every letter: "č" becomes "c" + this, so after "cz"
_TAILORING = {
    "cs": {"č": "c" + _AFTER, "ř": "r" + _AFTER, "š": "s" + _AFTER, "ž": "z" + _AFTER, "ch": "h" + _AFTER},
    "es": {"ñ": "n" + _AFTER},
}

# Katakana small forms → their full-size kana (ICU: equal but for the third level).
_SMALL_KANA = dict(zip("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ", strict=True))
# The vowel each katakana ends in, for the long-vowel mark "ー" after it.
_VOWEL_ROWS = {
    "ア": "アカサタナハマヤラワガザダバパャヮ",
    "イ": "イキシチニヒミリギジヂビピ",
    "ウ": "ウクスツヌフムユルグズヅブプュヴ",
    "エ": "エケセテネヘメレゲゼデベペ",
    "オ": "オコソトノホモヨロヲゴゾドボポョ",
}
_VOWEL_OF = {kana: vowel for vowel, row in _VOWEL_ROWS.items() for kana in row}


def _hiragana_to_katakana(char: str) -> str:
    return chr(ord(char) + 0x60) if "\u3041" <= char <= "\u3096" else char


def _primary(text: str, language: str) -> str:
    """The letters that decide the order: folded width, case and accents, the language's own letters apart."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for letters, replacement in _TAILORING.get(language, {}).items():
        text = text.replace(letters, replacement)
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            continue  # an accent, a voicing mark: a second-level difference
        char = _SMALL_KANA.get(_hiragana_to_katakana(char), _hiragana_to_katakana(char))
        if char == "ー" and out:
            char = _VOWEL_OF.get(out[-1], char)
        out.append(_PUNCTUATION_RANK.get(char, char))
    return "".join(out)


def _builtin_key(language: str) -> Callable[[str], Any]:
    def key(text: str) -> tuple[str, str, str]:
        # Then accents (decomposed, so "e" before "é"), then the text itself (case, width).
        return (_primary(text, language), unicodedata.normalize("NFKD", text).casefold(), text)

    return key


@cache
def sort_key(language: str) -> Callable[[str], Any]:
    """A key function ordering text as readers of ``language`` (a Django language code) expect."""
    language = language.lower()
    if icu is not None:
        collator = icu.Collator.createInstance(icu.Locale(ICU_LOCALES.get(language, language)))
        return collator.getSortKey
    return _builtin_key(language.split("-")[0])
