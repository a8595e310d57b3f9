"""One Tesseract pass per page: words with boxes and confidences."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
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

log = logging.getLogger("sohoa.ocr")

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
                f"Tesseract has no '{needed}' language data: apt-get install {_debian_package(needed)}"
            )
    return exe


def reread_lang(settings: Settings) -> str:
    """The models of the extra readings of a poor copy; `ocr_lang` when their data is not installed (the
    extra readings are an aid, not a reason to stop a batch)."""
    lang = settings.reread_lang or settings.ocr_lang
    if lang == settings.ocr_lang:
        return lang
    try:
        check_tesseract(settings.tesseract_cmd, lang)
    except MissingDependencyError as exc:
        _warn_once(f"extra readings use '{settings.ocr_lang}': {exc}")
        return settings.ocr_lang
    return lang


@lru_cache(maxsize=8)
def _warn_once(message: str) -> None:
    log.warning(message)


def _debian_package(model: str) -> str:
    """Debian's package of a Tesseract model: 'vie' → tesseract-ocr-vie, 'Vietnamese' (a script) →
    tesseract-ocr-script-viet."""
    if model[:1].isupper() or model.startswith("script/"):
        return "tesseract-ocr-script-" + model.removeprefix("script/")[:4].lower()
    return f"tesseract-ocr-{model}"


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


def tessdata_dir(cmd: str) -> str | None:
    """Where the installed `tesseract` finds its language data (Debian: /usr/share/tesseract-ocr/5/tessdata/)."""
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"]
    out = subprocess.run([cmd, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    found = re.search(r'"([^"]+)"', out.stdout + out.stderr)
    return found.group(1) if found else None


_local = threading.local()


def _inprocess_api(settings: Settings, psm: int):
    """One Tesseract per thread and mode, its model loaded once: a process per page costs a tenth of a
    second more."""
    import tesserocr

    key = (settings.ocr_lang, psm)
    apis = _local.__dict__.setdefault("apis", {})
    if key not in apis:
        path = tessdata_dir(check_tesseract(settings.tesseract_cmd, settings.ocr_lang))
        apis[key] = tesserocr.PyTessBaseAPI(path=path or "", lang=settings.ocr_lang,
                                            psm=psm, oem=tesserocr.OEM.LSTM_ONLY)
    return apis[key]


@lru_cache(maxsize=1)
def _has_tesserocr() -> bool:
    return importlib.util.find_spec("tesserocr") is not None


def uses_inprocess(settings: Settings) -> bool:
    if settings.ocr_engine == "cli":
        return False
    if settings.ocr_engine == "inprocess" and not _has_tesserocr():
        raise MissingDependencyError("ocr_engine=inprocess needs tesserocr: pip install tesserocr")
    return _has_tesserocr()


def _tsv_inprocess(gray: np.ndarray, settings: Settings, dpi: int, psm: int) -> str:
    api = _inprocess_api(settings, psm)
    gray = np.ascontiguousarray(gray)
    h, w = gray.shape[:2]
    api.SetImageBytes(gray.tobytes(), w, h, 1, w)
    api.SetSourceResolution(dpi)
    if not api.Recognize(timeout=settings.page_timeout_s * 1000):
        raise OcrTimeoutError(f"OCR of a page took longer than {settings.page_timeout_s} s")
    return api.GetTSVText(0)


def _tsv_cli(gray: np.ndarray, settings: Settings, dpi: int, psm: int) -> str:
    import pytesseract

    check_tesseract(settings.tesseract_cmd, settings.ocr_lang)
    pytesseract.pytesseract.tesseract_cmd = settings.tesseract_cmd
    config = f"--oem 1 --psm {psm} --dpi {dpi}"
    try:
        with page_file(gray) as path:
            return pytesseract.image_to_data(path, lang=settings.ocr_lang, config=config,
                                             timeout=settings.page_timeout_s)
    except RuntimeError as exc:  # pytesseract signals its timeout this way
        if "timeout" in str(exc).lower():
            raise OcrTimeoutError(f"OCR of a page took longer than {settings.page_timeout_s} s") from exc
        raise


# Letters the Vietnamese model reads off a speckled copy that Vietnamese never writes ("Hà Ñội", "nöõ", "bổ
# sunÿ", "TB-ŠTNMT": no consonant but đ carries a mark): the mark is a speck, the letter under it is the
# plain one (the dictionary repair puts marks back). Only OCR output is mapped; text layers of born-digital
# PDFs are kept as written.
_NOT_VIETNAMESE = str.maketrans(dict(zip(
    "ñÑÿŸäÄëËïÏöÖüÜçÇåÅøØîÎûÛšŠśŚṡṠžŽźŹżŻčČćĆċĊńŃňŇṅṄřŘŕŔďĎḋḊťŤṫṪľĽĺĹġĠ",
    "nNyYaAeEiIoOuUcCaAoOiIuUsSsSsSzZzZzZcCcCcCnNnNnNrRrRdDdDtTtTlLlLgG", strict=True)))


def words_from_tsv(tsv: str) -> list[Word]:
    """Word rows (level 5) of Tesseract's TSV, with a confidence, as Words."""
    words = []
    for row in tsv.splitlines():
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        try:
            conf = float(cols[10])
            x, y, w, h = (int(v) for v in cols[6:10])
        except ValueError:
            continue
        if conf < 0 or not text:
            continue
        words.append(Word(text=nfc(text).translate(_NOT_VIETNAMESE), x0=x, y0=y, x1=x + w, y1=y + h, conf=conf,
                          line_key=(int(cols[2]), int(cols[3]), int(cols[4])), source="ocr"))
    return words


def ocr_words(gray: np.ndarray, settings: Settings, dpi: int | None = None, psm: int | None = None) -> list[Word]:
    """Words of one image; `psm` overrides the page segmentation mode of the settings (11: sparse text)."""
    dpi = dpi or settings.ocr_dpi
    read = _tsv_inprocess if uses_inprocess(settings) else _tsv_cli
    return [w for w in words_from_tsv(read(gray, settings, dpi, psm or settings.tesseract_psm)) if not is_noise(w)]
