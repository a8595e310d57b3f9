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
    got = _merge("issuer", "issuer", "Ủy ban nhân dân xã Yên Khánb", "Ủy ban nhân dân xã Yên Khánh",
                 "Ủy ban nhân dân xã Yên Khánh")
    assert got.value == "Ủy ban nhân dân xã Yên Khánh" and got.confidence == 0.9


def test_issuers_that_could_both_be_right_go_to_review() -> None:
    got = _merge("issuer", "issuer", "Ủy ban nhân dân phường Đông Thành", "Ủy ban nhân dân phường Đồng Thành",
                 "Ủy ban nhân dân phường Đồng Thành")  # two real wards, a mark apart
    assert got.value == "Ủy ban nhân dân phường Đồng Thành"
    assert got.confidence <= DISAGREE_CONFIDENCE and "readings_disagree" in got.flags


@pytest.mark.parametrize(("kind", "values"), [
    ("doc_number", ("70/TB-UBND", "78/TB-UBND", "78/TB-UBND")),  # a speck on the 0, read alike twice
    ("date", ("2018-12-15", "2018-12-18", "2018-12-18")),
    ("personal_id", ("036181174943", "036481174943", "036481174943")),
    ("name", ("Vũ Kim Ngọc", "Vũ Kim", "Vũ Kim")),
    ("summary", ("Triển khai vệ sinh môi trường, thu gom rác thải", "Triển khai vệ sinh môi trường thu gom rác thải",
                 "Triển khai vệ sinh môi trường thu gom rác thải")),  # a comma the blur took from two readings
])
def test_a_key_value_not_every_reading_gives_is_taken_from_the_majority_but_reviewed(
        kind: str, values: tuple[str, ...]) -> None:
    got = _merge(kind, kind, *values)
    assert got.value == values[1]
    assert got.confidence <= DISAGREE_CONFIDENCE and "readings_disagree" in got.flags
    assert any(values[0] in n for n in got.notes)
    assert _merge(kind, kind, values[0], values[0], values[0]).confidence == 0.9


def test_readings_with_no_majority_go_to_review_naming_the_others() -> None:
    got = _merge("doc_number", "doc_number", "79/TB-UBND", "78/TB-UBND", "70/TB-UBND")
    assert got.confidence <= DISAGREE_CONFIDENCE and "readings_disagree" in got.flags
    assert any("78/TB-UBND" in n and "70/TB-UBND" in n for n in got.notes)


def test_a_value_only_one_reading_found_is_kept_as_it_was_read() -> None:
    got = _merge("subject_address", "address", None, "Xóm 4, xã Diễn Thành", None)
    assert got.value == "Xóm 4, xã Diễn Thành" and got.confidence == 0.9


@pytest.mark.parametrize(("kind", "value"), [("date", "2020-11-08"), ("name", "Vũ Kim")])
def test_a_key_value_only_one_reading_found_is_kept_but_reviewed(kind: str, value: str) -> None:
    # "Vũ Kim" with its last word lost, where the other readings found no name: nothing confirms it
    got = _merge("subject_name", kind, None, value, None)
    assert got.value == value and got.confidence <= DISAGREE_CONFIDENCE and "readings_disagree" in got.flags
    assert _merge("subject_name", kind, value).confidence == 0.9  # a copy read once is judged as read


def test_a_value_that_cannot_be_right_does_not_win_by_numbers() -> None:
    # a place the gazetteer knows, against two readings of it cut short
    assert _merge("place", "place", "Phong Điền", "Phong", "Phong").value == "Phong Điền"
    # a name of real syllables, against two with a slip each
    assert _merge("signer_name", "name", "Lê Minh Đức", "Lê Miúh Đức", "Lê Mĩúh Đức").value == "Lê Minh Đức"


def test_an_issuer_whose_unit_the_gazetteer_lacks_is_not_outvoted_by_an_unlike_known_one() -> None:
    # Kim Lan is not in the table (merged away; it has Kim Đức): old documents name it, "huyện Gia Lâm" is its superior
    got = _merge("issuer", "issuer", "Ủy ban nhân dân huyện Gia Lâm", "Ủy ban nhân dân xã Kim Lan",
                 "Ủy ban nhân dân xã Kim Lan")
    assert got.value == "Ủy ban nhân dân xã Kim Lan"


def test_an_issuer_the_number_line_ran_into_yields_to_a_clean_one() -> None:
    got = _merge("issuer", "issuer", "Số: 109/tb - Ủy ban nhân dân thị trấn Hiệp Hòa",
                 "Số: 109/tb - Ủy ban nhân dân thị trấn Hiệp Hòa", "Ủy ban nhân dân thị trấn Hiệp Hòa")
    assert got.value == "Ủy ban nhân dân thị trấn Hiệp Hòa"


def test_a_name_without_its_given_name_yields_to_a_whole_one() -> None:
    from config.doctypes import get_rules
    from extractors.field_values import normalise

    def read(raw: str, conf: float) -> dict[str, FieldResult]:
        norm = normalise(get_rules(), "name", raw)
        return {"signer_name": FieldResult("signer_name", norm.value, conf, "test", norm.notes)}

    readings = [read("Nguyễn Thị", 0.9), read("Nguyễn Thị", 0.9), read("Nguyễn Thị Thanh Uyên", 0.6)]
    assert merge_readings(readings, {"signer_name": "name"})["signer_name"].value == "Nguyễn Thị Thanh Uyên"


def test_an_address_cut_before_its_province_yields_to_a_whole_one_however_sure() -> None:
    from extractors.normalise import expand_address

    raws = ["Thôn Trung, thị trấn Yên Định, huyện Hải Hậu, tỉnh Nam Định", "Thôn Trung, thị trấn Yên Định, huyện Hải Hậu"]
    whole, cut = (expand_address(r, {}) for r in raws)
    readings = [{"a": FieldResult("a", whole.value, 0.3, "test", whole.notes)},
                {"a": FieldResult("a", cut.value, 0.45, "test", cut.notes)}]
    assert merge_readings(readings, {"a": "address"})["a"].value == raws[0]


def test_a_summary_is_voted_word_by_word() -> None:
    got = _merge("summary", "summary",
                 "Về việc hưởng trợ cấp xã Bột hằng tháng",
                 "Về việc hưởng trợ cấp xã hội hằng thắng",
                 "Về việc hướng trợ cấp xã hội hằng tháng")
    assert got.value == "Về việc hưởng trợ cấp xã hội hằng tháng"


def test_a_summary_whose_lines_one_reading_jumbled_is_not_taken_from_it_however_sure() -> None:
    readings = [{"s": _r("s", "V/v tăng cường vệ sinh môi trường, thủ gom rác thải", 0.72)},
                {"s": _r("s", "V/v tăng cường vệ sinh môi rác thải trường", 0.9)},
                {"s": _r("s", "V/v tăng cường vệ sinh môi trường, thu gom rác thải", 0.51)}]
    got = merge_readings(readings, {"s": "summary"})["s"]
    assert got.value == "V/v tăng cường vệ sinh môi trường, thủ gom rác thải"  # the surer of the two alike
    assert got.confidence <= DISAGREE_CONFIDENCE
    # a third reading of debris does not tip the choice between the two alike towards the worse one
    readings = [{"s": _r("s", "Về việc tăng cường thu, chi ngân sách nhà nước", 0.85)},
                {"s": _r("s", "Về việc tăng HN thu, chi ngân sách nhà nước", 0.4)},
                {"s": _r("s", "0i trụ, chỉ ngân sách nhà nước", 0.31)}]
    assert merge_readings(readings, {"s": "summary"})["s"].value == "Về việc tăng cường thu, chi ngân sách nhà nước"


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


def test_extra_readings_use_the_vietnamese_script_model_and_fall_back_when_it_is_missing() -> None:
    from extractors.ocr import _debian_package, reread_lang

    if shutil.which("tesseract") is None:
        pytest.skip("needs Tesseract")
    assert reread_lang(Settings()) == "vie+Vietnamese"  # installed by scripts/bootstrap.sh
    # a model that is not installed: the extra readings go on with the main model, the batch is not stopped
    assert reread_lang(Settings(reread_lang="vie+NoSuchScript")) == "vie"
    assert reread_lang(Settings(reread_lang="")) == "vie"
    assert _debian_package("Vietnamese") == "tesseract-ocr-script-viet"
    assert _debian_package("vie") == "tesseract-ocr-vie"


def test_any_field_whose_digits_the_readings_dispute_goes_to_review() -> None:
    a = "Thửa đất số 838, tờ bản đồ số 44, Thôn An Lộc, xã Phước Sơn, huyện Tuy Phước, tỉnh Bình Định"
    b = a.replace("số 44", "số 34")
    got = _merge("subject_address", "address", b, b, a)
    assert got.value == b and "readings_disagree" in got.flags and any(a in n for n in got.notes)
    # words alone that differ (a speck on a letter) do not send a place-checked address to review
    c = a.replace("Thôn An Lộc", "Thôn Ân Lộc")
    assert "readings_disagree" not in _merge("subject_address", "address", a, a, c).flags


def test_a_name_of_known_name_syllables_wins_over_readings_with_unusual_ones() -> None:
    from config.doctypes import get_rules
    from extractors.field_values import normalise

    def read(raw: str) -> dict[str, FieldResult]:
        norm = normalise(get_rules(), "name", raw)
        return {"signer_name": FieldResult("signer_name", norm.value, norm.certainty, "test", notes=norm.notes)}

    got = merge_readings([read("Vũ Văn Vinh"), read("Vũ Vặn Vinh"), read("Vũ Vặn Vinh")], {"signer_name": "name"})
    assert got["signer_name"].value == "Vũ Văn Vinh"
    assert "readings_disagree" in got["signer_name"].flags  # still a name the readings dispute: a clerk confirms


def test_an_issuer_whose_unit_name_the_gazetteer_knows_wins_over_cut_readings() -> None:
    got = _merge("issuer", "issuer", "Ủy ban nhân dân xã Vũ", "Ủy ban nhân dân xã Vũ", "Ủy ban nhân dân xã Vũ Quý")
    assert got.value == "Ủy ban nhân dân xã Vũ Quý"
    assert _merge("issuer", "issuer", "Ủy ban nhân dân phường 4", "Ủy ban nhân dân phường 4",
                  "Ủy ban nhân dân phường 1").value == "Ủy ban nhân dân phường 4"  # numbered units: by majority


def _src(name: str, value: str, source: str, conf: float = 0.8, notes: list[str] | None = None) -> FieldResult:
    return FieldResult(name, value, conf, source, notes or [])


def test_a_title_implied_where_the_seal_hid_it_yields_to_one_read() -> None:
    implied = _src("signer_title", "CHỦ TỊCH", "signer_title:implied", 0.55)
    read = _src("signer_title", "PHÓ CHỦ TỊCH", "signer_title", 0.6)
    got = merge_readings([{"signer_title": implied}, {"signer_title": read}, {"signer_title": implied}],
                         {"signer_title": "title_upper"})["signer_title"]
    assert got.value == "PHÓ CHỦ TỊCH"


def test_a_deputy_title_implied_by_the_kt_line_does_not_yield_to_that_line_read_as_a_title() -> None:
    # "NI TRƯỞNG PHÒNG": the "KT." line with its code misread reads as the head's title
    implied = _src("signer_title", "PHÓ TRƯỞNG PHÒNG", "signer_title:implied", 0.55)
    read = _src("signer_title", "TRƯỞNG PHÒNG", "signer_title", 0.83)
    got = merge_readings([{"signer_title": implied}, {"signer_title": implied}, {"signer_title": read}],
                         {"signer_title": "title_upper"})["signer_title"]
    assert got.value == "PHÓ TRƯỞNG PHÒNG"


def test_a_name_that_is_the_end_of_a_longer_name_of_known_syllables_yields_to_it() -> None:
    from config.doctypes import get_rules
    from extractors.field_values import normalise

    def read(raw: str, conf: float) -> dict[str, FieldResult]:
        norm = normalise(get_rules(), "name", raw)
        return {"signer_name": FieldResult("signer_name", norm.value, conf, "test", norm.notes)}

    # the seal hid two words of one reading, and a mark of "Đình" made it the surname "Đinh"
    readings = [read("Đinh Toàn", 0.43), read("Nguyễn Minh Đình Toàn", 0.37), read("Minh Đình Toàn", 0.25)]
    assert merge_readings(readings, {"signer_name": "name"})["signer_name"].value == "Nguyễn Minh Đình Toàn"


def test_a_summary_one_reading_cut_short_yields_to_a_longer_one_in_real_words() -> None:
    got = _merge("summary", "summary", "Triển khai thực",
                 "Triển khai thực hiện phát triển bảo hiểm xã hội tự nguyện năm 2017", None)
    assert got.value == "Triển khai thực hiện phát triển bảo hiểm xã hội tự nguyện năm 2017"


def test_a_summary_two_readings_end_alike_is_not_taken_for_cut() -> None:
    # the third reading took in the debris of the next line: the two that agree are right
    got = _merge("summary", "summary", "V/v triển khai tuyển chọn và gọi công dân nhập ngũ cà đá 08",
                 "V/v triển khai tuyển chọn và gọi công dân nhập ngũ",
                 "V/v triển khai tuyển chọn và gọi công dân nhập ngũ")
    assert got.value == "V/v triển khai tuyển chọn và gọi công dân nhập ngũ"


def test_an_agency_name_cut_short_yields_to_the_known_whole_name_even_outnumbered() -> None:
    from extractors.issuer import AGENCY_CUT

    cut = _src("issuer", "Phòng Tài chính huyện Tiên Du", "header", 0.58, [f"... / {AGENCY_CUT}: '...'?"])
    whole = _src("issuer", "Phòng Tài chính - Kế hoạch huyện Tiên Du", "header", 0.48)
    got = merge_readings([{"issuer": cut}, {"issuer": whole}, {"issuer": cut}], {"issuer": "issuer"})["issuer"]
    assert got.value == "Phòng Tài chính - Kế hoạch huyện Tiên Du"


def test_an_issuer_without_its_unit_yields_to_the_same_agency_with_it() -> None:
    bare = _src("issuer", "Phòng Tài nguyên và Môi trường", "header", 0.35)
    whole = _src("issuer", "Phòng Tài nguyên và Môi trường huyện Bình Chánh", "header", 0.25)
    other = _src("issuer", "Bo Mg và Mỗi trường", "header", 0.19)
    got = merge_readings([{"issuer": whole}, {"issuer": bare}, {"issuer": other}], {"issuer": "issuer"})["issuer"]
    assert got.value == "Phòng Tài nguyên và Môi trường huyện Bình Chánh"


def test_a_main_reading_that_ran_on_into_the_body_is_not_the_base_of_the_word_vote() -> None:
    ran_on = _src("summary", "Về việc tăng cường xây dựng nông thôn mới nâng cao qua, xây dựng nông thôn mới nâng "
                             "cao trên địa bàn xã đã đạt được những kết quả nhất định", "summary", 0.23)
    a = _src("summary", "Về việc tăng HÔNG xây dựng nông thôn mới nâng cao", "summary", 0.40)
    b = _src("summary", "Về việc tăng cường xây dựng nông thôn mới nâng cao", "summary", 0.39)
    got = merge_readings([{"summary": ran_on}, {"summary": a}, {"summary": b}], {"summary": "summary"})["summary"]
    assert got.value == "Về việc tăng cường xây dựng nông thôn mới nâng cao"
