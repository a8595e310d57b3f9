"""Checks across fields of one document, after each field was read on its own.

The number's type symbol must be the title's, its agency code the issuer's initials; the place of the date
line names the issuer's unit; a poorly read page lowers every value's confidence. Each check repairs only
towards a value that another field of the same document supports.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from config.doctypes import Rules
from extractors import places
from extractors.classify import Classification
from extractors.field_values import FieldResult
from extractors.handwriting import HANDWRITTEN_NOTE
from extractors.normalise import split_unit, unit_spelling
from extractors.vietnamese import fold_key


def check_across(results: dict[str, FieldResult], rules: Rules, cls: Classification, ocr: float) -> None:
    fix_symbol(results, rules, cls)
    confirm_doc_number(results, rules, cls)
    reconcile_place(results)
    validity_from_issue(results, rules, cls)
    scale_by_page_quality(results, ocr, rules)


def fix_symbol(results: dict[str, FieldResult], rules: Rules, cls: Classification) -> None:
    """'108/TTTr-TCKH' on a document whose title says TỜ TRÌNH: the type symbol is 'TTr', one OCR slip away."""
    res = results.get("doc_number")
    rule = rules.types.get(cls.doc_type)
    if res is None or rule is None or not rule.symbols or "/" not in res.value or cls.title_score < 90:
        return
    number, symbol = res.value.split("/", 1)
    groups = symbol.split("-")
    if groups[0] in rule.symbols or any(groups[0] in r.symbols for r in rules.types.values()):
        return  # the symbol of another type ("TB" under a title of TỜ TRÌNH) is no slip: the two disagree
    for s in rule.symbols:
        if Levenshtein.distance(groups[0].casefold(), s.casefold()) <= _symbol_slips(s, cls):
            res.value = f"{number}/{'-'.join([s, *groups[1:]])}"
            res.flags.add("repaired")
            res.confidence = round(min(res.confidence, 0.85), 3)
            return
    # "NGHĐND": the type symbol one letter off and glued to a known agency code, its hyphen lost
    codes = {c.casefold() for c in rules.common.agency_codes}
    for s in rule.symbols:
        head, tail = groups[0][: len(s)], groups[0][len(s):]
        if tail.casefold() in codes and Levenshtein.distance(head.casefold(), s.casefold()) <= _symbol_slips(s, cls):
            code = next(c for c in rules.common.agency_codes if c.casefold() == tail.casefold())
            res.value = f"{number}/{'-'.join([s, code, *groups[1:]])}"
            res.flags.add("repaired")
            res.confidence = round(min(res.confidence, 0.7), 3)
            return


def _symbol_slips(symbol: str, cls: Classification) -> int:
    """Letters of the type symbol OCR may have misread: one; two of a three-letter symbol ("FIr", "TIY" for
    "TTr") when the title was read near perfectly, since the type's number carries no other symbol."""
    return 2 if len(symbol) >= 3 and cls.title_score >= 95 else 1


def validity_from_issue(results: dict[str, FieldResult], rules: Rules, cls: Classification) -> None:
    """'Giấy này có giá trị đến ngày 90/06/2019' under an issue date of 2018-12-20: a paper valid six months
    by law ends on 2019-06-20, and the month and year read agree; the day is taken from the law, flagged."""
    rule = rules.types.get(cls.doc_type)
    res, issued = results.get("valid_until"), results.get("issue_date")
    if rule is None or rule.valid_months is None or res is None or "missing" not in res.flags or issued is None \
            or not issued.value:
        return
    try:
        end = _months_after(dt.date.fromisoformat(issued.value), rule.valid_months)
    except ValueError:
        return
    read = " ".join(ln.text for ln in res.lines)
    if not re.search(rf"(?<!\d)0?{end.month}\s*[/.\-]\s*{end.year}(?!\d)", read):
        return
    res.value, res.confidence = end.isoformat(), 0.5
    res.flags = (res.flags - {"missing"}) | {"repaired"}
    res.notes = [*res.notes, f"ngày hết hạn suy ra từ ngày cấp + {rule.valid_months} tháng, khớp tháng và năm đọc được"
                             f" / valid-until day taken from the issue date + {rule.valid_months} months, which the "
                             f"month and year read agree with"]


def _months_after(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def agency_code(issuer: str) -> str:
    """Initials of the agency part of an issuer: 'Phòng Văn hóa và Thông tin huyện X' → 'VHTT'."""
    head = split_unit(issuer)[0]
    words = [w for w in re.split(r"[\s\-–]+", head) if w and fold_key(w) not in ("va", "phong", "so")]
    return "".join(w[0] for w in words).upper().replace("Ư", "U").replace("Ủ", "U")


def confirm_doc_number(results: dict[str, FieldResult], rules: Rules, cls: Classification) -> None:
    """A printed number whose symbol is the type's and whose agency code matches the issuer is trusted.

    Tesseract gives low confidences to tokens like "13/CT-UBND" even when it reads them right; the
    structure is a better witness: 'CT' is the symbol of a CHỈ THỊ, 'UBND' the initials of its issuer.
    Digits written by hand (a gap before the slash, taller ink) stay flagged."""
    res = results.get("doc_number")
    issuer = results.get("issuer")
    rule = rules.types.get(cls.doc_type)
    if res is None or not res.value or "/" not in res.value or res.flags & {"handwritten", "stamped", "separate",
                                                                           "readings_disagree"}:
        return
    printed = "".join(w.text for w in res.words).rstrip(".,;:")
    if printed != res.value or min((w.conf for w in res.words), default=0) < 50:
        return  # repaired or barely read: the structure does not vouch for the digits
    groups = res.value.split("/")[-1].split("-")
    codes = {"UBND", "HĐND"} | ({agency_code(issuer.value)} if issuer and issuer.value else set())
    typed = rule is not None and (groups[0] in rule.symbols or (not rule.symbols and groups[0] in codes))
    coded = any(g in codes for g in groups)
    if typed and coded:
        res.flags.discard("unclear")
        res.notes = [n for n in res.notes if n != HANDWRITTEN_NOTE]
        res.confidence = max(res.confidence, 0.9)


_DIGIT_LOOKS = str.maketrans({"I": "1", "l": "1", "|": "1", "!": "1", "O": "0", "o": "0"})


def reconcile_place(results: dict[str, FieldResult]) -> None:
    """The place of the date line names the issuer's own unit (Decree 30): when the two spell the same name
    differently, the spelling the gazetteer knows at the issuer's level wins ("Văn Giang" is a district,
    the ward of the issuer is "Vân Giang")."""
    place, issuer = results.get("place"), results.get("issuer")
    if place is None or issuer is None or not place.value or not issuer.value:
        return
    _, unit, name = split_unit(issuer.value)
    if unit is not None and name.isdigit() and place.value == name:
        # "1" where "Phường 1, ngày" lost its unit word to a speck: a ward's number is no place on its own
        spelled = unit_spelling(unit)
        place.value = f"{spelled[:1].upper()}{spelled[1:]} {name}"
        place.flags.add("repaired")
        place.confidence = round(min(place.confidence, issuer.confidence, 0.9), 3)
        return
    if unit is None or not name or place.value == name:
        return
    p_head, p_unit, p_name = split_unit(place.value)
    if p_unit == unit and not p_head and name.isdigit() and p_name != name and p_name.translate(_DIGIT_LOOKS) == name:
        # "Phường I" under "Ủy ban nhân dân phường 1": an I read for the 1 (Vị Thanh has a real Phường I; an
        # issuer of phường 1 does not date from it)
        place.value = place.value[: len(place.value) - len(p_name)] + name
        place.flags.add("repaired")
        place.confidence = round(min(place.confidence, issuer.confidence, 0.9), 3)
        return
    close = fold_key(place.value) == fold_key(name) or (
        fuzz.ratio(fold_key(place.value), fold_key(name)) >= 80 and not places.is_known(place.value))
    if close and places.restore(name, unit)[0] == name and places.is_known(name):
        place.value = name
        place.flags.add("repaired")
        place.confidence = round(min(place.confidence, issuer.confidence, 0.9), 3)


def scale_by_page_quality(results: dict[str, FieldResult], ocr: float, rules: Rules) -> None:
    """On a poor scan Tesseract is sure of words it misread: below a good page's confidence, every value
    loses confidence steeply, so that more of them reach a clerk."""
    good = rules.common.review.good_page_confidence
    if not ocr or ocr >= good:
        return
    factor = (ocr / good) ** 3
    for res in results.values():
        res.confidence = round(res.confidence * factor, 3)
