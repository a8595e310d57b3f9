"""The Vietnamese dictionary repair of free text (extractors/lexicon.py): what it fixes, and what it never
touches. The dictionary is underthesea's Viet74K word list, read from the installed package."""

from __future__ import annotations

from collections import Counter

import pytest

from extractors.lexicon import change_cost, load_lexicon, repair_text, unknown_syllables

pytestmark = pytest.mark.skipif(load_lexicon() is None, reason="needs underthesea's word list")


def _body(text: str) -> Counter[str]:
    return Counter(text.lower().replace(",", " ").split())


@pytest.mark.parametrize(("read", "body", "want"), [
    # a tone slip, with the rest of the document printing the word right
    ("V/v tăng cường công tác phỏng, chống thiên tai", "công tác phòng, chống thiên tai năm nay",
     "V/v tăng cường công tác phòng, chống thiên tai"),
    # a letter that looks alike at 150 dpi (h read as b)
    ("Kết quả thực biện bảo đảm trật tự an toàn giao thông", "đã thực hiện tốt",
     "Kết quả thực hiện bảo đảm trật tự an toàn giao thông"),
    # a reading that is no Vietnamese syllable at all: repaired without help from the body
    ("Về việc tăng cửờng phòng cháy, chữa cháy", "", "Về việc tăng cường phòng cháy, chữa cháy"),
    ("V/v báo cáo kết quả tuyến chọn công dân nhập ngũ", "công tác tuyển chọn",
     "V/v báo cáo kết quả tuyển chọn công dân nhập ngũ"),
    # two syllables glued, a speck read as a letter, specks read as punctuation
    ("Về kế hoạch phòng, chống thiên tai vàtìm kiếm cứu nạn", "", "Về kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn"),
    ("Kết quả bảo đảm trật tự an n toàn giao thông", "", "Kết quả bảo đảm trật tự an toàn giao thông"),
    ("Triển khai thực hiện bảo,đảm trật tự", "", "Triển khai thực hiện bảo đảm trật tự"),
    ("Về việc đề nghị phê duyệt.,kế hoạch năm 2016", "", "Về việc đề nghị phê duyệt kế hoạch năm 2016"),
])
def test_ocr_slips_in_a_summary_are_repaired(read: str, body: str, want: str) -> None:
    got, changes = repair_text(read, seen=_body(body))
    assert got == want
    assert changes


@pytest.mark.parametrize("clean", [
    "Về việc thu hồi đất để thực hiện dự án mở rộng đường giao thông nông thôn",  # "đặt để" is a word too
    "Về việc cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình, cá nhân",  # not "chứng | nhân quyền"
    "Về việc bổ nhiệm ông Nguyễn Văn Tâm giữ chức vụ Trưởng phòng Tư pháp",
    "Về việc cử bà Nguyễn Thị Hằng tham dự lớp bồi dưỡng",
    "Về việc kiện toàn Ban chỉ đạo phòng, chống tội phạm",
    "Kế hoạch thực hiện chương trình mục tiêu quốc gia giảm nghèo bền vững",
    "Về việc phê duyệt danh sách hộ nghèo, hộ cận nghèo năm 2022",
    "Về việc giao chỉ tiêu tuyển quân năm 2019",
    "Về kế hoạch công tác phòng, chống thiên tai và tìm kiếm cứu nạn năm 2017",
    "V/v đôn đốc thu nộp thuế sử dụng đất phi nông nghiệp",
    "Về việc ban hành quy chế làm việc của Ủy ban nhân dân xã nhiệm kỳ 2021-2026",
    "Về việc xử phạt vi phạm hành chính trong lĩnh vực đất đai",
    "Về việc tặng Giấy khen cho 12 tập thể và 35 cá nhân theo Quyết định số 154/QĐ-UBND",
])
def test_a_clean_summary_is_never_changed(clean: str) -> None:
    # the body of a real document prints its own words: a clean reading stays as read, with or without it
    for seen in (Counter(), _body(clean)):
        assert repair_text(clean, seen=seen) == (clean, [])


def test_a_real_word_changes_only_towards_what_the_document_prints_more() -> None:
    read = "Về việc tăng cường công tác báo vệ rừng"
    # "bảo" would make the compound "bảo vệ", but this document prints "báo" everywhere
    assert repair_text(read, seen=Counter({"báo": 6, "bảo": 1}))[0] == read
    assert repair_text(read, seen=Counter({"bảo": 3}))[0] == "Về việc tăng cường công tác bảo vệ rừng"


def test_proper_nouns_numbers_and_abbreviations_are_left_alone() -> None:
    text = "Về việc hỗ trợ xã Bột Xuyên 20 triệu đồng theo Quyết định 08/QĐ-UBND, COVID-19"
    assert repair_text(text, seen=Counter({"bộ": 5}))[0] == text


def test_a_tone_change_costs_one_mark() -> None:
    assert change_cost("phỏng", "phòng") == change_cost("phong", "phòng")
    assert change_cost("biện", "hiện") < change_cost("biện", "tiện")  # b and h look alike on a poor copy


def test_names_no_word_at_all_take_the_nearest_given_name_and_are_flagged() -> None:
    from config.doctypes import rules_for
    from config.settings import Settings
    from extractors.field_values import normalise

    rules = rules_for(Settings())
    for read, want in (("Trần Mính Ly", "Trần Minh Ly"), ("Trần Hưữ Thanh Lực", "Trần Hữu Thanh Lực"),
                       ("Hoàng Thanh Đuyên", "Hoàng Thanh Duyên")):
        norm = normalise(rules, "name", read)
        assert norm.value == want and norm.repaired and norm.certainty < 0.75
    # a real word that is a rarer name is never changed, only flagged by its lower confidence
    norm = normalise(rules, "name", "Nguyễn Ngọc Trực")
    assert norm.value == "Nguyễn Ngọc Trực" and not norm.repaired


@pytest.mark.parametrize(("read", "want"), [
    # a real-scan font whose hook and acute marks the copy loses everywhere, the body included
    ("Về việc bô nhiệm vào ngạch Thanh tra viên và xếp lương đôi với ông Bạch Đăng Ngọc",
     "Về việc bổ nhiệm vào ngạch Thanh tra viên và xếp lương đối với ông Bạch Đăng Ngọc"),
    ("Về việc phê duyệt Kê hoạch ứng phó sự cô tràn dầu huyện Nghĩa Hành",
     "Về việc phê duyệt Kế hoạch ứng phó sự cố tràn dầu huyện Nghĩa Hành"),
    ("Về tăng cường chỉ đạo Kỳ thi tốt nghiệp trung học phô thông năm 2021",
     "Về tăng cường chỉ đạo Kỳ thi tốt nghiệp trung học phổ thông năm 2021"),
    # "chi" read "chỉ" at 150 dpi in every line of the copy; "chỉ đạo" beside it stays
    ("Về việc tăng cường thu, chỉ ngân sách nhà nước và chỉ đạo điều hành",
     "Về việc tăng cường thu, chi ngân sách nhà nước và chỉ đạo điều hành"),
    # both words of a common pair a mark off, the comma of the list between them
    ("Về việc khen thưởng thành tích trong thụ, chỉ ngân sách nhà nước năm 2021",
     "Về việc khen thưởng thành tích trong thu, chi ngân sách nhà nước năm 2021"),
    ("Báo cáo kết quả thu, chỉ tiêu năm 2020", "Báo cáo kết quả thu, chỉ tiêu năm 2020"),  # "chỉ tiêu" is a word
])
def test_the_common_words_of_administrative_text_are_repaired_even_where_the_body_misreads_them(
        read: str, want: str) -> None:
    assert repair_text(read, seen=_body(read))[0] == want


def test_a_dash_between_two_words_stays() -> None:
    text = "Phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi"
    assert repair_text(text)[0] == text  # "tế xã" is inside "kinh tế xã hội", but the dash is printed
    assert repair_text("V/v kết quả tuyển - chọn công dân nhập ngũ")[0] == "V/v kết quả tuyển chọn công dân nhập ngũ"


def test_a_word_a_letter_from_a_common_word_with_its_neighbour_is_doubted_not_repaired() -> None:
    from extractors.lexicon import doubtful_words

    text = "Kết luận của Chủ tịch Ủy ban nhân dân thành phố tại tuộc họp về cải cách hành chính"
    assert doubtful_words(text) == [("tuộc", "cuộc")]
    assert repair_text(text)[0] == text  # t for c is no look-alike: the reading may be right, a clerk decides
    for clean in ("Kết luận của Chủ tịch Ủy ban nhân dân thành phố tại cuộc họp về cải cách hành chính",
                  "Về việc tăng cường công tác phòng, chống thiên tai và tìm kiếm cứu nạn",
                  "Về việc bổ nhiệm vào ngạch Thanh tra viên và xếp lương đối với công chức"):
        assert doubtful_words(clean) == []


def test_frequent_administrative_words_are_repaired_even_when_the_copy_misreads_them_everywhere() -> None:
    assert repair_text("Về việc tăng cường quàn lý đất đai")[0] == "Về việc tăng cường quản lý đất đai"
    assert repair_text("Về việc thu gọm rác thái")[0] == "Về việc thu gom rác thải"


def test_a_syllable_vietnamese_never_writes_is_found_in_any_case() -> None:
    if load_lexicon() is None:
        pytest.skip("needs underthesea's word list")
    assert unknown_syllables("HỘ KINH DOANH QUÁN CƠM LIÊN HỰNG") == ["HỰNG"]  # the horn read as a dot below too
    assert unknown_syllables("HỘ KINH DOANH TẠP HÓA MINH KHUÊ") == []
    assert unknown_syllables("HỘ KINH DOANH VẬT LIỆU XÂY DỰNG 2") == []
