"""Vietnamese text: NFC, one tone-mark placement, whitespace, and folding for search.

Stored text keeps its diacritics (NFC, traditional tone placement as administrative documents print:
"hòa", "thúy", "Ủy"); only search keys are folded.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
# letters whose small and capital forms look alike: OCR reads them either way ("BÁO cÁo"), so their case
# tells nothing
SAME_SHAPE_LETTERS = frozenset("cosvwxz")
QUALITY_MARKS = {"\u0302", "\u0306", "\u031b"}  # circumflex (â ê ô), breve (ă), horn (ơ ư)
VOWELS = set("aeiouy")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\u00ad]")
_BLANK_LINES = re.compile(r"\n{3,}")


# OCR and old fonts write the Icelandic eth (Ð U+00D0, ð U+00F0) for Vietnamese đ: never meant in Vietnamese
_CONFUSABLES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_CONFUSABLES)


def _split_letters(word: str) -> list[tuple[str, str, str]] | None:
    """NFD letters as (base, quality marks, tone mark); None if the word is not a plain syllable."""
    letters: list[list[str]] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch):
            if not letters:
                return None
            if ch in TONE_MARKS:
                if letters[-1][2]:
                    return None
                letters[-1][2] = ch
            elif ch in QUALITY_MARKS:
                letters[-1][1] += ch
            else:
                return None
        else:
            letters.append([ch, "", ""])
    return [(b, q, t) for b, q, t in letters]


def _tone_position(letters: list[tuple[str, str, str]]) -> int | None:
    """Index of the letter that carries the tone in the traditional placement, or None if unsure."""
    lower = [b.lower() for b, _, _ in letters]
    start = 0
    # "qu" and "gi" (before another vowel) are consonants: quý, già, giữ
    is_qu = len(lower) >= 2 and lower[:2] == ["q", "u"]
    is_gi = len(lower) >= 3 and lower[:2] == ["g", "i"] and lower[2] in VOWELS
    if is_qu or is_gi:
        start = 2
    vowel_idx = [i for i in range(start, len(lower)) if lower[i] in VOWELS]
    if not vowel_idx:
        return None
    first, last = vowel_idx[0], vowel_idx[-1]
    if last - first + 1 != len(vowel_idx):  # vowels not contiguous: not one syllable
        return None
    if len(vowel_idx) > 3:
        return None
    marked = [i for i in vowel_idx if letters[i][1]]
    if marked:
        return marked[-1]  # ươ → ơ; ê, ô, â, ă, ơ, ư carry the tone
    if len(vowel_idx) == 1:
        return first
    has_final = last < len(lower) - 1
    if has_final:
        return last  # hoàng, toán, thuyết
    if len(vowel_idx) == 3:
        return vowel_idx[1]  # khoái, ngoáy, khuỷu
    return first  # traditional: hòa, hòe, thúy, của, mùa


@lru_cache(maxsize=65536)  # a page repeats its syllables; the field stage re-normalises the same lines
def place_tone(word: str) -> str:
    """Move the tone mark of one syllable to its traditional position; other words pass unchanged."""
    letters = _split_letters(word)
    if not letters:
        return word
    current = [i for i, (_, _, t) in enumerate(letters) if t]
    if len(current) != 1:
        return word
    target = _tone_position(letters)
    if target is None or target == current[0]:
        return word
    tone = letters[current[0]][2]
    rebuilt = []
    for i, (b, q, _) in enumerate(letters):
        rebuilt.append(b + q + (tone if i == target else ""))
    return nfc("".join(rebuilt))


def normalize_tones(text: str) -> str:
    return _WORD.sub(lambda m: place_tone(m.group(0)), text)


def normalize_whitespace(text: str, keep_newlines: bool = True) -> str:
    text = _ZERO_WIDTH.sub("", text)
    if not keep_newlines:
        return _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


@lru_cache(maxsize=4096)  # lines, mostly; a few whole texts (bounded: a few MB)
def normalize_text(text: str, keep_newlines: bool = True) -> str:
    """NFC, traditional tone placement, clean whitespace: the form of every stored string."""
    for _ in range(4):
        # a tone moved off a letter can leave a stray mark after the word that now composes ("AṆ̀" -> "ẠǸ"),
        # and that word's tone may move again ("OÈ̆"): repeat until the form holds still
        done = unicodedata.normalize("NFC", normalize_whitespace(normalize_tones(nfc(_ZERO_WIDTH.sub("", text))),
                                                                  keep_newlines=keep_newlines))
        if done == text:
            break
        text = done
    return text


@lru_cache(maxsize=65536)  # field rules fold the same lines and labels thousands of times a page
def fold(text: str) -> str:
    """Diacritics removed (đ→d, Đ→D included), case kept: 'Đặng Thị Hòa' → 'Dang Thi Hoa'."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.translate(_CONFUSABLES).replace("đ", "d").replace("Đ", "D"))


@lru_cache(maxsize=65536)
def fold_key(text: str) -> str:
    """Search key: folded, lower case, one space between words."""
    return normalize_whitespace(fold(text), keep_newlines=False).casefold()


_VIET_LETTERS = set(
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz"
)


def is_vietnamese_letter(ch: str) -> bool:
    return ch.lower() in _VIET_LETTERS


_INITIALS = (
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)
_NUCLEI = {
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oai", "oao", "oay",
    "oe", "oeo", "oi", "ôi", "ơi", "oo", "ua", "uâ", "uây", "uê", "ui", "uô", "uôi", "uơ", "ưa", "ưi",
    "ưu", "ươ", "ươi", "ươu", "uy", "uya", "uyê", "uyu", "yê", "yêu", "iêu",
}
_FINALS = ("ng", "nh", "ch", "c", "m", "n", "p", "t", "")


def _strip_tone(word: str) -> str:
    return nfc("".join(ch for ch in unicodedata.normalize("NFD", word) if ch not in TONE_MARKS))


def is_vietnamese_syllable(token: str) -> bool:
    """True for a well-formed Vietnamese syllable ('Quyết', 'định', 'NGHĨA'); False for 'QuyÕt', 'ñònh'."""
    if not token or not all(is_vietnamese_letter(c) for c in token):
        return False
    letters = _split_letters(token)
    if letters is None:
        return False
    word = _strip_tone(token.lower())
    for initial in _INITIALS:
        if not word.startswith(initial):
            continue
        rest = word[len(initial):]
        for final in _FINALS:
            if final and not rest.endswith(final):
                continue
            nucleus = rest[: len(rest) - len(final)] if final else rest
            if nucleus in _NUCLEI:
                return True
        if initial == "gi" and rest == "":
            return True
    return False
