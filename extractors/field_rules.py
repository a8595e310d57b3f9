"""Where each value sits on the page: the header, the place-and-date line, labels, the signature block.

Functions here find raw text and the words it came from (`Candidate`); `extractors.normalise` turns it
into the conventions of SCHEMA.md and `extractors.fields` decides what to keep. Positions are read from
word boxes: the agency is the lowest line of the left header column, "Số:" sits under it, the place and
date under the national motto on the right, the signer's title and name at the bottom right.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import median

from rapidfuzz import fuzz

from config.doctypes import CommonRules, FieldRule
from extractors.docview import DocView, Line, Page, fold_same_length
from extractors.layout import Word
from extractors.normalise import LOWER, NAM_WORD, NGAY_AFTER_COMMA, UPPER, repair_article
from extractors.vietnamese import fold, fold_key, is_vietnamese_syllable


@dataclass
class Candidate:
    raw: str
    words: list[Word]
    certainty: float = 1.0
    source: str = ""
    flags: set[str] = field(default_factory=set)  # handwritten, stamped, junk, repaired
    notes: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


@lru_cache(maxsize=65536)
def alnum_key(text: str) -> str:
    """Folded, lower case, letters and digits only, one space: for fuzzy comparison of labels and titles."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold_key(text)).split())


def _norm_with_map(text: str) -> tuple[str, list[int]]:
    """alnum_key of `text` and, for each of its characters, the index in `text` it came from."""
    folded = fold_same_length(text)
    out, idx = [], []
    prev_space = True
    for i, ch in enumerate(folded):
        if ch.isalnum() and ch.isascii():
            out.append(ch)
            idx.append(i)
            prev_space = False
        elif not prev_space:
            out.append(" ")
            idx.append(i)
            prev_space = True
    while out and out[-1] == " ":
        out.pop()
        idx.pop()
    return "".join(out), idx


def letter_share(text: str) -> float:
    """Share of letters and digits among the visible characters."""
    chars = [c for c in text if not c.isspace()]
    return sum(c.isalnum() for c in chars) / len(chars) if chars else 0.0


_COMMITTEES = {"UBND", "HDND"}  # "ỦBND": the committees' abbreviations with a speck's mark


def syllable_share(text: str) -> float:
    words = [w.strip(".,;:()\"'`-_") for w in re.split(r"[\s\"“”]+", text)]  # 'PHỐ"HUẾ': a speck between words
    words = [w for w in words if w]
    if not words:
        return 0.0
    # abbreviations (UBND, HĐND, QĐ; "ỦBND" with a speck's mark) and numbers count as words
    ok = [is_vietnamese_syllable(w) or w.isdigit() or bool(re.fullmatch(r"[A-ZĐ]{2,6}", w)) or fold(w) in _COMMITTEES
          for w in words]
    return sum(ok) / len(words)


def is_junk(line: Line) -> bool:
    """OCR debris of seals, signatures and stamps: few letters, few real syllables."""
    t = line.text
    return letter_share(t) < 0.55 or syllable_share(t) < 0.45


def is_debris(line: Line, ref_height: float) -> bool:
    """Junk, or text much smaller than its neighbours (strokes of a seal or signature read as letters)."""
    return is_junk(line) or line.height < 0.55 * ref_height


def fuzzy_contains(line_text: str, phrase: str, threshold: float = 85) -> float:
    a, b = alnum_key(line_text), alnum_key(phrase)
    if not a or not b or len(a) < 0.6 * len(b):
        return 0.0
    return fuzz.partial_ratio(b, a) if len(a) >= len(b) else fuzz.ratio(a, b)


# ---------------------------------------------------------------------------------------------- header


@dataclass
class Header:
    page: Page | None
    motto: Line | None = None
    number: Line | None = None
    date: Line | None = None
    agency: list[Line] = field(default_factory=list)
    title: Line | None = None
    title_lines: list[Line] = field(default_factory=list)


_NUMBER_RE = re.compile(r"\bs[o0]\s*[:;.,»]")  # "Số»01/CT-UBND": the colon read as a chevron
# "tháng 12 năm 2021" as OCR reads it ("tông 12 năm", "thẳng Š nữm")
_DATE_RE = re.compile(r"\bt\w{0,4}n[gh]\W{0,2}\s*(\S{1,6}?)\s*[,.]?\s*" + NAM_WORD + r"\W{0,2}\s*([0-9oOlISZ]{4})")


def number_line_match(line: Line) -> re.Match[str] | None:
    m = _NUMBER_RE.search(line.folded)
    if not m:
        return None
    prefix = line.folded[: m.start()]
    if len(prefix) > 8 or re.search(r"[a-z]{3,}", prefix):
        return None  # "Quyển số:", "Mã số:" are other labels
    return m


def find_motto(page: Page, motto: str) -> Line | None:
    for ln in page.lines:
        if ln.rel_y < 0.3 and fuzzy_contains(ln.text, motto) >= 80:
            return ln
    return None


def find_number_line(page: Page, below_y: float = 0.0, max_rel_y: float = 0.45) -> Line | None:
    for ln in page.lines:
        if ln.y0 >= below_y - 5 and ln.rel_y < max_rel_y and number_line_match(ln):
            return ln
    return None


def find_date_line(page: Page, above_y: float | None) -> Line | None:
    limit = above_y if above_y is not None else 0.3 * page.height
    best = None
    for ln in page.lines:
        if ln.y0 > limit:
            break
        if _DATE_RE.search(ln.folded) and (best is None or ln.rel_cx > best.rel_cx):
            best = ln
    if best is None:
        # no "tháng ... năm": the month may be handwritten too; the place's ", ngày" still marks the line
        best = next((ln for ln in page.lines if ln.y0 <= limit and ln.rel_cx > 0.45
                     and re.search(r",\s*" + NGAY_AFTER_COMMA, ln.folded)), None)
    return _whole_row(page, best) if best is not None else None


def _whole_row(page: Page, line: Line) -> Line:
    """'Quảng Ngãi, ngày 2#' | 'thángØ năm 2021': blanks left for the handwritten day and month split the
    place-and-date line into pieces; the pieces of its row in the right column are joined again."""
    parts = [ln for ln in page.lines if abs(ln.cy - line.cy) < 0.6 * max(ln.height, line.height)
             and ln.x0 >= 0.4 * page.width and (ln is line or ln.x1 <= line.x0 + 5 or ln.x0 >= line.x1 - 5)]
    if len(parts) <= 1:
        return line
    parts.sort(key=lambda ln: ln.x0)
    return Line(line.page, [w for ln in parts for w in ln.words], line.page_width, line.page_height, row=line.row)


def find_agency_lines(page: Page, motto: Line | None, number: Line | None, title: Line | None) -> list[Line]:
    """Left header column from the top of the motto down to the "Số:" line (or the title)."""
    top = motto.y0 - 1.5 * motto.height if motto else 0.0
    bottom = number.y0 if number else (title.y0 if title else 0.25 * page.height)
    right_edge = motto.x0 + 0.3 * (motto.x1 - motto.x0) if motto else 0.5 * page.width
    out = []
    for ln in page.lines:
        if ln.y1 < top or ln.y0 >= bottom - 0.3 * ln.height:
            continue
        if ln.cx >= right_edge or ln is motto or ln.rel_cx > 0.5:
            continue
        if is_junk(ln) or len(alnum_key(ln.text)) < 3:
            continue
        out.append(ln)
    if motto is None and number is not None:
        out = [ln for ln in out if number.y0 - ln.y0 < 6 * number.height]
    return out


# ---------------------------------------------------------------------------------------------- labels


@dataclass
class Piece:
    """A line, or the part of a line from one label to the next."""

    line: Line
    start: int  # char offsets in line.text
    end: int
    label: str | None = None  # the matched label (as written in the rules)
    label_score: float = 0.0
    value_start: int = 0

    @property
    def text(self) -> str:
        return self.line.text[self.start: self.end]

    @property
    def value(self) -> str:
        return self.line.text[self.value_start: self.end]

    @property
    def value_words(self) -> list[Word]:
        return self.line.words_in(self.value_start, self.end)

    @property
    def x0(self) -> float:
        ws = self.line.words_in(self.start, self.end)
        return min(w.x0 for w in ws) if ws else self.line.x0


_ENUM = re.compile(r"^\s*(?:[0-9]{1,2}|[a-zđ]|[IVX]{1,4})\s*[.)]\s*|^\s*[-+•*–]\s*", re.IGNORECASE)


_GLUED_DIGITS = re.compile(r"[a-z]?\d")  # "nhanz089...": a value's digits glued to its label by a speck


class LabelIndex:
    """All labels of a document type, matched fuzzily at the start of a line and exactly inside it."""

    def __init__(self, labels: Iterable[str]):
        seen: dict[str, str] = {}
        for lab in labels:
            key = alnum_key(lab)
            if key and key not in seen:
                seen[key] = lab
        self.labels = seen  # key -> label as written
        self.keys = sorted(seen, key=len, reverse=True)

    def match_start(self, text: str) -> tuple[str | None, float, int]:
        """(label, score, offset where the value starts) for a label at the start of `text`.

        Two readings compete: the words before the first colon, and the line's first words whatever the
        punctuation ("Họ,<hữ đệm, tên: chồng: PHẠM" is the husband's label with a colon misplaced)."""
        m = _ENUM.match(text)
        skip = m.end() if m else 0
        body = text[skip:]
        norm, idx = _norm_with_map(body)
        if not norm:
            return None, 0.0, 0
        by_colon = self._by_colon(body, skip)
        by_prefix = self._by_prefix(norm, idx, skip)
        ok_prefix = by_prefix[0] is not None and by_prefix[1] >= (92 if len(alnum_key(by_prefix[0])) < 8 else 88)
        if by_colon[0] is not None and by_colon[1] >= 84 and not (ok_prefix and by_prefix[1] > by_colon[1] + 3):
            best = by_colon
        elif ok_prefix:
            best = by_prefix
        else:
            return None, 0.0, 0
        specific = self._more_specific(best, norm, idx, skip, body)
        # after a colon, a longer label counts only with a colon of its own ("tên: 1gười*mẹ: NGUYÊN"): in
        # "Đăng ký lần đầu: ngày 03 tháng 8" the "ngày" is the value's
        if best is not by_colon or ":" in text[specific[2]: specific[2] + 3]:
            best = specific
        # the value starts after the label and its colon, if any
        rest = text[best[2]:]
        m2 = re.match(r"\s*[:;.]?\s*", rest)
        return best[0], best[1], best[2] + (m2.end() if m2 else 0)

    def _by_colon(self, body: str, skip: int) -> tuple[str | None, float, int]:
        colon = body.find(":")
        best: tuple[str | None, float, int] = (None, 0.0, 0)
        if colon <= 0:
            return best
        head = alnum_key(body[:colon])
        for key in self.keys:
            if abs(len(head) - len(key)) > max(4, 0.35 * len(key)):
                continue
            s = fuzz.ratio(head, key)
            if s > best[1] or (s == best[1] and best[0] is not None and len(key) > len(alnum_key(best[0]))):
                best = (self.labels[key], s, skip + colon + 1)
        return best

    def _by_prefix(self, norm: str, idx: list[int], skip: int) -> tuple[str | None, float, int]:
        best: tuple[str | None, float, int] = (None, 0.0, 0)
        for key in self.keys:
            n = len(key)
            if n > len(norm) + 2:
                continue
            for length in (n, n - 1, n + 1):
                if length <= 0 or length > len(norm):
                    continue
                if length < len(norm) and norm[length] != " " and not _GLUED_DIGITS.match(norm, length):
                    continue
                s = fuzz.ratio(norm[:length], key)
                if s > best[1] or (s == best[1] and best[0] is not None and n > len(alnum_key(best[0]))):
                    best = (self.labels[key], s, skip + idx[length - 1] + 1)
        return best

    def _more_specific(self, best: tuple[str | None, float, int], norm: str, idx: list[int], skip: int,
                       body: str) -> tuple[str | None, float, int]:
        """'Họ, chữ đệm, tên' matched, but the line goes on 'người mẹ ...' (or ': 1gười*mẹ:', a colon misplaced):
        the longer label whose own words its next words spell best, not merely the first close enough ("người
        nẹ" is the mother's, though "người cha" is as long). A short tail read with a slip ("tên tẹ:") counts
        only with its colon after it: "tên MAI THỊ LAN" is the child's name, not "tên mẹ"."""
        key = alnum_key(best[0] or "")
        found: tuple[float, str, int] | None = None
        for k in self.keys:
            if len(k) <= len(key) + 2 or not k.startswith(key) or len(norm) < len(k) - 1:
                continue
            tail = k[len(key):]
            spans = (len(tail) - 1, len(tail), len(tail) + 1) if len(tail) >= 6 else (len(tail),)  # a speck's letter
            score = max(fuzz.ratio(norm[len(key):len(key) + n], tail) for n in spans)
            end = min(len(k), len(norm)) - 1
            while end + 1 < len(norm) and norm[end + 1] != " ":  # the tail's last word read with a speck: "mẹ"
                end += 1
            colon = ":" in body[idx[end] + 1: idx[end] + 3]
            if score >= (60 if colon else 78) and (found is None or score > found[0]):
                found = (score, k, end)
        if found is None:
            return best
        _, k, end = found
        return self.labels[k], best[1], skip + idx[end] + 1

    def inner_starts(self, line: Line) -> list[int]:
        """Offsets inside a line where another label begins, followed by a colon."""
        norm, idx = _norm_with_map(line.text)
        found: set[int] = set()
        for key in self.keys:
            for m in re.finditer(rf"(?:^|(?<= )){re.escape(key)}(?= |$|[a-z]?\d)", norm):
                if m.start() == 0:
                    continue
                orig_start = idx[m.start()]
                orig_end = idx[m.end() - 1] + 1
                after = line.text[orig_end: orig_end + 3]
                # "cá nhân: 0890...", and "cá nhân”0890...", "cá nhânz0890...": a speck for the colon
                glued = re.match(r"[^\w\s]?[^\W\d]?\d{3}", line.text[orig_end: orig_end + 6])
                if (":" in after or glued) and not self._tail_of_longer(norm[: m.end()], key):
                    found.add(orig_start)
        return sorted(found)

    def _tail_of_longer(self, head: str, key: str) -> bool:
        """'năm sinh' at the end of 'Ngày, tháng, năm sinh', 'số' of 'Quyển số': part of a longer label."""
        start = _ENUM.match(head)
        head = head[start.end():] if start else head
        return any(len(k) > len(key) and k.endswith(key) and fuzz.ratio(head[-len(k):], k) >= 85 for k in self.keys)

    def pieces(self, line: Line) -> list[Piece]:
        cuts = [0, *self.inner_starts(line), len(line.text)]
        out = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            if b <= a:
                continue
            piece = Piece(line, a, b)
            label, score, value_at = self.match_start(line.text[a:b])
            if label is not None:
                piece.label, piece.label_score, piece.value_start = label, score, a + value_at
            else:
                piece.value_start = a
            out.append(piece)
        return out


def _is_leader_end(text: str) -> bool:
    return bool(re.search(r"(?:[.…·_]\s*){3,}\S{0,12}$", text))


UNFINISHED_SLACK = 0.15  # of the page width
_UNIT_END = re.compile(r"(?:,|-|–|\btỉnh|\bthành phố|\bhuyện|\bquận|\bthị xã|\bxã|\bphường|\bthị trấn)\W*$",
                       re.IGNORECASE)


def unfinished_address(rule: FieldRule, value: str) -> bool:
    """An address line that ends on a comma or an administrative unit word has its place on the next line."""
    return rule.type == "address" and bool(_UNIT_END.search(value.strip()))


def wrapped(prev: Line, nxt: Line, page: Page, right_edge: float) -> bool:
    """`nxt` continues `prev`: prev ran to the right edge, nxt follows closely and starts at the margin."""
    if nxt.page != prev.page or _is_leader_end(prev.text):
        return False
    # medians of the word boxes: one speck under a word stretches the line's box into the next line
    gap = median(w.y0 for w in nxt.words) - median(w.y1 for w in prev.words) if prev.words and nxt.words \
        else nxt.y0 - prev.y1
    if gap > 0.9 * max(prev.height, nxt.height) or gap < -0.3 * prev.height:
        return False
    if prev.x1 < right_edge - 0.06 * page.width:
        return False
    return not nxt.x0 > prev.x0 + 0.25 * page.width


_WRAPS_WHOLE = {"any_id", "personal_id", "business_reg"}  # value types that wrap to the next line whole


@dataclass
class LabelledSearch:
    view: DocView
    index: LabelIndex
    pieces: list[Piece] = field(default_factory=list)

    def __post_init__(self) -> None:
        for page in self.view.pages:
            for ln in page.lines:
                self.pieces.extend(self.index.pieces(ln))

    def _bounds(self, rule: FieldRule) -> tuple[int, int]:
        lo, hi = 0, len(self.pieces)
        if rule.after:
            keys = {alnum_key(a) for a in rule.after}
            for i, p in enumerate(self.pieces):
                if p.label and alnum_key(p.label) in keys or any(
                        alnum_key(p.text).startswith(k) for k in keys):
                    lo = i + 1
                    break
            else:
                return 0, 0
        if rule.before:
            keys = {alnum_key(b) for b in rule.before}
            for i in range(lo, len(self.pieces)):
                p = self.pieces[i]
                if p.label and alnum_key(p.label) in keys or any(
                        alnum_key(p.text).startswith(k) for k in keys):
                    hi = i
                    break
        return lo, hi

    def find_all(self, rule: FieldRule, multiline: bool) -> list[Candidate]:
        """Candidates in page order: the n-th hit when `occurrence` > 1, else every hit (the first that
        normalises wins: "Loại giấy tờ" may look like "Số giấy tờ")."""
        keys = {alnum_key(lab) for lab in rule.labels}
        lo, hi = self._bounds(rule)
        hits = [i for i in range(lo, hi) if self.pieces[i].label and alnum_key(self.pieces[i].label) in keys]
        if rule.column != "any":
            mid = self.view.pages[0].width / 2 if self.view.pages else 0
            hits = [i for i in hits if (self.pieces[i].x0 < mid) == (rule.column == "left")]
        if rule.occurrence > 1:
            hits = hits[rule.occurrence - 1: rule.occurrence]
        out = []
        for i in hits[:4]:
            cand = self._candidate(i, rule, multiline)
            if cand is not None:
                out.append(cand)
        return out

    def find(self, rule: FieldRule, multiline: bool) -> Candidate | None:
        found = self.find_all(rule, multiline)
        return found[0] if found else None

    def _candidate(self, i: int, rule: FieldRule, multiline: bool) -> Candidate | None:
        piece = self.pieces[i]
        value, words, lines = _trim_leader(piece.line, piece.value_start, piece.end)
        if not value.strip(" .:…_"):
            # an identifier wraps whole to the next line when its label ends one ("..., số định danh cá nhân:"
            # / "046063754230"); its own check rejects any other text found there
            nxt = self._value_after(i, rule.next_line or rule.type in _WRAPS_WHOLE)
            if nxt is None:
                return None
            value, words, lines = _trim_leader(nxt.line, nxt.value_start, nxt.end)
        elif multiline and piece.end == len(piece.line.text) and not _is_leader_end(piece.line.text):
            value, words, lines = self._continue(i, value, words, lines, unfinished_address(rule, value))
        if rule.pattern:
            m = re.search(expand_pattern(rule.pattern), value)
            if not m:
                return None
            v = m.group("v") if "v" in m.groupdict() else m.group(0)
            start = value.find(v)
            words = _words_for(words, value, start, start + len(v))
            value = v
        certainty = min(1.0, piece.label_score / 100 + 0.05)
        return Candidate(value, words, certainty, f"label:{piece.label}", lines=lines)

    def _value_after(self, i: int, next_line: bool) -> Piece | None:
        piece = self.pieces[i]
        for j in range(i + 1, min(i + 4, len(self.pieces))):
            p = self.pieces[j]
            same_row = abs(p.line.cy - piece.line.cy) < 0.5 * piece.line.height and p.line.page == piece.line.page
            if p.label:
                return None
            if same_row or (next_line and p.line.page == piece.line.page):
                return p
        return None

    def _continue(self, i: int, value: str, words: list[Word], lines: list[Line], unfinished: bool = False
                  ) -> tuple[str, list[Word], list[Line]]:
        page = self.view.pages[lines[0].page]
        right = max((ln.x1 for ln in page.lines if not is_junk(ln)), default=page.width)
        if unfinished:  # speck lines past the margin hide where the text wraps; the value itself says it goes on
            right -= UNFINISHED_SLACK * page.width
        j = i + 1
        while j < len(self.pieces) and len(lines) < 4:
            p = self.pieces[j]
            if is_debris(p.line, lines[-1].height):
                j += 1
                continue
            if p.label or p.start != 0 or not wrapped(lines[-1], p.line, page, right):
                break
            more, more_words, _ = _trim_leader(p.line, p.value_start, p.end)
            value = f"{value} {more}"
            words = words + more_words
            lines.append(p.line)
            if _is_leader_end(p.line.text):
                break
            j += 1
        return value, words, lines


_LEADER_RUN = re.compile(r"(?:\s*[.…·_]){4,}")


def _trim_leader(line: Line, start: int, end: int) -> tuple[str, list[Word], list[Line]]:
    """The value between `start` and `end` without the dotted leader of a form and the debris after it."""
    text = line.text[start:end]
    m = _LEADER_RUN.search(text)
    if m:
        end = start + m.start()
        text = line.text[start:end]
    stripped = text.strip()
    offset = start + (len(text) - len(text.lstrip()))
    return stripped, line.words_in(offset, offset + len(stripped)), [line]


def _words_for(words: list[Word], value: str, start: int, end: int) -> list[Word]:
    """Words of `value` (their texts joined by spaces) overlapping value[start:end]."""
    out, pos = [], 0
    for w in words:
        n = len(w.text)
        found = value.find(w.text, pos)
        if found < 0:
            out.append(w)
            continue
        if found < end and found + n > start:
            out.append(w)
        pos = found + n
    return out or words


def expand_pattern(pattern: str) -> str:
    return pattern.replace("{UP}", UPPER).replace("{LOW}", LOWER)


# ---------------------------------------------------------------------------------------------- prose


@dataclass
class Stream:
    """Lines joined into one string, with the word behind every character range."""

    text: str
    spans: list[tuple[int, int, Word]]

    @classmethod
    def of(cls, lines: list[Line]) -> Stream:
        parts, spans, pos = [], [], 0
        for ln in lines:
            for w, (a, b) in zip(ln.words, ln.spans, strict=True):
                spans.append((pos + a, pos + b, w))
            parts.append(ln.text)
            pos += len(ln.text) + 1
        return cls(" ".join(parts), spans)

    def words(self, start: int, end: int) -> list[Word]:
        return [w for a, b, w in self.spans if a < end and b > start]


def _label_end(label: str, folded: str) -> int | None:
    """Where the value after a label starts in running text. A long label ("số định danh cá nhân") is also
    found with one letter misread ("cá nhâh"), as in the lines of a form; a semicolon right after a label is
    a misread colon ("nơi cư trú; Thôn Trung")."""
    key = alnum_key(label)
    lab_re = r"\W*".join(re.escape(w) for w in key.split())
    m = re.search(rf"(?<![a-z]){lab_re}", folded)
    end = m.end() if m else None
    if end is None and len(key) >= 12:
        al = fuzz.partial_ratio_alignment(key, folded)
        if al.score >= 90:
            end = al.dest_end
            while end < len(folded) and folded[end].isalpha():  # the rest of a misread last word
                end += 1
    if end is None:
        return None
    return end + len(re.match(r"\s*[:;]?\s*", folded[end:]).group(0))


def _first_article(lines: list[Line]) -> int | None:
    """The first article when its number is unreadable ("Điều + Hỗ trợ kinh phí ..."): the first line that
    opens with "Điều" and no number other than 1."""
    for i, ln in enumerate(lines):
        m = re.match(r"\W*dieu\b\W*(\w*)", alnum_key(ln.text))
        if m:
            return None if m.group(1).isdigit() and m.group(1) != "1" else i
    return None


def prose_search(view: DocView, rule: FieldRule, body_from: Line | None) -> Candidate | None:
    """A labelled value inside running text ("..., số định danh cá nhân: 0123...; nơi cư trú: ...")."""
    lines = [ln for page in view.pages for ln in page.lines if not is_junk(ln)]
    if body_from is not None and body_from in lines:
        lines = lines[lines.index(body_from):]
    if rule.after:
        keys = [alnum_key(a) for a in rule.after]
        texts = [ln.text for ln in lines]
        start = next((i for i, ln in enumerate(lines)
                      if any(alnum_key(repair_article(ln.text, texts[i + 1:])).startswith(k) for k in keys)), None)
        if start is None and any(k == "dieu 1" for k in keys):
            start = _first_article(lines)
        if start is None:
            return None
        lines = lines[start:]
    if rule.before:
        keys = [alnum_key(b) for b in rule.before]
        stop = next((i for i, ln in enumerate(lines[1:], 1) if any(alnum_key(ln.text).startswith(k) for k in keys)),
                    None)
        if stop is not None:
            lines = lines[:stop]
    if not lines:
        return None
    stream = Stream.of(lines)
    folded = fold_same_length(stream.text)
    if rule.labels:
        for lab in rule.labels:
            after = _label_end(lab, folded)
            if after is None:
                continue
            rest = stream.text[after:]
            # a full stop ends the value, unless the capitalised word after it goes on with a comma: a speck
            # read as a stop inside a place name ("huyện Phong. Điền, tỉnh ...")
            end = re.search(r";|\.\s+[" + UPPER + r"](?![^\s,.;]*,)|\.$|\n", rest)
            raw = rest[: end.start()] if end else rest[:200]
            if rule.pattern:
                pm = re.search(expand_pattern(rule.pattern), raw)
                if not pm:
                    continue
                v = pm.group("v") if "v" in pm.groupdict() else pm.group(0)
                a = after + raw.find(v)
                return Candidate(v, stream.words(a, a + len(v)), 0.9, f"prose:{lab}")
            a = after
            return Candidate(raw, stream.words(a, a + len(raw)), 0.9, f"prose:{lab}")
        return None
    if rule.pattern:
        pm = re.search(expand_pattern(rule.pattern), stream.text)
        if pm:
            v = pm.group("v") if "v" in pm.groupdict() else pm.group(0)
            a = pm.start("v") if "v" in pm.groupdict() else pm.start()
            return Candidate(v, stream.words(a, a + len(v)), 0.85, "prose:pattern")
    return None


# ---------------------------------------------------------------------------------------------- summary


def _opens_body(text: str, common: CommonRules) -> bool:
    """A paragraph of the body ("Thực hiện Công văn số ...") opens with a capital; a wrapped summary goes on in
    lower case with the same words ("V/v báo cáo kết quả / thực hiện chuyển đổi số")."""
    first = next((c for c in text if c.isalpha()), "")
    return first.isupper() and _starts_with_any(text, common.body_starts)


def _starts_with_any(text: str, starts: list[str]) -> bool:
    key = alnum_key(text)
    return any(key.startswith(alnum_key(s)) for s in starts)


def summary_after_title(page: Page, title_lines: list[Line], common: CommonRules) -> Candidate | None:
    """The trích yếu: centred lines right under the title, up to the rule, the body or an authority line.

    Debris of stamps and seals (small or junk lines, text at the far left) is stepped over, and a line
    that starts with stamp text before "Về việc" keeps only what follows it."""
    if not title_lines:
        return None
    last = title_lines[-1]
    ref_h = last.height
    # by centres: speckle makes boxes tall, and the summary's box may start above the title's bottom
    lines = [ln for ln in page.lines if ln.cy > last.cy + 0.6 * last.height and all(ln is not t for t in title_lines)]
    out: list[Line] = []
    prev = last
    centre = page.width / 2
    skipped = 0.0
    # the widest lines of the page are body text; a summary's later lines are narrower, centred
    body_width = max((ln.x1 - ln.x0 for ln in page.lines if not is_junk(ln)), default=page.width)
    for ln in lines:
        h = max(min(prev.height, ln.height), 1.0)
        if is_debris(ln, 0.8 * ref_h) or (out and ln.x1 < 0.35 * page.width):
            # debris under the summary (a seal, a rule) pushes the next line down; a stamp in the margin
            # beside it does not
            if min(ln.x1, prev.x1) > max(ln.x0, prev.x0):
                skipped = max(skipped, ln.y1 - prev.y1)
            if skipped > 4 * ref_h:
                break
            continue
        gap = ln.y0 - prev.y1 - max(skipped, 0.0)
        if out and gap > 1.05 * h:
            break
        if not out and gap > 3.0 * h:
            return None
        if _opens_body(ln.text, common) and not _starts_with_any(ln.text, common.vv_prefixes):
            break
        if _starts_with_any(ln.text, [_ADDRESSEE]):  # "kính gửi Ủy ban ...": its capital lost, still no summary
            break
        if ln.is_upper() and len(alnum_key(ln.text)) > 6:
            break
        if out and ln.x1 - ln.x0 > 0.92 * body_width:
            break
        if abs(ln.cx - centre) > 0.12 * page.width and not (not out and _about_start(ln.text) > 0):
            if out:
                break
            continue
        out.append(ln)
        prev, skipped = ln, 0.0
        if len(out) >= 4:
            break
    if not out:
        return None
    first = out[0]
    cut = _about_start(first.text)
    texts = [first.text[cut:]] + [ln.text for ln in out[1:]]
    words = first.words_in(cut, len(first.text)) + [w for ln in out[1:] for w in ln.words]
    return Candidate(" ".join(texts), words, 0.95, "summary", lines=out)


def _about_start(text: str) -> int:
    """Offset of "Về việc"/"Về" when stamp text precedes it on the same line, else 0."""
    m = re.search(r"\bV[eề]\s*vi[eệ]c\b", text)
    return m.start() if m and m.start() > 3 else 0


_ADDRESSEE = "Kính gửi"  # the letter's addressee follows its summary; no summary says it


def summary_vv(page: Page, number: Line | None, agency: list[Line], common: CommonRules) -> Candidate | None:
    """'V/v ...' under the number of an official letter, in the left column, possibly wrapped."""
    start_y = number.cy if number else (agency[-1].y1 if agency else 0.0)
    left = [ln for ln in page.lines if ln.y0 >= start_y and ln.rel_cx < 0.45 and ln.rel_y < 0.45
            and ln.x1 < 0.6 * page.width]
    first = next((i for i, ln in enumerate(left[:4]) if _vv_start(ln.text, common)), None)
    if first is None:
        return None
    out = [left[first]]
    for ln in left[first + 1:]:
        gap = ln.y0 - out[-1].y1
        if gap > 1.0 * max(out[-1].height, 1.0) or is_junk(ln) or _opens_body(ln.text, common) \
                or fuzzy_contains(ln.text, _ADDRESSEE) >= 88:  # "cà đá 08 Kĩnh gửi:": debris before it
            break
        out.append(ln)
        if len(out) >= 6:
            break
    words = [w for ln in out for w in ln.words]
    return Candidate(" ".join(ln.text for ln in out), words, 0.95, "vv", lines=out)


def _vv_start(text: str, common: CommonRules) -> bool:
    t = text.strip(" .,'\"`_-–:;")
    if re.match(r"^[VvYy]\s*[/|lI1wW.]?\s*[vVy]\b", t) or re.match(r"^[Vv]/\s+\w", t):  # "V/v", "Vwv", "V/ "
        return True
    if re.match(rf"^V\s+[{LOWER}]{{2,}}", t):  # "V báo cáo ...": the "/v" lost to the blur
        return True
    return _starts_with_any(t, ["Về việc"]) and len(t) > 12
