"""Loaders: a file in, pages out (an image to OCR, or words from a trustworthy PDF text layer).

Pages are produced lazily so that a long file never sits in memory whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from config.settings import Settings
from extractors.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    TooLargeError,
    UnsupportedFormatError,
)
from extractors.layout import Word
from extractors.text_layer import assess_text_layer

A4_LONG_SIDE_IN = 11.69


@dataclass
class Page:
    index: int  # 0-based
    dpi: float
    image: np.ndarray | None = None  # RGB or L, uint8, at `dpi`
    words: list[Word] | None = None  # text-layer words (pixel coordinates at `dpi`)
    method: str = "ocr"  # "ocr" | "text_layer" | "hybrid"
    note: str = ""  # why a text layer was or was not used


@dataclass
class Document:
    path: Path
    media_type: str
    sha256: str
    size_bytes: int
    page_count: int
    born_digital: bool = False
    pages: Iterator[Page] = field(default_factory=lambda: iter(()))


SCAN_SUFFIXES = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"}


def find_scans(paths: list[Path]) -> list[Path]:
    """Files as given (whatever their name: the content decides); folders walked for scans, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SCAN_SUFFIXES
                              and not f.name.startswith(".")))
        else:
            out.append(p)
    return out


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff_media_type(head: bytes) -> str | None:
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "image/tiff"
    return None


def _describe_unknown(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (perhaps an Office document), not a scan or PDF"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head[:512]):
        return "plain text, not a scan or PDF"
    return "not a PDF, TIFF, JPEG or PNG file"


def open_document(path: Path, settings: Settings) -> Document:
    """Check the file and return a Document whose pages are read on demand."""
    path = Path(path)
    if not path.is_file():
        raise CorruptFileError("file not found or not a regular file", str(path))
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError("the file is empty (0 bytes)", str(path))
    if size > settings.max_file_bytes:
        raise TooLargeError(f"file of {size} bytes exceeds the limit of {settings.max_file_bytes}", str(path))
    with path.open("rb") as fh:
        head = fh.read(2048)
    media_type = sniff_media_type(head)
    if media_type is None:
        raise UnsupportedFormatError(_describe_unknown(head), str(path))
    digest = sha256_file(path)
    if media_type == "application/pdf":
        return _open_pdf(path, settings, digest, size)
    return _open_image(path, settings, media_type, digest, size)


# ---------------------------------------------------------------- images


def _image_dpi(img: Image.Image) -> float:
    """The scan's resolution; guessed from an A4 page when the file does not say or says nonsense."""
    dpi = img.info.get("dpi")
    value = float(dpi[0]) if isinstance(dpi, tuple) and dpi and dpi[0] else 0.0
    if 100 <= value <= 1200:
        return value
    return max(img.size) / A4_LONG_SIDE_IN


def _to_array(img: Image.Image) -> np.ndarray:
    if img.mode in ("1", "L", "I;16", "I", "F"):
        img = img.convert("L")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    return np.asarray(img)


def _check_pixels(img: Image.Image, settings: Settings, path: Path) -> None:
    w, h = img.size
    if w * h > settings.max_page_pixels:
        raise TooLargeError(
            f"page of {w}x{h} pixels exceeds the limit of {settings.max_page_pixels} pixels", str(path)
        )


def _open_image(path: Path, settings: Settings, media_type: str, digest: str, size: int) -> Document:
    Image.MAX_IMAGE_PIXELS = settings.max_page_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            img.size  # noqa: B018 - forces the header to be parsed
            n = getattr(img, "n_frames", 1)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLargeError(f"image too large (decompression bomb guard): {exc}", str(path)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptFileError(f"cannot read the image: {exc}", str(path)) from exc
    if n > settings.max_pages:
        raise TooLargeError(f"{n} pages exceed the limit of {settings.max_pages}", str(path))

    def pages() -> Iterator[Page]:
        with Image.open(path) as im:
            for i, frame in enumerate(ImageSequence.Iterator(im)):
                _check_pixels(frame, settings, path)
                try:
                    frame.load()
                    arr = _to_array(frame)
                except (OSError, SyntaxError, ValueError) as exc:
                    raise CorruptFileError(f"page {i + 1} cannot be decoded: {exc}", str(path)) from exc
                yield Page(index=i, dpi=_image_dpi(frame), image=arr, method="ocr", note="scanned image")

    return Document(path, media_type, digest, size, n, born_digital=False, pages=pages())


# ---------------------------------------------------------------- PDF


def _open_pdf(path: Path, settings: Settings, digest: str, size: int) -> Document:
    import pdfplumber
    import pypdfium2 as pdfium
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise EncryptedPdfError(
                "the PDF is encrypted with a password; ask the sender for an unprotected copy", str(path)
            ) from exc
        raise CorruptFileError(f"the PDF cannot be opened: {msg}", str(path)) from exc
    n = len(pdf)
    if n == 0:
        pdf.close()
        raise EmptyFileError("the PDF has no pages", str(path))
    if n > settings.max_pages:
        pdf.close()
        raise TooLargeError(f"{n} pages exceed the limit of {settings.max_pages}", str(path))
    try:
        plumber = pdfplumber.open(str(path))
    except PDFPasswordIncorrect as exc:
        pdf.close()
        raise EncryptedPdfError("the PDF is encrypted with a password", str(path)) from exc
    except Exception as exc:  # pdfminer raises many types on malformed files
        pdf.close()
        raise CorruptFileError(f"the PDF structure is damaged: {exc}", str(path)) from exc

    born_digital = _looks_born_digital(plumber)

    def pages() -> Iterator[Page]:
        try:
            with contextlib.suppress(Exception):  # forms are optional decoration
                pdf.init_forms()  # e-signature stamps (number, day) live in form widgets
            for i in range(n):
                yield _pdf_page(pdf, plumber, i, settings, path)
        finally:
            plumber.close()
            pdf.close()

    return Document(path, "application/pdf", digest, size, n, born_digital=born_digital, pages=pages())


def _looks_born_digital(plumber) -> bool:
    try:
        first = plumber.pages[0]
        return bool(first.chars) and not _dominant_image(first)
    except Exception:  # noqa: BLE001
        return False


def _dominant_image(ppage) -> dict | None:
    """The image that covers most of the page (a scan), if any."""
    area = float(ppage.width * ppage.height) or 1.0
    best = None
    for im in ppage.images:
        cover = (im["x1"] - im["x0"]) * (im["bottom"] - im["top"]) / area
        if cover > 0.5 and (best is None or cover > best[0]):
            best = (cover, im)
    return best[1] if best else None


def _native_dpi(ppage) -> float | None:
    im = _dominant_image(ppage)
    if not im or not im.get("srcsize"):
        return None
    width_in = (im["x1"] - im["x0"]) / 72.0
    if width_in <= 0:
        return None
    return im["srcsize"][0] / width_in


def _render(pdf, i: int, dpi: float, settings: Settings, path: Path) -> np.ndarray:
    page = pdf[i]
    w_pt, h_pt = page.get_size()
    pixels = (w_pt * dpi / 72) * (h_pt * dpi / 72)
    if pixels > settings.max_page_pixels:
        raise TooLargeError(
            f"page {i + 1} would be {pixels / 1e6:.0f} Mpx at {dpi:.0f} dpi, over the limit", str(path)
        )
    bitmap = page.render(scale=dpi / 72.0, may_draw_forms=True)
    img = bitmap.to_pil().convert("RGB")
    return np.asarray(img)


def _pdf_page(pdf, plumber, i: int, settings: Settings, path: Path) -> Page:
    try:
        ppage = plumber.pages[i]
        chars = ppage.chars
        scan = _dominant_image(ppage)
        native = _native_dpi(ppage)
    except Exception:  # noqa: BLE001 - a damaged page is OCR'd from its rendering
        chars, scan, native = [], None, None
    if scan is not None:
        dpi = min(max(native or settings.render_dpi, 100.0), 600.0)
        return Page(i, dpi, image=_render(pdf, i, dpi, settings, path), method="ocr", note="scanned page")
    dpi = float(settings.render_dpi)
    image = _render(pdf, i, dpi, settings, path)
    if not chars:
        return Page(i, dpi, image=image, method="ocr", note="no text layer")
    verdict = assess_text_layer(ppage, image, dpi, settings)
    if not verdict.usable:
        return Page(i, dpi, image=image, method="ocr", note=verdict.reason)
    return Page(i, dpi, image=image, words=verdict.words, method=verdict.method, note=verdict.reason)


def image_bytes_to_array(data: bytes) -> np.ndarray:
    return _to_array(Image.open(io.BytesIO(data)))
