"""Document type from the title, the number's symbol and the layout, on synthetic pages of word boxes."""

from __future__ import annotations

from config.doctypes import get_rules
from extractors.classify import classify
from tests.test_fields_pages import header, line, view

RULES = get_rules()
DATE = "Nghĩa Lạc, ngày 06 tháng 12 năm 2021"
AGENCY = ["ỦY BAN NHÂN DÂN", "XÃ NGHĨA LẠC"]
BODY = line("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;", 300, 1000)


def page(title: str | None, number: str = "Số: 154/QĐ-UBND", extra: list | None = None) -> list:
    words = header(AGENCY, number, DATE)
    if title:
        words += line(title, 1240 - 12 * len(title), 600, h=58)
        words += line("Về việc hỗ trợ kinh phí sửa chữa nhà ở cho hộ nghèo", 600, 680)
    return words + (extra or []) + BODY


def test_decision_by_its_title() -> None:
    got = classify(view(page("QUYẾT ĐỊNH")), RULES)
    assert got.doc_type == "quyet_dinh" and got.confidence >= 0.95 and not got.problems


def test_title_damaged_by_ocr_is_still_recognised() -> None:
    # acute for circumflex-acute and a dropped dot, as Tesseract prints bold capitals
    got = classify(view(page("QUYÉT ĐINH")), RULES)
    assert got.doc_type == "quyet_dinh"
    got = classify(view(page("GIẤY KHAI SlNH", number="Số: 45")), RULES)
    assert got.doc_type == "giay_khai_sinh"


def test_every_administrative_type_of_decree_30() -> None:
    for title, want in [("CHỈ THỊ", "chi_thi"), ("TỜ TRÌNH", "to_trinh"), ("BÁO CÁO", "bao_cao"),
                        ("KẾ HOẠCH", "ke_hoach"), ("NGHỊ QUYẾT", "nghi_quyet"), ("THÔNG BÁO", "thong_bao"),
                        ("NGHỊ ĐỊNH", "nghi_dinh"), ("GIẤY PHÉP XÂY DỰNG", "giay_phep_xay_dung"),
                        ("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "giay_chung_nhan_dang_ky_ho_kinh_doanh"),
                        ("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "xac_nhan_tinh_trang_hon_nhan")]:
        got = classify(view(page(title, number="Số: 12/UBND")), RULES)
        assert got.doc_type == want, title


def test_official_letter_has_no_title_but_v_v_under_the_number() -> None:
    vv = line("V/v tăng cường công tác phòng,", 300, 560) + line("chống thiên tai", 420, 625)
    got = classify(view(page(None, number="Số: 123/UBND-VP", extra=vv)), RULES)
    assert got.doc_type == "cong_van" and got.confidence >= 0.9


def test_no_title_and_no_letter_layout_is_khac() -> None:
    got = classify(view(page(None, number="Số: 123/UBND-VP")), RULES)
    assert got.doc_type == "khac"


def test_badly_read_title_needs_the_symbol_to_agree() -> None:
    # "THÔNG BÁO" as OCR read it on a hard scan: alone it is not enough, with "/TB-" in the number it is
    got = classify(view(page("'nIÖNG BẢO", number="Số: 109/UBND")), RULES)
    assert got.doc_type == "khac" and got.problems
    got = classify(view(page("'nIÖNG BẢO", number="Số: 109/TB-UBND")), RULES)
    assert got.doc_type == "thong_bao" and got.confidence >= 0.8


def test_title_and_number_symbol_disagreeing_is_never_confident() -> None:
    got = classify(view(page("CHỈ THỊ", number="Số: 15/QĐ-UBND")), RULES)
    assert got.confidence <= 0.6 and got.problems
    assert "QĐ" in got.problems[0]


def test_symbol_alone_names_the_type_with_a_low_confidence() -> None:
    got = classify(view(page(None, number="Số: 15/QĐ-UBND")), RULES)
    assert got.doc_type == "quyet_dinh" and got.confidence < 0.8 and got.problems


def test_a_summary_that_mentions_a_type_is_not_a_title() -> None:
    # body text "báo cáo kết quả ..." in lower case under a letter's header must not make it a report
    vv = line("V/v báo cáo kết quả thực hiện", 300, 560)
    body = line("Đề nghị các cơ quan báo cáo kết quả thực hiện trước ngày 15", 600, 800)
    got = classify(view(page(None, number="Số: 88/UBND-VX", extra=vv + body)), RULES)
    assert got.doc_type == "cong_van"


def test_a_title_whose_same_shape_letters_ocr_read_small_is_still_a_title() -> None:
    # c, o, s, v, x look alike in both cases: "BÁO cÁo" on a speckled copy
    got = classify(view(page("BÁO cÁo", number="Số: 305/BC-SXD")), RULES)
    assert got.doc_type == "bao_cao"
    assert not next(iter(view(line("cơ sở vật chất xã", 300, 400)).lines)).is_upper()


def test_a_type_the_main_reading_missed_is_taken_only_when_the_other_readings_agree() -> None:
    from extractors.classify import Classification
    from extractors.fields import _type_over_readings

    main = Classification("khac", 0.5, title_score=81)
    got = _type_over_readings(main, [Classification("bao_cao", 0.9, title_score=100),
                                     Classification("bao_cao", 0.8, title_score=96)])
    assert got.doc_type == "bao_cao" and got.confidence == 0.8
    assert got.title_score == 96  # the title as the readings that named the type read it: the symbol check trusts it
    assert _type_over_readings(main, [Classification("bao_cao", 0.9), Classification("to_trinh", 0.9)]) is main
    assert _type_over_readings(main, [Classification("khac", 0.5)]) is main
    sure = Classification("quyet_dinh", 0.97)
    assert _type_over_readings(sure, [Classification("bao_cao", 0.9)]) is sure  # the main reading's own type stands


def test_the_signers_position_below_the_body_is_never_taken_for_the_title() -> None:
    # a short letter whose title was lost to speckle: "TRƯỞNG PHÒNG" stands centred in the upper part too
    words = page(None, number="Số: 40/TTr-VHTT", extra=line("TRƯỞNG PHÒNG", 1300, 1700))
    got = classify(view(words), RULES)
    assert got.doc_type == "to_trinh"
    assert all("TRƯỞNG" not in ln.text for ln in got.title_lines)


def test_a_letter_whose_v_v_is_unreadable_is_told_by_its_addressee_line_but_flagged() -> None:
    # "V/v" read as "Vậy": no title, no type symbol; "Kính gửi:" under the header is the letter's own
    vv = line("Vậy báo cáo kết quả thực hiện tuyển", 300, 560) + line("chọn và gọi công dân nhập ngũ", 320, 625)
    kinh_gui = line("Kính gửi: Ủy ban nhân dân tỉnh Nghệ An", 600, 760)
    got = classify(view(page(None, number="Số: 655/UBND-VP", extra=vv + kinh_gui)), RULES)
    assert got.doc_type == "cong_van" and got.confidence < 0.7 and got.problems
    # without it the page stays unknown
    assert classify(view(page(None, number="Số: 655/UBND-VP", extra=vv)), RULES).doc_type == "khac"


def test_a_letter_with_a_lone_v_before_its_subject_is_a_letter() -> None:
    vv = line("V báo cáo kết quả thực hiện tuyển", 300, 560) + line("chọn và gọi công dân nhập ngũ", 320, 625)
    got = classify(view(page(None, number="Số: 655/UBND-VP", extra=vv)), RULES)
    assert got.doc_type == "cong_van"


def test_keywords_name_a_type_only_below_review_and_one_keyword_of_several_is_not_enough() -> None:
    # "Căn cứ" alone (the page's body) names nothing; with "Điều 1" two of the decision's keywords stand, and
    # since a resolution opens so too, the type comes below review with a note
    assert classify(view(page(None, number="Số: 12/UBND")), RULES).doc_type == "khac"
    body = line("Điều 1. Tặng Giấy khen cho ông Nguyễn Văn An", 300, 1180)
    got = classify(view(page(None, number="Số: 12/UBND", extra=body)), RULES)
    assert got.doc_type == "quyet_dinh" and got.confidence <= 0.6 and got.problems


def test_a_type_named_by_phrases_yields_to_a_title_another_reading_read_and_never_overrides() -> None:
    from extractors.classify import Classification
    from extractors.fields import _type_over_readings

    # a proposal whose title the main reading lost: its "Căn cứ" and "QUYẾT ĐỊNH:" are no decision's title
    by_phrases = Classification("quyet_dinh", 0.6, problems=["type from phrases"], by_keywords=True)
    got = _type_over_readings(by_phrases, [Classification("quyet_dinh", 0.6, by_keywords=True),
                                           Classification("to_trinh", 0.98)])
    assert got.doc_type == "to_trinh" and not got.by_keywords and not got.problems
    assert _type_over_readings(by_phrases, [Classification("khac", 0.5)]) is by_phrases
    # an unknown main reading does not take a type the others named by phrases only
    main = Classification("khac", 0.5)
    assert _type_over_readings(main, [Classification("cong_van", 0.6, by_keywords=True)]) is main
