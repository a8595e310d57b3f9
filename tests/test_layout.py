"""Reading order of administrative pages from word boxes (A4 at 300 dpi: 2480 x 3508 px)."""

from extractors.layout import Word, reading_order_text

W, H = 2480, 3508


def line(text: str, x0: float, y0: float, char_w: float = 24, h: float = 50) -> list[Word]:
    words, x = [], x0
    for tok in text.split():
        words.append(Word(tok, x, y0, x + char_w * len(tok), y0 + h))
        x += char_w * (len(tok) + 1)
    return words


def test_two_column_header_is_read_column_by_column_before_the_body() -> None:
    words = (
        line("ỦY BAN NHÂN DÂN", 300, 200) + line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1150, 200)
        + line("XÃ NGHĨA LẠC", 330, 270) + line("Độc lập - Tự do - Hạnh phúc", 1350, 270)
        + line("Số: 154/QĐ-UBND", 300, 400) + line("Nghĩa Lạc, ngày 06 tháng 12 năm 2021", 1250, 400)
        + line("QUYẾT ĐỊNH", 1100, 600)
        + line("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015 sửa đổi bổ sung", 250, 800)
    )
    assert reading_order_text(words, W, H).split("\n") == [
        "ỦY BAN NHÂN DÂN", "XÃ NGHĨA LẠC", "Số: 154/QĐ-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Nghĩa Lạc, ngày 06 tháng 12 năm 2021",
        "QUYẾT ĐỊNH",
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015 sửa đổi bổ sung",
    ]


def test_one_engine_line_across_the_gutter_is_split_into_columns() -> None:
    # OCR engines sometimes return agency and motto as one line: the wide gap separates them
    merged = line("ỦY BAN NHÂN DÂN", 300, 200) + line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1150, 200)
    second = line("HUYỆN DUY TIÊN", 330, 270) + line("Độc lập - Tự do - Hạnh phúc", 1350, 270)
    for w in merged:
        w.line_key = (1, 1, 1)
    for w in second:
        w.line_key = (1, 1, 2)
    assert reading_order_text(merged + second, W, H).split("\n") == [
        "ỦY BAN NHÂN DÂN", "HUYỆN DUY TIÊN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
    ]


def test_signature_band_reads_recipients_then_signature() -> None:
    words = (
        line("Nơi nhận:", 250, 2600) + line("TM. ỦY BAN NHÂN DÂN", 1500, 2600)
        + line("- Như Điều 3;", 250, 2660) + line("CHỦ TỊCH", 1650, 2660)
        + line("- Lưu: VT.", 250, 2720)
        + line("Nguyễn Văn An", 1600, 2950)
    )
    assert reading_order_text(words, W, H).split("\n") == [
        "Nơi nhận:", "- Như Điều 3;", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An",
    ]


def test_table_of_fields_in_the_body_is_read_row_by_row() -> None:
    words = (
        line("Giới tính: Nam", 250, 1500) + line("Dân tộc: Kinh", 1500, 1500)
        + line("Quốc tịch: Việt Nam", 250, 1570) + line("Nơi sinh: Trạm Y tế", 1500, 1570)
    )
    assert reading_order_text(words, W, H).split("\n") == [
        "Giới tính: Nam Dân tộc: Kinh", "Quốc tịch: Việt Nam Nơi sinh: Trạm Y tế",
    ]


def _keyed(words: list[Word], key: tuple) -> list[Word]:
    return [Word(w.text, w.x0, w.y0, w.x1, w.y1, line_key=key) for w in words]


def test_a_line_the_engine_cut_at_an_ordinary_space_is_one_line_again() -> None:
    from extractors.layout import group_lines

    # a seal's ring made Tesseract put "Huy" in a block of its own, a space away from "ên Ngọc"
    name = _keyed(line("ên Ngọc", 1892, 3048), (1, 1, 1)) + _keyed(line("Huy", 2076, 3047), (2, 1, 1))
    assert [[w.text for w in ws] for ws in group_lines(name)] == [["ên", "Ngọc", "Huy"]]
    # two columns on one baseline stay two lines: the gutter is wider than any space
    cols = _keyed(line("Số: 154/QĐ-UBND", 300, 400), (1, 1, 1)) + \
        _keyed(line("Nghĩa Lạc, ngày 06 tháng 12 năm 2021", 1250, 400), (2, 1, 1))
    assert len(group_lines(cols)) == 2
