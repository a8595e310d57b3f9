"""Synthetic pages of word boxes (A4 at 300 dpi) for the field tests, and tests of the line view itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.docview import DocView
from extractors.layout import Word

W, H = 2480, 3508


@dataclass
class FakePage:
    """What `extractors.pipeline.PageResult` gives the field stage."""

    words: list[Word] = field(default_factory=list)
    index: int = 0
    width: int = W
    height: int = H
    method: str = "ocr"
    dpi: float = 300.0


def line(text: str, x0: float, y0: float, char_w: float = 24, h: float = 50, conf: float = 95,
         confs: dict[str, float] | None = None, heights: dict[str, float] | None = None) -> list[Word]:
    """Words of one printed line; `confs`/`heights` override single words (handwritten digits)."""
    words, x = [], x0
    for tok in text.split():
        c = (confs or {}).get(tok, conf)
        hh = (heights or {}).get(tok, h)
        words.append(Word(tok, x, y0 + h - hh, x + char_w * len(tok), y0 + h, conf=c))
        x += char_w * (len(tok) + 1)
    return words


def header(agency: list[str], number: str, date_line: str, y: float = 200) -> list[Word]:
    """Decree 30 header: agency lines and number on the left, motto and place-date on the right."""
    words: list[Word] = []
    words += line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 1150, y)
    words += line("Độc lập - Tự do - Hạnh phúc", 1350, y + 70)
    for i, a in enumerate(agency):
        words += line(a, 300, y + 70 * i)
    words += line(number, 320, y + 70 * len(agency) + 40)
    words += line(date_line, 1250, y + 70 * len(agency) + 40)
    return words


def view(*pages_words: list[Word]) -> DocView:
    return DocView([FakePage(ws, index=i) for i, ws in enumerate(pages_words)])


def test_lines_keep_their_words_and_offsets() -> None:
    v = view(line("Số: 154/QĐ-UBND", 300, 400))
    ln = next(iter(v.lines))
    assert ln.text == "Số: 154/QĐ-UBND"
    assert [w.text for w in ln.words_in(4, len(ln.text))] == ["154/QĐ-UBND"]
    assert ln.folded.startswith("so:")


def test_a_header_line_run_across_the_gutter_is_cut_at_the_motto() -> None:
    # OCR put agency and motto on one line with a gap too narrow for the layout stage to cut
    words = line("UBND HUYỆN BÌNH CHÁNH", 340, 200) + line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 960, 200)
    for w in words:
        w.line_key = (1, 1, 1)
    texts = [ln.text for ln in view(words).lines]
    assert texts == ["UBND HUYỆN BÌNH CHÁNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
