"""Joining translated pieces the way each language writes them.

Japanese and Chinese put no space between sentences and list items with 、; the rest use a space and ", ".
"""

from collections.abc import Iterable

from django.utils import translation

_WITHOUT_SPACES = ("ja", "zh")


def _spaceless(language: str | None) -> bool:
    language = (language or translation.get_language() or "en").lower()
    return language.split("-")[0].split("_")[0] in _WITHOUT_SPACES


def gap(language: str | None = None) -> str:
    """What goes between two sentences, or a label's colon and its value, in ``language`` (the active one)."""
    return "" if _spaceless(language) else " "


def join_sentences(*sentences: str, language: str | None = None) -> str:
    return gap(language).join(sentence for sentence in sentences if sentence)


def join_items(items: Iterable[str], language: str | None = None) -> str:
    """A short enumeration: "a, b" or "a、b"."""
    return ("、" if _spaceless(language) else ", ").join(items)
