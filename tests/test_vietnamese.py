import unicodedata

import pytest

from extractors.vietnamese import (
    fold,
    fold_key,
    is_vietnamese_syllable,
    normalize_text,
    normalize_tones,
    place_tone,
)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("hoà", "hòa"), ("Hoà", "Hòa"), ("HOÀ", "HÒA"), ("thuý", "thúy"), ("uỷ", "ủy"), ("Uỷ", "Ủy"),
        ("khoẻ", "khỏe"), ("xoá", "xóa"), ("loà", "lòa"),
        # already traditional, or a final consonant keeps the mark on the second vowel
        ("hòa", "hòa"), ("hoàng", "hoàng"), ("toán", "toán"), ("khuyến", "khuyến"), ("thuyết", "thuyết"),
        # qu and gi are consonants: the mark stays on the vowel after them
        ("quý", "quý"), ("quả", "quả"), ("già", "già"), ("giữ", "giữ"), ("gì", "gì"),
        # marked vowels carry the tone
        ("người", "người"), ("Nguyễn", "Nguyễn"), ("thuở", "thuở"), ("khuỷu", "khuỷu"), ("của", "của"),
        # misplaced marks are moved
        ("hòan", "hoàn"), ("ngừơi", "người"),
    ],
)
def test_tone_marks_take_the_traditional_place(given: str, stored: str) -> None:
    assert place_tone(unicodedata.normalize("NFC", given)) == stored


def test_words_that_are_not_syllables_are_left_alone() -> None:
    for word in ["UBND", "QĐ-UBND", "café", "TTr", "Phùng", "2025"]:
        assert normalize_tones(word) == word


def test_normalize_text_fixes_nfd_tones_and_spaces() -> None:
    nfd = unicodedata.normalize("NFD", "Ủy ban nhân dân  xã\u00a0Nghĩa   Hoà")
    assert normalize_text(nfd) == "Ủy ban nhân dân xã Nghĩa Hòa"
    assert unicodedata.is_normalized("NFC", normalize_text(nfd))
    assert normalize_text("a\r\nb \n\n\n\nc\u200b") == "a\nb\n\nc"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đặng Văn Minh", "Dang Van Minh"), ("đường", "duong"), ("Nguyễn Thị Thúy Hòa", "Nguyen Thi Thuy Hoa"),
        ("QUYẾT ĐỊNH", "QUYET DINH"), ("Ủy ban", "Uy ban"), ("ƯƠ", "UO"),
    ],
)
def test_fold_removes_every_diacritic_including_d_bar(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert fold(unicodedata.normalize("NFD", text)) == folded


def test_fold_key_matches_both_tone_placements_and_cases() -> None:
    assert fold_key("Thuý  HOÀ") == fold_key("thúy hòa") == "thuy hoa"


@pytest.mark.parametrize("word", ["Quyết", "định", "NGHĨA", "người", "khuỷu", "Ủy", "hòa", "giữ", "gì", "chuyện"])
def test_real_syllables_are_recognised(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize("word", ["QuyÕt", "®Þnh", "Quyeát", "ñònh", "Qu¸n", "xyz", "UBND", "hoàaa"])
def test_legacy_encoded_or_foreign_tokens_are_not_syllables(word: str) -> None:
    assert not is_vietnamese_syllable(word)


def test_ocr_noise_filter_drops_scribbles_but_keeps_numbers():
    from extractors.layout import Word
    from extractors.ocr import is_noise

    def noisy(text: str, conf: float) -> bool:
        return is_noise(Word(text, 0, 0, 10, 10, conf))

    assert noisy("Nc", 20) and noisy("~*xx>*", 24) and noisy("¿", 60) and noisy("t.ch,", 0)
    assert not noisy("89", 37) and not noisy("/QĐ-UBND", 25) and not noisy("-", 93) and not noisy("Bùi", 31)
    assert not noisy("UBND", 30) and not noisy("Thanh", 44) and not noisy("Số:", 30)
    assert noisy("À", 31) and noisy("h", 22) and noisy("ưnx", 42)


def test_eth_is_read_as_d_bar():
    assert normalize_text("QÐ-UBND") == "QĐ-UBND"
    assert fold("Ðặng ðường") == "Dang duong"
