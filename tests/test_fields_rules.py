"""Rules as data: the bundled YAML loads, and a site can add a document type or a label without Python."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from config.doctypes import FieldRule, load_rules
from config.settings import Settings
from extractors import fields as F
from extractors.field_rules import LabelIndex, LabelledSearch
from schemas.record import Record, Source
from tests.test_fields_pages import FakePage, header, line, view

NEW_TYPE = """
doc_type: giay_chung_nhan_quyen_su_dung_dat
name: Giấy chứng nhận quyền sử dụng đất
titles: ["GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT"]
fields:
  subject_name:
    labels: ["Người sử dụng đất", "Ông/bà"]
    type: name
  land_serial:
    labels: ["Số vào sổ cấp GCN", "Số phát hành"]
    pattern: "(?P<v>[A-Z]{2} ?\\\\d{6})"
    type: text
"""


def test_bundled_rules_cover_the_schema_types() -> None:
    rules = load_rules()
    for t in ("quyet_dinh", "giay_khai_sinh", "giay_chung_nhan_ket_hon", "xac_nhan_tinh_trang_hon_nhan",
              "trich_luc_khai_tu", "giay_chung_nhan_dang_ky_ho_kinh_doanh", "giay_phep_xay_dung", "cong_van",
              "thong_bao", "chi_thi", "to_trinh", "bao_cao", "ke_hoach", "nghi_quyet", "nghi_dinh"):
        assert t in rules.types, t
    assert rules.types["quyet_dinh"].symbols == ["QĐ"]
    # every type inherits the fields of all administrative documents
    assert {"doc_number", "issue_date", "issuer", "place", "signer_name"} <= set(rules.fields_of("to_trinh"))


def test_a_rule_with_an_unknown_type_is_refused_with_the_file_name(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("doc_type: bad\nname: x\nfields:\n  a:\n    labels: [A]\n    type: money\n",
                                       encoding="utf-8")
    with pytest.raises(ValueError, match="(?s)bad.yaml.*unknown type 'money'"):
        load_rules(tmp_path)


def _analyse(words: list, rules_dir: Path | None = None) -> Record:
    rec = Record(id="x", source=Source(path="x.png"), pipeline_version="test")
    settings = Settings(doctypes_dir=rules_dir)
    F.analyse(rec, [FakePage(words)], settings)
    return rec


def test_archive_staff_add_a_document_type_as_a_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "giay_chung_nhan_quyen_su_dung_dat.yaml").write_text(NEW_TYPE, encoding="utf-8")
    words = (header(["UBND HUYỆN HẢI HẬU"], "Số: 12/GCN", "Hải Hậu, ngày 09 tháng 02 năm 2023")
             + line("GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT", 600, 600, h=58)
             + line("1. Người sử dụng đất: Ông NGUYỄN VĂN AN", 300, 800)
             + line("Số phát hành: AB 123456", 300, 880))
    rec = _analyse(words, tmp_path)
    assert rec.doc_type == "giay_chung_nhan_quyen_su_dung_dat"
    assert rec.fields["subject_name"] == "Nguyễn Văn An"
    assert rec.fields["land_serial"] == "AB 123456"
    assert rec.fields["issuer"] == "Ủy ban nhân dân huyện Hải Hậu"
    # without the file the same page is not guessed into another type
    assert _analyse(words).doc_type == "khac"


def test_a_label_variant_is_one_line_of_yaml(tmp_path: Path) -> None:
    rules = load_rules()
    page = view(line("Tên khai sinh: TRẦN THỊ HOA", 300, 800))
    rule = rules.fields_of("giay_khai_sinh")["subject_name"]
    search = LabelledSearch(page, LabelIndex([*rule.labels, "Tên khai sinh"]))
    assert search.find(rule, multiline=False) is None
    extended = FieldRule(**{**rule.model_dump(), "labels": [*rule.labels, "Tên khai sinh"]})
    cand = search.find(extended, multiline=False)
    assert cand is not None and cand.raw == "TRẦN THỊ HOA"


def test_labels_match_despite_ocr_damage_and_prefer_the_longer_label() -> None:
    rules = load_rules()
    labels = F._labels_of(rules, "giay_khai_sinh")
    page = view(line("Họ, chữ đệm; tên người mẹ ĐÀO THỊ THỦY", 300, 800)  # ';' for ',', colon lost
                + line("Họ, chữ dệm, tên: NGUYÊN VĂN TÙNG", 300, 700))
    search = LabelledSearch(page, LabelIndex(labels))
    fields = rules.fields_of("giay_khai_sinh")
    assert search.find(fields["subject_name"], False).raw == "NGUYÊN VĂN TÙNG"
    assert search.find(fields["mother_name"], False).raw == "ĐÀO THỊ THỦY"


def test_row_of_several_labels_is_cut_into_values() -> None:
    rules = load_rules()
    page = view(line("Giới tính: Nữ Dân tộc: Kinh Quốc tịch: Việt Nam", 300, 700)
                + line("Ngày, tháng, năm sinh: 11/02/2016", 300, 780))
    search = LabelledSearch(page, LabelIndex(F._labels_of(rules, "giay_khai_sinh")))
    fields = rules.fields_of("giay_khai_sinh")
    assert search.find(fields["subject_sex"], False).raw == "Nữ"
    # "năm sinh" inside "Ngày, tháng, năm sinh" is not a label of its own
    assert search.find(fields["subject_dob"], False).raw == "11/02/2016"


def test_record_gets_review_and_problems_in_vietnamese_and_english() -> None:
    words = (header(["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"], "Số: 2ƒ /CT-UBND", "Quảng Ngãi, ngày {Ệ tháng 01 năm 2025")
             + line("CHỈ THỊ", 1150, 600, h=58)
             + line("Về việc triển khai sử dụng hóa đơn điện tử", 700, 680))
    for w in words:
        if w.text in ("2ƒ", "{Ệ"):
            w.conf = 40
    rec = _analyse(copy.deepcopy(words))
    assert rec.doc_type == "chi_thi"
    assert rec.fields["issuer"] == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert "doc_number" not in rec.fields and "issue_date" not in rec.fields
    assert rec.needs_review and {"doc_number", "issue_date"} <= set(rec.review_fields)
    text = " ".join(rec.problems)
    assert "viết tay" in text and "handwritten" in text and "tháng 01 năm 2025" in text


def test_dossier_code_goes_to_fields_and_archive() -> None:
    words = (header(["UBND XÃ NGHĨA LẠC"], "Số: 45/QĐ-UBND", "Nghĩa Lạc, ngày 06 tháng 12 năm 2021")
             + line("QUYẾT ĐỊNH", 1150, 600, h=58)
             + line("Mã hồ sơ: 000.00.01.H29-240115-0001", 300, 900))
    rec = _analyse(words)
    assert rec.fields["dossier_code"] == "000.00.01.H29-240115-0001"
    assert rec.archive["dossier_code"] == "000.00.01.H29-240115-0001"


def test_a_repaired_id_that_then_fails_its_checks_is_not_kept() -> None:
    # "O" read for a digit; the repaired ID says 1900s while the child was born in 2020: not trusted
    words = (line("GIẤY KHAI SINH", 1000, 500, h=58)
             + line("Họ, chữ đệm, tên: TRẦN VĂN AN", 300, 700)
             + line("Ngày, tháng, năm sinh: 26/06/2020", 300, 780)
             + line("Giới tính: Nam", 300, 860)
             + line("Số định danh cá nhân: 036O20614006", 300, 940))
    rec = _analyse(words)
    assert rec.doc_type == "giay_khai_sinh"
    assert "subject_id" not in rec.fields and "subject_id" in rec.review_fields
    words[-1].text = "036220614006"
    rec = _analyse(words)
    assert rec.fields["subject_id"] == "036220614006" and "subject_id" not in rec.review_fields


def test_place_spelled_like_another_unit_takes_the_issuers_spelling() -> None:
    # "Văn Giang" is a district of Hưng Yên; the issuer's ward is "Vân Giang" (Ninh Bình)
    words = (header(["ỦY BAN NHÂN DÂN", "PHƯỜNG VÂN GIANG"], "Số: 12/TB-UBND", "Văn Giang, ngày 06 tháng 12 năm 2021")
             + line("THÔNG BÁO", 1130, 600, h=58))
    rec = _analyse(words)
    assert rec.fields["issuer"] == "Ủy ban nhân dân phường Vân Giang"
    assert rec.fields["place"] == "Vân Giang"


def test_a_numbered_wards_place_read_with_a_letter_for_its_digit_takes_the_issuers_number() -> None:
    words = (header(["ỦY BAN NHÂN DÂN", "PHƯỜNG 1"], "Số: 12/QĐ-UBND", "Phường I, ngày 06 tháng 10 năm 2024")
             + line("QUYẾT ĐỊNH", 1130, 600, h=58))
    rec = _analyse(words)
    assert rec.fields["issuer"] == "Ủy ban nhân dân phường 1"
    assert rec.fields["place"] == "Phường 1"
    # Vị Thanh has a real Phường I: its own committee dates from it
    words = (header(["ỦY BAN NHÂN DÂN", "PHƯỜNG I"], "Số: 12/QĐ-UBND", "Phường I, ngày 06 tháng 10 năm 2024")
             + line("QUYẾT ĐỊNH", 1130, 600, h=58))
    assert _analyse(words).fields["place"] == "Phường I"


def test_values_of_a_poorly_read_page_lose_confidence() -> None:
    words = (header(["UBND XÃ NGHĨA LẠC"], "Số: 12/TB-UBND", "Nghĩa Lạc, ngày 06 tháng 12 năm 2021")
             + line("THÔNG BÁO", 1130, 600, h=58))
    good = _analyse(words)
    rec = Record(id="x", source=Source(path="x.png"), pipeline_version="test")
    rec.confidence.ocr = 0.7
    F.analyse(rec, [FakePage(words)], Settings())
    assert rec.fields["issuer"] == good.fields["issuer"]
    assert rec.confidence.fields["issuer"] < 0.6 * good.confidence.fields["issuer"]
    assert "issuer" in rec.review_fields


def test_date_line_split_by_handwritten_day_and_month_still_gives_the_place() -> None:
    # 01CT: day and month written by hand, OCR keeps "Quảng Ngãi, ngày 2#" and "năm 2021" apart
    words = (line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1150, 200) + line("Độc lập - Tự do - Hạnh phúc", 1350, 270)
             + line("ỦY BAN NHÂN DÂN", 300, 200) + line("TỈNH QUẢNG NGÃI", 300, 270)
             + line("Số: 2ƒ /CT-UBND", 320, 400)
             + line("Quảng Ngãi, ngày 2#", 1250, 400) + line("năm 2021", 1960, 400)
             + line("CHỈ THỊ", 1150, 600, h=58))
    rec = _analyse(words)
    assert rec.fields["place"] == "Quảng Ngãi"
    assert "issue_date" not in rec.fields and "issue_date" in rec.review_fields
    assert any("năm 2021" in p for p in rec.problems)


def test_a_wrapped_vv_summary_goes_on_in_lower_case_with_words_that_open_a_body() -> None:
    from extractors.field_rules import find_number_line, summary_vv

    words = header(["ỦY BAN NHÂN DÂN", "XÃ ĐA TỐN"], "Số: 607/UBND-TNMT", "Đa Tốn, ngày 28 tháng 4 năm 2024")
    words += line("V/v báo cáo kết quả", 330, 450) + line("thực hiện chuyển đổi số", 310, 510)
    words += line("Kính gửi: Ủy ban nhân dân huyện Gia Lâm", 800, 600)
    words += line("Thực hiện Công văn số 599/UBND-VP ngày 20/09/2023 của Ủy ban nhân dân huyện", 300, 700)
    page = view(words).first
    rules = load_rules()
    cand = summary_vv(page, find_number_line(page), [], rules.common)
    assert cand is not None and cand.raw == "V/v báo cáo kết quả thực hiện chuyển đổi số"


def test_person_of_a_decision_is_found_when_the_article_number_and_a_label_letter_are_misread() -> None:
    from extractors.field_rules import prose_search

    words = line("QUYẾT ĐỊNH:", 1100, 900)
    words += line("Điều + Hỗ trợ kinh phí sửa chữa nhà ở cho hộ ông Nguyễn Văn Xuân Bình,", 300, 1000)
    words += line("số định danh, cá nhâh: 036058073059; nơi cư trú; Thôn Trung, thị trấn Yên Định,", 300, 1070)
    words += line("huyện Hải Hậu, tỉnh Nam Định, là hộ nghèo có nhà ở hư hỏng nặng.", 300, 1140)
    words += line("Điều Nguồn kinh phí hỗ trợ từ Quỹ Vì người nghèo.", 300, 1210)  # "2" lost too
    fields = load_rules().fields_of("quyet_dinh")
    v = view(words)
    assert prose_search(v, fields["subject_id"], None).raw.startswith("036058073059")
    assert prose_search(v, fields["subject_address"], None).raw.startswith("Thôn Trung, thị trấn Yên Định")
    assert prose_search(v, fields["subject_name"], None).raw == "Nguyễn Văn Xuân Bình"
    # no first article at all (the first "Điều" is numbered 2): nothing is taken from the wrong article
    later = line("Điều 2. Giao ông Trần Văn An, số định danh cá nhân: 036058073059 thực hiện.", 300, 1000)
    assert prose_search(view(later), fields["subject_id"], None) is None


def test_summary_whose_box_speckle_stretched_above_the_title_bottom_is_still_read() -> None:
    from extractors.classify import classify
    from extractors.field_rules import summary_after_title

    rules = load_rules()
    words = header(["UBND QUẬN LÊ CHÂN", "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"], "Số: 144/BC-LĐTBXH",
                   "Lê Chân, ngày 09 tháng 12 năm 2024")
    words += line("BÁO CÁO", 1150, 600, h=64)
    # a speck above the first letter: the line's box starts 19 px above the title's bottom
    summary = line("Kết quả thực hiện chuyển đổi số 6 tháng đầu năm 2024", 640, 645, h=82)
    words += summary + line("Thực hiện chỉ đạo của Ủy ban nhân dân thành phố Hải Phòng, Phòng Lao động", 300, 800)
    v = view(words)
    cls = classify(v, rules)
    assert cls.doc_type == "bao_cao"
    cand = summary_after_title(v.first, cls.title_lines, rules.common)
    assert cand is not None and cand.raw == "Kết quả thực hiện chuyển đổi số 6 tháng đầu năm 2024"


def test_a_household_business_issuer_whose_district_line_is_lost_takes_the_district_of_the_business() -> None:
    # "UBND QUẬN SƠN TRÀ" above "PHÒNG TÀI CHÍNH - KẾ HOẠCH" lost to the copy; the office registers the
    # household businesses of its own district (`unit_from: business_address` in the type's YAML)
    words = (header(["PHÒNG TÀI CHÍNH - KẾ HOẠCH"], "", "")
             + line("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", 500, 600, h=58)
             + line("Mã số hộ kinh doanh: 32A8000123", 300, 760)
             + line("1. Tên hộ kinh doanh: HỘ KINH DOANH QUÁN CƠM TUYẾT", 300, 840)
             + line("2. Địa điểm kinh doanh: Tổ 5, phường An Hải Bắc, quận Sơn Trà, thành phố Đà Nẵng", 300, 920))
    rec = _analyse(words)
    assert rec.doc_type == "giay_chung_nhan_dang_ky_ho_kinh_doanh"
    assert rec.fields["issuer"] == "Phòng Tài chính - Kế hoạch quận Sơn Trà"
    assert "issuer" in rec.review_fields  # inferred, so a clerk confirms it
    # a decision of the same office keeps no rule of the kind: it says what it lacks
    words = (header(["PHÒNG TÀI CHÍNH - KẾ HOẠCH"], "Số: 12/QĐ-TCKH", "")
             + line("QUYẾT ĐỊNH", 1130, 600, h=58)
             + line("Về việc cấp phép cho hộ kinh doanh tại phường An Hải Bắc, quận Sơn Trà", 500, 680))
    assert _analyse(words).fields.get("issuer") == "Phòng Tài chính - Kế hoạch"


def test_a_signers_name_with_its_start_under_the_seal_and_a_speck_glued_inside_is_still_read() -> None:
    words = (header(["ỦY BAN NHÂN DÂN", "HUYỆN CHÂU THÀNH"], "Số: 12/TB-UBND", "Châu Thành, ngày 06 tháng 12 năm 2021")
             + line("THÔNG BÁO", 1130, 600, h=58)
             + line("Ủy ban nhân dân huyện thông báo để các cơ quan, đơn vị biết, thực hiện./.", 300, 800)
             + line("KT. CHỦ TỊCH", 1500, 1000) + line("PHÓ CHỦ TỊCH", 1500, 1070)
             + line("ên Ngọc,Huy", 1530, 1400))
    rec = _analyse(words)
    assert rec.fields["signer_name"] == "Nguyễn Ngọc Huy"
    assert "signer_name" in rec.review_fields  # the surname is a guess a clerk confirms


def test_an_identifier_wrapped_whole_to_the_next_line_is_found_under_its_label() -> None:
    words = (header(["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HUẾ"], "Số: 75/GPXD", "Huế, ngày 30 tháng 01 năm 2019")
             + line("GIẤY PHÉP XÂY DỰNG", 1000, 600, h=58)
             + line("1. Cấp cho: Ông HUỲNH ĐỨC CƯỜNG, số định danh cá nhân:", 300, 800)
             + line("046063754230", 300, 870)
             + line("Địa chỉ: Tổ 10, phường Vĩnh Ninh, thành phố Huế, tỉnh Thừa Thiên Huế", 300, 940))
    assert _analyse(words).fields.get("subject_id") == "046063754230"
    # the next line is no identifier: nothing is taken
    words = [w for w in words if w.text != "046063754230"]
    assert "subject_id" not in _analyse(words).fields


@pytest.mark.parametrize("authority", ["TM. ỦY BAN NHÂN DÂN", "TM: Iz ỦY BAN NHÂN DÂN", "TM. BAN NHÂN DÂN"])
def test_the_title_the_seal_hid_whole_is_the_head_of_the_body_signed_for_and_reviewed(authority: str) -> None:
    words = (header(["ỦY BAN NHÂN DÂN", "HUYỆN KIM BẢNG"], "Số: 12/CT-UBND", "Kim Bảng, ngày 06 tháng 12 năm 2021")
             + line("CHỈ THỊ", 1130, 600, h=58)
             + line("Chủ tịch Ủy ban nhân dân huyện yêu cầu các cơ quan nghiêm túc thực hiện Chỉ thị này./.", 300, 800)
             + line(authority, 1450, 1000) + line("Nguyễn Văn Sơn", 1500, 1400))
    rec = _analyse(words)
    assert rec.fields["signer_title"] == "CHỦ TỊCH" and "signer_title" in rec.review_fields
    assert rec.fields["signer_name"] == "Nguyễn Văn Sơn"
    # for a deputy the title is read or implied by "KT."; with no "TM." nothing is implied
    words = [w for w in words if w.text not in authority.split()]
    assert "signer_title" not in _analyse(words).fields


def test_a_decisions_subject_is_found_across_a_speck_glued_before_a_name_word() -> None:
    words = (header(["ỦY BAN NHÂN DÂN", "THỊ TRẤN DIÊU TRÌ"], "Số: 229/QĐ-UBND", "Diêu Trì, ngày 18 tháng 5 năm 2019")
             + line("QUYẾT ĐỊNH", 1150, 600, h=58)
             + line("Về việc khen thưởng thành tích trong cải cách hành chính năm 2019", 500, 680)
             + line("Điều 1. Tặng Giấy khen cho ông Nguyễn :Văn Hải, Phó Chủ tịch Hội Nông", 300, 900)
             + line("dân, đã có thành tích xuất sắc.", 300, 970)
             + line("Điều 2. Tiền thưởng kèm theo Giấy khen.", 300, 1040))
    rec = _analyse(words)
    assert rec.doc_type == "quyet_dinh" and rec.fields["subject_name"] == "Nguyễn Văn Hải"


@pytest.mark.parametrize("read", [
    "1. Cấp chó: Ông HÀ VĂN VINH, số định dãnh cá nhânz089082328131 -",  # a speck read as a letter
    "1. Cấp chỏ: Ông HÀ VĂN VINH, số định đẳnh cá nhân”089082328131 -",  # a speck read as a quote
])
def test_an_id_glued_to_its_label_by_a_speck_is_still_its_value(read: str) -> None:
    rules = load_rules()
    page = view(line(read, 300, 800))
    search = LabelledSearch(page, LabelIndex(F._labels_of(rules, "giay_phep_xay_dung")))
    fields = rules.fields_of("giay_phep_xay_dung")
    cand = search.find(fields["subject_id"], False)
    assert cand is not None and cand.raw.lstrip("z”").startswith("089082328131")
    assert search.find(fields["subject_name"], False).raw.startswith("Ông HÀ VĂN VINH")


@pytest.mark.parametrize(("read", "label", "value"), [
    ("Họ, chữ đệm, tên người nẹ: PHẠM THỊ HUỆ", "Họ, chữ đệm, tên người mẹ", "PHẠM THỊ HUỆ"),  # not "người cha"
    ("Họ, chữ đệm, tên người i mẹ: PHẠM THỊ HUỆ.", "Họ, chữ đệm, tên người mẹ", "PHẠM THỊ HUỆ."),  # a speck inside
    ("Họ, chữ đệm, tên: 1gười*mẹ: NGUYÊN THANH HUỆ", "Họ, chữ đệm, tên người mẹ", "NGUYÊN THANH HUỆ"),  # colon early
    ("Họ,,chữ đệm, tên; „VÕ THỊ ÁNH", "Họ, chữ đệm, tên", "„VÕ THỊ ÁNH"),  # the child's, not "tên cha"
    ("Họ, chữ đệm, tên người đi khai sinh: VÕ TRỌNG CHIẾN", "Họ, chữ đệm, tên người đi khai sinh", "VÕ TRỌNG CHIẾN"),
    ("Họ, chữ đệm, tên người cha: VÕ TRỌNG CHIẾN", "Họ, chữ đệm, tên người cha", "VÕ TRỌNG CHIẾN"),
    ("Họ, chữ đệm, tên tẹ: NGUYỄN THỊ AN", "Họ, chữ đệm, tên mẹ", "NGUYỄN THỊ AN"),  # a short tail with its colon
    ("Họ, chữ đệm, tên MAI THỊ LAN", "Họ, chữ đệm, tên", "MAI THỊ LAN"),  # a surname is no "mẹ" (colon lost)
    ("Họ, chữ đệm, tên CHU VĂN AN", "Họ, chữ đệm, tên", "CHU VĂN AN"),  # nor "cha"
])
def test_the_longer_label_a_line_spells_best_is_taken_not_the_first_close_one(read: str, label: str, value: str
                                                                             ) -> None:
    index = LabelIndex(F._labels_of(load_rules(), "giay_khai_sinh"))
    got, _, start = index.match_start(read)
    assert got == label and read[start:] == value


def test_a_decisions_subject_is_found_past_quotes_and_a_colon_of_specks() -> None:
    words = (header(["ỦY BAN NHÂN DÂN", "PHƯỜNG HÀ KHẨU"], "Số: 12/QĐ-UBND", "Hà Khẩu, ngày 18 tháng 5 năm 2019")
             + line("QUYẾT ĐỊNH", 1150, 600, h=58)
             + line("Về việc hưởng trợ cấp xã hội hằng tháng", 800, 680)
             + line("Điều 1. Trợ cấp xã hội hằng tháng đối với \"bà 'Lê Thị: Anh, sinh ngày", 300, 900)
             + line("Điều 2. Giao Công chức Lao động phối hợp.", 300, 1040))
    rec = _analyse(words)
    assert rec.fields["subject_name"] == "Lê Thị Anh"


def test_after_a_colon_the_value_is_not_taken_for_the_end_of_a_longer_label() -> None:
    # "Đăng ký lần đầu, ngày" is a label too, but here "ngày" opens the value, which needs it
    index = LabelIndex(F._labels_of(load_rules(), "giay_chung_nhan_dang_ky_ho_kinh_doanh"))
    read = "Đăng ký lần đầu: ngày 03-tháng 8 năm 2016"
    got, _, start = index.match_start(read)
    assert got == "Đăng ký lần đầu" and read[start:] == "ngày 03-tháng 8 năm 2016"


def test_a_labelled_value_that_is_no_valid_value_is_reported_not_left_out_in_silence() -> None:
    words = (header(["ỦY BAN NHÂN DÂN", "XÃ YÊN KHÁNH"], "Số: 45", "Yên Khánh, ngày 09 tháng 02 năm 2023")
             + line("GIẤY KHAI SINH", 1050, 600, h=58)
             + line("Họ, chữ đệm, tên: NGUYỄN VĂN AN", 300, 760)
             + line("Ngày, tháng, năm sinh: 47/11/2019", 300, 840))
    rec = _analyse(words)
    assert rec.doc_type == "giay_khai_sinh" and "subject_dob" not in rec.fields
    assert "subject_dob" in rec.review_fields and any("47/11/2019" in p for p in rec.problems)
