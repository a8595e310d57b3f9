"""Tesseract or its Vietnamese data missing: `sohoa ingest` stops before it touches anything, with exit 3
and the Debian package to install (issue 7). Real Tesseract, with its language data hidden."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def batch(tmp_path):
    from tests.fixtures.hostile import small_pdf_bytes

    folder = tmp_path / "batch"
    folder.mkdir()
    original = folder / "quyet-dinh.pdf"
    original.write_bytes(small_pdf_bytes())
    return folder


def _ingest(folder: Path, data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_", "TESSDATA"))}
    base.update(SOHOA_DATA_DIR=str(data), PYTHONPATH=str(ROOT), COLUMNS="250", **env)
    return subprocess.run([sys.executable, "-m", "sohoa", "ingest", str(folder)], env=base, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("case", ["no_tesseract", "no_vie_data", "no_extra_language"])
def test_missing_ocr_parts_stop_ingest_with_the_package_to_install(batch, tmp_path, case):
    data = tmp_path / "data"
    if case == "no_tesseract":
        run = _ingest(batch, data, SOHOA_TESSERACT_CMD=str(tmp_path / "bin" / "tesseract"))
        expected = "apt-get install tesseract-ocr tesseract-ocr-vie"
    elif case == "no_vie_data":
        empty = tmp_path / "tessdata"
        empty.mkdir()
        run = _ingest(batch, data, TESSDATA_PREFIX=str(empty))  # the real tesseract then finds no language
        expected = "no 'vie' language data: apt-get install tesseract-ocr-vie"
    else:
        run = _ingest(batch, data, SOHOA_OCR_LANG="vie+khm")
        expected = "no 'khm' language data: apt-get install tesseract-ocr-khm"
    out = run.stdout + run.stderr
    assert run.returncode == 3, out[-2000:]
    assert expected in " ".join(out.split()), out[-2000:]
    assert "Traceback" not in out
    # nothing started, nothing stored, nothing set aside
    assert not (data / "prefect").exists() and not (data / "quarantine").exists()
    assert not (data / "archive").exists() or not any((data / "archive").rglob("*.pdf"))
