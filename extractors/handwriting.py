"""Number and day of the header, and whether they look handwritten or stamped rather than printed.

Offices print "Số:   /QĐ-UBND" and "ngày   tháng 01 năm 2025" and write the number and day by hand
after signing (or an e-signature system stamps them). OCR then reads junk ("2ƒ", "{Ệ") or plausible but
unreliable digits. Signs of handwriting, from the word boxes: digits taller than the printed text next to
them, a low OCR confidence, a gap before the printed symbol; of a stamp: OCR digits inside a line of a
PDF text layer. Such values are kept only as clean digits, with a low confidence and a note for the clerk,
and never guessed from junk.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from statistics import median

from extractors.docview import Line
from extractors.layout import Word
from extractors.normalise import MARKED_O, NAM_WORD, NGAY_AFTER_COMMA, make_date, parse_doc_number

HANDWRITTEN_NOTE = ("chữ số không rõ, có thể viết tay hoặc đóng dấu sau khi ký: cần đối chiếu bản giấy"
                    " / digits unclear, probably handwritten or stamped after signing: check the paper")


@dataclass
class Reading:
    value: str | None
    words: list[Word]
    certainty: float
    flags: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def astuple(self) -> tuple[str | None, list[Word], float, set[str], list[str]]:
        return self.value, self.words, self.certainty, self.flags, self.notes


def _height(words: list[Word]) -> float:
    hs = [w.height for w in words if w.height > 0]
    return median(hs) if hs else 0.0


def suspicion(digit_words: list[Word], printed_words: list[Word], line: Line, max_conf: float,
              height_ratio: float) -> set[str]:
    """Flags for digits that may not be printed: stamped, handwritten, unclear."""
    flags: set[str] = set()
    if not digit_words:
        return flags
    if any(w.source != "text_layer" for w in digit_words) and any(w.source == "text_layer" for w in line.words):
        flags.add("stamped")
    separate = bool(printed_words) and not set(map(id, digit_words)) & set(map(id, printed_words))
    ref = _height(printed_words)
    low = min(w.conf for w in digit_words) < max_conf
    if separate:
        flags.add("separate")  # a gap before the printed "/QĐ-UBND": the space left for the pen
    if separate and (low or (ref and _height(digit_words) > height_ratio * ref)):
        flags.add("handwritten")
    if low:
        flags.add("unclear")
    return flags


def doc_number_from_line(line: Line, start: int, known_symbols: list[str], max_conf: float,
                         height_ratio: float) -> tuple[str | None, list[Word], float, set[str], list[str]] | None:
    rest = line.text[start:]
    parsed = parse_doc_number(rest, known_symbols)
    if not parsed.number and not parsed.symbol:
        return None
    slash = rest.find("/")
    num_end = start + (slash if slash >= 0 else len(rest))
    num_words = [w for w in line.words_in(start, num_end) if any(c.isalnum() for c in w.text)]
    sym_words = line.words_in(num_end, len(line.text)) if slash >= 0 else []
    words = line.words_in(start, len(line.text))
    if not parsed.number.strip():
        return Reading(None, words, 0.0, {"missing", "stamped"},
                       ["số văn bản không có trong văn bản (viết tay hoặc đóng dấu điện tử): cần nhập tay"
                        " / the number is not printed (handwritten or e-stamped): enter it by hand"]).astuple()
    if not parsed.clean_digits:
        return Reading(None, words, 0.0, {"missing", "handwritten"},
                       [f"số văn bản đọc được '{parsed.number}' không phải chữ số (có thể viết tay)"
                        f"{', ký hiệu /' + parsed.symbol if parsed.symbol else ''}: cần nhập tay"
                        f" / number '{parsed.number}' unreadable (handwritten?): enter it by hand"]).astuple()
    flags = suspicion(num_words, sym_words, line, max_conf, height_ratio)
    certainty = 0.9 if parsed.repaired else 1.0
    notes = list(parsed.notes)
    if parsed.notes:
        certainty = min(certainty, 0.6)
    if flags & {"handwritten", "stamped", "unclear"}:
        certainty = min(certainty, 0.4)
        notes.append(HANDWRITTEN_NOTE)
    if parsed.repaired:
        flags.add("repaired")
    return Reading(parsed.value, words, certainty, flags, notes).astuple()


# "ngày 06 tháng 12 năm 2021" as OCR reads it: "ngày0?", "ngàW/†", "ngày4†tháng", "tông" for "tháng",
# "264háng" (the day glued to "tháng", its t read as a 4),
# "năni", "narn" and "nặh" for "năm"
# the line is matched folded (lower case): the letters OCR reads for digits are lower case here
# "2O2l", "2O21": two real digits at least; or three and anything in their midst, a speck's space too ("2B1 6")
_YEAR = r"(?P<year>(?=(?:[^\d\s]*\d){2})[0-9oilszqbg]{4}|\d(?:\s?[0-9a-z]){2}\s?\d(?![0-9a-z]))"
_MONTH_YEAR = (r"(?P<th>\bt\w{0,4}ng|th\w{0,3}n[gh]|(?<=\d)h\w{0,2}ng|(?<=\d\d)4h\w{0,2}ng)\W{0,2}\s*(?P<month>\S{1,6}?)"
               r"\s*[,.]?\s*(?P<nam>" + NAM_WORD + r")\W{0,2}\s*" + _YEAR)
_DATE_TAIL = r"(?P<day>.{0,7}?)[\-–]?\s*" + _MONTH_YEAR  # "ngày 03-tháng 8": a speck for the space
# after the place's comma first: with the day left blank, "Quảng Ngãi, ngày tháng" must not read "Ngãi" as "ngày"
_DATE_PARTS_AFTER_COMMA = re.compile(r",\s*(?P<ng>" + NGAY_AFTER_COMMA + ")" + _DATE_TAIL)
_DATE_PARTS = re.compile(r"(?P<ng>\bng(?!ai\b)[a-z]{0,3})" + _DATE_TAIL)
# "Phong Điền, 08 tháng 9 năm 2022": the word "ngày" lost to noise; the printed day digits follow the comma
# "Bắc) 09 tháng", "Phước, 199 01 túng 7": the comma read as a bracket, "ngày" read as debris
_DATE_PARTS_NO_NGAY = re.compile(r"[,;)]\s*(?:[^\s,]{1,4}\s+)?(?P<ng>)(?P<day>[0-9OoIlSZ]{1,2})[\-–]?\s*" + _MONTH_YEAR)


def _printed_day(text: str) -> bool:
    """A day as printed digits, or digits with one letter OCR often reads for a digit ("Q8", "0B", "1l").
    Letters alone are taken only from the few that stand for digits most often: a handwritten day reads
    as other letters and must be flagged, not repaired."""
    text = text.translate(_MARKED_O)
    return bool(re.fullmatch(r"[0-9OoIlSZ]{1,2}", text) or re.fullmatch(r"(?=.*\d)[0-9OoQDIlLiSsZzBbgqGT]{2}", text))


def _unspecked_day(day: str) -> tuple[str, bool]:
    """The day of "ngày i 11" (a speck read as a letter before it) and "ngày 1 6" (a speck's gap inside
    it); (day, whether it was joined from two pieces: the join is a guess a clerk confirms). Anything else
    is returned as read."""
    tokens = day.split()
    if len(tokens) < 2:
        return day, False
    if len(tokens) == 2 and all(re.fullmatch(r"\d", t) for t in tokens):
        return "".join(tokens), True
    whole = [t for t in tokens if re.fullmatch(r"\d\d", t)]
    if len(whole) == 1 and all(t in whole or (len(t) == 1 and not t.isdigit()) for t in tokens):
        return whole[0], False
    return day, False


_MARKED_O = str.maketrans(MARKED_O, "O" * (len(MARKED_O) // 2) + "o" * (len(MARKED_O) // 2))


@dataclass
class DateParts:
    ng_start: int
    day: tuple[int, int]
    month: tuple[int, int]
    year: tuple[int, int]


def date_parts(line: Line) -> DateParts | None:
    m = (_DATE_PARTS_AFTER_COMMA.search(line.folded) or _DATE_PARTS.search(line.folded)
         or _DATE_PARTS_NO_NGAY.search(line.folded))
    if not m:
        return None
    return DateParts(m.start("ng"), m.span("day"), m.span("month"), m.span("year"))


def date_from_line(line: Line, max_conf: float, height_ratio: float, years: Collection[int] = ()
                   ) -> tuple[str | None, list[Word], float, set[str], list[str]] | None:
    parts = date_parts(line)
    if parts is None:
        m = re.search(r"\b" + NAM_WORD + r"\W{0,2}\s*([0-9]{4})", line.folded)
        if m and re.search(r",\s*" + NGAY_AFTER_COMMA, line.folded):
            return Reading(None, line.words, 0.0, {"missing", "handwritten"},
                           [f"ngày và tháng ký không đọc được, năm {m.group(1)}: có thể viết tay, cần nhập tay"
                            f" / day and month unreadable, year {m.group(1)}: probably handwritten"]).astuple()
        return None
    text = line.text
    day, joined = _unspecked_day(text[parts.day[0]: parts.day[1]].strip(" .,:;'\"`-_“”‘’*„"))
    month = text[parts.month[0]: parts.month[1]]
    year = text[parts.year[0]: parts.year[1]]
    words = line.words_in(parts.ng_start, parts.year[1])
    day_words = line.words_in(*parts.day) if day else []
    printed = line.words_in(parts.month[0], parts.year[1])
    printed = [w for w in printed if re.fullmatch(r"\d{1,4}[.,]?", w.text)]
    if not day or not _printed_day(day):
        return Reading(None, words, 0.0, {"missing", "handwritten"},
                       [f"ngày ký không đọc được ('{day}'), tháng {month} năm {year}: có thể viết tay, cần nhập tay"
                        f" / day unreadable ('{day}'), month {month} year {year}: probably handwritten"]).astuple()
    norm = make_date(day, month, year, years=years)
    if norm.value is None:
        return Reading(None, words, 0.0, {"missing"}, norm.notes).astuple()
    pure = [w for w in day_words if _printed_day(w.text.strip(" .,:;'\"`-_"))]
    flags = suspicion(pure or day_words, printed, line, max_conf, height_ratio) if day_words else set()
    if (day_words and not pure) or joined:
        flags.add("unclear")  # the day is glued to "ngày" or to debris, or a speck stood in it
    certainty = norm.certainty
    notes = list(norm.notes)
    if flags & {"handwritten", "stamped", "unclear"}:
        certainty = min(certainty, 0.4)
        notes.append(HANDWRITTEN_NOTE.replace("chữ số", "ngày").replace("digits", "day"))
    if norm.repaired:
        flags.add("repaired")
    return Reading(norm.value, words, certainty, flags, notes).astuple()
