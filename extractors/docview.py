"""A read-only view of a document for field extraction: text lines with their words, boxes and page.

The OCR stage gives words with boxes and confidences per page; rules need lines ("Số: 154/QĐ-UBND"),
their position (left header column, signature block on the right) and, for every value they take, the
words it came from (the value's confidence is theirs). Lines here are the segments of
`extractors.layout`: one text line cut where a wide gap separates two columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Protocol

from extractors.layout import Word, WordBox, group_lines, split_segments
from extractors.vietnamese import SAME_SHAPE_LETTERS, fold, fold_key, normalize_text


class PageLike(Protocol):
    """What the view needs of `extractors.pipeline.PageResult`."""

    index: int
    width: int
    height: int
    words: list[Word]
    method: str


def fold_same_length(text: str) -> str:
    """Diacritics removed and lower-cased character by character, so offsets match the input."""
    out = []
    for ch in text:
        f = fold(ch).lower()
        out.append(f if len(f) == 1 else ch)
    return "".join(out)


@dataclass
class Line(WordBox):
    """One text line (segment) of one page."""

    page: int
    words: list[Word]
    page_width: float
    page_height: float
    row: int = 0  # lines cut from the same physical text line share a row
    text: str = ""
    folded: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)  # char span of each word in `text`

    def __post_init__(self) -> None:
        parts, pos = [], 0
        for w in self.words:
            t = normalize_text(w.text, keep_newlines=False)
            self.spans.append((pos, pos + len(t)))
            parts.append(t)
            pos += len(t) + 1
        self.text = " ".join(parts)
        self.folded = fold_same_length(self.text)

    @property
    def height(self) -> float:
        hs = [w.height for w in self.words if w.height > 0]
        return median(hs) if hs else 1.0

    @property
    def rel_cx(self) -> float:
        return self.cx / self.page_width

    @property
    def rel_y(self) -> float:
        return self.y0 / self.page_height

    def words_in(self, start: int, end: int) -> list[Word]:
        """Words whose characters overlap text[start:end]."""
        return [w for w, (a, b) in zip(self.words, self.spans, strict=True) if a < end and b > start]

    def is_upper(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        # c, o, s, v, w, x, z look the same in both cases and OCR reads them either way ("BÁO cÁo"):
        # only the other letters tell capitals from small letters
        telling = [c for c in letters if fold_key(c) not in SAME_SHAPE_LETTERS] or letters
        return bool(telling) and sum(c.isupper() for c in telling) >= 0.8 * len(telling)



@dataclass
class Page:
    index: int
    width: float
    height: float
    method: str
    lines: list[Line]

    @property
    def has_text(self) -> bool:
        return sum(len(ln.text) for ln in self.lines) > 40


class DocView:
    """All lines of a document, page by page, top to bottom (left before right on a row)."""

    def __init__(self, pages: Sequence[PageLike]):
        self.pages: list[Page] = [self._page(p) for p in pages]

    @staticmethod
    def _page(p: PageLike) -> Page:
        words = [w for w in p.words if w.text.strip()]
        lines: list[Line] = []
        groups = [seg.words for raw in group_lines(words) for seg in split_segments(raw, p.width)]
        x_right = _right_column_start(groups)
        for row, ws in enumerate(groups):
            for part in _split_header(ws, x_right, float(p.width), float(p.height)):
                lines.append(Line(p.index, part, float(p.width), float(p.height), row=row))
        lines = _sort_rows(lines)
        return Page(p.index, float(p.width), float(p.height), p.method, lines)

    @property
    def lines(self) -> Iterable[Line]:
        for page in self.pages:
            yield from page.lines

    @property
    def first(self) -> Page | None:
        return next((p for p in self.pages if p.has_text), self.pages[0] if self.pages else None)


def _right_column_start(groups: list[list[Word]]) -> float | None:
    """x where the national motto ("CỘNG HÒA ...") starts: the left edge of the header's right column."""
    for ws in groups:
        for a, b in zip(ws, ws[1:], strict=False):
            if fold(a.text).lower().startswith("cong") and fold(b.text).lower().startswith("ho"):
                return a.x0
    return None


def _split_header(ws: list[Word], x_right: float | None, width: float, height: float) -> list[list[Word]]:
    """Cut a header line that OCR ran across the gutter (agency + motto, number + place-and-date).

    Only in the top third of a page, only at a gap clearly wider than the spaces of the line, and only
    near the start of the right column: a centred title also crosses the middle but has no such gap."""
    if len(ws) < 2 or min(w.y0 for w in ws) > 0.35 * height:
        return [ws]
    target = x_right if x_right is not None else 0.45 * width
    gaps = [b.x0 - a.x1 for a, b in zip(ws, ws[1:], strict=False)]
    typical = median(gaps) if gaps else 0.0
    h = median(w.height for w in ws) or 1.0
    best, best_gap = None, 0.0
    for i, g in enumerate(gaps):
        near = abs(ws[i + 1].x0 - target) < 0.08 * width
        if near and g > max(1.2 * h, 3 * typical) and g > best_gap:
            best, best_gap = i + 1, g
    if best is None:
        return [ws]
    return [ws[:best], ws[best:]]


def _sort_rows(lines: list[Line]) -> list[Line]:
    """Top to bottom; lines whose vertical centres are within half a line height form one row."""
    out: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: ln.cy):
        if out:
            ref = out[-1][0]
            if abs(ln.cy - ref.cy) < 0.5 * min(ln.height, ref.height):
                out[-1].append(ln)
                continue
        out.append([ln])
    return [ln for row in out for ln in sorted(row, key=lambda ln: ln.x0)]
