"""Values of fields by their type: names, dates, IDs, addresses, places, statuses (see `config/doctypes`).

`normalise(rules, type, raw)` is the one entry; each type's function says what it keeps and how sure it
is (`Normalised.certainty`), so the caller can score and flag the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from config.doctypes import CommonRules, Rules
from extractors import places
from extractors.docview import Line
from extractors.issuer import issuer_from_label
from extractors.layout import Word
from extractors.lexicon import change_cost, load_lexicon
from extractors.normalise import (
    LOWER,
    UPPER,
    Normalised,
    book_number_value,
    business_reg_value,
    clean_value,
    digits_field,
    dossier_code_value,
    expand_address,
    join_address_phrases,
    parse_date,
    parse_doc_number,
    place_name_case,
    plain_text,
    sex_value,
    speck_punctuation,
    split_unit,
    summary_text,
    tax_code_value,
    title_case_name,
    title_upper,
    unit_spelling,
    upper_text,
)
from extractors.vietnamese import fold_key, normalize_text


@dataclass
class FieldResult:
    """One field as read: its value, how sure, where it came from, and what to tell the clerk."""

    name: str
    value: str
    confidence: float
    source: str
    notes: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    lines: list[Line] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)



def normalise(rules: Rules, kind: str, raw: str) -> Normalised:
    """The raw text of one field → its value in the conventions of SCHEMA.md, by the field's type."""
    common = rules.common
    if kind == "name":
        return check_name(title_case_name(raw, common.surnames, name_syllables(common)), rules)
    if kind == "date":
        return parse_date(raw)
    if kind == "personal_id":
        return digits_field(raw, (12,))
    if kind == "old_id":
        return digits_field(raw, (9,))
    if kind == "any_id":
        return digits_field(raw, (12, 9))
    if kind == "tax_code":
        return tax_code_value(raw)
    if kind == "business_reg":
        return business_reg_value(raw)
    if kind == "book_number":
        return book_number_value(raw)
    if kind == "dossier_code":
        return dossier_code_value(raw)
    if kind == "sex":
        return sex_value(raw, common.sex_values)
    if kind == "address":
        return expand_address(raw, common.address_abbreviations)
    if kind == "title_upper":
        return title_upper(raw, common.signer.titles)
    if kind == "summary":
        return summary_text(raw)
    if kind == "upper_text":
        return upper_text(raw)
    if kind == "marital_status":
        return marital_value(raw, common.marital_values)
    if kind == "issuer":
        q = issuer_from_label(raw, common)
        return Normalised(q[0], certainty=q[1], notes=q[2]) if q else Normalised(None)
    if kind == "place":
        return place_value(raw)
    if kind == "doc_number":
        return doc_number_value(rules, raw)
    return plain_text(raw)


def marital_value(raw: str, values: list[str]) -> Normalised:
    """As printed; a status that does not end like a known one was probably cut short by OCR debris."""
    norm = plain_text(raw)
    if norm.value is None:
        return norm
    norm.value = speck_punctuation(norm.value)  # "chưa đăng ký kết hôn. với: ai"
    # the printed phrase joins its parts with a comma: "... số 291/2022/HNGĐ-ST; hiện tại chưa ..."
    norm.value = re.sub(r"\s*;\s*(?=hiện tại\b)", ", ", norm.value)
    # "Bản án số 280/2013/HNGĐ- ST": a case number's code has no space; "ly hôn theo: Bản án": no colon
    norm.value = re.sub(r"(?<=[A-ZĐ])(?:\s*-)+\s*(?=[A-ZĐ]{2})", "-", norm.value)  # "HNGĐ- -ST" too
    norm.value = re.sub(r"(?<=\btheo)\s*[:;.]\s*", " ", norm.value)
    norm.value = re.sub(r"\b([Bb]ản)\s+\S{1,2}\s+(án)\b", r"\1 \2", norm.value)  # "Bản á án": a speck's echo
    norm.value = re.sub(r"\b([Bb]ản án) [sS]\w{1,2}(?= \d)", r"\1 số", norm.value)  # "Bản án sấ 56", "SỐ"
    norm.value = re.sub(r",[.;:]+(?=\s)", ",", norm.value)  # "HNGĐ-ST,. hiện tại": a speck after the comma
    # a judgment's code ends in ST (first instance) or PT (appeal): "HNGĐ-SE" is a letter off; the status goes
    # on after a comma ("..., hiện tại chưa ...")
    norm.value = re.sub(r"(?<=HNGĐ-)[A-Z]{2}\b", lambda m: _court_level(m[0]), norm.value)
    norm.value = re.sub(r"(?<=[\w/])\s+(?=hiện tại\b)", ", ", norm.value)
    # nothing stands between "hiện tại" and the fixed status but a speck ("hiện tại Ni chưa đăng ký")
    norm.value = re.sub(r"\b(hiện tại),?\s+[^\s,]{1,2}\s+(?=(?:chưa|đang|đã)\b)", r"\1 ", norm.value)
    norm.value = re.sub(r"(?<=[a-zà-ỹđ])[\"“”,;:]+(?=[a-zà-ỹđ])", " ", norm.value)  # 'đăng ký"kết hôn', 'kết,hôn'
    norm.value = re.sub(r"(?<=[a-zà-ỹđ])[\"“”'\\`]+(?=\s)", "", norm.value)  # 'theo\\' Bản án', 'hiện tại" chưa'
    mended = _fixed_phrases(norm.value, values)  # "Đã ly hân theo": a mark off the printed "đã ly hôn"
    if mended != norm.value:
        norm.value, norm.repaired, norm.certainty = mended, True, 0.9
    key = fold_key(norm.value)
    endings = [v for v in values if key.endswith(fold_key(v))]
    if not endings:
        respaced = _respaced_ending(norm.value, values)  # "kếthôn với ai": a space lost in the fixed phrase
        if respaced != norm.value:
            norm.value, norm.repaired, norm.certainty = respaced, True, 0.9
        key = fold_key(norm.value)
        endings = [v for v in values if key.endswith(fold_key(v))]
    if not endings:
        norm.certainty = 0.55
        norm.notes.append("tình trạng hôn nhân không rõ / marital status unclear")
        return norm
    ending = max(endings, key=len)
    tail = norm.value[len(norm.value) - len(ending):]
    whole = len(tail) == len(norm.value)
    if tail != ending and not (whole and tail == ending[:1].upper() + ending[1:]):  # "Kết hôn", "CHưa": case slips
        # "chưa đặng ký kết hôn": the printed phrase is fixed, only its marks were misread
        norm.value = norm.value[: len(norm.value) - len(ending)] + (
            ending[:1].upper() + ending[1:] if whole and tail[:1].isupper() else ending)
        norm.repaired, norm.certainty = True, 0.9
    return norm


def _court_level(code: str) -> str:
    near = [c for c in ("ST", "PT") if Levenshtein.distance(c, code) <= 1]
    return near[0] if len(near) == 1 else code


def _fixed_phrases(value: str, values: list[str]) -> str:
    """Each run of words one letter (folded) off a fixed phrase of three words or more, spelled as the
    phrase; the first letter keeps its case."""
    words = value.split()
    for phrase in sorted(values, key=len, reverse=True):
        n, key = len(phrase.split()), fold_key(phrase)
        if n < 3:
            continue
        for i in range(len(words) - n + 1):
            run = " ".join(words[i:i + n])
            if run.lower() == phrase or not all(w.isalpha() for w in words[i:i + n]):
                continue
            # marks off ("ly hồn"), or a letter off where the letters are no other phrase ("với ai" stays)
            if fold_key(run) == key or (Levenshtein.distance(fold_key(run), key) == 1
                                        and not any(fold_key(run) in fold_key(v) for v in values)):
                fixed = phrase[:1].upper() + phrase[1:] if run[:1].isupper() else phrase
                words[i:i + n] = fixed.split()
    return " ".join(words)


def _respaced_ending(value: str, values: list[str]) -> str:
    """The value with its end spaced as the longest fixed phrase its letters end with, else as read."""
    letters = fold_key(value).replace(" ", "")
    fits = [v for v in values if letters.endswith(fold_key(v).replace(" ", ""))]
    if not fits:
        return value
    ending = max(fits, key=len)
    need, pos = len(fold_key(ending).replace(" ", "")), len(value)
    while need and pos:
        pos -= 1
        need -= not value[pos].isspace()
    head = value[:pos]
    return head + (" " if head and not head.endswith(" ") else "") + ending if head else ending[:1].upper() + ending[1:]


UNUSUAL_NAME = "unusual name syllables"  # the note's marker: extractors/readings.py prefers names without it
GIVEN_NAME_MISSING = "the given name is missing"  # likewise


def check_name(norm: Normalised, rules: Rules) -> Normalised:
    """A surname or given-name syllable outside the lists lowers the confidence (OCR reads 'Vần' for 'Vân')."""
    if norm.value is None:
        return norm
    common = rules.common
    words = [_restore_syllable(w, rules) if i else w for i, w in enumerate(norm.value.split())]
    if words != norm.value.split():
        norm.notes.append(f"họ tên đọc được '{norm.value}', sửa dấu thành '{' '.join(words)}' / name marks "
                          f"repaired")
        norm.value, norm.repaired = " ".join(words), True
        norm.certainty = min(norm.certainty, 0.7)  # a clerk confirms a repaired name
    odd = [w for w in words[1:] if w not in name_syllables(rules.common)]
    if words[0] not in common.surnames:
        odd.insert(0, words[0])
    if odd:
        norm.certainty = min(norm.certainty, 0.55)
        norm.notes.append(f"họ tên có chữ ít gặp: {' '.join(odd)} / {UNUSUAL_NAME}: {' '.join(odd)}")
    if len(words) >= 2 and words[-1] in _MIDDLE_ONLY:
        # "Nguyễn Thị", "Trần Văn": a seal or a speck hid the given name
        norm.certainty = min(norm.certainty, 0.45)
        norm.notes.append(f"họ tên '{norm.value}' thiếu tên / {GIVEN_NAME_MISSING}")
    return norm


_MIDDLE_ONLY = {"Thị", "Văn"}  # middle names that never end a name


def _restore_syllable(word: str, rules: Rules) -> str:
    """A name syllable that is no Vietnamese word at all ("Mính", "Hưữ", "Đuyên") takes the spelling of the
    one given-name syllable nearest in marks with the same letters; a real word is never changed."""
    lex = load_lexicon()
    names = name_syllables(rules.common)
    if lex is None or word in names or word.lower() in lex.syllables:
        return word
    key = fold_key(word)
    near = sorted((change_cost(word.lower(), n.lower()), n) for n in names if fold_key(n) == key)
    if len(near) == 1 or (len(near) > 1 and near[0][0] < near[1][0]):
        return near[0][1]
    return word


_SYLLABLE_CACHE: dict[int, set[str]] = {}


def name_syllables(common: CommonRules) -> set[str]:
    """The syllables of given and middle names, spelled NFC (computed once per rule set)."""
    key = id(common)
    if key not in _SYLLABLE_CACHE:
        _SYLLABLE_CACHE[key] = {normalize_text(s, keep_newlines=False) for s in common.name_syllables}
    return _SYLLABLE_CACHE[key]


def place_value(raw: str) -> Normalised:
    """The place of the place-and-date line as printed; a name OCR stripped of diacritics is restored.

    Only the capitalised words just before "ngày" are the place: a merged "Số: ..." or stamp debris
    before them is not."""
    # a merged "Số: ..." ends at its colon; a quote is a speck inside the place ('Sơn "Trà'), not a border
    # a colon or hyphen inside a place name is a speck too ("Hà:Nam", "Nam-Định"), not the end of a merged "Số:"
    raw = re.sub(rf"(?<!\w)([{UPPER}][{LOWER}]*)\s*[:\-]\s*([{UPPER}][{LOWER}]*)",
                 lambda m: f"{m[1]} {m[2]}" if places.is_known(f"{m[1]} {m[2]}") else m[0], raw)
    text = join_address_phrases(clean_value(re.sub(r"[\"“”]", " ", raw).split(":")[-1]))  # "Thành. phố"
    words = text.split()
    keep: list[str] = []
    for w in reversed(words):
        if (w[:1].isupper() or w.isdigit()) and len(keep) < 5 and w.strip(",.") == w:
            keep.insert(0, w)
        else:
            break
    rest = words[: len(words) - len(keep)]
    for n in (2, 1):  # "Thành phố Hồ Chí Minh", "Phường 10": the unit word belongs to the place
        if len(rest) >= n and split_unit(" ".join(rest[-n:]) + " X")[1] is not None \
                and not split_unit(" ".join(rest[-n:]) + " X")[0]:
            keep = rest[-n:] + keep
            break
    text = " ".join(keep)
    if not text:
        return Normalised(None)
    head, unit, name = split_unit(text)
    if unit is not None and not head:
        unit_word = " ".join(text.split()[: len(text.split()) - len(name.split())])
        spelled = unit_spelling(unit)  # "Thành phô", "Thanh pho": the marks of the unit word are known
        spelled = spelled[:1].upper() + spelled[1:] if unit_word[:1].isupper() else spelled
        restored, known = place_name_case(name, unit)
        return Normalised(f"{spelled} {restored}", repaired=spelled != unit_word, certainty=1.0 if known else 0.8)
    restored, known = place_name_case(text, None)
    if restored != text and fold_eq(restored, text):
        return Normalised(restored, repaired=True, certainty=0.95)
    if restored != text and known:
        # "Đà Nẵhg": a letter off a name whose letters the gazetteer knows one way only
        return Normalised(restored, repaired=True, certainty=0.75,
                          notes=[f"địa danh đọc được '{text}', hiểu là '{restored}' / place read as '{text}'"])
    near = None if known else places.nearest(text)
    if near is not None:
        return Normalised(near, repaired=True, certainty=0.75,
                          notes=[f"địa danh đọc được '{text}', gần nhất là '{near}' / place read as '{text}'"])
    return Normalised(text, certainty=1.0 if known else 0.8)


def fold_eq(a: str, b: str) -> bool:
    return fold_key(a) == fold_key(b)


def doc_number_value(rules: Rules, raw: str) -> Normalised:
    """A labelled number ("Số: 45" on a civil form)."""
    parsed = parse_doc_number(raw, known_symbols(rules))
    return Normalised(parsed.value, repaired=parsed.repaired, notes=parsed.notes)


def known_symbols(rules: Rules) -> list[str]:
    """Type symbols of every rule and the agency codes common in numbers, for restoring OCR slips."""
    out = [s for r in rules.types.values() for s in r.symbols]
    return out + [c for c in rules.common.agency_codes if c not in out]
