"""Page images for the record page and the review queue, rendered from the archival PDF/A copy.

Only files the store points to are served, and only when they resolve (symlinks followed) to a PDF
inside the archive (<data_dir>/archive): a URL never names a path, so there is nothing to traverse. Renders are cached on disk
under <data_dir>/cache/web, keyed by the file's path, size and modification time.

The review queue shows the region of the page a doubtful field was read from. Records do not keep word
boxes, but the PDF/A carries the invisible text layer of the one OCR pass, with the position of every
word: the field's value is looked up in it (folded, so diacritics the OCR got wrong still match).
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from config.settings import Settings
from extractors.vietnamese import fold_key

DISPLAY_WIDTH = 1000
CROP_WIDTH = 1600
# PDFium is not thread-safe; the web server renders from a thread pool
_pdfium_lock = threading.Lock()
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


class NoImage(LookupError):
    """The record has no archival copy the web may serve (none made, missing, or outside the data dir)."""


def archive_file(settings: Settings, record: Mapping[str, Any]) -> Path:
    raw = (record.get("archive") or {}).get("pdfa_path")
    if not raw:
        raise NoImage("no archival copy")
    data_dir = Path(settings.data_dir).resolve()
    root = data_dir / "archive"
    path = Path(str(raw))
    if not path.is_absolute():
        path = data_dir / path
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL byte in the path
        raise NoImage("archival copy missing") from None
    if not resolved.is_relative_to(root) or resolved.suffix.lower() != ".pdf" or not resolved.is_file():
        raise NoImage("archival copy outside the archive")
    return resolved


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:24]


def page_count(path: Path) -> int:
    return _page_count(str(path), _fingerprint(path))


@lru_cache(maxsize=1024)
def _page_count(path: str, _fingerprint: str) -> int:
    import pypdfium2 as pdfium

    with _pdfium_lock:
        pdf = pdfium.PdfDocument(path)
        try:
            return len(pdf)
        finally:
            pdf.close()


def _cache_dir(settings: Settings) -> Path:
    d = Path(settings.data_dir) / "cache" / "web"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _render(path: Path, page: int, width: int) -> Any:
    import pypdfium2 as pdfium

    with _pdfium_lock:
        pdf = pdfium.PdfDocument(str(path))
        try:
            if not 1 <= page <= len(pdf):
                raise NoImage(f"no page {page}")
            p = pdf[page - 1]
            scale = width / p.get_width()
            image = p.render(scale=scale, grayscale=False).to_pil()
            p.close()
        finally:
            pdf.close()
    return image


def _cached(settings: Settings, key: str, make: Any) -> Path:
    """JPEG: a scanned page encodes in a few milliseconds (PNG takes a quarter of a second) at a fifth
    of the size, and quality 85 keeps small print legible."""
    target = _cache_dir(settings) / f"{key}.jpg"
    if not target.exists():
        image = make()
        tmp = target.with_suffix(f".{threading.get_ident()}.tmp")
        image.convert("RGB").save(tmp, format="JPEG", quality=85)
        tmp.replace(target)  # atomic: a concurrent request sees the whole file or none
    return target


def page_jpeg(settings: Settings, path: Path, page: int, width: int = DISPLAY_WIDTH) -> Path:
    if not 1 <= page <= page_count(path):
        raise NoImage(f"no page {page}")
    key = f"{_fingerprint(path)}-p{page}-w{width}"
    return _cached(settings, key, lambda: _render(path, page, width))


# ---- where a field was read ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    page: int
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the page


@lru_cache(maxsize=64)
def _page_words(path: str, _fingerprint: str) -> list[tuple[int, float, float, list[tuple[str, float, float, float, float]]]]:
    """Per page: (page number, width, height, words with boxes) from the PDF's text layer."""
    import pdfplumber

    out = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            words = page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False)
            out.append((number, float(page.width), float(page.height),
                        [(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in words]))
    return out


def _compact(text: str) -> str:
    return _NON_ALNUM.sub("", fold_key(text))


def _candidates(field: str, value: str) -> list[str]:
    """How the value may stand on the page: ISO dates are printed 'ngày 05 tháng 07 năm 2021' or 05/07/2021."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    if m:
        y, mo, d = m.groups()
        forms = [f"{d}thang{mo}nam{y}", f"{d}{mo}{y}", f"{int(d)}thang{int(mo)}nam{y}"]
        return list(dict.fromkeys(forms))
    return [_compact(value)]


def locate(path: Path, field: str, value: Any) -> Region | None:
    """The box around the words that read as `value`, or None when the text layer does not hold it."""
    if value is None or str(value).strip() == "":
        return None
    from rapidfuzz import fuzz

    best: tuple[float, int, tuple[float, float, float, float]] | None = None
    for number, width, height, words in _page_words(str(path), _fingerprint(path)):
        pieces = [_compact(w[0]) for w in words]
        owner: list[int] = []
        for i, piece in enumerate(pieces):
            owner.extend([i] * len(piece))
        haystack = "".join(pieces)
        for needle in _candidates(field, str(value)):
            if len(needle) < 2 or not haystack:
                continue
            start = haystack.find(needle)
            if start >= 0:
                score, end = 100.0, start + len(needle)
            elif len(needle) >= 4:
                align = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=80)
                if align is None:
                    continue
                score, start, end = align.score, align.dest_start, align.dest_end
            else:
                continue
            if end <= start:
                continue
            chosen = [words[j] for j in sorted(set(owner[start:end]))]
            box = (min(w[1] for w in chosen) / width, min(w[2] for w in chosen) / height,
                   max(w[3] for w in chosen) / width, max(w[4] for w in chosen) / height)
            if best is None or score > best[0]:
                best = (score, number, box)
    if best is None:
        return None
    return Region(best[1], best[2])


def region_png(settings: Settings, path: Path, region: Region) -> bytes:
    """The region with some of the line around it, so the reviewer sees the label and the neighbours."""
    full = page_jpeg(settings, path, region.page, CROP_WIDTH)
    from PIL import Image

    with Image.open(full) as image:
        w, h = image.size
        x0, y0, x1, y1 = region.box
        pad_x, pad_y = 0.10, 0.012
        box = (max(0, int((x0 - pad_x) * w)), max(0, int((y0 - pad_y) * h)),
               min(w, int((x1 + pad_x) * w)), min(h, int((y1 + pad_y) * h)))
        crop = image.crop(box)
        buf = io.BytesIO()
        crop.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
