"""extract(path, settings) -> Extraction: the whole pure pipeline, top to bottom.

load -> (text layer | preprocess -> OCR) -> reading order -> normalise -> classify + fields -> Record.
Stages are small functions; the story reads in `extract`.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from config.doctypes import rules_for
from config.settings import PIPELINE_VERSION, Settings
from extractors.layout import Word, boxes_overlap, reading_order_text
from extractors.load import Document, Page, open_document
from extractors.ocr import ocr_words, reread_lang
from extractors.orientation import reads_upright, rotate_quarter, turned_is_better, turns_to_try
from extractors.preprocess import preprocess
from extractors.second_look import reread_name_marks, reread_signing_space, reread_surname
from extractors.vietnamese import normalize_text
from schemas.record import Confidence, Record, Source

log = logging.getLogger("sohoa.extract")

LOW_OCR_CONFIDENCE = 0.6


@dataclass
class PageResult:
    index: int
    method: str
    note: str
    dpi: float  # resolution of the coordinate space of `words`
    width: int
    height: int
    words: list[Word]
    text: str
    confidence: float
    rotation: int = 0
    skew: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)
    preprocess_notes: list[str] = field(default_factory=list)
    # the same page read again at other resolutions when the first reading was poor (extractors/readings.py)
    alternates: list[PageResult] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "page": self.index + 1, "method": self.method, "note": self.note, "dpi": round(self.dpi),
            "rotation": self.rotation, "skew": round(self.skew, 2), "confidence": round(self.confidence, 3),
            "words": len(self.words), "readings": 1 + len(self.alternates),
        }


@dataclass
class Extraction:
    record: Record
    pages: list[PageResult]


# A page image goes to whoever wants it (the archival PDF writer) as soon as it is ready, so that
# nothing holds every page of a long file in memory.
PageSink = Callable[[PageResult, np.ndarray], None]


def _confidence(words: list[Word]) -> float:
    chars = sum(len(w.text) for w in words)
    if not chars:
        return 0.0
    return sum(w.conf * len(w.text) for w in words) / chars / 100.0


def _clean_and_read(image: np.ndarray, dpi: float, settings: Settings, steps: list[str] | None):
    state = preprocess(image, dpi, settings, steps=steps)
    t = time.perf_counter()
    words = ocr_words(state.gray, settings, dpi=round(dpi * state.scale))
    state.timings_ms["ocr"] = (time.perf_counter() - t) * 1000
    return state, words


def _ocr_page(page: Page, settings: Settings) -> tuple[PageResult, np.ndarray]:
    # orientation is checked on the first reading (extractors/orientation.py), not by OSD up front
    lazy_orientation = "orientation" in settings.preprocess_steps
    steps = [s for s in settings.preprocess_steps if s != "orientation"] if lazy_orientation else None
    state, words = _clean_and_read(page.image, page.dpi, settings, steps)
    turns = turns_to_try(state, words, round(page.dpi * state.scale)) if lazy_orientation else []
    for rot in turns:
        # the turned original is cleaned from the start: deskew measured on sideways text means nothing
        turned, turned_words = _clean_and_read(rotate_quarter(page.image, rot), page.dpi, settings, steps)
        state.timings_ms["orientation"] = state.timings_ms.get("orientation", 0.0) + turned.timings_ms["ocr"]
        if not turned_is_better(words, turned_words):
            state.notes.append(f"turned {rot}: read worse")
            continue
        turned.rotation = rot
        turned.notes = state.notes + turned.notes
        turned.timings_ms["orientation"] = state.timings_ms["orientation"]
        state, words = turned, turned_words
        if reads_upright(words):
            break
    result = _page_result(page, state, words, settings)
    # a speckled copy is a poor copy however sure Tesseract is once the specks are gone: the specks it
    # kept fall differently at each resolution (reread_below 0 switches extra readings off)
    if result.confidence < settings.reread_below or (settings.reread_below > 0 and state.speckled):
        t = time.perf_counter()
        result.alternates = _read_again(page, settings, steps, state.rotation)
        result.timings_ms["reread"] = (time.perf_counter() - t) * 1000
    return result, state.color


def _page_result(page: Page, state, words: list[Word], settings: Settings) -> PageResult:
    h, w = state.gray.shape[:2]
    if settings.second_look:
        t = time.perf_counter()
        common = rules_for(settings).common
        dpi = round(page.dpi * state.scale)
        extra, replaced = reread_signing_space(state.gray, words, settings, dpi, common)
        if extra:
            words = [wd for wd in words if wd not in replaced] + extra
            state.notes.append(f"signing space read again: {len(extra)} words, {len(replaced)} replaced")
        surname, replaced = reread_surname(state.gray, words, settings, dpi, common)
        if surname:
            words = [wd for wd in words if wd not in replaced] + surname
            state.notes.append(f"signer's surname read again from the name's line: {surname[0].text}")
        respelt = reread_name_marks(state.gray, words, settings, dpi, common)
        if respelt:
            new = {id(a): b for a, b in respelt}
            words = [new.get(id(wd), wd) for wd in words]
            state.notes.append("signer's name read again as one line: "
                               + ", ".join(f"{a.text}→{b.text}" for a, b in respelt))
        state.timings_ms["second_look"] = (time.perf_counter() - t) * 1000
    return PageResult(
        index=page.index, method="ocr", note=page.note, dpi=page.dpi * state.scale, width=w, height=h,
        words=words, text=reading_order_text(words, w, h), confidence=_confidence(words),
        rotation=state.rotation, skew=state.skew, timings_ms=state.timings_ms, preprocess_notes=state.notes,
    )


def _read_again(page: Page, settings: Settings, steps: list[str] | None, rotation: int) -> list[PageResult]:
    """A poor copy read again at other OCR resolutions: the letters fall differently on the grid of each, so
    a speck that turns one reading's 0 into 9 often leaves the other's alone. Only a copy that is upscaled
    for OCR is read again (a native resolution reads the same every time)."""
    out = []
    image = rotate_quarter(page.image, rotation) if rotation else page.image
    lang = reread_lang(settings)
    for dpi in settings.reread_dpis:
        if page.dpi >= 0.9 * dpi or (dpi == settings.ocr_dpi and lang == settings.ocr_lang):
            continue
        alt = settings.model_copy(update={"ocr_dpi": dpi, "ocr_lang": lang})
        state, words = _clean_and_read(image, page.dpi, alt, steps)
        state.rotation = rotation
        state.notes.append(f"extra reading: {lang} at {dpi} dpi")
        out.append(_page_result(page, state, words, alt))
    return out


def _overlaps(a: Word, boxes: list[Word]) -> bool:
    return any(boxes_overlap(a, b) for b in boxes)


def _hybrid_page(page: Page, settings: Settings) -> PageResult:
    """Text-layer words plus OCR of ink the layer does not cover (e-signature stamps of number and day)."""
    layer = page.words or []
    masked = page.image.copy()
    for w in layer:
        masked[max(int(w.y0) - 3, 0): int(w.y1) + 3, max(int(w.x0) - 3, 0): int(w.x1) + 3] = 255
    state = preprocess(masked, page.dpi, settings, steps=["seal_suppression"])
    extra = [
        w for w in ocr_words(state.gray, settings, dpi=round(page.dpi))
        if w.conf >= 60 and any(c.isalnum() for c in w.text) and not _overlaps(w, layer)
    ]
    for w in extra:
        w.line_key = ()
    for w in layer:
        w.line_key = ()
    words = layer + extra
    h, w_ = page.image.shape[:2]
    method, note = ("hybrid", page.note) if extra else ("text_layer", "text layer (uncovered marks are not text)")
    return PageResult(
        index=page.index, method=method, note=note, dpi=page.dpi, width=w_, height=h, words=words,
        text=reading_order_text(words, w_, h), confidence=_confidence(words),
    )


def _text_layer_page(page: Page) -> PageResult:
    words = page.words or []
    h, w = page.image.shape[:2]
    return PageResult(
        index=page.index, method="text_layer", note=page.note, dpi=page.dpi, width=w, height=h, words=words,
        text=reading_order_text(words, w, h), confidence=1.0,
    )


def read_page(page: Page, settings: Settings) -> tuple[PageResult, np.ndarray]:
    if page.method == "text_layer":
        return _text_layer_page(page), page.image
    if page.method == "hybrid":  # the loader found uncovered ink; no need to look again
        return _hybrid_page(page, settings), page.image
    return _ocr_page(page, settings)


def _archive_metadata(doc: Document, pages: list[PageResult], settings: Settings) -> dict:
    methods = {p.method for p in pages}
    if methods <= {"text_layer", "hybrid"}:
        reliability = "01"  # born digital
    elif methods == {"ocr"}:
        reliability = "02"  # digitised
    else:
        reliability = "03"  # mixed
    return {
        "reliability": reliability, "use_mode": settings.archive_use_mode,
        "retention": settings.archive_retention, "language": settings.archive_language,
        "physical_state": settings.archive_physical_state,
        "scanned_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def extract(path: Path | str, settings: Settings, on_page: PageSink | None = None) -> Extraction:
    path = Path(path)
    doc = open_document(path, settings)
    results: list[PageResult] = []
    for page in doc.pages:
        t = time.perf_counter()
        result, image = read_page(page, settings)
        results.append(result)
        if on_page is not None:
            on_page(result, image)
        log.info(
            "page read", extra={"file": str(path), "page": page.index + 1, "method": result.method,
                                "confidence": round(result.confidence, 3),
                                "ms": round((time.perf_counter() - t) * 1000)},
        )
    text = normalize_text("\n\n".join(r.text for r in results if r.text))
    all_words = [w for r in results for w in r.words]
    record = Record(
        id=doc.sha256,
        source=Source(path=str(path), sha256=doc.sha256, media_type=doc.media_type, pages=doc.page_count,
                      born_digital=doc.born_digital, size_bytes=doc.size_bytes),
        text=text,
        confidence=Confidence(ocr=round(_confidence(all_words), 4)),
        pipeline_version=PIPELINE_VERSION,
        pages=[r.summary() for r in results],
        archive=_archive_metadata(doc, results, settings),
    )
    for r in results:
        if r.method == "ocr" and r.words and r.confidence < LOW_OCR_CONFIDENCE:
            record.problems.append(
                f"Trang {r.index + 1}: độ tin cậy OCR thấp ({r.confidence:.0%}) / page {r.index + 1}: "
                f"low OCR confidence, check the scan"
            )
        if r.method == "ocr" and not r.words:
            record.problems.append(f"Trang {r.index + 1}: không đọc được chữ / page {r.index + 1}: no text found")
    _analyse(record, results, settings)
    return Extraction(record=record, pages=results)


def _analyse(record: Record, pages: list[PageResult], settings: Settings) -> None:
    """Classify and extract fields (extractors/fields.py), when that stage is present."""
    if importlib.util.find_spec("extractors.fields") is None:
        record.needs_review = bool(record.problems)
        return
    from extractors import fields

    fields.analyse(record, pages, settings)
