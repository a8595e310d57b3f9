"""The signer's surname the seal's ring hid, read back from the name's own line (extractors/second_look.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from config.doctypes import rules_for
from config.settings import Settings
from extractors.layout import Word
from extractors.pipeline import extract
from extractors.second_look import _clipped_name, _surname_read, _surnames
from extractors.vietnamese import fold_key

COMMON = rules_for(Settings()).common
KNOWN = _surnames(COMMON)
GIVEN = {fold_key(x) for x in [*COMMON.name_syllables, *COMMON.surnames]}


def _line(*texts: str, y: float = 1000.0) -> list[Word]:
    words, x = [], 1200.0
    for t in texts:
        words.append(Word(t, x, y, x + 30 * len(t), y + 40, conf=95, line_key=(1, 1, 1)))
        x += 30 * len(t) + 25
    return words


@pytest.mark.parametrize(("read", "rest", "want"), [
    ("Huỳnh", "Văn Đức", "Huỳnh"),  # read whole
    ("Ngữyễn", "Văn Sơn", "Nguyễn"),  # a mark off, the letters one surname's
    ("uyễn", "Văn Toàn", "Nguyễn"),  # the end of one of the commonest
    ("ơằng", "Minh Kiên", "Hoàng"),
    ("Oơẵng", "Minh Kiên", "Hoàng"),  # a letter too many
    ("9Hoẵng", "Minh Kiên", "Hoàng"),  # a speck of the ring read as a digit
])
def test_a_surname_is_read_from_what_the_ring_left_of_it(read: str, rest: str, want: str) -> None:
    assert _surname_read(read, rest, COMMON, KNOWN) == want


@pytest.mark.parametrize("read", [
    "tạ",  # the end of a surname, not Tạ: small letters
    "tê",  # no surname among the commonest ends so
    "Nên",  # a word, no surname
    "SMgang",  # debris of the ring's lettering
    "ng",  # too short to choose
    "Ẩn",  # the end of Trần, and of many rarer names
    "ến",
    "N",
])
def test_what_fits_no_surname_or_several_gives_none(read: str) -> None:
    assert _surname_read(read, "Văn Sơn", COMMON, KNOWN) is None


def test_a_name_that_starts_with_its_middle_name_is_clipped() -> None:
    assert [w.text for w in _clipped_name(_line("Văn", "Sơn"), KNOWN, GIVEN)] == ["Văn", "Sơn"]
    assert [w.text for w in _clipped_name(_line("ên", "Văn", "Sơn"), KNOWN, GIVEN)] == ["Văn", "Sơn"]
    assert [w.text for w in _clipped_name(_line("Minh", "Kiên"), KNOWN, GIVEN)] == ["Minh", "Kiên"]


@pytest.mark.parametrize("texts", [
    ("Nguyễn", "Văn", "Sơn"),  # whole
    ("“Lê", "Văn", "Phúc"),  # whole: a speck before the surname is no word of it
    ("Lò", "Văn", "Hải"),  # a surname of the north-west
    ("Phòng", "Tư", "pháp", "huyện"),  # no name
])
def test_a_whole_name_or_other_words_are_not_clipped(texts: tuple[str, ...]) -> None:
    assert _clipped_name(_line(*texts), KNOWN, GIVEN) == []


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Tesseract")
@pytest.mark.parametrize(("seed", "doc_type", "rotation"), [
    (500035, "quyet_dinh", 0),  # the ring on "Huỳnh": the page reading has no whole name
    (500091, "nghi_quyet", 0),  # the ring on "Nguyễn": the page reading has "Tô Ng"
])
def test_the_surname_under_the_seal_is_read_back_from_the_names_own_line(
        tmp_path: Path, seed: int, doc_type: str, rotation: int) -> None:
    gen = pytest.importorskip("tests.fixtures.generator")
    doc = gen.generate_document(seed, doc_type, level="hard", rotation=rotation)
    path = gen.save_document(doc, tmp_path, fmt="png")
    want = doc.truth_fields["signer_name"]
    ex = extract(path, Settings())
    assert ex.record.fields.get("signer_name") == want
    notes = [n for p in ex.pages for r in (p, *p.alternates) for n in r.preprocess_notes]
    assert any(n.startswith("signer's surname read again") for n in notes)
    without = extract(path, Settings(second_look=False)).record
    assert without.fields.get("signer_name") != want


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Tesseract")
def test_a_signature_block_read_as_a_picture_is_found_beside_the_recipients(tmp_path: Path) -> None:
    # the page reading has no word of the title, the seal and the name, so there is no title to read
    # under; the block stands beside "Nơi nhận:"
    gen = pytest.importorskip("tests.fixtures.generator")
    doc = gen.generate_document(400049, "cong_van", level="hard")
    path = gen.save_document(doc, tmp_path, fmt="png")
    once = Settings(reread_below=0)
    rec = extract(path, once).record
    assert rec.fields.get("signer_name") == doc.truth_fields["signer_name"] == "Dương Văn Vũ"
    assert "signer_name" in rec.review_fields  # no title above it: a clerk confirms whose name it is
    assert extract(path, once.model_copy(update={"second_look": False})).record.fields.get("signer_name") is None


REALSCANS = Path(__file__).resolve().parents[2] / "shared" / "realscans"


@pytest.mark.realscans
@pytest.mark.skipif(not REALSCANS.is_dir(), reason="../shared/realscans not present")
def test_the_signers_name_read_as_one_line_gets_back_the_mark_the_page_reading_dropped() -> None:
    ann = json.loads((REALSCANS / "annotations" / "46_TB.signed.json").read_text(encoding="utf-8"))
    ex = extract(REALSCANS / ann["file"], Settings())
    assert ex.record.fields["signer_name"] == "Trần Phước Hiền"  # the page reading alone gives "Hiên"
    assert any("Hiên→Hiền" in n for p in ex.pages for n in p.preprocess_notes)
