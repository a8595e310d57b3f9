"""Reading order from word boxes, shared by OCR output and PDF text layers.

Administrative pages (Decree 30/2020) put two columns side by side at the top (agency | national motto)
and at the bottom ("Nơi nhận" | signature block), with full-width body text between. Reading them line by
line across the gutter mixes agency and motto into nonsense, so each such band is read column by column.
Bands that are tables of fields ("Giới tính: Nam   Dân tộc: Kinh") are read row by row.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from statistics import median

from rapidfuzz import fuzz

from extractors.vietnamese import fold_key


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float = 100.0  # 0..100; text-layer words are 100
    line_key: tuple = ()  # words sharing a key were put on one line by the engine that found them
    source: str = "ocr"  # "ocr" | "text_layer"

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def boxes_overlap(a: Word, b: Word) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


class WordBox:
    """The box around a run of words (anything with `.words`): shared by layout segments and the
    lines the field rules read."""

    words: list[Word]

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Segment(WordBox):
    """A run of words on one text line, not crossing a wide gap."""

    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


_COLUMN_MARKERS = ("cong hoa xa hoi chu nghia viet nam", "doc lap tu do hanh phuc", "noi nhan")


def group_lines(words: list[Word]) -> list[list[Word]]:
    """Words into text lines: by the engine's own line key when it has one, else by vertical overlap."""
    if not words:
        return []
    if all(w.line_key for w in words):
        by_key: dict[tuple, list[Word]] = {}
        for w in words:
            by_key.setdefault(w.line_key, []).append(w)
        return _join_split_lines([sorted(ws, key=lambda w: w.x0) for ws in by_key.values()])
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.cy, w.x0)):
        for line in reversed(lines[-8:]):
            y0, y1 = median(x.y0 for x in line), median(x.y1 for x in line)
            overlap = min(y1, w.y1) - max(y0, w.y0)
            clash = any(min(x.x1, w.x1) - max(x.x0, w.x0) > 0.3 * min(x.x1 - x.x0, w.x1 - w.x0) for x in line)
            if overlap > 0.5 * min(y1 - y0, w.height) and not clash:
                line.append(w)
                break
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _join_split_lines(lines: list[list[Word]]) -> list[list[Word]]:
    """Lines the engine cut at an ordinary space ("ên Ngọc" | "Huy": a seal's ring made it two blocks) are
    one line again: side by side on the same baseline, no wider apart than a word's height. A column
    gutter is always wider (`split_segments` cuts at 1.6 heights)."""
    stats = [_LineStats(ws) for ws in lines]
    order = sorted(range(len(lines)), key=lambda i: stats[i].x0)
    starts = [stats[i].x0 for i in order]
    nxt: dict[int, int] = {}  # line -> the line that goes on after it
    taken: set[int] = set()
    for i, a in enumerate(stats):
        lo = bisect_left(starts, a.x1)
        hi = bisect_left(starts, a.x1 + a.h)
        for k in order[lo:hi]:
            if k != i and k not in taken and a.continues_into(stats[k]):
                nxt[i] = k
                taken.add(k)
                break
    out = []
    for i in range(len(lines)):
        if i in taken:
            continue
        ws, j = list(lines[i]), i
        while j in nxt:
            j = nxt[j]
            ws += lines[j]
        out.append(ws)
    return out


class _LineStats:
    def __init__(self, ws: list[Word]):
        self.x0, self.x1 = ws[0].x0, ws[-1].x1
        self.y0, self.y1 = median(w.y0 for w in ws), median(w.y1 for w in ws)
        self.h = median(w.height for w in ws)

    def continues_into(self, b: _LineStats) -> bool:
        h = min(self.h, b.h)
        return 0 <= b.x0 - self.x1 < h and min(self.y1, b.y1) - max(self.y0, b.y0) > 0.6 * h


def _starts_motto(line: list[Word], i: int) -> bool:
    """'CỘNG HÒA XÃ HỘI…' begins the right header column whatever the gap before it."""
    if i + 1 >= len(line):
        return False
    return fold_key(line[i].text + " " + line[i + 1].text) == "cong hoa"


def split_segments(line: list[Word], page_width: float) -> list[Segment]:
    """Cut a line where the gap between words is much wider than a space: two columns met there."""
    heights = [w.height for w in line if w.height > 0]
    h = median(heights) if heights else 10.0
    gap_limit = max(1.6 * h, 0.025 * page_width)
    segments = [Segment([line[0]])]
    for i in range(1, len(line)):
        prev, w = line[i - 1], line[i]
        gap = w.x0 - prev.x1
        if gap > gap_limit or (w.x0 > 0.3 * page_width and _starts_motto(line, i)):
            segments.append(Segment([w]))
        else:
            segments[-1].words.append(w)
    return segments


def _gutters(seg: Segment, lo: float, hi: float) -> list[tuple[float, float]]:
    """Where a vertical gutter may run past this segment, within [lo, hi]."""
    out = []
    if seg.x0 > lo:
        out.append((lo, min(seg.x0, hi)))
    if seg.x1 < hi:
        out.append((max(seg.x1, lo), hi))
    return [(a, b) for a, b in out if b > a]


def _intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo, hi = max(a0, b0), min(a1, b1)
            if hi > lo:
                out.append((lo, hi))
    return out


def _is_column_band(segments: list[Segment], gutter: float, page_height: float) -> bool:
    left = [s for s in segments if s.x1 <= gutter]
    right = [s for s in segments if s.x0 >= gutter]
    if not left or not right:
        return False
    folded = fold_key(" ".join(s.text for s in segments))
    if any(fuzz.partial_ratio(m, folded) >= 85 for m in _COLUMN_MARKERS):
        return True
    if min(s.y0 for s in segments) < 0.22 * page_height:
        return True  # the header zone of a page
    # two independent columns: lines on the right mostly have no partner on their row at the left;
    # a table of fields has its cells side by side on shared rows
    def partnered(r: Segment) -> bool:
        return any(abs(r.cy - seg.cy) < 0.5 * min(r.y1 - r.y0, seg.y1 - seg.y0) for seg in left)

    return len(right) >= 2 and sum(partnered(r) for r in right) < len(right) / 2


def _rows(segments: list[Segment]) -> list[list[Segment]]:
    """Segments side by side on one visual line, each row left to right, rows top to bottom."""
    rows: list[list[Segment]] = []
    for seg in sorted(segments, key=lambda s: s.cy):
        if rows:
            ref = rows[-1][0]
            h = min(ref.y1 - ref.y0, seg.y1 - seg.y0)
            if abs(seg.cy - ref.cy) < 0.5 * h:
                rows[-1].append(seg)
                continue
        rows.append([seg])
    return [sorted(row, key=lambda s: s.x0) for row in rows]


def _read_rows(segments: list[Segment]) -> list[str]:
    return [" ".join(s.text for s in row) for row in _rows(segments)]


def order_segments(segments: list[Segment], page_width: float, page_height: float) -> list[str]:
    """Text lines in reading order: bands of rows top to bottom, column bands read left column first."""
    lo, hi = 0.25 * page_width, 0.75 * page_width
    out: list[str] = []
    band: list[Segment] = []
    allowed: list[tuple[float, float]] = []

    def flush() -> None:
        if not band:
            return
        gutter = (allowed[0][0] + allowed[0][1]) / 2 if allowed else page_width / 2
        if allowed and _is_column_band(band, gutter, page_height):
            out.extend(_read_rows([s for s in band if s.x1 <= gutter]))
            out.extend(_read_rows([s for s in band if s.x0 >= gutter]))
        else:
            out.extend(_read_rows(band))

    for row in _rows(segments):
        gaps: list[tuple[float, float]] = [(lo, hi)]
        for seg in row:
            gaps = _intersect(gaps, _gutters(seg, lo, hi))
        merged = _intersect(allowed, gaps) if band else gaps
        if band and merged:
            band.extend(row)
            allowed = merged
            continue
        flush()
        band, allowed = list(row), gaps
    flush()
    return out


def reading_order_text(words: list[Word], page_width: float, page_height: float) -> str:
    segments: list[Segment] = []
    for line in group_lines([w for w in words if w.text.strip()]):
        segments.extend(split_segments(line, page_width))
    return "\n".join(order_segments(segments, page_width, page_height))
