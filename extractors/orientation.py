"""Putting pages upright, paying for orientation detection only on pages that need it.

Most pages arrive upright. Instead of running Tesseract's orientation detection (OSD, a second
Tesseract process) on every page, the first OCR pass is judged: an upright page reads as Vietnamese
syllables in wide word boxes. Text read in tall boxes means a page turned a quarter; a page read as
non-words (what Tesseract makes of upside-down text) may be turned half. Only then does OSD run; the
pipeline then cleans and reads the turned original again and keeps the better reading.
"""

from __future__ import annotations

import re
import time

import cv2
import numpy as np

from extractors.layout import Word
from extractors.preprocess import downscale
from extractors.vietnamese import is_vietnamese_syllable

# An upside-down page reads as 20-40 % syllables, an upright one (even a poor 150 dpi copy) above 90 %.
MIN_SYLLABLE_SHARE = 0.6
MIN_WORDS_TO_JUDGE = 15
# A poor copy turned a quarter may read as nothing at all: Tesseract takes its sideways lines for a picture
MIN_WORDS_UPRIGHT = 3

_OSD_ROTATE = re.compile(r"Rotate:\s+(\d+)")
_OSD_CONF = re.compile(r"Orientation confidence:\s+([\d.]+)")


def _letters(word: Word) -> str:
    return "".join(c for c in word.text.lower() if c.isalpha())


def syllable_share(words: list[Word]) -> tuple[int, float]:
    """(words with two letters or more, the share of them that are Vietnamese syllables)."""
    cores = [core for core in (_letters(w) for w in words) if len(core) >= 2]
    if not cores:
        return 0, 0.0
    return len(cores), sum(map(is_vietnamese_syllable, cores)) / len(cores)


def tall_share(words: list[Word]) -> float:
    """Share of words of three characters or more whose box is taller than wide: lines run down the page."""
    long = [w for w in words if len(w.text) >= 3]
    if not long:
        return 0.0
    return sum((w.y1 - w.y0) > (w.x1 - w.x0) for w in long) / len(long)


def needs_osd(words: list[Word]) -> str | None:
    """Why this first reading suggests a turned page, or None when it reads as an upright page."""
    if len(words) < MIN_WORDS_UPRIGHT:
        return "almost nothing read"
    if tall_share(words) > 0.5:
        return "text runs down the page"
    n, share = syllable_share(words)
    if n >= MIN_WORDS_TO_JUDGE and share < MIN_SYLLABLE_SHARE:
        return f"only {share:.0%} of words are Vietnamese syllables"
    return None


def reading_quality(words: list[Word]) -> float:
    """Syllables read in wide boxes: higher is a better reading of the same page."""
    n, share = syllable_share(words)
    return n * share * (1.0 - tall_share(words))


def detect(gray: np.ndarray, dpi: float) -> tuple[int, float]:
    """Tesseract OSD: (degrees clockwise that put the page upright, confidence). Raises when it cannot tell."""
    import pytesseract

    from extractors.ocr import page_file

    with page_file(downscale(gray, dpi, 150)) as path:
        out = pytesseract.image_to_osd(path, config="--psm 0 -c min_characters_to_try=20", timeout=30)
    return int(_OSD_ROTATE.search(out).group(1)), float(_OSD_CONF.search(out).group(1))


def rotate_quarter(img: np.ndarray, degrees_cw: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(img, codes[degrees_cw]) if degrees_cw in codes else img


def turns_to_try(state, words: list[Word], dpi: int) -> list[int]:
    """Turns (degrees clockwise) that may put the page of this first reading upright, likeliest first.

    Nothing for a reading that looks upright. Otherwise OSD's verdict first, even a weak one (the turned
    reading is compared with this one, so a wrong guess costs time, not accuracy), then the turns the
    reading itself suggests: a quarter either way for text running down the page, a half for non-words.
    OSD's verdict and time are noted in `state` (a preprocess.PageState).
    """
    reason = needs_osd(words)
    if reason is None:
        return []
    t = time.perf_counter()
    rot = 0
    try:
        rot, conf = detect(state.gray, dpi)
        state.notes.append(f"osd rotate={rot} conf={conf:.1f} ({reason})")
    except Exception as exc:  # noqa: BLE001 - too few characters, or OSD data missing
        state.notes.append(f"orientation unknown ({str(exc).splitlines()[0][:60]}; {reason})")
    finally:
        state.timings_ms["orientation"] = (time.perf_counter() - t) * 1000
    if len(words) < MIN_WORDS_UPRIGHT:
        suggested = [90, 270, 180]
    else:
        suggested = [90, 270] if tall_share(words) > 0.5 else [180]
    return list(dict.fromkeys(([rot] if rot else []) + suggested))


def reads_upright(words: list[Word]) -> bool:
    return needs_osd(words) is None


def turned_is_better(first: list[Word], turned: list[Word]) -> bool:
    before, after = reading_quality(first), reading_quality(turned)
    return after > before if before == 0 else after >= before  # a blank page stays as it came
