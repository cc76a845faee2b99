"""Translated pieces joined the way each language writes them."""

import pytest
from django.utils import translation

from core.text import join_items, join_sentences


@pytest.mark.parametrize(
    ("language", "sentences", "items"),
    [
        ("en", "Saved. New total: €10.", "Size: Required., Quantity: Too many."),
        ("fr", "Saved. New total: €10.", "Size: Required., Quantity: Too many."),
        ("ja", "Saved.New total: €10.", "Size: Required.、Quantity: Too many."),
        ("zh-hant", "Saved.New total: €10.", "Size: Required.、Quantity: Too many."),
    ],
)
def test_sentences_and_lists_follow_the_active_language(language, sentences, items):
    with translation.override(language):
        assert join_sentences("Saved.", "", "New total: €10.") == sentences
        assert join_items(["Size: Required.", "Quantity: Too many."]) == items
    assert join_sentences("保存しました。", "合計：€10。", language="ja") == "保存しました。合計：€10。"
