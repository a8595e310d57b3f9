"""Raw strings read from a page → values in the conventions of SCHEMA.md.

Every function takes what OCR gave for one field and returns a `Normalised`: the value (or None when
nothing usable is there), whether an OCR-typical repair was applied, and notes for the clerk. Repairs
(O→0, l→1 in digit fields) are only kept by the caller when the repaired value then validates.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from extractors import places
from extractors.vietnamese import (
    SAME_SHAPE_LETTERS,
    TONE_MARKS,
    fold_key,
    is_vietnamese_syllable,
    normalize_text,
)

# the administrative unit words, the longest first where one ends another ("thị xã" before "xã")
ADMIN_UNITS = "thành phố|thị trấn|thị xã|tỉnh|huyện|quận|xã|phường"
UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
LOWER = "a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"

# Letters Tesseract reads for digits in a digit field. Only the unambiguous shapes: a repair must then
# validate (a date that exists, an ID whose structure holds) before the caller keeps it.
# an O with a mark is a 0 a speck fell on ("ngày Ö1"): upper case first, then the same letters in lower case
MARKED_O = "ÖÔƠÓÒÕöôơóòõ"
DIGIT_REPAIRS = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "l": "1", "I": "1", "|": "1", "i": "1",
                               "!": "1", "]": "1", "[": "1", "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8",
                               "g": "9", "q": "9", "G": "6", "b": "6", "T": "7", "L": "1", "Š": "5",
                               **dict.fromkeys(MARKED_O, "0"), "†": "1"})
_TRAILING_JUNK = re.compile(r"[\s.,;:…·_\-–—'\"`*“”„«»]+$")
_LEADING_JUNK = re.compile(r"^[\s.,;:…·_\-–—'\"`*+•>)“”„«»]+")
_LEADER = re.compile(r"(?:\s*[.…·_]){3,}.*$")  # dotted leaders of filled-in forms, and what follows them


@dataclass
class Normalised:
    value: str | None
    repaired: bool = False
    notes: list[str] = field(default_factory=list)  # problems in "vi / en" form
    certainty: float = 1.0


def clean_value(text: str) -> str:
    """NFC, one space, no leader dots or edge punctuation."""
    text = normalize_text(text, keep_newlines=False)
    text = _LEADER.sub("", text)
    text = _LEADING_JUNK.sub("", text)
    return _TRAILING_JUNK.sub("", text).strip()


_ARTICLE = re.compile(r"^(\W*(?:Điều|Khoản|Mục))\s+([lLIi|!])(?=\W|$)")


def repair_article(text: str, next_texts: list[str] | None = None) -> str:
    """'Điều L.' → 'Điều 1.' (Tesseract reads 1 as l/I after 'Điều'), kept only when 'Điều 2' follows,
    so that the repaired numbering then holds."""
    m = _ARTICLE.match(text)
    if not m:
        return text
    head = m.group(1).strip(" \t.-")
    if next_texts is not None and not any(re.match(rf"^\W*{head}\s+2\b", t) for t in next_texts):
        return text
    return f"{m.group(1)} 1{text[m.end():]}"


def tone_count(word: str) -> int:
    """Tone marks in a word: a syllable has at most one ("cửờng" is an OCR slip for "cường")."""
    return sum(ch in TONE_MARKS for ch in unicodedata.normalize("NFD", word))


def repair_digits(text: str) -> tuple[str, bool]:
    """Digits with the letters OCR confuses for them turned back; (result, whether anything changed)."""
    fixed = text.translate(DIGIT_REPAIRS)
    return fixed, fixed != text


# ---------------------------------------------------------------------------------------------- dates

_DMY = re.compile(r"(?<!\d)(\S{1,2})\s*[/.\-]\s*(\S{1,2})\s*[/.\-]\s*(\S{4})(?!\d)")
# "năm" before a year as OCR reads it, folded: "nam", "narn", "nani", "nan!", "nah", "num", "hăm", "hãnh"
NAM_WORD = r"[nh][a-z]{1,3}"
# "ngày" after the place's comma, folded: "ngay", "ngảy", "hgày" (h for n), "nđày" (folds to "nday")
NGAY_AFTER_COMMA = r"(?:[nh]g[a-z]{0,3}|n[a-z]{0,2}y)\b"
# "tháng" as OCR reads it, folded: "thang", "tông", "thẳng"; glued to the day with its t lost ("06háng")
THANG_WORD = r"(?:\bt\w{0,4}n[gh]|(?<=\d)t?h\w{0,2}ng|(?<=\d\d)4h\w{0,2}ng)"  # "thánh", "264háng" too
_WORDS_DATE = re.compile(r"\bng[a-z]{0,3}\W{0,2}\s*(\S{1,3}?)\s*[,.\-–]?\s*" + THANG_WORD + r"\W{0,2}\s*(\S{1,3}?)\s*[,.]?\s*"
                         + NAM_WORD + r"\W{0,2}\s*(\S{4})", re.IGNORECASE)
# the word "ngày" lost to a speck ("s1gày 06,tháng 7 năm 2023"): the day is the token before "tháng"
_WORDS_DATE_NO_NGAY = re.compile(r"(?<!\S)(\d{1,2})\s*[,.]?\s*" + THANG_WORD + r"\W{0,2}\s*(\S{1,3}?)\s*[,.]?\s*"
                                 + NAM_WORD + r"\W{0,2}\s*(\S{4})", re.IGNORECASE)


def _ascii_digits(text: str) -> bool:
    """0-9 only: str.isdigit() also says yes to '²', '٣' and full-width digits, which int() refuses or
    which no Vietnamese document prints."""
    return text.isascii() and text.isdigit()


_TENS_LETTER = re.compile(rf"[qgQGDoO{MARKED_O}]\d")


def make_date(day: str, month: str, year: str, today: dt.date | None = None, years: Collection[int] = ()
              ) -> Normalised:
    """An ISO date from its three printed parts, repairing OCR letters only if the date then exists.

    `years`: the years the rest of the document names ("báo cáo kết quả năm 2019"); a year read in the
    future ("2919") takes the one of them a single digit away."""
    raw = (day, month, year)
    repaired = False
    parts = []
    today = today or dt.date.today()
    year = re.sub(r"\s", "", year)  # "2B1 6": a speck split the year
    if (single := _month_before_speck(month)) is not None:
        month, repaired = single, True
    for p in (day, month, year):
        p = p.strip(".,;:'\"")
        if not _ascii_digits(p):
            p, changed = repair_digits(p)
            repaired = repaired or changed
        parts.append(p)
    if not all(_ascii_digits(p) for p in parts[:2]):
        return Normalised(None, notes=[f"ngày tháng không đọc được: '{' '.join(raw)}' / unreadable date"])
    d, m = (int(p) for p in parts[:2])
    if not 1 <= d <= 31 and _TENS_LETTER.fullmatch(day.strip(".,;:'\"")):
        d = int(parts[0][1:])  # "q8": a round letter with a speck's tail is the 0 of the tens ("08"), not a 9
    if not 1 <= m <= 12 and re.fullmatch(r"T[0-2]", month.strip(".,;:'\"")):
        m = 10 + int(parts[1][1])  # "T0": a month's tens is a 1 or a 0, and a T is read for a 1 far more than a 0
    y = int(parts[2]) if _ascii_digits(parts[2]) else None
    if y is None or not _plausible(y, m, d, today):
        only = _only_year(year.strip(".,;:'\""), m, d, today)
        if only is None and y is None:
            return Normalised(None, notes=[f"ngày tháng không đọc được: '{' '.join(raw)}' / unreadable date"])
        if only is not None:
            return Normalised(dt.date(only, m, d).isoformat(), repaired=True, certainty=0.6, notes=[
                f"năm đọc được '{year}', chỉ {only} hợp lý / year read '{year}': only {only} is possible"])
    assert y is not None
    try:
        value = dt.date(y, m, d)
    except (ValueError, OverflowError):  # OverflowError: a run of digits longer than a C long
        return Normalised(None, notes=[f"ngày {d}/{m}/{y} không tồn tại / date {d}/{m}/{y} does not exist"])
    if value > today:
        near = [n for n in set(years) if _plausible(n, m, d, today) and len(str(n)) == len(str(y))
                and sum(a != b for a, b in zip(str(n), str(y), strict=True)) == 1]
        if len(near) == 1:
            return Normalised(dt.date(near[0], m, d).isoformat(), repaired=True, certainty=0.5, notes=[
                f"năm đọc được {y} (tương lai), văn bản nêu năm {near[0]} / year read {y}, in the future; the "
                f"document names {near[0]}"])
        return Normalised(None, notes=[f"ngày {value.isoformat()} ở tương lai / date in the future"])
    if value.year < 1900:
        return Normalised(None, notes=[f"năm {value.year} không hợp lý / implausible year"])
    return Normalised(value.isoformat(), repaired=repaired, certainty=0.85 if repaired else 1.0)


def _month_before_speck(month: str) -> str | None:
    """"8i", "8ì" → "8": a speck glued after the month's one digit, where the two read as digits make no
    month ("1l" is 11, and stays)."""
    bare = month.strip(".,;:'\"")
    if not re.fullmatch(r"[1-9][^\W\d_]", bare):
        return None
    fixed, _ = repair_digits(bare)
    return None if fixed.isdigit() and 1 <= int(fixed) <= 12 else bare[0]


def _plausible(y: int, m: int, d: int, today: dt.date) -> bool:
    try:
        return y >= 1900 and dt.date(y, m, d) <= today
    except (ValueError, OverflowError):
        return False


def _only_year(year: str, m: int, d: int, today: dt.date) -> int | None:
    """The one year a four-character year with a single letter in it can be ("2B16" → 2016, since 2816 has
    not come yet), or None when several fit ("20B1": 2001, 2011, 2021)."""
    letters = [i for i, c in enumerate(year) if not c.isdigit()]
    if len(year) != 4 or len(letters) != 1 or not all(c.isascii() for c in year if c.isdigit()):
        return None
    i = letters[0]
    fits = [y for y in (int(year[:i] + str(k) + year[i + 1:]) for k in range(10)) if _plausible(y, m, d, today)]
    return fits[0] if len(fits) == 1 else None


def parse_date(text: str, today: dt.date | None = None) -> Normalised:
    """'ngày 06 tháng 12 năm 2021', '26/06/2020', '26.06.2020' → '2021-12-06'."""
    text = normalize_text(text, keep_newlines=False)
    folded = fold_key(text)
    m = _WORDS_DATE.search(folded) or _WORDS_DATE_NO_NGAY.search(folded)
    if m:
        return make_date(m.group(1), m.group(2), m.group(3), today)
    m = _DMY.search(text)
    if m:
        return make_date(m.group(1), m.group(2), m.group(3), today)
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if m:
        return make_date(m.group(3), m.group(2), m.group(1), today)
    return Normalised(None, notes=[f"không thấy ngày trong '{text[:40]}' / no date found"])


# ---------------------------------------------------------------------------------------------- identifiers


def digits_field(text: str, lengths: tuple[int, ...]) -> Normalised:
    """The first run of digits (spaces and dots inside tolerated) with one of the allowed lengths."""
    text = normalize_text(text, keep_newlines=False)
    for m in re.finditer(r"[0-9OoQDlI|SsBZ][0-9OoQDlI|SsBZ .]{6,18}[0-9OoQDlI|SsBZ]", text):
        chunk = re.sub(r"[ .]", "", m.group(0))
        if sum(c.isdigit() for c in chunk) < len(chunk) - 2:
            continue  # a word, not a number with a few misread digits
        fixed, changed = repair_digits(chunk)
        if fixed.isdigit() and len(fixed) in lengths:
            return Normalised(fixed, repaired=changed, certainty=0.85 if changed else 1.0)
    digits = re.sub(r"\D", "", text)
    if digits:
        return Normalised(None, notes=[f"số '{digits}' có {len(digits)} chữ số, cần {' hoặc '.join(map(str, lengths))}"
                                       f" / {len(digits)} digits, expected {' or '.join(map(str, lengths))}"])
    return Normalised(None, notes=["không có chữ số / no digits"])


def tax_code_value(text: str) -> Normalised:
    text = normalize_text(text, keep_newlines=False)
    m = re.search(r"(?<![\dA-Za-z])([0-9OlI]{10})(?:\s*-\s*([0-9OlI]{3}))?(?![\d])", text)
    if not m:
        return Normalised(None, notes=["mã số thuế không đúng dạng / tax code malformed"])
    main, changed = repair_digits(m.group(1))
    branch, changed2 = repair_digits(m.group(2) or "")
    if not main.isdigit() or (branch and not branch.isdigit()):
        return Normalised(None, notes=["mã số thuế không đúng dạng / tax code malformed"])
    return Normalised(main + (f"-{branch}" if branch else ""), repaired=changed or changed2)


def business_reg_value(text: str) -> Normalised:
    """Household business registration number: digits with one letter, e.g. 75A8478825."""
    text = normalize_text(text, keep_newlines=False).replace(" ", "")
    m = re.search(r"(?<![0-9A-Z])([0-9OlI]{2})([A-Z])([0-9OlI]{6,9})(?![0-9])", text)
    if not m:
        return Normalised(None, notes=[f"số đăng ký '{text[:20]}' không đúng dạng / registration number malformed"])
    head, c1 = repair_digits(m.group(1))
    tail, c2 = repair_digits(m.group(3))
    if not (head.isdigit() and tail.isdigit()):
        return Normalised(None, notes=["số đăng ký không đúng dạng / registration number malformed"])
    return Normalised(f"{head}{m.group(2)}{tail}", repaired=c1 or c2)


def book_number_value(text: str) -> Normalised:
    """'Quyển số: 01/2021' → '01/2021'."""
    text = clean_value(text).replace(" ", "")
    m = re.match(r"([0-9OlI]{1,3})(?:/([0-9OlI]{4}))?", text)
    if not m:
        return Normalised(None, notes=[f"quyển số '{text[:15]}' không đọc được / book number unreadable"])
    num, c1 = repair_digits(m.group(1))
    year, c2 = repair_digits(m.group(2) or "")
    if not num.isdigit() or (year and not year.isdigit()):
        return Normalised(None, notes=["quyển số không đọc được / book number unreadable"])
    value = num + (f"/{year}" if year else "")
    if int(num) == 0 or (not year and re.match(r"[^\s,;.]", text[m.end():])):
        # "0" alone, or digits cut short by a letter or a mark: part of the number was not read
        return Normalised(value, repaired=c1 or c2, certainty=0.4,
                          notes=[f"quyển số đọc được '{text[:15]}' không trọn / book number partly unreadable"])
    if int(num) > 20:
        # a commune opens a few books a year: a large book number is more likely a misread digit
        return Normalised(value, repaired=c1 or c2, certainty=0.6,
                          notes=[f"quyển số {num} lớn bất thường / unusually high book number"])
    return Normalised(value, repaired=c1 or c2)


def dossier_code_value(text: str) -> Normalised:
    """One-stop dossier code <agency code>-<yymmdd>-<sequence>: 000.00.01.H29-240115-0001."""
    text = normalize_text(text, keep_newlines=False).replace(" ", "")
    m = re.search(r"(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(\d{6})-(\d{4})", text)
    if not m:
        return Normalised(None, notes=["mã hồ sơ không đúng dạng / dossier code malformed"])
    return Normalised(m.group(0))


# ---------------------------------------------------------------------------------------------- document number

_SYMBOL_OK = re.compile(rf"^[{UPPER}{LOWER}0-9&.]+(?:-[{UPPER}{LOWER}0-9&.]+)*$")


def repair_symbol(symbol: str, known: list[str]) -> tuple[str, str]:
    """(symbol, how it was repaired: "" | "joined" | "letter").

    - QD → QĐ: the stroke of Đ lost;
    - CTUBND, KHxVHTT → CT-UBND, KH-VHTT ("joined"): the hyphen lost or read as a letter, between two
      known codes;
    - URND → UBND ("letter"): one letter of a code of four or more, when exactly one known code is that
      close. The caller lowers its confidence: a letter was changed.
    """
    by_fold = {fold_key(k): k for k in known}
    groups, how = [], ""
    for g in symbol.split("-"):
        if g in known:
            groups.append(g)
            continue
        k = by_fold.get(fold_key(g))
        if k is not None:
            groups.append(k)
            continue
        split = _split_glued(g, by_fold)
        if split is not None:
            groups.extend(split)
            how = how or "joined"
            continue
        near = _one_letter_off(g, by_fold)
        if near is not None:
            groups.append(near)
            how = "letter"
            continue
        groups.append(g)
    return "-".join(groups), how


def _split_glued(group: str, by_fold: dict[str, str]) -> list[str] | None:
    key = fold_key(group)
    for i in range(2, len(key) - 1):
        for gap in (0, 1):
            a, b = key[:i], key[i + gap:]
            if a in by_fold and b in by_fold and (gap == 0 or not group[i].isalnum() or group[i].islower()):
                return [by_fold[a], by_fold[b]]
    return None


def _one_letter_off(group: str, by_fold: dict[str, str]) -> str | None:
    key = fold_key(group)
    if len(key) < 4 or not group.isupper():
        return None
    close = [k for f, k in by_fold.items()
             if len(f) == len(key) and sum(x != y for x, y in zip(f, key, strict=True)) == 1]
    return close[0] if len(close) == 1 else None


def _split_number(text: str) -> tuple[str, str, bool]:
    """(number, symbol, hyphen lost) of '154/QĐ-UBND', '24/TTr -UBND', '686 /STTT-CNTT&BCVT'; what follows
    the symbol after a space (debris, the place of a merged date line) is not part of it, except a last
    group of two to five plain capitals ('943/TCKH NV': the hyphen lost under a speck)."""
    if "/" not in text:
        first = text.split()[:1]
        return (re.sub(r"[.,;:_…]+$", "", first[0]) if first else ""), "", False
    slash = text.index("/")
    number = re.sub(r"\s+", "", text[:slash])
    tokens = text[slash + 1:].split()
    if not tokens:
        return number, "", False
    parts = [tokens[0]]
    for tok in tokens[1:]:
        # "T: B- -UBND", "T B- UBND": a lone letter is never a whole symbol; a speck split it from the rest
        lone = len(parts) == 1 and re.fullmatch(rf"[{UPPER}][^\w\s]?", parts[0]) is not None
        if parts[-1].endswith(("-", "/")) or tok.startswith(("-", "/")) or lone:
            parts.append(tok)
        else:
            break
    rest = tokens[len(parts):]
    if len(parts) == 1 and len(rest) == 1 and re.fullmatch(r"[A-ZĐ]{2,}", parts[0]) and re.fullmatch(
            r"[A-ZĐ]{2,5}", rest[0]):
        return number, f"{parts[0]}-{rest[0]}", True
    return number, "".join(parts), False


@dataclass
class DocNumber:
    value: str | None
    number: str  # the numeric part as read
    symbol: str
    clean_digits: bool
    repaired: bool
    notes: list[str] = field(default_factory=list)


def _slash_lost(text: str, known: list[str]) -> tuple[str, bool]:
    """'16NQ-HĐND' → '16/NQ-HĐND': digits run into a symbol every group of which is a known code."""
    m = re.match(rf"(\d{{1,6}})([{UPPER}][^\s/]*)", text)
    if m is None:
        return text, False
    groups = re.sub(r"[.,;:]+$", "", m.group(2)).split("-")
    by_fold = {fold_key(k) for k in known}
    if not all(fold_key(g) in by_fold for g in groups):
        return text, False
    return f"{m.group(1)}/{text[m.end(1):]}", True


def parse_doc_number(rest: str, known_symbols: list[str]) -> DocNumber:
    """What follows 'Số:' → '154/QĐ-UBND', spacing removed; a numeric part that is not digits → None."""
    text = normalize_text(rest, keep_newlines=False)
    text = text.replace("Ð", "Đ").replace("ĐĐ", "Đ")
    text = re.sub(r"^[\s.,;:_…'\"`⁄]+", "", text)
    text = re.sub(r"[\s'\"`“”‘’]+$", "", text)  # "88”", "8B'": a speck after the number
    text, slash_lost = _slash_lost(text, known_symbols)
    number, symbol, hyphen_lost = _split_number(text)
    symbol = re.sub(r"-{2,}", "-", symbol)
    symbol = re.sub(r"[.,;:_…]+$", "", symbol)
    symbol = re.sub(r"[^0-9A-Za-zĐđ" + UPPER[3:] + LOWER[3:] + r"&./\-]", "", symbol).strip("-./")
    repaired = False
    if not number.isdigit():
        fixed, repaired = repair_digits(number)
        if fixed.isdigit():
            number = fixed
    clean = number.isdigit() and len(number) <= 6
    notes = []
    if symbol:
        parts = symbol.split("/")
        fixed = [repair_symbol(p, known_symbols) for p in parts]
        parts = [f for f, _ in fixed]
        hows = {h for _, h in fixed}
        if "letter" in hows:
            notes.append(f"ký hiệu '{symbol}' đọc thành '{'/'.join(parts)}': cần kiểm tra"
                         f" / symbol read as '{symbol}', taken as '{'/'.join(parts)}'")
        repaired = repaired or bool(hows - {""})
        symbol = "/".join(parts)
        if not all(_SYMBOL_OK.match(p) for p in parts):
            notes.append(f"ký hiệu '{symbol}' có ký tự lạ / symbol has stray characters")
    if slash_lost:
        repaired = True
        notes.append("dấu '/' giữa số và ký hiệu bị mất khi đọc / the slash between number and symbol was lost")
    if hyphen_lost:
        repaired = True
        notes.append(f"ký hiệu đọc có khoảng trắng thay dấu '-' ('{symbol}'): cần kiểm tra / the symbol was read "
                     f"with a space for its hyphen: check it")
    if not clean:
        return DocNumber(None, number, symbol, False, repaired, notes)
    value = f"{number}/{symbol}" if symbol else number
    return DocNumber(value, number, symbol, True, repaired, notes)


# ---------------------------------------------------------------------------------------------- names and text

_HONORIFICS = ("ông", "bà", "anh", "chị", "cháu", "em")


COMMONEST_SURNAMES = 5  # Nguyễn, Trần, Lê, Phạm, Hoàng: some seven Vietnamese in ten


def commonest_surnames(surnames: list[str]) -> list[str]:
    """The few commonest of `surnames` (the list is ordered by frequency), spelled NFC."""
    return [normalize_text(x, keep_newlines=False) for x in surnames[:COMMONEST_SURNAMES]]


def title_case_name(text: str, surnames: list[str] | None = None, given: set[str] | None = None) -> Normalised:
    """'PHAN QUANG TÙNG' → 'Phan Quang Tùng'; honorifics and trailing clauses dropped.

    A first word that folds to exactly one known surname but is not one ("NGUYÊN" for "NGUYỄN": OCR drops
    marks on capitals) takes the surname's spelling."""
    text = clean_value(text)
    text = unglue_name(text)
    text = re.sub(rf"(?<=[{LOWER}])\s+[-:.'\"“”](?=[{UPPER}])", " ", text)  # "Nguyễn :Văn Hải": a speck glued on
    text = re.sub(rf"(?<=[{LOWER}]):\s+(?=[{UPPER}][{LOWER}]+\b)", " ", text)  # "Lê Thị: Anh"
    text = re.split(r"[,;:(]", text)[0].strip()
    text = re.sub(r"(?<=[^\W\d_])[.·•](?=[^\W\d_])", " ", text)  # "Minh.Việt": a speck read as a dot
    words = text.split()
    while words and words[0].lower() in _HONORIFICS:  # exact: "Châu" is a surname, "cháu" is not
        words = words[1:]
    words = [w.strip(".'\"`") for w in words if w.strip(".'\"`")]
    if given:
        names = {fold_key(n) for n in given} | {fold_key(n) for n in surnames or ()}
        words = [piece for w in words for piece in (_unglued_name(w, names) or [w])]
    words = _name_words(words)
    if not words:
        return Normalised(None, notes=["không có họ tên / no name"])
    clipped = _clipped(words)
    name = " ".join(w[:1].upper() + w[1:].lower() for w in words)
    name = normalize_text(name, keep_newlines=False)
    notes, certainty = [], 1.0
    repaired = False
    if clipped:
        # "han Quang Thanh Vinh": a name is printed capitalised, so a small first letter is the end of a word
        # whose start the seal hid ("Phan"), not a surname of its own ("Hàn")
        certainty = 0.5
        notes.append(f"chữ đầu '{words[0]}' viết thường: đầu họ tên có thể bị che / the name's first word starts "
                     f"in small letters: its start may be hidden")
    if surnames:
        first = name.split()[0]
        known = {normalize_text(x, keep_newlines=False) for x in surnames}
        by_fold: dict[str, set[str]] = {}
        for x in known:
            by_fold.setdefault(fold_key(x), set()).add(x)
        options = by_fold.get(fold_key(first), set()) if not clipped else set()
        if clipped and first in known:
            known = known - {first}
        if first not in known and len(options) == 1:
            name = " ".join([next(iter(options)), *name.split()[1:]])
            repaired, certainty = True, min(certainty, 0.9)
        elif first not in known and not options and len(first) >= 2:
            # "Ặng Thị Lan Oanh", "Ạm Văn Hải": the seal hid the surname's first letters; marks and all, the
            # rest fits only one surname. The clerk still checks it.
            low = first.lower()
            whole = [k for k in known if k.lower().endswith(low) and len(k) > len(first)]
            sure = 0.6
            folds_given = {fold_key(g) for g in given or ()}
            # "An Văn Bình" may be whole (An is a name too); "yên Ngọc Bình", in small letters, is not
            if len(whole) != 1 and is_vietnamese_syllable(first) and len(fold_key(first)) >= 2 \
                    and (clipped or fold_key(first) not in folds_given):
                # "Ến Thị Uyên", "En Quốc Vũ": the mark of the hidden part misread too; folded, the rest may fit
                # several surnames (Nguyễn, Yên, Viên). Only a surname among the few commonest (the list is
                # ordered by frequency) is likely enough to offer; "Ương" (Dương, Lương, Trương) stays as read.
                fits = [k for k in commonest_surnames(surnames) if fold_key(k).endswith(fold_key(first))
                        and len(k) > len(first)]
                whole = fits if len(fits) == 1 else []
                sure = 0.5
            if len(whole) == 1:
                name = " ".join([whole[0], *name.split()[1:]])
                repaired, certainty = True, min(certainty, sure)
                notes.append(f"họ '{first}' bị che một phần, hiểu là '{whole[0]}' / surname '{first}' partly hidden,"
                             f" taken as '{whole[0]}'")
            elif not clipped and len(fold_key(first)) >= 4 and fold_key(first) not in folds_given:
                # "Nguyễm", "Hoàg": one letter off the one commonest surname it can be; a clerk checks it
                near = [k for k in commonest_surnames(surnames) if Levenshtein.distance(fold_key(k), fold_key(first)) == 1]
                if len(near) == 1:
                    name = " ".join([near[0], *name.split()[1:]])
                    repaired, certainty = True, min(certainty, 0.6)
                    notes.append(f"họ đọc được '{first}', hiểu là '{near[0]}' / surname read as '{first}', taken as "
                                 f"'{near[0]}'")
    if not 2 <= len(words) <= 6:
        certainty = 0.5
        notes.append(f"họ tên '{name}' có {len(words)} chữ / name has {len(words)} words")
    bad = [w for w in name.split() if not is_vietnamese_syllable(w) or tone_count(w) > 1]
    if bad:
        certainty = min(certainty, 0.6)
        notes.append(f"họ tên có chữ lạ: {' '.join(bad)} / unusual syllables in name")
    return Normalised(name, repaired=repaired, notes=notes, certainty=certainty)


def _unglued_name(word: str, names: set[str]) -> list[str] | None:
    """'Nguyễnquỗclộc' → ['Nguyễn', 'quỗc', 'lộc']: a name OCR read without its spaces, cut where every piece
    is a name syllable (folded: a misread mark is check_name's to repair); the fewest pieces win, and a
    name that cuts two ways so is left as read."""
    key = fold_key(word)
    if len(key) != len(word) or len(key) < 5 or is_vietnamese_syllable(word) or not word.isalpha():
        return None
    best: list[list[int] | None] = [None] * (len(key) + 1)
    ways = [0] * (len(key) + 1)  # cuts into that fewest number of pieces: two mean the name is ambiguous
    best[0], ways[0] = [], 1
    for i in range(1, len(key) + 1):
        for j in range(max(0, i - 7), i):
            prev = best[j]
            if prev is None or key[j:i] not in names:
                continue
            current = best[i]
            if current is None or len(prev) + 1 < len(current):
                best[i], ways[i] = [*prev, i], ways[j]
            elif len(prev) + 1 == len(current):
                ways[i] += ways[j]
    cuts = best[len(key)]
    if not cuts or len(cuts) < 2 or ways[len(key)] > 1:
        return None
    starts = [0, *cuts[:-1]]
    return [word[a:b] for a, b in zip(starts, cuts, strict=True)]


def unglue_name(text: str) -> str:
    """'Ngọc,Huy', 'Thanh-Uyên', 'Thanh*Uyên' → 'Ngọc Huy', ...: a speck glued between two capitalised words
    of a name; a clause after a comma ("An,sinh năm") is left for the caller to cut."""
    text = re.sub(r"(?<=[^\W\d_])[\"“”'`’](?=[^\W\d_])", " ", text)  # 'Văn"bình', "Quang'quân": no clause mark
    return re.sub(r"(?<=[^\W\d_])[,;*\-](?=[^\W\d_])", lambda m: " " if m.string[m.end()].isupper() else m[0],
                  text)


def _clipped(words: list[str]) -> bool:
    """The first word starts with a small letter whose capital looks otherwise ("ên", "han", not "c", "o",
    "s", "v", "x"), and the words after it are capitalised."""
    first = words[0][:1]
    return len(words) >= 2 and first.islower() and fold_key(first) not in SAME_SHAPE_LETTERS and \
        all(w[:1].isupper() for w in words[1:])



_CAPITAL_LOOKALIKES = {"€": "C", "©": "C"}


def _name_words(words: list[str]) -> list[str]:
    """The name's own words: up to a hyphen or the first word that is no syllable (debris after it)."""
    out: list[str] = []
    for w in words:
        if w[:1] in _CAPITAL_LOOKALIKES and is_vietnamese_syllable(_CAPITAL_LOOKALIKES[w[0]] + w[1:]):
            w = _CAPITAL_LOOKALIKES[w[0]] + w[1:]  # "€ông" is "Công": a sign OCR reads for a capital
        head, sep, _ = w.partition("-")
        # "LỔAN": a mark misplaced, the letters still a syllable ("Loan"); names repair it (check_name)
        if head and (is_vietnamese_syllable(head) or head.isalpha() and is_vietnamese_syllable(fold_key(head))):
            out.append(head)
        elif len(out) >= 2:
            break
        else:
            out.append(head or w)
        if sep:
            break
    return out


def upper_text(text: str) -> Normalised:
    """A name printed in capitals (a business); a lone character after it is debris of the leader."""
    text = clean_value(text)
    # "HỘ: KINH DOANH", "HỘ KINH-DOANH TIỆM, MAY": specks between words of capitals, where a business name
    # puts no stop, colon or comma
    text = re.sub(rf"(?<=[{UPPER}])[,:;.\-](?=\s*[{UPPER}])",
                  lambda m: " " if not m.string[m.end():m.end() + 1].isspace() else "", text)
    text = re.sub(r"\s+", " ", text)
    # "HỘ KINH DOẠNH": the fixed opening of a household business's name, a mark off
    text = re.sub(r"^H\w\s*KINH\s*D\w{3,4}(?=\s)", lambda m: "HỘ KINH DOANH"
                  if fold_key(m[0]).replace(" ", "") == "hokinhdoanh" else m[0], text)  # "HỘ KINHDOANH" too
    words = text.split()
    if len(words) > 2 and len(words[-1]) == 1 and not words[-1].isalpha():
        return Normalised(" ".join(words[:-1]), certainty=0.7, notes=["bỏ ký tự lạ ở cuối / stray character dropped"])
    return Normalised(text or None)


def plain_text(text: str) -> Normalised:
    text = clean_value(text)
    return Normalised(text or None)


def join_committee_name(text: str) -> str:
    """'Ủy ban,nhân dân', 'Ủy, ban nhân. dân', 'ỦYBAN NHÂNDÂN' → 'Ủy ban nhân dân': a speck inside the
    fixed name is no punctuation, and its spaces may be lost."""
    return re.sub(r"(?i)\b([ủùúuụỷ]y|hội)[\s,.;:]*(ban|đồng)[\s,.;:]*(nhân)[\s,.;:]*([dđ]ân)\b", _committee, text)


def _committee(m: re.Match[str]) -> str:
    """The fixed name spaced again ("ỦYBAN NHÂNDÂN"), its first word's mark as printed ("ÙY" is "ỦY")."""
    first = m.group(1)
    if fold_key(first) == "uy":
        first = "ỦY" if first.isupper() else ("Ủy" if first[:1].isupper() else "ủy")
    return " ".join([first, *m.groups()[1:]])


def _lone_letters_dropped(text: str) -> str:
    """'của a Chủ tịch': a lone letter without marks between two words is a speck; "y" stays ("y tế"), and so
    does a list's "a)"."""
    return re.sub(r"(?<=[^\W\d_]) [a-xz](?= [^\W\d_])", "", text)


def summary_opening(text: str) -> str:
    """A summary's fixed opening "Về việc" / "Về" spelled as printed, whatever marks and specks a copy gave it."""
    # "Vềviệc": a lost space after a bold word; "Về Việc": a speck or blur read as a capital
    text = re.sub(r"^Về\s*[vV]iệc\b\s*", "Về việc ", text)
    text = re.sub(r"^V[ềệe]\s*[XxYy]iệ[ct]\b\s*", "Về việc ", text)  # "VềXiệc": the v read as an X, the space lost
    opening = re.match(r"^(\w+)[\s,.;:]+(\w+)[\s,.;:]+", text)
    if (opening and fold_key(opening[1]) in ("ve", "va", "vo") and opening[2] != "Việt"  # "Về Việt Nam"
            and Levenshtein.distance(fold_key(opening[2]), "viec") <= 1):
        text = "Về việc " + text[opening.end():]  # "Vệ việc, đề nghị": marks and a speck off the fixed opening
    elif opening and fold_key(opening[1]) == "ve" and opening[2].islower():
        text = "Về " + text[len(opening[1]):].lstrip()  # "Vệ kế hoạch ...": a summary opens "Về", no other "ve"
    return text


def summary_text(text: str) -> Normalised:
    """The trích yếu as printed; only whitespace and edge debris change."""
    text = normalize_text(text, keep_newlines=False)
    text = re.sub(r"^[\W_]+", "", text)  # "_Về việc": a speck on the rule above
    text = re.sub(r"[\s_\-–—.,;:]+$", "", text)
    if sum(text.count(q) for q in "\"“”") % 2:  # an unpaired quote at an edge is a speck, not a title
        text = re.sub(r"^[\"“”]+|[\"“”]+$", "", text).strip()
    if sum(text.count(q) for q in "\"“”") == 1:  # 'nhập "ngũ': one quote alone quotes nothing
        text = re.sub(r"\s*[\"“”]\s*", " ", text).strip()
    text = re.sub(r"^(V/v|V/V|v/v|[VY]/|V)(?=\s)\s*", "V/v ", text)  # "Y/", "V": the v lost, the V half-read
    text = summary_opening(text)
    # specks of a seal or rule read as lone symbols ("chống „ thiên tai") or dots ("thành.tích")
    text = " ".join(t for t in text.split() if re.search(r"[\-–/(),.;:%]", t) or _has_letter_or_digit(t))
    text = speck_punctuation(text)
    text = _lone_letters_dropped(join_committee_name(text))
    text = re.sub(rf"(?<=\s)[-–](?=[{LOWER}])", "", text)  # "Về việc -điều chỉnh": a speck before a word
    text = _GLUED_HYPHEN.sub(_unhyphened, text)
    text = _YEAR_WORD.sub(_year_word, text)
    text = re.sub(r"(?<=[^\W\d_]), (?=năm (?:19|20)\d\d$)", " ", text)  # "6 tháng đầu, năm 2019": the year ends it
    text = re.sub(r"(?<=\bnăm )[0-9OoZzIl]{4}\b", _year_digits, text)  # "năm Z024"
    text = re.sub(r"(?<=[A-Z])-\s+(?=\d)", "-", text)  # "COVID- 19": the hyphen at a line break or a blur
    text = re.sub(r"(?<=[A-Z])©(?=[A-Z])", "O", text)  # "C©VID-19": a speckled O read as a copyright sign
    # "CỌVID-19": a speck's mark on a Latin acronym with a number, which carries none
    text = re.sub(rf"\b[{UPPER}]{{3,}}-\d+\b", lambda m: fold_key(m[0]).upper() if "Đ" not in m[0] else m[0], text)
    text = text[:1].upper() + text[1:]  # a trích yếu opens with a capital ("về việc": a speck on the V)
    text = re.sub(r"(?<=\w)['‘’`]+(?=\s|$)|(?<=\s)['‘’`]+(?=\w)", "", text)  # no apostrophe in Vietnamese
    if not text:
        return Normalised(None)
    # a word that is no Vietnamese syllable (nor number, nor abbreviation) is an OCR slip somewhere
    odd = odd_words(text)
    certainty = max(0.4, 1.0 - 0.3 * len(odd))
    notes = [f"chữ lạ trong trích yếu: {' '.join(odd)} / odd words in the summary"] if odd else []
    if ";" in text:
        # a trích yếu lists with commas; a semicolon is mostly a comma with a speck over it, but may be printed
        certainty = min(certainty, 0.7)
        notes.append("dấu ';' trong trích yếu có thể là dấu ',': cần kiểm tra / a ';' in the summary may be a ','")
    return Normalised(text, certainty=certainty, notes=notes)


def _has_letter_or_digit(token: str) -> bool:
    """A letter or digit of a word: a modifier letter alone ("ˆ", a speck read as a circumflex) is none."""
    return any(ch.isalnum() and unicodedata.category(ch) != "Lm" for ch in token)


_YEAR_WORD = re.compile(rf"(?<![\w/])([{LOWER}]{{2,4}})(\s*)(?=(?:19|20)\d\d\b)")


_GLUED_HYPHEN = re.compile(rf"(?<![\w-])([{LOWER}]+)-([{LOWER}]+)(?![\w-])")


def _unhyphened(m: re.Match[str]) -> str:
    """'hành chính-năm 2019': Vietnamese joins no two syllables with a hyphen, so one between two words in
    small letters is a speck in the space; a foreign word's syllables ("ô-tô") stay."""
    a, b = m.group(1), m.group(2)
    if is_vietnamese_syllable(a) and is_vietnamese_syllable(b) and len(a) > 1 and len(b) > 1 \
            and tone_count(a) + tone_count(b) > 0:
        return f"{a} {b}"
    return m.group(0)


def _year_digits(m: re.Match[str]) -> str:
    """'Z024' → '2024' after "năm": letters that look like digits, only where a year of this century or the
    last then stands."""
    fixed, _ = repair_digits(m.group(0))
    return fixed if re.fullmatch(r"(19|20)\d\d", fixed) else m.group(0)


def _year_word(m: re.Match[str]) -> str:
    """'hăm 2023', 'nằm 2021', 'năn 2016': before a year the word is "năm"; only a look-alike of its n (h, u,
    m, n) with one letter off is taken for it."""
    word, space = m.group(1), m.group(2)
    key = fold_key(word).replace("rn", "m").replace("nr", "m")  # "narn", "nănr": an m read as two letters
    if key[:1] in "nhum" and Levenshtein.distance(key, "nam") <= 1:
        return "năm "  # "nănr2018": the space lost too
    return m.group(0) if space else word + space


def _pair_semicolons(text: str) -> str:
    from extractors.lexicon import load_lexicon  # the dictionary is only needed where a semicolon stands

    lex = load_lexicon()

    def fix(m: re.Match[str]) -> str:
        a, b = m.group(1).lower(), m.group(2).lower()
        return f"{m.group(1)}, {m.group(2)}" if lex is not None and lex.compound(a, b) else m.group(0)

    return re.sub(rf"([{LOWER}]+);\s*([{LOWER}]+)", fix, text)


# pairs of opposites written with a comma between them ("phòng, chống", "thu, chi"): the comma is printed
COMMA_PAIRS = {"phòng chống", "thu chi", "xuất nhập", "mua bán", "thưởng phạt", "trên dưới"}


def _comma_in_compound(text: str) -> str:
    """'tìm, kiếm cứu nạn', 'cải cách hành, chính' → 'tìm kiếm', 'hành chính': a comma inside one of the most
    frequent words of administrative text is a speck, unless the word is a pair of opposites."""
    from extractors.lexicon import load_lexicon  # the dictionary is only needed where a comma stands

    lex = load_lexicon()
    if lex is None:
        return text

    def fix(m: re.Match[str]) -> str:
        pair = f"{m.group(1).lower()} {m.group(2).lower()}"
        return f"{m.group(1)} {m.group(2)}" if pair in lex.common and pair not in COMMA_PAIRS else m.group(0)

    return re.sub(rf"(?<![\w])([{LOWER}]+), ([{LOWER}]+)(?![\w])", fix, text)


def speck_punctuation(text: str) -> str:
    """Marks a speck makes between two words of one phrase: "năm.2018", "Kết: quả", "kết hôn. với" lose the
    mark, and "phòng; chống" (a comma with a speck above it) becomes a comma where the two words make a
    pair of the dictionary, as the comma of a list does; "miền núi; giảm nghèo" keeps its semicolon. Marks
    before a capital or inside numbers stay."""
    text = _pair_semicolons(text) if ";" in text else text
    text = _comma_in_compound(text) if "," in text else text
    text = re.sub(rf"(?<=[{LOWER}]),[-–.:]+\s*(?=[{LOWER}])", ", ", text)  # "ký,-quản lý"
    text = re.sub(rf"(?<=[{LOWER}])\s*[.:]+\s*(?=[{LOWER}0-9])", " ", text)
    text = re.sub(rf"(?<=[{LOWER}]),\s*[.:]+\s+(?=[{LOWER}])", ", ", text)  # "phòng, . chống"
    return text


def odd_words(text: str) -> list[str]:
    """Words that are no Vietnamese syllable, number or abbreviation: an OCR slip somewhere."""
    return [w for w in (t.strip(".,;:()\"'") for t in text.split())
            if w and (not is_vietnamese_syllable(w) or tone_count(w) > 1) and not _ABBREVIATION.fullmatch(w)]


# numbers, symbols and abbreviations that are fine in a summary: 2269/QĐ-TTg, COVID-19, UBND, MTQG, 02
_ABBREVIATION = re.compile(r"[0-9A-ZĐ/\-–.,&]+|V/v|[A-ZĐ][A-ZĐa-z]*(?:-?\d+)?|\d+[a-z]?"
                           r"|\d+(?:/\d{4})?/[0-9A-Za-zĐđ&.\-]+")


def sex_value(text: str, values: dict[str, list[str]]) -> Normalised:
    word = clean_value(text).split()[:1]
    if not word:
        return Normalised(None)
    key = fold_key(word[0])
    for canon, variants in values.items():
        if key in {fold_key(v) for v in variants}:
            return Normalised(canon)
    # "Na", "Narn", "Nừ": one letter lost or misread, and only one value that close; the ID's sex digit
    # checks it later
    close = {canon for canon, variants in values.items() for v in variants
             if len(key) >= 2 and fold_key(v).startswith(key)}
    if len(close) != 1:
        close = {canon for canon, variants in values.items() for v in variants
                 if len(key) >= 3 and Levenshtein.distance(key, fold_key(v)) <= 1 + (len(key) > 3)}
    if len(close) == 1:
        canon = close.pop()
        return Normalised(canon, repaired=True, certainty=0.75,
                          notes=[f"giới tính đọc được '{word[0]}', hiểu là '{canon}' / sex read as '{word[0]}'"])
    return Normalised(None, notes=[f"giới tính '{word[0]}' không rõ / sex unreadable"])


def title_upper(text: str, titles: list[str]) -> Normalised:
    """Signer position as printed, capitals; an OCR line close to a known title takes its spelling."""
    text = clean_value(text).upper()
    if not text:
        return Normalised(None)
    # letters only: a speck read as a dot or a lost space ("HỦ.TỊCH") must not hide the title
    choices = {re.sub(r"\W+", "", fold_key(t)): t for t in titles}
    hit = process.extractOne(re.sub(r"\W+", "", fold_key(text)), list(choices), scorer=fuzz.ratio)
    if hit and hit[1] >= 85:  # one letter off a seven-letter title ("GHỦ TỊCH") scores 85.7
        canon = choices[hit[0]]
        return Normalised(canon, repaired=canon != text, certainty=1.0 if hit[1] >= 95 else 0.85)
    return Normalised(text, certainty=0.6, notes=[f"chức vụ '{text}' lạ / unusual position title"])


# ---------------------------------------------------------------------------------------------- places, agencies

_UNIT_WORDS = ["thanh pho", "thi tran", "thi xa", "dac khu", "tinh", "huyen", "quan", "xa", "phuong"]
_UNIT_SPELLING = {"thanh pho": "thành phố", "thi tran": "thị trấn", "thi xa": "thị xã", "dac khu": "đặc khu",
                  "tinh": "tỉnh", "huyen": "huyện", "quan": "quận", "xa": "xã", "phuong": "phường"}


def unit_spelling(unit: str) -> str:
    """'thanh pho' (a key of split_unit) → 'thành phố'."""
    return _UNIT_SPELLING.get(unit, unit)


# "xã hội", "quận" in names of bodies: unit words that are not units when followed by these
_NOT_UNIT_AFTER = {"xa": {"hoi"}}


def _words_folded(text: str) -> list[tuple[str, str]]:
    return [(w, fold_key(w)) for w in text.split()]


def split_unit(text: str) -> tuple[str, str | None, str]:
    """'Ủy ban nhân dân xã Nghĩa Lạc' → ('Ủy ban nhân dân', 'xa', 'Nghĩa Lạc'); no unit → (text, None, '')."""
    words = _words_folded(text)
    keys = [k for _, k in words]
    for i in range(len(words)):
        for unit in _UNIT_WORDS:
            n = len(unit.split())
            if " ".join(keys[i:i + n]) != unit or i + n >= len(words):
                continue
            if keys[i + n] in _NOT_UNIT_AFTER.get(unit, set()):
                continue
            head = " ".join(w for w, _ in words[:i])
            name = " ".join(w for w, _ in words[i + n:])
            return head, unit, name
    return text, None, ""


def place_name_case(name: str, unit: str | None) -> tuple[str, bool]:
    """Title case, the known spelling when OCR lost diacritics; (value, known in the gazetteer)."""
    name = clean_value(name)
    titled = " ".join(w[:1].upper() + w[1:].lower() if not w.isdigit() else w for w in name.split())
    restored, _ = places.restore(titled, unit)
    return restored, places.is_known(restored)


def expand_abbreviations(text: str, table: dict[str, str]) -> str:
    out = []
    for w in text.split():
        key = w.upper()
        out.append(table.get(key, table.get(key.rstrip("."), w)) if key in table or key.rstrip(".") in table
                   else w)
    return " ".join(out)


def agency_case(head: str, known: list[str], heads: list[str]) -> tuple[str, float]:
    """Agency name in sentence case: a known name's spelling, else the first word and the word after a
    head word ('Phòng', 'Ban') capitalised. Returns (name, certainty)."""
    head = clean_value(head)
    if not head:
        return "", 0.0
    choices = {fold_key(k): k for k in known}
    hit = process.extractOne(fold_key(head), list(choices), scorer=fuzz.ratio)
    if hit and hit[1] >= 90:
        return choices[hit[0]], 1.0 if hit[1] >= 97 else 0.9
    words = head.lower().split()
    out = [w for w in words]
    out[0] = out[0][:1].upper() + out[0][1:]
    folded = [fold_key(w) for w in words]
    for h in sorted(heads, key=lambda s: -len(s.split())):
        hk = fold_key(h).split()
        if folded[: len(hk)] == hk and len(words) > len(hk):
            out[len(hk)] = out[len(hk)][:1].upper() + out[len(hk)][1:]
            break
    for i in range(1, len(out)):
        if folded[i - 1] in {"-", "va"} and i >= 2 and out[i]:
            out[i] = out[i][:1].upper() + out[i][1:]  # "Tài chính - Kế hoạch", "Tài nguyên và Môi trường"
    return " ".join(out), 0.75


def unit_phrase(unit: str, name: str) -> tuple[str, bool]:
    spelled, known = place_name_case(name, unit)
    return f"{_UNIT_SPELLING[unit]} {spelled}", known


# the fixed phrases of Vietnamese addresses, inside which a speck read as a comma, a stop or a hyphen is no
# punctuation at all ("Thửa, đất số", "tờ, bản đồ", "thị-trấn")
_ADDRESS_PHRASES = re.compile(
    r"(?i)\b(?:thửa[\s,.;:\-]+đất|tờ[\s,.;:\-]+b[aảạãáà][nmu][\s,.;:\-]+đồ|tổ[\s,.;:\-]+dân[\s,.;:\-]+phố"
    r"|thị[\s.;:\-]+trấn|thị[\s.;:\-]+xã|thành[\s.;:\-]+phố)\b")


def join_address_phrases(text: str) -> str:
    """'Thửa, đất số', 'Thành. phố Hồ Chí Minh', 'tờ Bản đồ' → 'Thửa đất số', 'Thành phố Hồ Chí Minh',
    'tờ bản đồ': inside the fixed phrase only its first letter may be a capital."""
    def joined(m: re.Match[str]) -> str:
        phrase = " ".join(w for w in re.split(r"[\s,.;:\-]+", m.group(0)) if w)
        if fold_key(phrase).startswith("to ba"):
            phrase = phrase[:3] + "bản đồ"  # "tờ bảm đồ": a mark or a letter off the fixed phrase
        return phrase[:1] + phrase[1:].lower()

    return _ADDRESS_PHRASES.sub(joined, text)


ADDRESS_CUT = "address does not end with a province"  # the note's marker: extractors/readings.py prefers others


def expand_address(text: str, abbreviations: dict[str, str]) -> Normalised:
    """Address as printed, abbreviations expanded (X. → xã), ended after the province."""
    text = clean_value(text)
    for abbr, full in sorted(abbreviations.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"(?<![\w.]){re.escape(abbr)}\s*(?=[{UPPER}0-9])", full + " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\b([Ss]ố)(\d)", r"\1 \2", text)  # "Tổ dân phố số5"
    text = re.sub(r"(?<=\w)[”“\"]+(?=\s)|(?<=\s)[”“\"]+(?=\w)", "", text)  # "số” 890", '"huyện': specks
    text = re.sub(rf"\b[{LOWER}]\w*[{UPPER}]\w*", lambda m: m.group(0).lower(), text)  # "tỜ": a mark misread as case
    text = re.sub(r",(?:\s*,)+", ",", text)  # a speck read as a second comma
    text = re.sub(r"\s*[<>«»]+\s*", " ", text)  # never in an address: specks ("Thôn 1;>xã", "đường« Nguyễn Du")
    text = re.sub(r"\s*„\s*", ", ", text)  # a comma with a speck beside it reads as a low quote
    text = re.sub(r"\?(?=\s)", ",", text).replace("?", "")  # "huyện Đông Anh? thành phố": a comma's speck
    # a speck read as a lone stop or quote between words: "xã Diễn Thành, . huyện", "Yên Định, \" huyện"
    text = re.sub(r"(?<=\s)[.'\"“”„`]+\s+", "", text)
    text = join_address_phrases(text)
    # "Thửa đất.sõ 624", "tờ bản đồ Số. 45": the "số" of the fixed phrase, a mark or a speck off
    text = re.sub(r"(?i)\b(thửa đất|tờ bản đồ)[\s.,:;]*(s\w{1,2})[.:]?\s*(?=\d)",
                  lambda m: f"{m[1]} số " if fold_key(m[2]) == "so" else m[0], text)
    # a colon is never inside an address, a semicolon is a comma with a speck over it: "tờ bản : đồ", "446; tờ"
    text = re.sub(rf"(?<=[{LOWER}0-9])\s*;\s*(?=[{LOWER}{UPPER}0-9])", ", ", text)
    text = re.sub(rf"(?<=[{LOWER}])\s*:\s*(?=[{LOWER}0-9])", " ", text)
    text = re.sub(r"^T[ốồ](?=\s+\d)", "Tổ", text)  # "Tố 3": the hook of ổ read as an acute
    text = _address_specks(text)
    text = _unit_words(text)
    text = re.sub(rf"\b({ADMIN_UNITS})\s*[-–]\s+", r"\1 ", text)  # "thành phố - Cần Thơ"
    # a speck read as a full stop after a unit word: "tỉnh.Bình Định", "phường. Dư Hàng Kênh"
    text = re.sub(rf"\b(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn|thôn|xóm|ấp|tổ|đường|ngõ)\s*[.:]\s*(?=[{UPPER}0-9])",
                  r"\1 ", text)
    # a speck read as a full stop inside a place name: "huyện Phong. Điền, tỉnh ..."
    text = re.sub(rf"(?<=[{LOWER}]{{2}})\.\s+(?=[{UPPER}][{LOWER}]*,)", " ", text)
    # "tỉnh Long, An", "huyện Gia, Lâm": a speck read as a comma inside a unit's name
    text = re.sub(rf"(?<=\b[tT]ỉnh )([{UPPER}][{LOWER}]*),\s+([{UPPER}][{LOWER}]*)\b",
                  lambda m: f"{m[1]} {m[2]}" if places.is_province(f"{m[1]} {m[2]}") else m[0], text)
    text = re.sub(rf"\b(huyện|quận|[xX]ã) ([{UPPER}][{LOWER}]*),\s+([{UPPER}][{LOWER}]*)\b(?=,|$)",
                  lambda m: f"{m[1]} {m[2]} {m[3]}" if places.is_known(f"{m[2]} {m[3]}") and not places.is_known(m[2])
                  else m[0], text)
    # prose goes on after the address ("..., tỉnh Nam Định, là hộ nghèo"): stop after the province
    # the last "tỉnh X" / "thành phố X" naming a province: a city of a province comes before it
    last = None
    for m in re.finditer(rf"(?:[tT]ỉnh|[tT]hành phố)\s+((?:[{UPPER}][{LOWER}]*\s?){{1,4}})", text):
        if places.is_province(m.group(1).strip()):
            last = m
    if last is not None:
        text = text[: last.start(1)] + last.group(1).strip()
    text = text.strip(" ,;.")
    if not text:
        return Normalised(None)
    text, repaired, guessed = restore_address(text)
    if guessed:
        return Normalised(text, repaired=True, certainty=0.6, notes=guessed)
    if last is None:
        # an address that does not end with its province was cut short or misread: a clerk should look
        return Normalised(text, repaired=repaired, certainty=0.55,
                          notes=[f"địa chỉ không kết thúc bằng tỉnh/thành phố / {ADDRESS_CUT}"])
    return Normalised(text, repaired=repaired, certainty=0.95 if repaired else 1.0)


_UNIT_SLOT = re.compile(rf"(^|,\s*)((?:[{LOWER}]+\s){{1,2}})(?=[{UPPER}0-9])")


def _address_specks(text: str) -> str:
    """Specks of a poor copy around an address's numbers and unit words: "TốS6", "Tổ. 2", "Tha đất số",
    ", .Số 16", ", : xã", "huyện, Tuy Phước", "xã Kim, Lan", ", Huyện", "Thôn Đông xã", "Tuy-Phước", "-thành phố",
    "Tố dân phố", "$ố 45"."""
    text = re.sub(r"^T[ốồổ]S?(?=\d)", "Tổ ", text)  # "TốS6": the space of "Tổ 6" lost to a speck
    text = re.sub(r"^(Tổ|Thôn|Xóm|Ấp|Khu phố|Số)\s*[.:]\s*(?=\d)", r"\1 ", text)  # "Tổ. 2": a speck after the word
    text = re.sub(r"^X[ơớờởõọóòôốồ]m(?=\s+\d)", "Xóm", text)  # "Xớm 3": the mark of Xóm misread
    text = re.sub(r"\b([Tt])[ốồỗộóòoô] dân phố\b", r"\1ổ dân phố", text)  # "Tố dân phố": the mark misread
    text = re.sub(rf"(?<!\S)\$(?=[{LOWER}])", "s", text)  # "tờ bản đồ $ố 45": an s read as a dollar sign
    text = re.sub(r"(?i)^th\w{0,2}(?=\s+đất\s+số\b)", lambda m: "Thửa" if fold_key(m[0]) in ("tha", "thu", "thua")
                  else m[0], text)  # "Tha đất số": the ử lost
    text = re.sub(r"(?<=,\s)[.'\"`]+(?=\w)", "", text)  # "tờ bản đồ số 18, .Số 16": a speck before the house number
    text = re.sub(r",\s*[:;.\-–]\s+", ", ", text)  # "Thôn Đông, : xã Đa Tốn": a speck after the comma
    text = re.sub(rf"\b({ADMIN_UNITS}),\s+(?=[{UPPER}])", r"\1 ", text)  # "huyện, Tuy"
    text = _rejoined_unit_names(text)
    # after a comma an administrative unit word is in small letters ("..., Huyện Tiên Du": a speck read as a
    # capital), and a comma is lost before one that follows a name or a number ("Thôn Đông xã Yên Thọ")
    # ("Thành phố Hồ Chí Minh" keeps its capital: it is the city's name as written)
    text = re.sub(r"(?<=, )(Tỉnh|Huyện|Quận|Thị xã|Thị trấn|Xã|Phường)(?= )", lambda m: m[0].lower(), text)
    text = re.sub(rf"(?<![\w])([{UPPER}0-9][{LOWER}0-9]*) (?=(?:{ADMIN_UNITS}) [{UPPER}0-9])", r"\1, ", text)
    text = re.sub(rf"\b([{UPPER}][{LOWER}]+)-([{UPPER}][{LOWER}]+)\b",
                  lambda m: f"{m[1]} {m[2]}" if places.is_known(f"{m[1]} {m[2]}") else m[0], text)  # "Tuy-Phước"
    text = re.sub(rf"(?<=\s)[-–](?=(?:{ADMIN_UNITS})\b)", "", text)  # "-thành phố"
    return text


_ADMIN_PART = re.compile(rf"^(?:{ADMIN_UNITS}) ")


def _rejoined_unit_names(text: str) -> str:
    """'xã Kim, Lan, huyện Gia Lâm' → 'xã Kim Lan, huyện Gia Lâm': after a part that opens with a unit word,
    a part of one capitalised word and no unit word of its own is the end of that unit's name, cut by a speck
    read as a comma (the gazetteer may not know the name: units merged away still stand on old papers)."""
    parts = text.split(", ")
    out: list[str] = []
    for part in parts:
        if out and _ADMIN_PART.match(out[-1]) and re.fullmatch(rf"[{UPPER}][{LOWER}]+", part) \
                and len(out[-1].split()) <= 4:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return ", ".join(out)


def _unit_words(text: str) -> str:
    """The unit word that opens each part of an address, with its marks ("thành phổ Đà Nẵng" → "thành phố"):
    only where its letters are those of a unit word and a capitalised name follows."""
    def fix(m: re.Match) -> str:
        words = m.group(2).split()
        for n in (2, 1):
            head = " ".join(words[-n:])
            unit = _UNIT_SPELLING.get(fold_key(head))
            if unit is None and n == 2 and len(words) >= 2:
                # "th trấn", "thị trăn": one letter of a two-word unit lost; one-word units are too short to
                # guess from (xã, quận)
                near = [u for k, u in _UNIT_SPELLING.items() if " " in k and Levenshtein.distance(fold_key(head), k) == 1]
                unit = near[0] if len(near) == 1 else None
            if unit is not None and len(words) >= n:
                return m.group(1) + " ".join(words[:-n] + [unit]) + " "
        return m.group(0)
    return _UNIT_SLOT.sub(fix, text)


def district_of_address(address: str) -> str | None:
    """The name of the district an address names (huyện, quận, thị xã, or a city that is no province)."""
    for part in address.split(","):
        _, unit, name = split_unit(part.strip())
        if name and (unit in ("huyen", "quan", "thi xa") or unit == "thanh pho" and not places.is_province(name)):
            return name
    return None


def restore_address_names(text: str) -> tuple[str, bool]:
    """'huyện Nghỉ Lộc' → 'huyện Nghi Lộc': unit names OCR misspelt by one mark, from the gazetteer."""
    text, changed, _ = restore_address(text)
    return text, changed


def restore_address(text: str) -> tuple[str, bool, list[str]]:
    """Unit names misspelt by one mark, from the gazetteer; a unit name the next part's unit does not know,
    completed when exactly one of its units ends so ("thị trấn Định, huyện Hải Hậu": a speck hid "Yên").
    (text, changed, notes): a completed name is a guess a clerk confirms."""
    parts = [p.strip() for p in text.split(",")]
    changed = False
    notes: list[str] = []
    for i, part in enumerate(parts):
        head, unit, name = split_unit(part)
        if unit is None or head or not name:
            continue
        unit_word = part[: len(part) - len(name)].rstrip()
        parent = split_unit(parts[i + 1])[2] if i + 1 < len(parts) else ""
        if parent and not name[:1].isdigit() and not places.is_spelled(name) and \
                places.kind_under(name, parent) is None:
            # the next part's unit lists its own: "xã Thành" of huyện Diễn Châu is none of them; a name the
            # table spells so elsewhere stays: the table is one snapshot, without units merged away and with
            # today's parents ("phường Phú Hội" is under Huế's 2025 quận Thuận Hóa, not "thành phố Huế")
            restored, did = places.restore_under(name, parent)
            if did:
                parts[i], changed = f"{unit_word} {restored}", True
                continue
            whole = places.completed_under(name, parent)
            if whole is not None:
                parts[i], changed = f"{unit_word} {whole}", True
                notes.append(f"tên '{name}' thiếu chữ đầu, hiểu là '{whole}' thuộc {parent} / '{name}' lost its "
                             f"first word, taken as '{whole}' of {parent}")
                continue
        restored, did = places.restore(name, unit)
        if did and places.is_known(restored):
            parts[i], changed = f"{unit_word} {restored}", True
    return ", ".join(parts), changed, notes
