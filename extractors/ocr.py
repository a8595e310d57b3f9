"""One Tesseract pass per page: words with boxes and confidences."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from config.settings import Settings
from extractors.errors import MissingDependencyError, OcrTimeoutError
from extractors.layout import Word
from extractors.vietnamese import is_vietnamese_syllable, nfc

# Tesseract's OpenMP threads fight each other when pages run in parallel processes.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@lru_cache(maxsize=4)
def check_tesseract(cmd: str, lang: str) -> str:
    """Fail early, saying which Debian package to install, when Tesseract or its language is missing."""
    exe = shutil.which(cmd)
    if exe is None:
        raise MissingDependencyError(
            f"Tesseract is not installed ('{cmd}' not found): apt-get install tesseract-ocr tesseract-ocr-{lang}"
        )
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MissingDependencyError(f"Tesseract cannot run: {exc}") from exc
    langs = {line.strip() for line in (out.stdout + out.stderr).splitlines()[1:]}
    for needed in lang.split("+"):
        if needed not in langs:
            raise MissingDependencyError(
                f"Tesseract has no '{needed}' language data: apt-get install tesseract-ocr-{needed}"
            )
    return exe


_SHM = Path("/dev/shm")


@contextmanager
def page_file(gray: np.ndarray) -> Iterator[str]:
    """The page as an uncompressed PGM for Tesseract: pytesseract would PNG-compress it (~0.1 s a page)."""
    fd, name = tempfile.mkstemp(suffix=".pgm", dir=_SHM if _SHM.is_dir() else None)
    os.close(fd)
    try:
        cv2.imwrite(name, gray)
        yield name
    finally:
        os.unlink(name)


_PUNCT_OK = {"-", "–", "—", "+", "*", "…", "./.", "/", "(", ")", ";", ":", ",", ".", "%", "&", "“", "”", '"'}


def is_noise(word: Word) -> bool:
    """OCR of a signature stroke, a seal fragment or a speck, not of printed text."""
    alnum = sum(c.isalnum() for c in word.text)
    if alnum == 0:  # a lone mark ("ˆ", "¬", "'") is a speck read as text; list dashes and "./." are not
        return word.text not in _PUNCT_OK and (word.conf < 75 or len(word.text) <= 2)
    if word.conf >= 45:
        return False
    core = "".join(c for c in word.text if c.isalnum())
    if any(c.isdigit() or c in "/-" for c in word.text) or (core.isupper() and len(core) >= 2):
        return False  # numbers, dates and symbols (even handwritten, low-confidence) go on to be validated
    return len(core) < 2 or not is_vietnamese_syllable(core)


def ocr_words(gray: np.ndarray, settings: Settings, dpi: int | None = None) -> list[Word]:
    import pytesseract

    check_tesseract(settings.tesseract_cmd, settings.ocr_lang)
    pytesseract.pytesseract.tesseract_cmd = settings.tesseract_cmd
    config = f"--oem 1 --psm {settings.tesseract_psm} --dpi {dpi or settings.ocr_dpi}"
    try:
        with page_file(gray) as path:
            data = pytesseract.image_to_data(
                path, lang=settings.ocr_lang, config=config, output_type=pytesseract.Output.DICT,
                timeout=settings.page_timeout_s,
            )
    except RuntimeError as exc:  # pytesseract signals its timeout this way
        if "timeout" in str(exc).lower():
            raise OcrTimeoutError(f"OCR of a page took longer than {settings.page_timeout_s} s") from exc
        raise
    words = []
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not text.strip():
            continue
        x, y, w, h = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
        words.append(
            Word(
                text=nfc(text.strip()), x0=x, y0=y, x1=x + w, y1=y + h, conf=conf,
                line_key=(data["block_num"][i], data["par_num"][i], data["line_num"][i]),
                source="ocr",
            )
        )
    return [w for w in words if not is_noise(w)]
