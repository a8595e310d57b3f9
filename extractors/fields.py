"""Classify a document and fill its fields: `analyse(record, pages, settings)`, called by the pipeline.

Story: build a view of lines and boxes → classify (title, symbol, layout) → for each field of the type's
rules take a raw candidate (by label, else by its built-in place on the page) → normalise it to SCHEMA.md →
score its confidence from the words it came from → validate the whole set → decide what a clerk must look
at. A wrong value is worse than a missing one: a value that fails its checks is dropped or kept with a low
confidence and a problem, never silently trusted.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from config.doctypes import FieldRule, Rules, rules_for
from config.settings import Settings
from extractors.classify import Classification, classify
from extractors.consensus import Corpus, Restatements, vote_marks, vote_restatements
from extractors.crosscheck import check_across
from extractors.docview import DocView, Line
from extractors.field_rules import (
    Candidate,
    Header,
    LabelIndex,
    LabelledSearch,
    find_agency_lines,
    find_date_line,
    find_motto,
    find_number_line,
    number_line_match,
    prose_search,
    summary_after_title,
    summary_vv,
)
from extractors.field_values import FieldResult, known_symbols, normalise
from extractors.handwriting import date_from_line, date_parts, doc_number_from_line
from extractors.issuer import confirm_issuer, issuer_from_lines
from extractors.lexicon import doubtful_words, repair_text, unknown_syllables
from extractors.normalise import Normalised, district_of_address, summary_opening
from extractors.readings import merge_readings
from extractors.signature import Signature, find_signature
from schemas.fields import validate_fields
from schemas.validate import FIELD_NAMES_VI, Issue

log = logging.getLogger("sohoa.fields")

MULTILINE_TYPES = {"address", "marital_status", "text", "upper_text", "summary"}


@dataclass
class Context:
    view: DocView
    rules: Rules
    cls: Classification
    header: Header
    search: LabelledSearch
    lexicon: bool = True  # repair free text with the Vietnamese dictionary (extractors/lexicon.py)
    others: list[DocView] = field(default_factory=list)  # the other readings of a poor copy
    _signature: Signature | None = None

    @property
    def signature(self) -> Signature:
        if self._signature is None:
            self._signature = find_signature(self.view, self.rules.common, self.header.title)
        return self._signature


def analyse(record: Any, pages: list, settings: Settings) -> None:
    """Fill record.doc_type, fields, confidence.fields, needs_review, problems in place."""
    rules = rules_for(settings)
    view = DocView(pages)
    cls = classify(view, rules)
    alt_views = [DocView(alt_pages) for alt_pages in _other_readings(pages)]
    alt_cls = [classify(v, rules) for v in alt_views]
    cls = _type_over_readings(cls, alt_cls)
    labels = LabelIndex(_labels_of(rules, cls.doc_type))

    views = [view, *alt_views]

    def context(v: DocView, c: Classification) -> Context:
        return Context(v, rules, c, build_header(v, rules, c), LabelledSearch(v, labels),
                       lexicon=settings.lexicon_repair, others=[o for o in views if o is not v])

    ctx = context(view, cls)
    results = extract_fields(ctx)
    if alt_views:
        # the same fields from each other reading of a poor copy, for the type decided above
        readings = [results]
        for alt_view, c in zip(alt_views, alt_cls, strict=True):
            readings.append(extract_fields(context(alt_view, replace(c, doc_type=cls.doc_type))))
        types = {n: r.type for n, r in rules.fields_of(cls.doc_type).items()}
        results = merge_readings(readings, types)
    check_across(results, rules, cls, record.confidence.ocr)
    _finish(record, ctx, results)


def _type_over_readings(main: Classification, others: list[Classification]) -> Classification:
    """The main reading's type, unless it found none ("BÁO cÁo" under speckle) or only from phrases of the
    body, and the other readings of the copy agree on one: then theirs, at the lowest confidence they give it.
    A type named by phrases alone never overrides the main reading."""
    if (main.doc_type != "khac" and not main.by_keywords) or not others:
        return main
    found = {c.doc_type for c in others if c.doc_type != "khac" and not c.by_keywords}
    if main.by_keywords and not found:
        return main
    if len(found) != 1:
        return main  # none, or readings that disagree: an unknown type is better than a wrong one
    doc_type = found.pop()
    conf = min(c.confidence for c in others if c.doc_type == doc_type)
    title_score = min(c.title_score for c in others if c.doc_type == doc_type)  # how well they read the title
    problems = [] if main.by_keywords else main.problems  # the phrases' note spoke of the type now replaced
    return replace(main, doc_type=doc_type, confidence=conf, title_score=title_score, by_keywords=False,
                   problems=problems,
                   evidence=[*main.evidence, f"type from the other readings of the copy: {doc_type}"])


def _other_readings(pages: list) -> list[list]:
    """Page lists of the extra readings (a page read once stands in every list as it is)."""
    n = max((len(getattr(p, "alternates", [])) for p in pages), default=0)
    return [[p.alternates[k] if len(getattr(p, "alternates", [])) > k else p for p in pages] for k in range(n)]


def _labels_of(rules: Rules, doc_type: str) -> list[str]:
    labels = list(rules.common.inline_labels)
    for f in rules.fields_of(doc_type).values():
        labels += f.labels
    return labels


def build_header(view: DocView, rules: Rules, cls: Classification) -> Header:
    page = view.first
    header = Header(page)
    if page is None:
        return header
    header.title_lines = cls.title_lines
    header.title = cls.title_lines[0] if cls.title_lines else None
    header.motto = find_motto(page, rules.common.motto[0])
    number = find_number_line(page)
    if number is not None and header.title is not None and number.y0 > header.title.y0 and \
            number.rel_cx > 0.45 and cls.doc_type not in _NUMBER_UNDER_TITLE:
        number = None
    header.number = number
    title_y = header.title.y0 if header.title is not None else None
    header.date = find_date_line(page, title_y)
    header.agency = find_agency_lines(page, header.motto, header.number, header.title)
    return header


# Civil-status forms and registrations print their number under the title, not in the header.
_NUMBER_UNDER_TITLE = {"giay_khai_sinh", "giay_chung_nhan_ket_hon", "trich_luc_khai_tu",
                       "giay_chung_nhan_dang_ky_ho_kinh_doanh"}


# ---------------------------------------------------------------------------------------------- extraction


def extract_fields(ctx: Context) -> dict[str, FieldResult]:
    results: dict[str, FieldResult] = {}
    for name, rule in ctx.rules.fields_of(ctx.cls.doc_type).items():
        try:
            res = extract_one(ctx, name, rule)
        except Exception:  # one broken rule must not lose the whole record
            log.exception("field %s failed", name)
            continue
        if res is not None:
            results[name] = res
    return results


def extract_one(ctx: Context, name: str, rule: FieldRule) -> FieldResult | None:
    if rule.labels or (rule.pattern and rule.source is None):
        multiline = rule.multiline if rule.multiline is not None else rule.type in MULTILINE_TYPES
        if rule.mode == "prose":
            cands = [c for c in [prose_search(ctx.view, rule, ctx.header.title)] if c is not None]
        else:
            cands = ctx.search.find_all(rule, multiline)
        unreadable = None
        for cand in cands:
            res = finish_candidate(ctx, name, rule, cand)
            if res is not None and "missing" not in res.flags:
                return res
            unreadable = unreadable or res
        if rule.source is not None:
            return builtin(ctx, name, rule) or unreadable
        return unreadable
    if rule.source is not None:
        return builtin(ctx, name, rule)
    return None


def finish_candidate(ctx: Context, name: str, rule: FieldRule, cand: Candidate) -> FieldResult | None:
    norm = normalise(ctx.rules, rule.type, cand.raw)
    if norm.value is None:
        if norm.notes and rule.labels and any(ch.isalnum() for ch in cand.raw):
            # the label is there and something stands after it that is no valid value ("47/11/1985"): the clerk
            # is told, rather than the field left out in silence
            return FieldResult(name, "", 0.0, cand.source, [*cand.notes, *norm.notes], {"missing"}, cand.lines)
        return None
    conf = _confidence(cand, norm)
    flags = set(cand.flags) | ({"repaired"} if norm.repaired else set())
    value = norm.value
    if rule.type in RESTATED_TYPES:
        value, changed = vote_restatements(value, _restatements(ctx, cand.lines))
        if changed:
            flags.add("consensus")
    if rule.type in CONSENSUS_TYPES:
        value, changed = vote_marks(value, _corpus(ctx, cand.lines))
        if changed:
            flags.add("consensus")
    if rule.type == "summary":
        value = summary_opening(value)  # the body's "Việt Nam" votes no "Về việt"
    if rule.type in LEXICON_TYPES and ctx.lexicon:
        if value.isupper():
            # a business's name in capitals ("VẬT LIỆU XÂY ĐỰNG"): its common words are checked in small letters
            lowered, notes = _lexicon_repair(ctx, value.lower(), cand)
            value = lowered.upper() if notes else value
        else:
            value, notes = _lexicon_repair(ctx, value, cand)
        if notes:
            flags.add("lexicon")
            norm.notes.append(f"sửa theo từ điển: {', '.join(notes)} / repaired from the dictionary")
        doubtful = doubtful_words(value)
        # a business's name in capitals may hold any proper name, but a syllable no word uses ("LIÊN HỰNG":
        # the horn of Ư read as a dot below as well) is a misreading, or a foreign word, for a clerk to see
        strange = unknown_syllables(value) if rule.type == "upper_text" else []
        if strange:
            conf = min(conf, DOUBTFUL_TEXT_CONFIDENCE)
            norm.notes.append(f"chữ không có trong từ điển: {', '.join(strange)}: cần kiểm tra / not a "
                              f"Vietnamese word: {', '.join(strange)}")
        if doubtful:
            conf = min(conf, DOUBTFUL_TEXT_CONFIDENCE)
            pairs = ", ".join(f"'{a}' ('{b}'?)" for a, b in doubtful)
            norm.notes.append(f"chữ đáng ngờ: {pairs}: cần kiểm tra / doubtful words: {pairs}")
    return FieldResult(name, value, conf, cand.source, cand.notes + norm.notes, flags, cand.lines)


CONSENSUS_TYPES = {"summary", "name"}
RESTATED_TYPES = {"summary"}
LEXICON_TYPES = {"summary", "upper_text"}
DOUBTFUL_TEXT_CONFIDENCE = 0.6  # below review: a word a letter from a common word beside it


def _lexicon_repair(ctx: Context, value: str, cand: Candidate) -> tuple[str, list[str]]:
    skip = set(map(id, cand.lines))
    seen = Counter(tok.lower() for ln in ctx.view.lines if id(ln) not in skip for tok in _SYLLABLE.findall(ln.text))
    return repair_text(value, seen=seen)


_SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)


def _corpus(ctx: Context, exclude: list[Line]) -> Corpus:
    skip = set(map(id, exclude))
    return Corpus(ln.text for ln in ctx.view.lines if id(ln) not in skip)


def _restatements(ctx: Context, exclude: list[Line]) -> Restatements:
    """Every page of every reading, the value's own lines left out of its own reading."""
    skip = set(map(id, exclude))
    return Restatements([ln.text for ln in p.lines if id(ln) not in skip]
                        for v in (ctx.view, *ctx.others) for p in v.pages)


def _confidence(cand: Candidate, norm: Normalised) -> float:
    ocr = ocr_factor(cand)
    return round(max(0.0, min(1.0, cand.certainty * norm.certainty * ocr)), 3)


def ocr_factor(cand: Candidate) -> float:
    """Half the mean, half the weakest word: one unreadable word spoils a value."""
    ws = [w for w in cand.words if w.text.strip()]
    if not ws:
        return 0.5
    confs = [w.conf / 100.0 for w in ws]
    return 0.5 * (sum(confs) / len(confs)) + 0.5 * min(confs)


# ---------------------------------------------------------------------------------------------- built-in sources


def builtin(ctx: Context, name: str, rule: FieldRule) -> FieldResult | None:
    src = rule.source
    h = ctx.header
    common = ctx.rules.common
    if src == "doc_number":
        line = h.number
        if line is None:
            return None
        return _doc_number(ctx, name, rule, line)
    if src == "place_date":
        if h.date is None:
            return None
        return _date(ctx, name, h.date)
    if src == "place":
        if h.date is None:
            return None
        parts = date_parts(h.date)
        m = re.search(r",\s*ng[a-z]{0,3}\b", h.date.folded)
        start = parts.ng_start if parts is not None else (m.start() + 1 if m else 0)
        if start < 2:
            return None
        raw = h.date.text[:start]
        cand = Candidate(raw, h.date.words_in(0, start - 1), 1.0, "place_line")
        return finish_candidate(ctx, name, rule, cand)
    if src == "header_issuer":
        place = _place_text(ctx) or _district_of(ctx, rule.unit_from)
        cand = issuer_from_lines(h.agency, common, place)
        texts = [ln.text for ln in ctx.view.lines if ln not in h.agency]
        if cand is None:
            value, certainty, changed = confirm_issuer("Ủy ban nhân dân", 0.5, texts, place)
            if not changed:
                return None
            return FieldResult(name, value, 0.6, "body", ["cơ quan ban hành lấy từ nội dung văn bản"
                                                          " / issuer taken from the body text"])
        conf = round(cand.certainty * ocr_factor(cand), 3)
        value, certainty, changed = confirm_issuer(cand.raw, cand.certainty, texts, place)
        if changed:
            return FieldResult(name, value, round(min(certainty, max(conf, 0.7)), 3), "header+body",
                               cand.notes + ["đơn vị của cơ quan ban hành đối chiếu với nội dung văn bản"
                                             " / issuer's unit checked against the body"])
        if certainty > cand.certainty:
            conf = round(certainty * max(ocr_factor(cand), 0.9), 3)
        return FieldResult(name, cand.raw, conf, "header", cand.notes)
    if src == "summary":
        page = h.page
        if page is None:
            return None
        if ctx.cls.doc_type == "cong_van" or (not h.title_lines and ctx.cls.doc_type == "khac"):
            cand = summary_vv(page, h.number, h.agency, common)
        else:
            cand = summary_after_title(page, h.title_lines, common)
        return finish_candidate(ctx, name, rule, cand) if cand else None
    if src == "signer_title":
        cand = ctx.signature.title
        return finish_candidate(ctx, name, rule, cand) if cand else None
    if src == "signer_name":
        cand = ctx.signature.name
        return finish_candidate(ctx, name, rule, cand) if cand else None
    if src == "dossier_code":
        for ln in ctx.view.lines:
            if re.search(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}\s*-\s*\d{6}\s*-\s*\d{4}", ln.text):
                cand = Candidate(ln.text, ln.words, 0.95, "dossier_pattern")
                return finish_candidate(ctx, name, rule, cand)
        return None
    return None


def _district_of(ctx: Context, field_name: str | None) -> str | None:
    """The district of an address field ("..., phường An Hải Bắc, quận Sơn Trà, thành phố Đà Nẵng" → "Sơn
    Trà"): a district's office registers the household businesses that trade in the district."""
    rule = ctx.rules.fields_of(ctx.cls.doc_type).get(field_name) if field_name else None
    res = extract_one(ctx, field_name, rule) if rule is not None and field_name else None
    return district_of_address(res.value) if res is not None and res.value else None


def _place_text(ctx: Context) -> str | None:
    rule = FieldRule(source="place", type="place")
    res = builtin(ctx, "place", rule)
    return res.value if res else None


def _doc_number(ctx: Context, name: str, rule: FieldRule, line: Line) -> FieldResult | None:
    m = number_line_match(line)
    if m is None:
        return None
    review = ctx.rules.common.review
    if rule.type != "doc_number":  # a registration number: "Số: 75A8478825"
        cand = Candidate(line.text[m.end():], line.words_in(m.end(), len(line.text)), 1.0, "number_line")
        return finish_candidate(ctx, name, rule, cand)
    got = doc_number_from_line(line, m.end(), known_symbols(ctx.rules), review.handwriting_max_conf,
                               review.handwriting_height_ratio)
    if got is None:
        return None
    value, words, certainty, flags, notes = got
    if value is None:
        return FieldResult(name, "", 0.0, "number_line", notes, flags | {"missing"})
    if "/" not in value and ctx.cls.doc_type not in _NUMBER_UNDER_TITLE:
        # Decree 30 numbers every administrative document "12/QĐ-UBND": a number alone lost its symbol
        certainty = min(certainty, 0.6)
        notes = [*notes, f"số '{value}' thiếu ký hiệu văn bản / number '{value}' without its symbol"]
    conf = _capped_confidence(Candidate(value, words, certainty, "number_line", flags, notes))
    digits = [w for w in words if any(c.isdigit() for c in w.text)]
    return FieldResult(name, value, conf, "number_line", notes, flags, words=digits)


def _capped_confidence(cand: Candidate) -> float:
    """A handwritten or stamped number or day is never trusted above 0.4, however clean its OCR."""
    conf = round(cand.certainty * ocr_factor(cand), 3)
    return min(conf, 0.4) if cand.flags & {"handwritten", "stamped"} else conf


def _years_named(ctx: Context, line: Line) -> set[int]:
    """The years the document's other lines name, in every reading ("kế hoạch năm 2024")."""
    texts = [ln.text for v in (ctx.view, *ctx.others) for ln in v.lines if ln is not line]
    return {int(y) for t in texts for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", t)}


def _date(ctx: Context, name: str, line: Line) -> FieldResult | None:
    review = ctx.rules.common.review
    got = date_from_line(line, review.handwriting_max_conf, review.handwriting_height_ratio, _years_named(ctx, line))
    if got is None:
        return None
    value, words, certainty, flags, notes = got
    if value is None:
        return FieldResult(name, "", 0.0, "date_line", notes, flags | {"missing"})
    conf = _capped_confidence(Candidate(value, words, certainty, "date_line", flags, notes))
    return FieldResult(name, value, conf, "date_line", notes, flags)


# ---------------------------------------------------------------------------------------------- decision


@dataclass
class Decision:
    fields: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def decide(ctx: Context, results: dict[str, FieldResult]) -> Decision:
    """Which values to keep, how sure each is, and what a clerk must check."""
    values = {k: r.value for k, r in results.items() if r.value}
    by_field: dict[str, list[Issue]] = {}
    for issue in validate_fields(ctx.cls.doc_type, values):
        by_field.setdefault(issue.field, []).append(issue)
    out = Decision(problems=list(ctx.cls.problems))
    key_fields = set(ctx.rules.key_fields_of(ctx.cls.doc_type))
    for name, res in results.items():
        _decide_field(ctx, name, res, by_field.get(name, []), name in key_fields, out)
    for name in sorted(key_fields - set(out.fields) - set(out.review)):
        out.problems.append(f"{_label(name)}: không tìm thấy / not found")
        out.review.append(name)
    if ctx.cls.problems or ctx.cls.confidence < ctx.rules.common.review.min_key_confidence:
        out.review.append("doc_type")
    return out


def _label(name: str) -> str:
    return f"{FIELD_NAMES_VI.get(name, name)} ({name})"


def _decide_field(ctx: Context, name: str, res: FieldResult, issues: list[Issue], key: bool, out: Decision) -> None:
    review = ctx.rules.common.review
    label = _label(name)
    errors = [i for i in issues if i.severity == "error"]
    out.problems += [i.text for i in issues]
    if "missing" in res.flags:
        out.problems += [f"{label}: {n}" for n in res.notes]
        out.review.append(name)
        return
    if not res.value:
        return
    if errors and "repaired" in res.flags:
        # an OCR repair (O→0, l→1) is only kept when the repaired value then passes its checks
        out.problems.append(f"{label}: không đọc chắc chắn được, cần nhập tay / could not be read reliably")
        out.review.append(name)
        return
    conf = min(res.confidence, 0.3) if errors else res.confidence
    out.fields[name] = res.value
    out.confidence[name] = conf
    suspicious = bool(res.flags & {"handwritten", "stamped"})
    flagged = bool(errors) or suspicious
    rule = ctx.rules.fields_of(ctx.cls.doc_type).get(name)
    threshold = review.min_key_confidence if key else review.min_field_confidence
    if rule is not None and rule.type in MULTILINE_TYPES:
        threshold = max(threshold, review.min_text_confidence)
    if conf < threshold:
        flagged = True
        if not errors and not suspicious:
            out.problems.append(f"{label}: độ tin cậy thấp ({conf:.0%}), cần kiểm tra / low confidence, please check")
    if suspicious or (flagged and res.notes):
        out.problems += [f"{label}: {n}" for n in res.notes]
    if flagged:
        out.review.append(name)


def _finish(record: Any, ctx: Context, results: dict[str, FieldResult]) -> None:
    out = decide(ctx, results)
    record.doc_type = ctx.cls.doc_type
    record.fields = out.fields
    record.confidence.fields = out.confidence
    record.confidence.doc_type = round(ctx.cls.confidence, 3)
    record.review_fields = sorted(set(out.review))
    if "dossier_code" in out.fields and isinstance(getattr(record, "archive", None), dict):
        record.archive.setdefault("dossier_code", out.fields["dossier_code"])
    record.problems = list(dict.fromkeys([*record.problems, *out.problems]))
    record.needs_review = bool(record.problems) or bool(record.review_fields)
