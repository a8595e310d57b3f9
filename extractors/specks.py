"""Photocopy specks among the letters: the ones `preprocess.despeckle` cannot call lonely.

A copy of a copy carries hundreds of toner specks. Those far from any text are easy; those inside a line are
read as stops, colons and tone marks ("ngân: Sách", "Thôn Trưng"), and those stuck to a letter change it.
Two tests, both from the geometry of print, tell them from the marks of Vietnamese:

- a dot of the script (the dot of i, the dot below, a stop, a colon's dots) has its place: right above or
  below a letter, or after a letter on its baseline, and it is about as thick as the strokes beside it. A
  solid blob anywhere else in the line, or in such a place but much thicker than the stroke beside it, is
  a speck. Accents (acute, grave, hook, tilde, breve, circumflex) are thin strokes, never solid blobs, and
  are left alone;
- a solid block stuck to a letter is much thicker than the stroke it touches and stands out of it, while a
  stroke's end or a junction continues into strokes as thick as itself.

Sizes are in pixels at 300 dpi, scaled to the resolution of the image at hand. Only a page that
`despeckle` found speckled (SPECKLED_PAGE) is touched, so a clean scan reaches Tesseract exactly as it was.
What neither test can tell from print is left: a speck where a stop stands and about as thick as one, or
one stuck to a letter no thicker than its strokes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# lonely specks per square inch that make a page a speckled copy: clean, flatbed and hurried scans of the
# generated set leave at most 2.4 (a seal's and a signature's debris), the pages of ../shared/realscans at most 5,
# copies of copies 15 to 24
SPECKLED_PAGE = 8.0
# a dot of the script is at most this many times as thick as the stroke of the letter it belongs to (1.6 at
# most in print, bold and italic, 150 to 300 dpi: tests/test_specks.py)
DOT_THICKNESS = 1.8
# a block stuck to a letter is at least this many times as thick as the letter's mean stroke, and thicker
# than the ball of a horn (ơ, ư; 4.5 px at 300 dpi) ...
BLOCK_THICKNESS = 1.6
# ... the strokes it touches at most this share of its own thickness ...
TOUCHING_STROKE = 0.4
# ... and ink covers at most this share of the ring around it (a junction is surrounded by strokes)
RING_INK = 0.3


@dataclass
class Strokes:
    """Half stroke widths (chessboard distance to the paper) of a page's ink components."""

    dist: np.ndarray  # per pixel
    ridge: tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, columns and components of the strokes' middle lines
    mean: np.ndarray  # per component: mean half-width along its middle lines
    peak: np.ndarray  # per component: its thickest point


def measure_strokes(labels: np.ndarray, alive: np.ndarray) -> Strokes:
    ink = alive[labels].astype(np.uint8)
    # chessboard distances are whole numbers: as bytes, the dilation below is a tenth of the float one's time
    dist = np.minimum(cv2.distanceTransform(ink, cv2.DIST_C, 3), 255).astype(np.uint8)
    ys, xs = np.nonzero((dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8))) & (ink > 0))
    owner, depth = labels[ys, xs], dist[ys, xs]
    n = len(alive)
    mean = np.bincount(owner, depth.astype(np.float64), n) / np.maximum(np.bincount(owner, None, n), 1)
    # the thickest point of each: ridge depths sorted by component, the last of each run
    order = np.lexsort((depth, owner))
    last = np.r_[owner[order][1:] != owner[order][:-1], True]
    peak = np.zeros(n, dtype=np.float32)
    peak[owner[order][last]] = depth[order][last]
    return Strokes(dist, (ys, xs, owner), mean, peak)


def solid_blobs(stats: np.ndarray, alive: np.ndarray, unit: float) -> np.ndarray:
    """Components that could be a dot or a speck: small, filled, about as wide as high, and well under the
    height of the page's letters (a bold "o" whose counter filled in is not one)."""
    w, h, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    fill = area / np.maximum(w * h, 1)
    letters = alive & (area > 200 * unit * unit)
    letter_h = float(np.median(h[letters])) if letters.any() else 40 * unit
    return (alive & (area >= 6 * unit * unit) & (area <= 200 * unit * unit) & (fill >= 0.7)
            & (np.maximum(w, h) <= 1.6 * np.minimum(w, h)) & (np.maximum(w, h) <= 0.6 * letter_h))


def _on_baseline(top: int, bottom: int, x0: int, letter_h: int, unit: float, labels: np.ndarray,
                 stats: np.ndarray, letters: np.ndarray) -> bool:
    """Whether a mark from `top` to `bottom` stands on the line of the letters before it: a stop ends where
    they end (after "Công" too, though the g hangs below), a comma's tail crosses it."""
    window = labels[max(bottom - 2 * letter_h, 0):bottom + letter_h // 2, max(x0 - 8 * letter_h, 0):x0]
    ids = np.unique(window)
    ids = ids[letters[ids] & (stats[ids, cv2.CC_STAT_HEIGHT] >= letter_h // 2)]
    ends = stats[ids, cv2.CC_STAT_TOP] + stats[ids, cv2.CC_STAT_HEIGHT]
    tol = max(0.2 * letter_h, 3 * unit)
    return bool(((ends >= (top + bottom) / 2 - tol) & (ends <= bottom + tol)).any())


class _Page:
    """A page's components, for finding what stands beside a blob."""

    def __init__(self, labels: np.ndarray, stats: np.ndarray, alive: np.ndarray, unit: float):
        self.labels, self.stats, self.alive, self.unit = labels, stats, alive, unit
        self.blobs = solid_blobs(stats, alive, unit)
        self.letters = alive & ~self.blobs & (stats[:, cv2.CC_STAT_AREA] > 30 * unit * unit)
        self.x0, self.y0 = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
        self.x1, self.y1 = self.x0 + stats[:, cv2.CC_STAT_WIDTH], self.y0 + stats[:, cv2.CC_STAT_HEIGHT]
        self.gap = max(int(round(10 * unit)), 2)

    def _beside(self, k: int, left: bool, reach: int | None = None) -> np.ndarray:
        """Letters whose box ends (left) or starts (right) within a gap of blob `k`, level with it. Boxes, not
        pixels: the bowl of a P overhangs the stop after it, an italic letter the mark after it."""
        x0, y0, x1, y1 = self.x0[k], self.y0[k], self.x1[k], self.y1[k]
        reach = reach or self.gap
        if left:
            near = (self.x0 < x0) & (self.x1 >= x0 - reach) & (self.x1 <= x1)
        else:
            near = (self.x1 > x1) & (self.x0 <= x1 + reach) & (self.x0 >= x0)
        return np.flatnonzero(near & self.letters & (self.y0 < y1) & (self.y1 > y0 - self.gap))

    def dot_neighbours(self, k: int) -> set[int]:
        """The components that give blob `k` a dot's place: ink right above or below it (the letter of an i
        dot or a dot below, or the other part of a mark), a letter right before it that it ends level with
        on the line (a stop, a comma, a colon's lower dot), a letter right after it that it starts level
        with (an opening quote), or, in a line, a small mark below it on the line (a colon's or a
        semicolon's upper dot)."""
        labels, stats, alive, unit, gap = self.labels, self.stats, self.alive, self.unit, self.gap
        x0, y0, x1, y1 = (int(v) for v in (self.x0[k], self.y0[k], self.x1[k], self.y1[k]))
        rows, cols = labels.shape
        xa, xb = max(x0 - 1, 0), min(x1 + 1, cols)
        found: set[int] = set()
        # the mark of a big letter stands further off it: the dot under a bold capital Ậ
        far = 3 * gap
        for j in np.unique(labels[y1:min(y1 + far, rows), xa:xb]):
            if j and j != k and alive[j] and self.y0[j] - y1 <= max(gap, 0.35 * stats[j, cv2.CC_STAT_HEIGHT]):
                found.add(int(j))
        for j in np.unique(labels[max(y0 - far, 0):y0, xa:xb]):
            if j and j != k and alive[j] and y0 - self.y1[j] <= max(gap, 0.35 * stats[j, cv2.CC_STAT_HEIGHT]):
                found.add(int(j))
        before = self._beside(k, left=True, reach=2 * gap)  # an italic colon stands off its letter
        for j in before[self.x1[before] >= x0 - gap]:
            h = int(stats[j, cv2.CC_STAT_HEIGHT])
            if self.y0[j] < y1 <= self.y1[j] + 0.25 * h and _on_baseline(
                    y1 - 1, y1, x0, h, unit, labels, stats, self.letters):
                found.add(int(j))
        for j in self._beside(k, left=False):
            if abs(int(self.y0[j]) - y0) <= 0.25 * int(stats[j, cv2.CC_STAT_HEIGHT]):
                found.add(int(j))
        if len(before):
            h = y1 - y0
            slant = max(int(0.5 * (h + 16 * unit)), 1)
            column = labels[y1:min(y1 + int(1.2 * h + 16 * unit), rows), max(x0 - slant, 0):x1 + 1]
            line_h = int(stats[before, cv2.CC_STAT_HEIGHT].max())
            for j in np.unique(column):
                if j and j != k and alive[j] and stats[j, cv2.CC_STAT_AREA] <= 200 * unit * unit and _on_baseline(
                        int(self.y0[j]), int(self.y1[j]), x0, line_h, unit, labels, stats, self.letters):
                    # the letters beside give the stroke too: a bold semicolon's dot is thicker than its tail
                    found.update([int(j), *map(int, before)])
        return found


def specks_in_lines(labels: np.ndarray, stats: np.ndarray, alive: np.ndarray, strokes: Strokes,
                    unit: float) -> list[int]:
    """Solid blobs with no dot's place, or DOT_THICKNESS times as thick as the strokes of what they sit by."""
    page = _Page(labels, stats, alive, unit)
    out = []
    for k in np.flatnonzero(page.blobs):
        near = page.dot_neighbours(int(k))
        if not near:
            out.append(int(k))
            continue
        stroke = max(float(strokes.mean[j]) for j in near)
        if strokes.peak[k] >= max(DOT_THICKNESS * stroke, 3 * unit):
            out.append(int(k))
    return out


def blocks_on_letters(labels: np.ndarray, stats: np.ndarray, alive: np.ndarray, strokes: Strokes,
                      unit: float) -> list[tuple[int, int, int, int]]:
    """(top, bottom, left, right) of solid blocks stuck to letters: thicker than the letter's strokes, the
    strokes they touch thin beside them, little ink around them."""
    dist, rows, cols = strokes.dist, labels.shape[0], labels.shape[1]
    letters = alive & (stats[:, cv2.CC_STAT_AREA] > 150 * unit * unit)
    ys, xs, owner = strokes.ridge
    d = dist[ys, xs].astype(np.int64)
    deep = letters[owner] & (d >= np.maximum(BLOCK_THICKNESS * strokes.mean, 4.5 * unit)[owner])
    ys, xs, d = ys[deep], xs[deep], d[deep]
    inside = (ys - d - 2 >= 0) & (xs - d - 2 >= 0) & (ys + d + 3 <= rows) & (xs + d + 3 <= cols)
    ys, xs, d = ys[inside], xs[inside], d[inside]
    # the ring test for every candidate at once (summed areas): most are points of thick strokes
    area = cv2.integral((dist > 0).astype(np.uint8))
    outer = _box_sum(area, ys - d - 2, ys + d + 3, xs - d - 2, xs + d + 3)
    inner = _box_sum(area, ys - d - 1, ys + d + 2, xs - d - 1, xs + d + 2)
    ring = (2 * d + 5) ** 2 - (2 * d + 3) ** 2
    keep = (outer - inner) <= RING_INK * ring
    ys, xs = ys[keep], xs[keep]
    order = np.argsort(-dist[ys, xs], kind="stable")  # the centre of a block before its edges
    taken = np.zeros(labels.shape, dtype=bool)
    out = []
    for cy, cx in zip(ys[order], xs[order], strict=True):
        if taken[cy, cx]:
            continue
        d = int(dist[cy, cx])
        top, bottom, left, right = cy - d - 2, cy + d + 3, cx - d - 2, cx + d + 3
        if top < 0 or left < 0 or bottom > rows or right > cols:
            continue
        around = np.ones((bottom - top, right - left), dtype=bool)
        around[1:-1, 1:-1] = False
        if dist[top:bottom, left:right][around].max() > TOUCHING_STROKE * d:
            continue
        taken[top:bottom, left:right] = True
        out.append((cy - d - 1, cy + d + 2, cx - d - 1, cx + d + 2))
    return out


def _box_sum(area: np.ndarray, top: np.ndarray, bottom: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Sums of boxes [top, bottom) x [left, right) from a summed-area table (cv2.integral)."""
    return area[bottom, right] - area[top, right] - area[bottom, left] + area[top, left]
