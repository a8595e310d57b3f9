"""End to end: the real pipeline (Tesseract included) on generated pages and on one real scan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.settings import Settings
from extractors.pipeline import extract

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Tesseract")

REALSCANS = Path(__file__).resolve().parents[2] / "shared" / "realscans"


def _generated(tmp_path: Path, seed: int, doc_type: str) -> tuple[Path, dict]:
    gen = pytest.importorskip("tests.fixtures.generator")
    doc = gen.generate_document(seed, doc_type, level="clean")
    path = gen.save_document(doc, tmp_path, fmt="png" if len(doc.pages) == 1 else "tiff")
    return path, doc.truth_fields


@pytest.mark.parametrize(("seed", "doc_type", "keys"), [
    (11, "giay_khai_sinh", ("doc_number", "book_number", "issue_date", "issuer", "subject_name", "subject_id",
                            "subject_dob", "subject_sex", "mother_name")),
    (12, "quyet_dinh", ("doc_number", "issue_date", "issuer", "place", "summary")),
    (13, "cong_van", ("doc_number", "issue_date", "issuer", "place", "summary")),
])
def test_generated_clean_scan(tmp_path: Path, seed: int, doc_type: str, keys: tuple[str, ...]) -> None:
    path, truth = _generated(tmp_path, seed, doc_type)
    rec = extract(path, Settings()).record
    assert rec.doc_type == doc_type
    for key in keys:
        if key in truth:
            assert rec.fields.get(key) == truth[key], key
    # what the record says is consistent: every value has a confidence, every flagged field a problem
    assert set(rec.confidence.fields) == set(rec.fields)
    assert rec.needs_review == bool(rec.problems)


@pytest.mark.realscans
@pytest.mark.skipif(not REALSCANS.is_dir(), reason="needs ../shared/realscans")
def test_real_scan_with_handwritten_number_is_flagged_not_guessed() -> None:
    # 24_TTR: "Số: 24 /TTr-UBND" and the day written in blue ink after signing
    rec = extract(REALSCANS / "scans" / "24_TTR.signed.pdf", Settings()).record
    assert rec.doc_type == "to_trinh"
    assert rec.fields["issuer"] == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert rec.fields["place"] == "Quảng Ngãi"
    assert rec.fields["signer_title"] == "CHỦ TỊCH"
    assert rec.fields["signer_name"] == "Nguyễn Hoàng Giang"
    assert rec.needs_review and {"doc_number", "issue_date"} <= set(rec.review_fields)
    # a handwritten value is never trusted: absent, or right, or kept at low confidence with a note to check
    for key, truth in (("doc_number", "24/TTr-UBND"), ("issue_date", "2025-02-07")):
        value = rec.fields.get(key)
        if value not in (None, truth):
            assert rec.confidence.fields[key] <= 0.4, key
            assert any("viết tay" in p for p in rec.problems), rec.problems


@pytest.mark.parametrize(("seed", "doc_type"), [
    (100003, "xac_nhan_tinh_trang_hon_nhan"),  # black-and-white copy: the page reading loses the whole name
    (500035, "quyet_dinh"),  # the seal's ring on the surname "Huỳnh" (tests/test_second_look.py reads it too)
])
def test_signer_name_under_the_seal_of_a_hard_copy_is_read_by_the_second_look(
        tmp_path: Path, seed: int, doc_type: str) -> None:
    gen = pytest.importorskip("tests.fixtures.generator")
    doc = gen.generate_document(seed, doc_type, level="hard")
    path = gen.save_document(doc, tmp_path, fmt="png")
    want = doc.truth_fields["signer_name"]
    assert extract(path, Settings()).record.fields.get("signer_name") == want
    # without it the name is lost or cut: the second look is what reads it (in the first reading alone:
    # the extra readings of a poor copy would each take their own second look)
    once = Settings(reread_below=0)
    assert extract(path, once).record.fields.get("signer_name") == want
    assert extract(path, once.model_copy(update={"second_look": False})).record.fields.get("signer_name") != want


def test_a_poor_copy_turned_a_quarter_that_reads_as_nothing_is_turned_and_read(tmp_path: Path) -> None:
    # upright reading of this sideways 150-dpi copy: Tesseract takes every line for a picture, no word at all
    gen = pytest.importorskip("tests.fixtures.generator")
    doc = gen.generate_document(100070, "quyet_dinh", level="hard", rotation=90)
    path = gen.save_document(doc, tmp_path, fmt="png")
    rec = extract(path, Settings()).record
    assert rec.pages[0]["rotation"] in (90, 270) and rec.pages[0]["words"] > 100
    assert rec.doc_type == "quyet_dinh"
    for key in ("doc_number", "issuer", "summary", "signer_name"):
        assert rec.fields.get(key) == doc.truth_fields[key], key


def test_the_seal_of_a_dim_grey_copy_is_found_against_its_own_paper(tmp_path: Path) -> None:
    # paper read mid-grey (uneven light, 150 dpi): judged on raw grey, the seal merged with the paper and stayed,
    # and Tesseract took the seal, the signature, the title and the name for one picture
    gen = pytest.importorskip("tests.fixtures.generator")
    doc = gen.generate_document(200108, "to_trinh", level="hard")
    path = gen.save_document(doc, tmp_path, fmt="png")
    rec = extract(path, Settings(reread_below=0)).record
    assert rec.fields.get("signer_title") == doc.truth_fields["signer_title"]
    assert rec.fields.get("signer_name") == doc.truth_fields["signer_name"]
