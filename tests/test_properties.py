"""Properties that hold for any input: normalisation and reading order never lose or invent text."""

from __future__ import annotations

import unicodedata
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.layout import Word, reading_order_text
from extractors.text_layer import vietnamese_quality
from extractors.vietnamese import fold, fold_key, is_vietnamese_syllable, normalize_text, place_tone

VIET = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
viet_text = st.text(alphabet=VIET + VIET.upper() + " \n\t\u00a0.,:;/-0123456789", max_size=200)
any_text = st.text(max_size=200)


@given(any_text)
def test_normalize_is_idempotent_and_nfc(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)


@given(viet_text)
def test_tone_placement_changes_no_letter(text):
    assert fold_key(normalize_text(text)) == fold_key(text)


@given(any_text)
def test_fold_leaves_no_mark_and_no_d_bar(text):
    folded = fold(text)
    assert not any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", folded))
    assert "đ" not in folded and "Đ" not in folded


@given(st.text(alphabet=VIET + VIET.upper(), min_size=1, max_size=8))
def test_syllable_parsers_never_raise(word):
    is_vietnamese_syllable(word)
    assert fold(place_tone(word)) == fold(word)
    assert 0.0 <= vietnamese_quality(word) <= 1.0


word_boxes = st.lists(
    st.tuples(
        st.text(alphabet=VIET + "0123456789", min_size=1, max_size=6),
        st.integers(0, 2300), st.integers(0, 3400), st.integers(20, 180), st.integers(25, 60),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(word_boxes)
def test_reading_order_keeps_every_word_exactly_once(boxes):
    words = [Word(t, x, y, x + w, y + h) for t, x, y, w, h in boxes]
    text = reading_order_text(words, 2480, 3508)
    assert Counter(text.split()) == Counter(w.text for w in words)
