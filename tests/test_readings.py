"""Fields of a poor copy decided over several readings (extractors/readings.py), and the readings
themselves made by the real pipeline on a generated copy of a copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.settings import Settings
from extractors.field_values import FieldResult
from extractors.readings import DISAGREE_CONFIDENCE, merge_readings


def _r(name: str, value: str, conf: float = 0.9, flags: set[str] | None = None) -> FieldResult:
    return FieldResult(name, value, conf, "test", flags=flags or set())


def _merge(name: str, kind: str, *values: str | None) -> FieldResult:
    readings = [{name: _r(name, v)} if v is not None else {} for v in values]
    return merge_readings(readings, {name: kind})[name]


def test_the_value_most_readings_agree_on_is_taken_without_review() -> None:
    got = _merge("doc_number", "doc_number", "79/TB-UBND", "70/TB-UBND", "70/TB-UBND")
    assert got.value == "70/TB-UBND" and got.confidence == 0.9


def test_readings_with_no_majority_go_to_review_naming_the_others() -> None:
    got = _merge("doc_number", "doc_number", "79/TB-UBND", "78/TB-UBND", "70/TB-UBND")
    assert got.confidence <= DISAGREE_CONFIDENCE and "readings_disagree" in got.flags
    assert any("78/TB-UBND" in n and "70/TB-UBND" in n for n in got.notes)


def test_a_value_only_one_reading_found_is_kept_as_it_was_read() -> None:
    got = _merge("issue_date", "date", None, "2020-11-08", None)
    assert got.value == "2020-11-08" and got.confidence == 0.9


def test_a_value_that_cannot_be_right_does_not_win_by_numbers() -> None:
    # a place the gazetteer knows, against two readings of it cut short
    assert _merge("place", "place", "Phong Điền", "Phong", "Phong").value == "Phong Điền"
    # a name of real syllables, against two with a slip each
    assert _merge("signer_name", "name", "Lê Minh Đức", "Lê Miúh Đức", "Lê Mĩúh Đức").value == "Lê Minh Đức"


def test_a_summary_is_voted_word_by_word() -> None:
    got = _merge("summary", "summary",
                 "Về việc hưởng trợ cấp xã Bột hằng tháng",
                 "Về việc hưởng trợ cấp xã hội hằng thắng",
                 "Về việc hướng trợ cấp xã hội hằng tháng")
    assert got.value == "Về việc hưởng trợ cấp xã hội hằng tháng"


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Tesseract")
def test_a_poor_copy_is_read_three_times_and_a_good_scan_once(tmp_path: Path) -> None:
    gen = pytest.importorskip("tests.fixtures.generator")
    from extractors.pipeline import extract

    for level, readings in (("hard", 3), ("light", 1)):
        doc = gen.generate_document(100022, "thong_bao", level=level)
        path = gen.save_document(doc, tmp_path, fmt="png")
        rec = extract(path, Settings()).record
        assert rec.pages[0]["readings"] == readings, level
        assert rec.fields["issuer"] == doc.truth_fields["issuer"]
        # on the hard copy a speck on the "0" of "Số: 70/TB-UBND" reads 79 or 78: never a confident wrong number
        if rec.fields.get("doc_number") != doc.truth_fields["doc_number"]:
            assert "doc_number" in rec.review_fields, level
