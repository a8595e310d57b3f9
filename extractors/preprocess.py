"""Page-image cleaning with OpenCV before OCR.

Each step is a small function `step(state) -> None` that can be switched off through
`Settings.preprocess_steps` and is timed, so that its worth can be measured (bench/accuracy.py).
Geometry (rotation, deskew) is applied to the colour page as well, which becomes the archival image;
the rest only touches the greyscale image given to Tesseract.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from config.settings import Settings
from extractors import specks


@dataclass
class PageState:
    gray: np.ndarray  # what Tesseract will read
    color: np.ndarray  # the page as a person sees it, same geometry as `gray` before rescaling
    dpi: float
    settings: Settings
    rotation: int = 0  # degrees clockwise applied to put the text upright
    skew: float = 0.0  # degrees of deskew applied
    scale: float = 1.0  # gray pixels per colour pixel
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # connected components of the ink of `gray`, kept for the next step when it is still that image
    components: Components | None = None
    specks_per_sq_inch: float = 0.0  # the lonely specks despeckle erased, per square inch of page

    @property
    def speckled(self) -> bool:
        """A copy's speckle, not a clean scan's few stray dots (a seal's and a signature's debris)."""
        return self.specks_per_sq_inch >= specks.SPECKLED_PAGE


@dataclass
class Components:
    of: np.ndarray  # the grey image they were labelled on (compared by identity)
    n: int
    labels: np.ndarray
    stats: np.ndarray
    centroids: np.ndarray
    alive: np.ndarray  # per label: still ink in `of` (a step may have erased some)


def ink_components(s: PageState) -> Components:
    """Otsu ink of the page, labelled once: the speck and rule steps both need it."""
    c = s.components
    if c is not None and c.of is s.gray:
        return c
    ink = cv2.threshold(s.gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1].astype(np.uint8)
    # BBDT: a third of the default's time on one thread (workers run one thread each)
    n, labels, stats, centroids = cv2.connectedComponentsWithStatsWithAlgorithm(ink, 8, cv2.CV_32S, cv2.CCL_BBDT)
    alive = np.ones(n, dtype=bool)
    alive[0] = False
    s.components = Components(s.gray, n, labels, stats, centroids, alive)
    return s.components


def _to_gray(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img


def _red_mask(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., k].astype(np.int16) for k in range(3))
    return (r > 90) & (r > g + 40) & (r > b + 40)


# ---------------------------------------------------------------- steps


def seal_suppression(s: PageState) -> None:
    """Red seals and stamps vanish: their pixels take the red channel's value, which is light.

    Black or blue ink under the seal stays dark because its red channel is dark too, so the signer's
    name and handwritten numbers in blue survive.
    """
    if s.color.ndim != 3 or _red_mask(s.color).mean() < 0.0005:
        _grey_seal_suppression(s)  # a colour seal scanned in grey: lighter than the text over it
        return
    mask = _red_mask(s.color)
    gray = s.gray.copy()
    gray[mask] = np.maximum(gray[mask], s.color[..., 0][mask])
    s.gray = gray
    s.notes.append(f"seal pixels suppressed: {mask.mean():.1%}")


def _grey_seal_suppression(s: PageState) -> None:
    """On a grey scan, a red seal prints mid-grey: whiten mid-grey ink inside seal-sized round regions,
    keeping the near-black strokes (the signer's title and name) that cross it."""
    gray = s.gray
    f = 100.0 / s.dpi  # work at 100 dpi: a seal is 1.2-2 inches across
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    # grey relative to the paper around it: on a dim copy of a copy the paper itself reads mid-grey and would
    # join every seal into one page-sized blob
    paper = cv2.medianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                                              (15, 15))), 31)
    paper = np.maximum(paper, 1)
    small = cv2.divide(small, paper, scale=255)
    mid = ((small > 95) & (small < 215)).astype(np.uint8)
    mid = cv2.morphologyEx(mid, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(mid, connectivity=8)
    found = 0
    out = None
    for k in range(1, n):
        x, y, w, h, area = stats[k]
        if not (90 <= w <= 230 and 90 <= h <= 230 and 0.75 <= w / h <= 1.33):
            continue
        if not 0.08 <= area / (w * h) <= 0.6:  # a ring with text, not a filled grey box
            continue
        if out is None:
            out = gray.copy()
        x0, y0, x1, y1 = (int(v / f) for v in (x, y, x + w, y + h))
        region = out[y0:y1, x0:x1]
        # near-black strokes stay: below 110 on white paper, proportionally less on dim paper
        region[region > 110 * min(1.0, float(np.median(paper[y:y + h, x:x + w])) / 235)] = 255
        found += 1
    if out is not None:
        s.gray = out
        s.notes.append(f"grey seal suppressed: {found}")


def border_crop(s: PageState) -> None:
    """Whiten dark scanner borders (lid shadow, page edges) so they are not read as text."""
    gray = s.gray
    dark = gray < 90
    h, w = gray.shape
    limit_r, limit_c = int(0.08 * h), int(0.08 * w)
    top = next((i for i in range(limit_r) if dark[i].mean() < 0.5), limit_r)
    bottom = next((i for i in range(limit_r) if dark[h - 1 - i].mean() < 0.5), limit_r)
    left = next((j for j in range(limit_c) if dark[:, j].mean() < 0.5), limit_c)
    right = next((j for j in range(limit_c) if dark[:, w - 1 - j].mean() < 0.5), limit_c)
    if top + bottom + left + right == 0:
        return
    out = gray.copy()
    margin = 4
    if top:
        out[: top + margin] = 255
    if bottom:
        out[h - bottom - margin:] = 255
    if left:
        out[:, : left + margin] = 255
    if right:
        out[:, w - right - margin:] = 255
    s.gray = out
    s.notes.append(f"border whitened t{top} b{bottom} l{left} r{right}")


def orientation(s: PageState) -> None:
    """Put the page upright (0/90/180/270) with Tesseract's orientation and script detection, before OCR.

    The pipeline normally skips this step and checks the first OCR reading instead
    (extractors/orientation.py), which spares a Tesseract run on every upright page. A page with too
    little text for OSD is left as it is; a weak verdict too, because turning an upright page is worse
    than leaving a turned one for review.
    """
    from extractors.orientation import detect, rotate_quarter

    try:
        rot, conf = detect(s.gray, s.dpi)
    except Exception as exc:  # noqa: BLE001 - too few characters, or OSD data missing
        s.notes.append(f"orientation unknown ({str(exc).splitlines()[0][:60]})")
        return
    s.notes.append(f"osd rotate={rot} conf={conf:.1f}")
    if rot and conf >= s.settings.orientation_min_confidence:
        s.gray = rotate_quarter(s.gray, rot)
        s.color = rotate_quarter(s.color, rot)
        s.rotation = rot


def downscale(img: np.ndarray, dpi: float, target_dpi: float) -> np.ndarray:
    if dpi <= target_dpi:
        return img
    f = target_dpi / dpi
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def _ink_profile_score(gray: np.ndarray, dpi: float, target_dpi: float) -> Callable[[float], float]:
    """score(angle): sharpness of the row profile of the ink turned by `angle`, at `target_dpi`."""
    small = downscale(gray, dpi, target_dpi)
    binary = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
    h, w = binary.shape
    center = (w / 2, h / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(center, angle, 1.0)
        rot = cv2.warpAffine(binary, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        rows = rot.sum(axis=1, dtype=np.float64)
        return float(np.sum(np.diff(rows) ** 2))

    return score


def estimate_skew(gray: np.ndarray, dpi: float, max_angle: float = 8.0) -> float:
    """Skew angle in degrees by maximising the sharpness of the horizontal ink profile.

    The coarse search runs at 50 dpi (text lines are still distinct there), the fine one at 100 dpi.
    """
    coarse = _ink_profile_score(gray, dpi, 50)
    best = max(np.arange(-max_angle, max_angle + 0.01, 0.5), key=coarse)
    fine = _ink_profile_score(gray, dpi, 100)
    return float(max(np.arange(best - 0.5, best + 0.51, 0.1), key=fine))


def _rotate_any(img: np.ndarray, angle: float, interpolation: int = cv2.INTER_CUBIC) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = (255, 255, 255) if img.ndim == 3 else 255
    return cv2.warpAffine(img, m, (w, h), flags=interpolation, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=border)


def deskew(s: PageState) -> None:
    angle = estimate_skew(s.gray, s.dpi)
    if abs(angle) < 0.15:
        return
    same = s.color is s.gray  # a grey scan not yet cleaned: one image to turn, not two
    s.gray = _rotate_any(s.gray, angle)
    s.color = s.gray if same else _rotate_any(s.color, angle, cv2.INTER_LINEAR)  # linear: as good to the eye
    s.skew = angle


def rescale(s: PageState) -> None:
    """Bring low-resolution copies up to the OCR resolution (Tesseract wants ~25 px letters) and very large
    scans down to it; scans in between keep their native resolution, which reads best."""
    target = s.settings.ocr_dpi
    if s.dpi < 0.9 * target:
        goal = target
    elif s.dpi > 400:
        goal = max(target, 300)
    else:
        return
    f = goal / s.dpi
    if f > 1 and s.dpi >= IMPULSE_MIN_DPI:
        _drop_impulses(s)
    interp = cv2.INTER_CUBIC if f > 1 else cv2.INTER_AREA
    s.gray = cv2.resize(s.gray, None, fx=f, fy=f, interpolation=interp)
    s.scale *= f
    s.notes.append(f"rescaled {s.dpi:.0f}->{goal} dpi")


# a pixel this much darker or lighter than all eight of its neighbours is a scanner's or a copier's impulse,
# on a page of at least IMPULSE_MIN_DPI: below it a printed dot or tone mark is itself a single pixel (the
# 100-dpi scans of ../shared/realscans)
IMPULSE = 60
IMPULSE_MIN_DPI = 140


def _drop_impulses(s: PageState) -> None:
    """Replace lone dark or light pixels by the median of their neighbourhood before a copy is upscaled:
    the upscale would make each a blob the size of a tone mark. Only pure impulses change (a pixel of a
    stroke, however thin, has a neighbour like it), and only on a copy that has them (0.02% of its pixels)."""
    gray = s.gray
    ring = np.ones((3, 3), np.uint8)
    ring[1, 1] = 0
    g = gray.astype(np.int16)
    lone = (g > cv2.dilate(gray, ring).astype(np.int16) + IMPULSE) | (g < cv2.erode(gray, ring).astype(np.int16) - IMPULSE)
    share = float(lone.mean())
    if share < 0.0002:
        return
    out = gray.copy()
    out[lone] = cv2.medianBlur(gray, 3)[lone]
    s.gray = out
    s.notes.append(f"impulses removed before upscaling ({share:.2%} of pixels)")


def illumination(s: PageState) -> None:
    """Divide by the paper's own brightness: shadows, gradients and tinted paper become white."""
    gray = s.gray
    f = 0.25
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    k = max(int(s.settings.ocr_dpi * f / 10) | 1, 7)  # wider than a stroke, narrower than a shadow
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.medianBlur(background, 2 * k + 1)
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    norm = cv2.divide(gray, np.maximum(background, 1), scale=255)
    s.gray = norm


def denoise(s: PageState) -> None:
    """Remove salt-and-pepper and photocopy speckle when there is enough of it to hurt OCR."""
    med = cv2.medianBlur(s.gray, 3)
    impulsive = float((cv2.absdiff(s.gray, med) > 70).mean())
    if impulsive > 0.002:
        s.gray = med
        s.notes.append(f"median denoise (impulse {impulsive:.2%})")
    # Gaussian grain: a light bilateral pass keeps stroke edges sharp; measured on every 16th pixel
    sample = s.gray[::4, ::4]
    noise = float(np.std(sample[sample > 200])) if (sample > 200).any() else 0.0
    if noise > 6:
        s.gray = cv2.bilateralFilter(s.gray, 5, 40, 5)
        s.notes.append(f"bilateral denoise (grain {noise:.1f})")


def _select(labels: np.ndarray, n: int, ids: np.ndarray) -> np.ndarray:
    """Pixels whose component is among `ids` (a lookup table: much faster than np.isin on a page)."""
    lut = np.zeros(n, dtype=bool)
    lut[ids] = True
    return lut[labels]


def despeckle(s: PageState) -> None:
    """Erase photocopy speckle: small blobs far from any letter.

    Speckle and diacritics are the same size; a diacritic always sits within a letter's height of its
    letter, a speck usually floats alone.
    """
    gray = s.gray
    comps = ink_components(s)
    n, labels, stats, centroids = comps.n, comps.labels, comps.stats, comps.centroids
    if n < 2:
        return
    unit = s.settings.ocr_dpi / 300.0
    small = (stats[:, cv2.CC_STAT_AREA] <= 150 * unit * unit) & comps.alive
    if small.sum() < 25:
        return
    big = ~small & comps.alive
    # where letters are, at quarter resolution: a blob near one of them is a mark, not a speck
    q = 4
    letters = cv2.resize(_select(labels, n, np.flatnonzero(big)).astype(np.uint8) * 255, None, fx=1 / q,
                         fy=1 / q, interpolation=cv2.INTER_AREA)  # any letter pixel leaves a trace > 0
    reach = max(int(28 * unit / q), 2)
    near = cv2.dilate((letters > 0).astype(np.uint8),
                      cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1)))
    ids = np.flatnonzero(small)
    cx = np.clip((centroids[ids, 0] / q).astype(int), 0, near.shape[1] - 1)
    cy = np.clip((centroids[ids, 1] / q).astype(int), 0, near.shape[0] - 1)
    lonely = ids[near[cy, cx] == 0]
    if len(lonely) < 25:  # a clean page has a few stray dots at most: leave it exactly as it is
        return
    out = gray.copy()
    out[_select(labels, n, lonely)] = 255
    s.gray = out
    comps.of = out
    comps.alive[lonely] = False
    inches = gray.shape[0] * gray.shape[1] / (s.dpi * s.scale) ** 2
    s.specks_per_sq_inch = len(lonely) / inches
    s.notes.append(f"despeckle: {len(lonely)} specks")


def text_specks(s: PageState) -> None:
    """On a speckled copy, erase the specks inside lines of text too: solid blobs where no dot of the script
    belongs, and solid blocks stuck to letters (extractors/specks.py). A page with fewer lonely specks than a
    copy's speckle leaves (a clean scan's seal and signature leave a few) is not touched."""
    if not s.speckled:
        return
    comps = ink_components(s)
    if comps.n < 2:
        return
    unit = s.dpi * s.scale / 300.0  # the resolution of the image at hand (native when not rescaled)
    strokes = specks.measure_strokes(comps.labels, comps.alive)
    loose = specks.specks_in_lines(comps.labels, comps.stats, comps.alive, strokes, unit)
    blocks = specks.blocks_on_letters(comps.labels, comps.stats, comps.alive, strokes, unit)
    if not loose and not blocks:
        return
    out = s.gray.copy()
    if loose:
        out[_select(comps.labels, comps.n, np.array(loose))] = 255
    ink = strokes.dist > 0  # the live ink, as measured
    for top, bottom, left, right in blocks:
        out[top:bottom, left:right][ink[top:bottom, left:right]] = 255
    s.gray = out
    s.components = None  # blocks cut pieces out of letters: their labels no longer hold
    s.notes.append(f"specks in lines: {len(loose)}, on letters: {len(blocks)}")


def remove_rules(s: PageState) -> None:
    """Erase dotted leader lines ("Họ, chữ đệm, tên: ........") and long ruling lines.

    Tesseract reads a row of dots as "EEE1112121111" and a rule as dashes. Leader dots are told apart from
    diacritic dots by their company: a long, evenly spaced run of specks on one baseline.
    """
    gray = s.gray
    comps = ink_components(s)
    n, labels, stats = comps.n, comps.labels, comps.stats
    unit = s.settings.ocr_dpi / 300.0  # sizes below are for 300 dpi
    w, h, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    speck = (w <= 9 * unit) & (h <= 9 * unit) & (area <= 50 * unit * unit)
    rule = (w >= 120 * unit) & (h <= 8 * unit) & (w >= 20 * h)
    speck &= comps.alive
    rule &= comps.alive
    erase = rule.copy()
    if speck.any():
        specks = _select(labels, n, np.flatnonzero(speck)).astype(np.uint8)
        runs = cv2.morphologyEx(specks, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (int(22 * unit), 1)))
        # outlines, not a second labelling of the page: the runs are few and thin (1 ms against 50)
        outlines, _ = cv2.findContours(runs, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        ids = np.flatnonzero(speck)
        cx, cy = comps.centroids[ids, 0], comps.centroids[ids, 1]
        for x, y, rw, rh in map(cv2.boundingRect, outlines):
            if rw >= 90 * unit and rh <= 12 * unit:
                erase[ids[(cx >= x) & (cx < x + rw) & (cy >= y) & (cy < y + rh)]] = True
    if not erase.any():
        return
    out = gray.copy()
    out[_select(labels, n, np.flatnonzero(erase))] = 255
    s.gray = out
    comps.of = out  # erasing whole components leaves the others' labels valid
    comps.alive &= ~erase
    s.notes.append(f"rules and leader dots erased: {int(erase.sum())} marks")


def binarize(s: PageState) -> None:
    """Adaptive threshold; then drop specks smaller than any diacritic."""
    block = max(int(s.settings.ocr_dpi / 10) | 1, 15)
    binary = cv2.adaptiveThreshold(s.gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)
    inv = 255 - binary
    n, labels, stats, _ = cv2.connectedComponentsWithStats(inv, connectivity=8)
    small = np.where(stats[:, cv2.CC_STAT_AREA] < 4)[0]
    if len(small) > 1:
        binary[np.isin(labels, small[small > 0])] = 255
    s.gray = binary


STEPS: dict[str, Callable[[PageState], None]] = {
    "seal_suppression": seal_suppression,
    "border_crop": border_crop,
    "orientation": orientation,
    "deskew": deskew,
    "rescale": rescale,
    "illumination": illumination,
    "denoise": denoise,
    "despeckle": despeckle,
    "text_specks": text_specks,
    "remove_rules": remove_rules,
    "binarize": binarize,
}
ORDER = [
    "seal_suppression", "border_crop", "orientation", "deskew", "rescale", "illumination", "denoise", "remove_rules",
    "despeckle", "text_specks", "binarize",
]


def preprocess(image: np.ndarray, dpi: float, settings: Settings, steps: list[str] | None = None) -> PageState:
    enabled = set(settings.preprocess_steps if steps is None else steps)
    unknown = enabled - set(STEPS)
    if unknown:
        raise ValueError(f"unknown preprocessing steps: {sorted(unknown)}; known: {ORDER}")
    color = image if image.ndim == 3 else image
    state = PageState(gray=_to_gray(image), color=color, dpi=dpi, settings=settings)
    for name in ORDER:
        if name in enabled:
            t = time.perf_counter()
            STEPS[name](state)
            state.timings_ms[name] = (time.perf_counter() - t) * 1000
    return state
