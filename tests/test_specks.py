"""Photocopy specks inside lines of text (extractors/specks.py, the `text_specks` preprocessing step), and lone
pixels of a low-resolution copy dropped before it is upscaled (`preprocess._drop_impulses`).

Pages are drawn here with the Liberation fonts (Debian's fonts-liberation2) and read by the real Tesseract.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from config.settings import Settings
from extractors import preprocess as preprocessing
from extractors.load import open_document
from extractors.ocr import ocr_words
from extractors.preprocess import preprocess
from extractors.specks import SPECKLED_PAGE
from extractors.vietnamese import normalize_text
from tests.fixtures import degrade
from tests.fixtures.generator import generate_document
from tests.fixtures.layout import font_path

SETTINGS = Settings()
CLEANING = ["rescale", "illumination", "denoise", "despeckle"]

# every dot of the script in the fonts offices print with: dots of i and below, stops, colons, semicolons,
# commas, quotes, the horn of ơ and ư, bold and italic, small and large
MARKS = [
    ("bold", 13, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("bold", 14, "Độc lập - Tự do - Hạnh phúc"),
    ("regular", 13, "Số: 154/QĐ-UBND ngày 06/12/2021; số tiền 1.103.000 đồng (ông/bà)."),
    ("italic", 13, "“Về việc bổ nhiệm ông Đặng Hữu Lợi, ý kiến: đồng ý.”"),
    ("regular", 11, "Nơi nhận: - Như Điều 3; - Lưu: VT, TP. ị ạ ộ ặ ợ ỵ ụ ệ ẹ ọ ử ữ."),
    ("bolditalic", 13, "Thị trấn Diêm Điền; Thái Thụy, tỉnh Thái Bình."),
    ("regular", 16, "QUYẾT ĐỊNH: Điều 1. Điều 2. Điều 3."),
    ("bold", 15, "HỘ KINH DOANH SỬA XE HẬU HƯNG; Số: 92/TB-VHTT"),
]

LINES = [
    ("regular", 13, "Về việc cấp lại giấy chứng nhận: số 12."),
    ("regular", 13, "Bà Nguyễn Thị Hạnh, phường Định Công."),
    ("bold", 14, "QUYẾT ĐỊNH CỦA ỦY BAN NHÂN DÂN"),
]


def _page(lines: list[tuple[str, int, str]], dpi: int, blur: float, top: float = 0.3,
          spacing: float = 1.7, left: float = 0.5) -> tuple[np.ndarray, int]:
    """The lines printed at `dpi`, softened as a scanner does; and where the text ends."""
    img = Image.new("L", (int(8.27 * dpi), int(4.5 * dpi)), 255)
    draw = ImageDraw.Draw(img)
    y = int(top * dpi)
    for style, pt, text in lines:
        draw.text((int(left * dpi), y), text, font=ImageFont.truetype(font_path(style), round(pt / 72 * dpi)), fill=15)
        y += int(pt / 72 * dpi * spacing)
    return np.asarray(img.filter(ImageFilter.GaussianBlur(blur))).copy(), y


def _speckle_below(page: np.ndarray, text_end: int, dpi: int, count: int = 320, seed: int = 3) -> None:
    """A copy's speckle on the empty part of the page (320 make it a speckled copy)."""
    rng = np.random.default_rng(seed)
    side = dpi // 40
    for _ in range(count):
        y, x = rng.integers(text_end + 10, page.shape[0] - 10), rng.integers(10, page.shape[1] - 10)
        page[y:y + side, x:x + side] = 40


def _text(gray: np.ndarray) -> str:
    return " ".join(w.text for w in ocr_words(gray, SETTINGS, dpi=SETTINGS.ocr_dpi))


def test_specks_in_a_line_are_erased_and_the_line_reads_as_printed() -> None:
    page, end = _page(LINES, 150, 0.6, top=0.4, spacing=1.8, left=0.8)
    _speckle_below(page, end, 150)
    # between two words at mid-height, before a name, after a word at the height of a colon's dot; and three
    # stuck to letters, of which only the thickest must go
    loose = [(78, 203), (120, 150), (84, 470)]
    for y, x in [*loose, (72, 333), (128, 296), (170, 460)]:
        page[y:y + 5, x:x + 5] = 30
    kept = preprocess(page, 150, SETTINGS, steps=CLEANING)
    cleaned = preprocess(page, 150, SETTINGS, steps=[*CLEANING, "text_specks"])
    for y, x in loose:
        centre = (round((y + 2.5) * cleaned.scale), round((x + 2.5) * cleaned.scale))
        assert kept.gray[centre] < 128
        assert cleaned.gray[centre] > 200, f"the speck at {(y, x)} is still there"
    assert _text(cleaned.gray) == " ".join(text for _, _, text in LINES)
    assert _text(kept.gray) != _text(cleaned.gray)  # the specks were read as marks: the step is what fixed it


@pytest.mark.parametrize(("dpi", "blur"), [(150, 0.6), (200, 0.8), (300, 1.0), (300, 0.3)])
def test_no_dot_or_mark_of_the_print_is_taken_for_a_speck(dpi: int, blur: float) -> None:
    page, end = _page(MARKS, dpi, blur)
    _speckle_below(page, end, dpi)
    kept = preprocess(page, dpi, SETTINGS, steps=CLEANING)
    cleaned = preprocess(page, dpi, SETTINGS, steps=[*CLEANING, "text_specks"])
    assert cleaned.specks_per_sq_inch >= SPECKLED_PAGE
    text = slice(0, int(end * cleaned.scale))
    erased = (kept.gray[text] < 128) & (cleaned.gray[text] >= 128)
    assert not erased.any(), f"{int(erased.sum())} pixels of print erased near {np.argwhere(erased)[:3].tolist()}"


def test_a_clean_scan_reaches_tesseract_untouched() -> None:
    page, end = _page(MARKS, 300, 0.6)
    _speckle_below(page, end, 300, count=60)  # a seal's and a signature's debris, not a copy's speckle
    for y, x in [(125, 1205), (290, 1130)]:  # and a stray dot or two in the lines
        page[y:y + 8, x:x + 8] = 30
    kept = preprocess(page, 300, SETTINGS, steps=CLEANING)
    cleaned = preprocess(page, 300, SETTINGS, steps=[*CLEANING, "text_specks"])
    assert np.array_equal(kept.gray, cleaned.gray)


def _recall(read: str, truth: str) -> float:
    got, want = Counter(normalize_text(read).split()), Counter(normalize_text(truth).split())
    return sum((got & want).values()) / sum(want.values())


@pytest.mark.parametrize(("seed", "doc_type"), [(1300067, "bao_cao"), (1400021, "giay_khai_sinh")])
def test_a_copy_of_a_copy_reads_more_of_its_words(seed: int, doc_type: str) -> None:
    doc = generate_document(seed, doc_type, "hard", 0)
    image = np.asarray(doc.pages[0].convert("L"))
    steps = [s for s in SETTINGS.preprocess_steps if s != "orientation"]
    without = preprocess(image, doc.dpi, SETTINGS, steps=[s for s in steps if s != "text_specks"])
    with_step = preprocess(image, doc.dpi, SETTINGS, steps=steps)
    before, after = _recall(_text(without.gray), doc.truth_text), _recall(_text(with_step.gray), doc.truth_text)
    assert after >= before + 0.03, (before, after)


def test_lone_pixels_of_a_poor_copy_are_dropped_before_upscaling() -> None:
    """The hard level's damage without its specks: blur, 150 dpi, grain, salt and pepper, JPEG."""
    salty = dataclasses.replace(degrade.PARAMS["hard"], speckle=1, max_skew=0.0, border_p=0.0)
    truth = " ".join(text for _, _, text in MARKS)
    page, _ = _page(MARKS, 300, 0.0)
    gains = []
    for seed in range(3):
        copy = degrade.degrade_page(Image.fromarray(page).convert("RGB"), salty, 0.0, "grey", random.Random(seed))
        image = np.asarray(copy.convert("L"))
        dropped = preprocess(image, 150, SETTINGS, steps=CLEANING)
        assert any(n.startswith("impulses removed") for n in dropped.notes)
        upscaled_as_read = _upscale_without_dropping(image)
        gains.append(_recall(_text(dropped.gray), truth) - _recall(_text(upscaled_as_read), truth))
    assert min(gains) >= 0 and sum(gains) / len(gains) >= 0.03, gains


def _upscale_without_dropping(image: np.ndarray) -> np.ndarray:
    """The same cleaning with the lone pixels left in (as before they were dropped)."""
    keep = preprocessing._drop_impulses
    preprocessing._drop_impulses = lambda state: None
    try:
        return preprocess(image, 150, SETTINGS, steps=CLEANING).gray
    finally:
        preprocessing._drop_impulses = keep


@pytest.mark.parametrize(("dpi", "blur"), [(150, 0.6), (100, 0.0)])
def test_a_clean_low_resolution_scan_keeps_every_pixel(dpi: int, blur: float) -> None:
    """At 100 dpi the dot of an i and a tone mark are single pixels, darker than all around them."""
    page, _ = _page(MARKS, dpi, blur)
    state = preprocess(page, dpi, SETTINGS, steps=["rescale"])
    assert not any(n.startswith("impulses") for n in state.notes)
    f = SETTINGS.ocr_dpi / dpi
    assert np.array_equal(state.gray, cv2.resize(page, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC))


REALSCANS = Path(__file__).resolve().parents[2] / "shared" / "realscans"


@pytest.mark.realscans
@pytest.mark.skipif(not REALSCANS.is_dir(), reason="../shared/realscans not present")
def test_the_single_pixel_marks_of_a_real_100_dpi_scan_are_kept() -> None:
    page = list(open_document(REALSCANS / "scans" / "01CT.pdf", SETTINGS).pages)[1]
    gray = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY) if page.image.ndim == 3 else page.image
    ring = np.ones((3, 3), np.uint8)
    ring[1, 1] = 0
    lone = gray.astype(np.int16) < cv2.erode(gray, ring).astype(np.int16) - preprocessing.IMPULSE
    assert page.dpi < 120 and lone.mean() > 0.0002  # dots of i and marks, one pixel each, a page full of them
    state = preprocess(gray, page.dpi, SETTINGS, steps=["rescale"])
    assert not any(n.startswith("impulses") for n in state.notes)
