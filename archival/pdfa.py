"""The archival copy: PDF/A-2b with each page image and an invisible text layer from the one OCR pass.

Pages are streamed in as the pipeline reads them (`ArchiveWriter.add_page` fits `extractors.pipeline.PageSink`),
so the text layer comes from Sohoa's own OCR words: no second OCR. The PDF/A conversion and its validation
are OCRmyPDF's internal backend (pikepdf.pdfa): the file is written under a temporary name, validated, and
only then renamed into place, so a crash or a full disk never leaves a half-written copy that looks complete.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from extractors.pipeline import PageResult

# Page JPEGs go into the PDF as they are: reportlab would otherwise ASCII85-encode them in pure Python
# (a quarter of a second a page) and make the file a quarter larger.
rl_config.useA85 = 0

_FONT_NAME = "SohoaText"
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
)


def _register_font() -> str:
    if _FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in _FONT_CANDIDATES if Path(p).is_file()), None)
        if path is None:
            raise FileNotFoundError("no font with Vietnamese glyphs found: apt-get install fonts-dejavu-core")
        pdfmetrics.registerFont(TTFont(_FONT_NAME, path))
    return _FONT_NAME


def _strip_page_transitions(path: Path) -> None:
    """reportlab writes an empty /Trans on every page, a key the PDF/A validator will not vouch for."""
    import pikepdf

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            if "/Trans" in page.obj:
                del page.obj["/Trans"]
        pdf.save(path)


class ArchiveWriter:
    """Collects pages, then writes one PDF/A-2b file atomically."""

    def __init__(self, target: Path, *, title: str = "", jpeg_quality: int = 80) -> None:
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.jpeg_quality = jpeg_quality
        fd, tmp = tempfile.mkstemp(prefix=".sohoa-", suffix=".draft.pdf", dir=self.target.parent)
        os.close(fd)
        self._draft = Path(tmp)
        self._font = _register_font()
        # the initial font must be the embedded one: PDF/A forbids the unembedded Helvetica default
        self._canvas = canvas.Canvas(str(self._draft), pageCompression=1, initialFontName=self._font)
        self._canvas.setTitle(title or self.target.stem)
        self._canvas.setCreator("Sohoa")
        self.pages = 0

    def add_page(self, result: PageResult, image: np.ndarray) -> None:
        """One page: the image as a person sees it, at its physical size, with invisible words on top."""
        h_px, w_px = image.shape[:2]
        # the colour image and the OCR words may be at different resolutions (rescale step)
        img_dpi = result.dpi * w_px / result.width if result.width else result.dpi
        w_pt, h_pt = w_px * 72.0 / img_dpi, h_px * 72.0 / img_dpi
        c = self._canvas
        c.setPageSize((w_pt, h_pt))
        rgb = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        ok, jpeg = cv2.imencode(".jpg", rgb, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
        if not ok:
            raise ValueError("page image could not be encoded")
        c.drawImage(ImageReader(io.BytesIO(jpeg.tobytes())), 0, 0, width=w_pt, height=h_pt)
        scale = 72.0 / result.dpi
        for word in result.words:
            size = max((word.y1 - word.y0) * scale * 0.85, 1.0)
            text = c.beginText()
            text.setTextRenderMode(3)  # invisible: searchable and selectable, the image shows through
            text.setFont(self._font, size)
            natural = pdfmetrics.stringWidth(word.text, self._font, size) or 1.0
            text.setHorizScale(100.0 * (word.x1 - word.x0) * scale / natural)
            text.setTextOrigin(word.x0 * scale, h_pt - word.y1 * scale + 0.15 * size)
            text.textOut(word.text)
            c.drawText(text)
        c.showPage()
        self.pages += 1

    def finish(self) -> str:
        """Write the PDF/A file into place and return its sha256."""
        import ocrmypdf

        try:
            self._canvas.save()
            _strip_page_transitions(self._draft)
            fd, tmp = tempfile.mkstemp(prefix=".sohoa-", suffix=".pdfa.pdf", dir=self.target.parent)
            os.close(fd)
            staged = Path(tmp)
            try:
                ocrmypdf.ocr(
                    self._draft, staged, output_type="pdfa-2", mode="skip", pdfa_backend="internal",
                    optimize=0, progress_bar=False, jobs=1,
                )
                digest = hashlib.sha256(staged.read_bytes()).hexdigest()
                with staged.open("rb") as fh:
                    os.fsync(fh.fileno())
                os.chmod(staged, 0o644)  # mkstemp makes it private; archive copies are shared
                os.replace(staged, self.target)
            finally:
                staged.unlink(missing_ok=True)
            return digest
        finally:
            self._draft.unlink(missing_ok=True)

    def abort(self) -> None:
        self._draft.unlink(missing_ok=True)
