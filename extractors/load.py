"""Loaders: a file in, pages out (an image to OCR, or words from a trustworthy PDF text layer).

Pages are produced lazily so that a long file never sits in memory whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import unicodedata
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
    FileTooLargeError,
    PageTooLargeError,
    TooManyPagesError,
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


@dataclass
class Skipped:
    """A path found while walking a folder that is not read, and why (reported, never silently dropped)."""

    path: Path
    code: str  # link_outside_folder | broken_link | not_regular_file
    message: str


def find_scans(paths: list[Path]) -> list[Path]:
    """Files as given (whatever their name: the content decides); folders walked for scans, in a stable order."""
    return discover(paths)[0]


def discover(paths: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """`find_scans` and what it passed over: symbolic links leading out of a walked folder (to a file or a
    folder) and broken ones are not followed; special files (FIFOs, devices) are not opened. A link to a
    file inside the folder comes after the regular files, so that the file itself is read and the link is
    a duplicate of it. Paths are kept as given (`inbox/sub/../x.pdf` stays so)."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for p in map(Path, paths):
        if p.is_dir():
            found, passed = _walk(p)
            files.extend(found)
            skipped.extend(passed)
        elif p.exists() and not p.is_file():
            skipped.append(Skipped(p, "not_regular_file", "not a regular file (a device or pipe): not read"))
        else:
            files.append(p)
    return files, skipped


def _walk(root: Path) -> tuple[list[Path], list[Skipped]]:
    real_root = root.resolve()
    regular: list[Path] = []
    links: list[Path] = []
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False: a linked folder is not entered
        here = Path(dirpath)
        dirnames.sort()
        for name in dirnames:
            if (here / name).is_symlink() and (why := _link_out(here / name, real_root)):
                skipped.append(why)
        for name in sorted(filenames):
            f = here / name
            if name.startswith(".") or f.suffix.lower() not in SCAN_SUFFIXES:
                continue
            if f.is_symlink():
                why = _link_out(f, real_root)
                if why:
                    skipped.append(why)
                else:
                    links.append(f)
            elif f.is_file():
                regular.append(f)
            else:
                skipped.append(Skipped(f, "not_regular_file", "not a regular file (a device or pipe): not read"))
    return sorted(regular) + sorted(links), skipped


def _link_out(link: Path, real_root: Path) -> Skipped | None:
    """Why a symbolic link met in a walked folder is not followed; None when it stays inside the folder."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return Skipped(link, "broken_link", f"symbolic link to {os.readlink(link)!s}, which leads nowhere (missing or a loop): "
                                            f"not followed")
    if target != real_root and real_root not in target.parents:
        kind = "folder" if target.is_dir() else "file"
        return Skipped(link, "link_outside_folder",
                       f"symbolic link to the {kind} {target}, outside {real_root}: not followed")
    if target.is_dir():
        return None  # its files are read where they are
    if not target.is_file():
        return Skipped(link, "not_regular_file", "link to a device or pipe: not read")
    return None


def display_path(path: Path | str) -> str:
    """A path (or a message naming one) as records, logs and reports show it: NFC (macOS and some scanners
    write names in NFD) and bytes that are not UTF-8 as U+FFFD, so that it can be stored and printed. The
    file keeps its name; `find_original` finds it again."""
    text = os.fspath(path)
    if isinstance(text, str):
        try:
            text = text.encode("utf-8", "surrogateescape")  # the bytes of the name on disk
        except UnicodeEncodeError:
            text = text.encode("utf-8", "surrogatepass")
    return unicodedata.normalize("NFC", text.decode("utf-8", "replace"))


def find_original(recorded: Path | str) -> Path | None:
    """The file a recorded (display) path names, matching each part in NFC when the name on disk is NFD."""
    path = Path(recorded)
    if path.exists():
        return path
    current = Path(path.anchor) if path.is_absolute() else Path(".")
    for part in path.parts[1:] if path.is_absolute() else path.parts:
        step = current / part
        if not step.exists():
            want = display_path(part)
            try:
                step = next((current / n for n in sorted(os.listdir(current)) if display_path(n) == want), None)
            except OSError:
                return None
            if step is None:
                return None
        current = step
    return current


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
    if _is_text(head[:512]):
        return "plain text, not a scan or PDF"
    return "not a PDF, TIFF, JPEG or PNG file"


def _is_text(head: bytes) -> bool:
    """ASCII or UTF-8 text (Vietnamese included) without control characters other than tab and newlines."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data":  # only a letter cut at the end of the sample is fine
            return False
        text = head[: exc.start].decode("utf-8")
    return bool(text) and all(c.isprintable() or c in "\t\n\r" for c in text)


def open_document(path: Path, settings: Settings) -> Document:
    """Check the file and return a Document whose pages are read on demand."""
    path = Path(path)
    if not path.is_file():
        raise CorruptFileError("file not found or not a regular file", str(path))
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError("the file is empty (0 bytes)", str(path))
    if size > settings.max_file_bytes:
        raise FileTooLargeError(f"file of {size} bytes exceeds the limit of {settings.max_file_bytes} bytes "
                                f"(max_file_bytes)", str(path))
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
        raise PageTooLargeError(
            f"page of {w}x{h} pixels exceeds the limit of {settings.max_page_pixels} pixels (max_page_pixels)",
            str(path),
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
        # refused on the header, before any pixel is decoded
        m = re.search(r"\((\d+) pixels\)", str(exc))
        size_txt = f"{int(m.group(1))} pixels" if m else "its size"
        raise PageTooLargeError(f"image of {size_txt} exceeds the limit of {settings.max_page_pixels} pixels "
                                f"(max_page_pixels; a huge scan or a decompression bomb)", str(path)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptFileError(f"cannot read the image: {exc}", str(path)) from exc
    if n > settings.max_pages:
        raise TooManyPagesError(f"{n} pages exceed the limit of {settings.max_pages} (max_pages)", str(path))

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
        raise TooManyPagesError(f"{n} pages exceed the limit of {settings.max_pages} (max_pages)", str(path))
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


def _check_embedded_images(plumber, i: int, settings: Settings, path: Path) -> None:
    """An image inside a PDF page is decoded whole when the page is rendered, whatever the page size:
    refuse one of more pixels than a page may have (a decompression bomb inside a PDF)."""
    try:
        images = plumber.pages[i].images
    except Exception:  # noqa: BLE001 - unreadable image list: the rendering decides
        return
    for im in images:
        w, h = (im.get("srcsize") or (0, 0))[:2]
        with contextlib.suppress(TypeError, ValueError):
            if int(w) * int(h) > settings.max_page_pixels:
                raise PageTooLargeError(
                    f"page {i + 1} holds an image of {int(w)}x{int(h)} pixels, over the limit of "
                    f"{settings.max_page_pixels} pixels (max_page_pixels)", str(path))


def _render(pdf, i: int, dpi: float, settings: Settings, path: Path) -> np.ndarray:
    page = pdf[i]
    w_pt, h_pt = page.get_size()
    pixels = (w_pt * dpi / 72) * (h_pt * dpi / 72)
    if pixels > settings.max_page_pixels:
        raise PageTooLargeError(
            f"page {i + 1} would be {pixels / 1e6:.0f} Mpx at {dpi:.0f} dpi, over the limit of "
            f"{settings.max_page_pixels} pixels (max_page_pixels)", str(path)
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
    _check_embedded_images(plumber, i, settings, path)
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
