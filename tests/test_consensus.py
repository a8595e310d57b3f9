"""A summary repaired from the places of the document that restate it (extractors/consensus.py): the body
of a report or a plan restates its summary, and every reading of a poor copy restates it again."""

from __future__ import annotations

from extractors.consensus import Restatements, vote_restatements

PLAN = "kế hoạch công tác phòng, chống thiên tai và tìm kiếm cứu nạn năm 2016"


def _stream(*pages: str) -> Restatements:
    # each page as it wraps on paper: a restatement runs across line ends
    return Restatements(_wrap(p) for p in pages)


def _wrap(text: str, width: int = 6) -> list[str]:
    words = text.split()
    return [" ".join(words[i:i + width]) for i in range(0, len(words), width)]


def _body(restated: str) -> str:
    return f"Căn cứ tình hình thực tế, Ủy ban nhân dân xã xây dựng {restated} với các nội dung chủ yếu sau"


def test_a_letter_slip_takes_the_spelling_two_restatements_agree_on() -> None:
    value = "Về việc đề nghị phê duyệt kế hoạch công tác phòng, chống thiên tai và tìm kiếm cứu hạn năm 2016"
    got, changed = vote_restatements(value, _stream(_body(PLAN), _body(PLAN)))
    assert got == f"Về việc đề nghị phê duyệt {PLAN}" and changed == 1


def test_one_restatement_against_the_value_changes_nothing() -> None:
    value = "Về việc đề nghị phê duyệt kế hoạch công tác phòng, chống thiên tai và tìm kiếm cứu hạn năm 2016"
    assert vote_restatements(value, _stream(_body(PLAN))) == (value, 0)
    # nor do two restatements against the value and one more reading that agrees with it
    assert vote_restatements(value, _stream(_body(PLAN), _body(PLAN), value)) == (value, 0)


def test_a_real_word_standing_between_other_neighbours_is_left_alone() -> None:
    # "chống hạn" (against drought) is not "cứu nạn": the restatements do not stand where it stands
    value = "Về việc triển khai các biện pháp chống hạn cho cây trồng vụ Đông Xuân"
    stream = _stream(_body(PLAN), _body(PLAN), "các biện pháp cứu nạn cho người dân")
    assert vote_restatements(value, stream) == (value, 0)


def test_a_word_read_as_anything_is_replaced_where_three_neighbours_agree() -> None:
    value = "Về kế hoạch công tác phòng, HE thiên tai và tìm kiếm cứu nạn năm 2016"
    got, _ = vote_restatements(value, _stream(_body(PLAN), _body(PLAN)))
    assert got == f"Về {PLAN}"  # "chống" in the restatements' small letters, not "CHỐNG"
    stream = _stream("tổ chức phòng, chống thiên tai", "về phòng, chống thiên tai")
    assert vote_restatements("Về kế hoạch phòng, HE thiên tai năm 2016", stream)[0] == \
        "Về kế hoạch phòng, chống thiên tai năm 2016"
    # with one neighbour on each side only a slip of a letter may change: "HE" stays
    lone = "Về kế hoạch phòng, HE thiên nhiên năm 2016"
    assert vote_restatements(lone, stream) == (lone, 0)


def test_digits_change_only_within_the_same_length() -> None:
    body = _body("dự toán ngân sách xã năm 2021")
    value = "Về việc điều chỉnh, bổ sung dự toán ngân sách xã năm 2051"
    got, _ = vote_restatements(value, _stream(body, body))
    assert got.endswith("xã năm 2021")
    short = "Về việc điều chỉnh, bổ sung dự toán ngân sách xã năm 201"
    assert vote_restatements(short, _stream(body, body)) == (short, 0)


def test_a_capital_inside_is_lowered_but_never_raised_and_the_first_word_keeps_its_case() -> None:
    body = "Chi trả trợ cấp xã hội hằng tháng cho các đối tượng bảo trợ xã hội trên địa bàn"
    value = "Về việc hưởng trợ cấp xã hội Hằng tháng"
    assert vote_restatements(value, _stream(body, body))[0] == "Về việc hưởng trợ cấp xã hội hằng tháng"
    # restatements printing "Về Việc" do not undo the summary's own small letter
    lower = "Về việc hưởng trợ cấp xã hội hằng tháng"
    assert vote_restatements(lower, _stream("Về Việc hưởng trợ cấp", "Về Việc hưởng trợ cấp")) == (lower, 0)
    # a capital the restatements print too stays
    decision = "Về việc sửa đổi Quyết định số 12 của Ủy ban nhân dân"
    body2 = "nay sửa đổi Quyết định số 12 như sau"
    assert vote_restatements(decision, _stream(body2, body2)) == (decision, 0)


def test_commas_are_left_as_read_whatever_the_restatements_print() -> None:
    # a blurred comma is lost at the same place in every reading of the body, a speck reads as one:
    # the restatements neither take a right comma away nor add a wrong one
    body = _body("kế hoạch vệ sinh môi trường thu gom rác thải năm 2023")
    value = "Về việc đề nghị phê duyệt kế hoạch vệ sinh môi trường, thu gom rác thải năm 2023"
    assert vote_restatements(value, _stream(body, body, body)) == (value, 0)
    specked = _body("kế hoạch đăng ký, quản lý, hộ tịch năm 2023")
    clean = "Về việc đề nghị phê duyệt kế hoạch đăng ký, quản lý hộ tịch năm 2023"
    assert vote_restatements(clean, _stream(specked, specked, specked)) == (clean, 0)


def test_a_speck_read_as_a_short_word_is_dropped_where_the_restatements_join_its_neighbours() -> None:
    body = "Ban hành Kế hoạch triển khai thực hiện vệ sinh môi trường, thu gom rác thải năm 2023, cụ thể"
    value = "Triển khai thực hiện vệ sinh môi trường, thu gom rác thải ì năm 2023"
    got, changed = vote_restatements(value, _stream(body, body))
    assert got == "Triển khai thực hiện vệ sinh môi trường, thu gom rác thải năm 2023" and changed == 1
    # a word the restatements print between the same neighbours is no speck
    kept = "Triển khai thực hiện vệ sinh môi trường, thu gom rác thải ở năm 2023"
    with_it = body.replace("thải năm", "thải ở năm")
    assert vote_restatements(kept, _stream(body, body, with_it, with_it)) == (kept, 0)


def test_a_real_word_changes_to_another_only_where_two_neighbours_agree_on_each_side() -> None:
    # the body's "các khoản thu vào ngân sách nhà nước" shares "thu" and "ngân sách" with the summary's
    # "thu, chỉ ngân sách nhà nước", but is another phrase: "chỉ" is a word, and only a slip of it may change
    body = _body("các khoản thu vào ngân sách nhà nước")
    value = "Về việc tăng cường thu, chỉ ngân sách nhà nước"
    assert vote_restatements(value, _stream(body, body, body))[0] == value
