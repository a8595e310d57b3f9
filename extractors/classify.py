"""Document type from the printed title, the symbol of the number and the layout.

Evidence, strongest first: the title line under the header ("QUYẾT ĐỊNH", "GIẤY KHAI SINH"), compared
on folded text so that OCR's lost diacritics and stray letters cost little; the type symbol of the number
("QĐ" in 154/QĐ-UBND); for an official letter (công văn), no title but "V/v ..." under the number.
When the evidence is weak or disagrees the type is `khac` or comes with a low confidence and a problem
for the clerk: a wrong type is worse than an unknown one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from config.doctypes import CommonRules, Rules
from extractors.docview import DocView, Line, Page
from extractors.field_rules import (
    _opens_body,
    _vv_start,
    alnum_key,
    find_motto,
    find_number_line,
    fuzzy_contains,
    letter_share,
    number_line_match,
)
from extractors.normalise import parse_doc_number

STRONG_TITLE = 90.0
WEAK_TITLE = 78.0


@dataclass
class Classification:
    doc_type: str
    confidence: float
    title_lines: list[Line] = field(default_factory=list)
    title_score: float = 0.0
    symbol_type: str | None = None
    evidence: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    by_keywords: bool = False  # only the type's phrases named it: another reading's title outweighs them


def _title_candidates(page: Page, below_y: float, common: CommonRules) -> list[list[Line]]:
    """Single lines and pairs of consecutive lines (a long title may wrap) in the upper part of page 1."""
    # the title stands above the body: on a short letter the signer's "TRƯỞNG PHÒNG" is in the upper part too
    body = next((ln.y0 for ln in page.lines if ln.y0 > below_y and _opens_body(ln.text, common)), page.height)
    # titles are printed in capitals, centred: body text that mentions "báo cáo" is not a title
    lines = [ln for ln in page.lines if below_y <= ln.y0 < body and ln.rel_y < 0.6 and letter_share(ln.text) >= 0.6
             and 0.35 < ln.rel_cx < 0.7 and ln.is_upper()]
    out: list[list[Line]] = [[ln] for ln in lines]
    for a, b in zip(lines, lines[1:], strict=False):
        if b.y0 - a.y1 < 1.2 * a.height:
            out.append([a, b])
    return out


def score_titles(text: str, titles: dict[str, list[str]]) -> list[tuple[float, str, str]]:
    """(score, doc_type, title) for every title, best first."""
    key = alnum_key(text)
    out = []
    if not key:
        return out
    flat = key.replace(" ", "")
    for doc_type, ts in titles.items():
        for t in ts:
            tk = alnum_key(t)
            # "GIẤYPHÉPXÂYDỰNG": OCR drops the spaces of wide bold capitals
            s = max(fuzz.ratio(key, tk), fuzz.ratio(flat, tk.replace(" ", "")) - 2)
            # a title with OCR debris around it: compare the best-aligned part, at a small cost
            if len(key) > len(tk) + 3:
                # every extra character costs: "QUYẾT ĐỊNH XỬ PHẠT" is still a decision, a sentence is not
                s = max(s, fuzz.partial_ratio(tk, key) - 4 - min(20.0, 1.5 * (len(key) - len(tk))))
            out.append((s, doc_type, t))
    out.sort(key=lambda x: (-x[0], -len(x[2])))
    return out


def symbol_types(rules: Rules) -> dict[str, str]:
    """Folded type symbol → doc_type (QĐ → quyet_dinh), from every type's `symbols`."""
    out = {}
    for doc_type, rule in rules.types.items():
        for s in rule.symbols:
            out[s] = doc_type
    return out


def _symbol_type(symbol: str, by_symbol: dict[str, str]) -> str | None:
    """Type of the first symbol group: Decree 30 writes the type before the agency (KH-UBND); the code of a
    letter's drafting unit (UBND-KH) is not a type."""
    groups = [g for g in symbol.split("/")[-1].split("-")[:1] if g]
    for g in groups:
        if g in by_symbol:
            return by_symbol[g]
    # OCR drops the stroke of Đ: QD for QĐ; compare folded only where no exact hit exists
    folded = {alnum_key(k): v for k, v in by_symbol.items() if not any(alnum_key(k) == alnum_key(o) and o != k
                                                                     for o in by_symbol)}
    for g in groups:
        hit = folded.get(alnum_key(g))
        if hit:
            return hit
    return None


def classify(view: DocView, rules: Rules) -> Classification:
    page = view.first
    if page is None:
        return Classification("khac", 0.0, problems=["không có nội dung / no content to classify"])
    common = rules.common
    motto = find_motto(page, common.motto[0])
    titles = {t: r.titles for t, r in rules.types.items() if r.titles}
    number = find_number_line(page)
    # the title stands below the header: motto on the right, agency and number on the left
    below = motto.y1 if motto else 0.0
    if number is not None and number.rel_cx < 0.45:
        below = max(below, number.y1)
    best: tuple[float, str, list[Line]] | None = None
    runner_up: dict[str, float] = {}
    for cand in _title_candidates(page, below, common):
        text = " ".join(ln.text for ln in cand)
        scored = score_titles(text, titles)
        if not scored:
            continue
        s, doc_type, _ = scored[0]
        if best is None or s > best[0] + 0.5 or (abs(s - best[0]) <= 0.5 and cand[0].y0 < best[2][0].y0):
            best = (s, doc_type, cand)
        for s2, t2, _ in scored:
            runner_up[t2] = max(runner_up.get(t2, 0.0), s2)
    symbol_type = None
    symbol = ""
    if number is not None:
        m = number_line_match(number)
        rest = number.text[m.end():] if m else ""
        parsed = parse_doc_number(rest, [])
        symbol = parsed.symbol
        symbol_type = _symbol_type(symbol, symbol_types(rules))
        if symbol_type is None and "/" in rest:
            # "109/T B- UEND": the type symbol broken by a space before its hyphen
            joined = re.sub(r"\s+", "", rest.split("/", 1)[1].split("-", 1)[0])
            symbol_type = _symbol_type(joined, symbol_types(rules))
            symbol = joined if symbol_type else symbol
    has_vv = _has_vv(page, number, common)
    # the keywords are looked for only when neither title nor symbol decided
    result = _decide(best, runner_up, symbol_type, symbol, has_vv, rules, lambda: _keyword_type(page, rules))
    result.symbol_type = symbol_type
    return result


def _has_vv(page: Page, number: Line | None, common: CommonRules) -> bool:
    """'V/v ...' in the left header column (under the number when it was read)."""
    if number is not None:
        h = max(number.y1 - number.y0, 30.0)  # the box, not the median word: debris makes words tiny
        zone = [ln for ln in page.lines if number.cy < ln.y0 < number.y1 + 6 * h]
    else:
        zone = [ln for ln in page.lines if ln.rel_y < 0.3]
    # the left column is narrow: a full-width "Về việc ..." under a title is a summary, not a letter's V/v
    return any(_vv_start(ln.text, common) for ln in zone if ln.rel_cx < 0.45 and ln.x1 < 0.6 * page.width)


KEYWORD_MATCH = 88.0
KEYWORD_CONFIDENCE = 0.6  # below review: the phrases of a type support it, they do not print its name


def _keyword_type(page: Page, rules: Rules) -> tuple[str, list[str]] | None:
    """The one type whose keywords the page prints ("Kính gửi" under a letter's header), when no other type
    has as many: two of them at least for a type that lists several, since "Căn cứ" and "Điều 1" also open a
    resolution. Keywords of a one-keyword type count in the top half of the page only."""
    hits: dict[str, list[str]] = {}
    for doc_type, rule in rules.types.items():
        found = [kw for kw in rule.keywords if any(
            fuzzy_contains(ln.text, kw) >= KEYWORD_MATCH and (len(rule.keywords) > 1 or ln.rel_y < 0.5)
            for ln in page.lines)]
        if found and len(found) >= min(2, len(rule.keywords)):
            hits[doc_type] = found
    if not hits:
        return None
    most = max(len(v) for v in hits.values())
    top = [t for t, v in hits.items() if len(v) == most]
    return (top[0], hits[top[0]]) if len(top) == 1 else None


def _decide(best: tuple[float, str, list[Line]] | None, runner_up: dict[str, float], symbol_type: str | None,
            symbol: str, has_vv: bool, rules: Rules,
            keywords: Callable[[], tuple[str, list[str]] | None] | None = None) -> Classification:
    if best is not None and best[0] >= WEAK_TITLE:
        score, doc_type, lines = best
        second = max((s for t, s in runner_up.items() if t != doc_type), default=0.0)
        margin = score - second
        ev = [f"title '{' '.join(ln.text for ln in lines)}' ~ {doc_type} ({score:.0f})"]
        if symbol_type and symbol_type != doc_type:
            # the printed title and the number disagree: trust neither blindly
            if score >= STRONG_TITLE and margin >= 8:
                return Classification(doc_type, 0.6, lines, score, symbol_type, ev, [
                    f"loại văn bản: tiêu đề là {doc_type} nhưng ký hiệu số '{symbol}' là {symbol_type}, cần kiểm tra"
                    f" / title says {doc_type}, number symbol says {symbol_type}"])
            return Classification("khac", 0.3, lines, score, symbol_type, ev, [
                f"loại văn bản không rõ: tiêu đề gần {doc_type}, ký hiệu số là {symbol_type} / unclear type"])
        if score >= STRONG_TITLE and (margin >= 6 or symbol_type == doc_type):
            conf = min(0.99, score / 100 + (0.05 if symbol_type == doc_type else 0.0))
            return Classification(doc_type, conf, lines, score, symbol_type, ev)
        if symbol_type == doc_type:
            return Classification(doc_type, 0.9, lines, score, symbol_type, ev + ["symbol agrees"])
        if score >= 84 and margin >= 10:
            return Classification(doc_type, 0.8, lines, score, symbol_type, ev)
        return Classification("khac", 0.3, lines, score, symbol_type, ev, [
            f"loại văn bản không chắc chắn (tiêu đề giống {doc_type} {score:.0f}%) / uncertain type"])
    if symbol_type is not None and best is not None and best[1] == symbol_type and best[0] >= 65:
        # a badly read title and the number's symbol agree: two weak signs of the same type
        return Classification(symbol_type, 0.85, best[2], best[0], symbol_type,
                              [f"weak title {best[0]:.0f} and symbol {symbol} agree"])
    if symbol_type is not None:
        # no readable title: the symbol alone names the type, but a clerk should look
        lines = best[2] if best else []
        return Classification(symbol_type, 0.7, lines, best[0] if best else 0.0, symbol_type,
                              [f"symbol {symbol}"], [
                                  f"loại văn bản suy ra từ ký hiệu số '{symbol}', không đọc được tiêu đề"
                                  f" / type from the number symbol only, title unreadable"])
    if has_vv and "cong_van" in rules.types:
        if best is not None and best[0] >= 65:
            return Classification("cong_van", 0.6, [], best[0], None, ["V/v under the number"], [
                f"loại văn bản: có 'V/v' nhưng một dòng giống tiêu đề {best[1]}, cần kiểm tra"
                f" / 'V/v' found but a line looks like the title of {best[1]}"])
        return Classification("cong_van", 0.95, [], 0.0, None, ["V/v under the number, no title"])
    keyword = keywords() if keywords is not None else None
    if keyword is not None and (best is None or best[1] == keyword[0] or best[0] < 65):
        doc_type, found = keyword
        return Classification(doc_type, KEYWORD_CONFIDENCE, [], best[0] if best else 0.0, None,
                              [f"keywords {', '.join(found)}"], [
                                  f"loại văn bản suy ra từ các cụm từ '{', '.join(found)}', không đọc được tiêu đề"
                                  f" / type from the phrases '{', '.join(found)}' only, title unreadable"],
                              by_keywords=True)
    if best is not None and best[0] >= 65:
        return Classification("khac", 0.4, best[2], best[0], None, ["no title recognised"], [
            f"loại văn bản không xác định: dòng '{' '.join(ln.text for ln in best[2])}' hơi giống tiêu đề"
            f" {best[1]}, cần kiểm tra / type unknown, a line looks a little like the title of {best[1]}"])
    return Classification("khac", 0.5, [], best[0] if best else 0.0, None, ["no title recognised"])
