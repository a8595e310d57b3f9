"""Is a PDF page's text layer real Vietnamese that covers everything visible on the page?

Three ways a text layer lies: it is empty; it is garbage or a legacy 8-bit encoding (TCVN3 "Qu¸n",
VNI "Quyeát") that renders right but extracts wrong; or it misses text that is visible (electronic
stamps of number and day drawn by signature widgets). The first two send the page to OCR; the third keeps
the layer and OCRs only the uncovered ink ("hybrid").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

import cv2
import numpy as np

from config.settings import Settings
from extractors.layout import Word
from extractors.vietnamese import is_vietnamese_syllable, nfc

_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_GARBAGE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff]")


@dataclass
class TextLayerVerdict:
    usable: bool
    reason: str
    method: str = "text_layer"
    words: list[Word] = field(default_factory=list)
    quality: float = 0.0


def vietnamese_quality(text: str) -> float:
    """Share of word tokens that are well-formed Vietnamese syllables (abbreviations aside)."""
    if _GARBAGE.search(text) and len(_GARBAGE.findall(text)) > 3:
        return 0.0
    good = bad = 0
    for tok in _TOKEN.findall(nfc(text)):
        if is_vietnamese_syllable(tok):
            good += 1
        elif tok.isupper() and tok.isascii() and len(tok) <= 8:
            continue  # UBND, QĐ-UBND parts, KGVX: symbols, not words
        else:
            bad += 1
    return good / (good + bad) if good + bad else 0.0


def _layer_words(ppage, dpi: float) -> list[Word]:
    scale = dpi / 72.0
    raw = ppage.dedupe_chars().extract_words(keep_blank_chars=False, use_text_flow=False)
    return [
        Word(
            text=nfc(w["text"]),
            x0=w["x0"] * scale, y0=w["top"] * scale, x1=w["x1"] * scale, y1=w["bottom"] * scale,
            conf=100.0, source="text_layer",
        )
        for w in raw
        if w["text"].strip()
    ]


def ink_mask(image: np.ndarray) -> np.ndarray:
    """Dark, non-red pixels: text ink in black or blue, without red seals."""
    if image.ndim == 3:
        r, g, b = (image[..., k].astype(np.int16) for k in range(3))
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        red = (r > 100) & (r > g + 50) & (r > b + 50)
        return (gray < 150) & ~red
    return image < 150


def uncovered_text_boxes(image: np.ndarray, words: list[Word]) -> list[tuple[int, int, int, int]]:
    """Character-sized ink blobs that no text-layer word covers, as (x0, y0, x1, y1) boxes."""
    mask = ink_mask(image).astype(np.uint8)
    pad = 3
    for w in words:
        mask[max(int(w.y0) - pad, 0): int(w.y1) + pad, max(int(w.x0) - pad, 0): int(w.x1) + pad] = 0
    heights = [w.height for w in words if w.height > 0]
    h = median(heights) if heights else 40.0
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = []
    for k in range(1, n):
        x, y, bw, bh, area = stats[k]
        if 0.3 * h <= bh <= 1.6 * h and bw <= 3 * h and area >= 0.02 * h * h:
            boxes.append((int(x), int(y), int(x + bw), int(y + bh)))
    return boxes


def assess_text_layer(ppage, image: np.ndarray, dpi: float, settings: Settings) -> TextLayerVerdict:
    words = _layer_words(ppage, dpi)
    text = " ".join(w.text for w in words)
    quality = vietnamese_quality(text)
    if len(text.replace(" ", "")) < 20:
        return TextLayerVerdict(False, "text layer nearly empty", quality=quality)
    if quality < settings.text_layer_min_quality:
        return TextLayerVerdict(
            False, f"text layer is not readable Vietnamese (quality {quality:.2f}; legacy TCVN3/VNI font?)",
            quality=quality,
        )
    blobs = uncovered_text_boxes(image, words)
    if len(blobs) >= 2:
        return TextLayerVerdict(
            True, f"text layer plus OCR of {len(blobs)} uncovered marks", method="hybrid", words=words,
            quality=quality,
        )
    return TextLayerVerdict(True, f"text layer (quality {quality:.2f})", words=words, quality=quality)
