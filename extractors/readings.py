"""Fields of a poor copy voted over several readings of the same pages.

A copy of a copy at 150 dpi reads differently at each OCR resolution: a speck on a digit, a lost tone
mark or a broken line falls on other letters each time. The fields are extracted from every reading
(`extractors/pipeline.py` makes them) and decided here, field by field:

- a value most readings agree on is taken (two of three); a key value (number, date, identifier, name) that
  not every reading gives goes to review all the same;
- a value only one reading found is taken as it is, with the confidence of that reading, except a key
  value, which nothing then confirms: it goes to review;
- readings that disagree with no majority give the most confident value, sent to review with the others
  named in its notes, since a clerk must choose;
- free text (summaries) is voted word by word where the readings line up.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher

from rapidfuzz import fuzz

from extractors import places
from extractors.field_values import GIVEN_NAME_MISSING, UNUSUAL_NAME, FieldResult
from extractors.issuer import AGENCY_CUT
from extractors.normalise import ADDRESS_CUT, odd_words, split_unit
from extractors.vietnamese import fold_key

DISAGREE_CONFIDENCE = 0.5  # below every review threshold: a clerk chooses between the readings
# key fields (numbers, dates, identifiers, names) are trusted only when every reading agrees; so is a
# summary, whose readings may differ by a comma a blur took from two of them
UNANIMOUS_KINDS = {"doc_number", "date", "personal_id", "any_id", "book_number", "dossier_code", "business_reg",
                   "name", "summary"}
TEXT_TYPES = {"summary"}
# kinds whose readings, when two give values that could both be right, go to a clerk (two real wards a mark
# apart, "phường Đồng Thành" / "phường Đông Thành"); a value that cannot be right does not dispute
DISPUTED_WHEN_PLAUSIBLE = {"issuer"}


PLAUSIBLE_TEXT = {"summary", "address", "marital_status", "text", "name", "title_upper", "upper_text", "issuer"}


def plausible(res: FieldResult, kind: str | None, others: Sequence[FieldResult] = ()) -> bool:
    """A value that reads as real words (a place the gazetteer knows): readings with slips yield to it."""
    if res.source.endswith(":implied") and any(not o.source.endswith(":implied") and not res.value.endswith(o.value)
                                               for o in others):
        # "CHỦ TỊCH" implied by "TM." where the seal hid the title yields to "PHÓ CHỦ TỊCH" read; "PHÓ TRƯỞNG
        # PHÒNG" implied by "KT TRƯỞNG PHÒNG" does not yield to "TRƯỞNG PHÒNG": that is the "KT." line misread
        return False
    if kind == "place":
        return places.is_known(res.value)
    if kind == "address" and any(ADDRESS_CUT in n for n in res.notes):
        return False  # "..., huyện Hải Hậu" cut short yields to "..., huyện Hải Hậu, tỉnh Nam Định"
    if kind == "name" and any(UNUSUAL_NAME in n or GIVEN_NAME_MISSING in n for n in res.notes):
        return False  # "Vũ Vặn Vinh" yields to "Vũ Văn Vinh": every syllable of the latter is a known name
    if kind == "summary" and _head_of_longer(res, others):
        return False  # "Triển khai thực" (its second line lost) yields to "Triển khai thực hiện phát triển ..."
    if kind == "name" and _tail_of_longer(res, others):
        return False  # "Đinh Toàn" (the seal hid two words, a mark repaired) yields to "Nguyễn Minh Đình Toàn"
    if kind == "issuer" and any(o.value.startswith(res.value + " ") and split_unit(o.value)[1] is not None
                                and split_unit(res.value)[1] is None for o in others):
        return False  # "Phòng Tài nguyên và Môi trường" yields to "... huyện Bình Chánh": its unit line was lost
    if kind == "issuer" and any(AGENCY_CUT in n for n in res.notes):
        return False  # "Phòng Tài chính huyện Tiên Du" yields to "Phòng Tài chính - Kế hoạch huyện Tiên Du"
    if kind == "issuer" and not _unit_known(res.value, others):
        return False  # "Ủy ban nhân dân xã Vũ" (the name cut short) yields to "... xã Vũ Quý"
    if kind in PLAUSIBLE_TEXT:
        return not odd_words(res.value)
    return True


def _head_of_longer(res: FieldResult, others: Sequence[FieldResult]) -> bool:
    """The summary, read so by this reading alone, is, marks aside, the first words of a longer one another
    reading gives in real words: a line lost to the blur cuts a summary short. Two readings that end it
    alike are not cut: the longer one took in debris ("... nhập ngũ cà đá 08")."""
    if sum(o.value == res.value for o in others) > 1:  # `others` holds res itself
        return False
    words = fold_key(res.value).split()
    for other in others:
        longer = fold_key(other.value).split()
        if len(longer) > len(words) and longer[:len(words)] == words and not odd_words(other.value):
            return True
    return False


def _tail_of_longer(res: FieldResult, others: Sequence[FieldResult]) -> bool:
    """The name is, marks aside, the last words of a longer name another reading gives with every syllable
    a known name: a seal hides the start of a name, it never adds a name's words before it."""
    words = fold_key(res.value).split()
    for other in others:
        longer = fold_key(other.value).split()
        if len(longer) > len(words) and longer[-len(words):] == words \
                and not any(UNUSUAL_NAME in n or GIVEN_NAME_MISSING in n for n in other.notes):
            return True
    return False


def _unit_known(issuer: str, others: Sequence[FieldResult]) -> bool:
    """The issuer's unit name is one the gazetteer knows, or none other reading gives a known name like it:
    the table lacks units merged away ("xã Kim Lan"), which must not yield to a superior the body named."""
    head, unit, name = split_unit(issuer)
    if re.search(r"[:/\d]", head):
        return False  # "Số: 109/tb - Ủy ban nhân dân ...": the number line ran into the agency's
    if unit is None or not name or name[:1].isdigit() or places.is_known(name):
        return True
    for other in others:
        _, o_unit, o_name = split_unit(other.value)
        if o_unit != unit or not o_name or not places.is_known(o_name):
            continue
        if fold_key(o_name).startswith(fold_key(name)) or fuzz.ratio(fold_key(o_name), fold_key(name)) >= 70:
            return False
    return True


def _present(res: FieldResult | None) -> bool:
    return res is not None and bool(res.value) and "missing" not in res.flags


def merge_readings(readings: list[dict[str, FieldResult]], types: dict[str, str]) -> dict[str, FieldResult]:
    """One result per field from the results of each reading (the first is the main reading)."""
    if len(readings) == 1:
        return readings[0]
    out: dict[str, FieldResult] = {}
    names = list(dict.fromkeys(n for r in readings for n in r))
    for name in names:
        results = [r.get(name) for r in readings]
        present = [r for r in results if _present(r)]
        if not present:
            out[name] = next(r for r in results if r is not None)
            continue
        kind = types.get(name)
        majority = Counter(r.value for r in present).most_common(1)[0][1] > len(present) / 2
        if kind in TEXT_TYPES and len(present) >= 3 and not majority:
            out[name] = vote_words(present, kind)
            continue
        out[name] = _decide(present, kind)
        if kind in UNANIMOUS_KINDS and len(present) == 1 < len(readings):
            out[name] = _alone(out[name], len(readings))
    return out


def _alone(res: FieldResult, n: int) -> FieldResult:
    """A key value only one of the readings found ("Vũ Kim", its last word lost, where the others found no
    name at all): nothing confirms it, so a clerk does."""
    return _to_review(res, f"chỉ 1 trong {n} lần đọc tìm thấy / found by only one of {n} readings of the copy")


def _decide(present: list[FieldResult], kind: str | None) -> FieldResult:
    read = present
    real = [r for r in present if plausible(r, kind, present)]
    if real and len(real) < len(present):
        # "Phong" twice against "Phong Điền" once: a value that cannot be right does not win by numbers
        present = real
    votes = Counter(r.value for r in present)
    value, n = votes.most_common(1)[0]
    if n == len(present) or n > len(present) / 2:
        chosen = max((r for r in present if r.value == value), key=lambda r: r.confidence)
        others = list(dict.fromkeys(r.value for r in read if r.value != value))
        rivals = [r.value for r in present if r.value != value]
        if (others and (kind in UNANIMOUS_KINDS or _digits_differ(read))) or (
                rivals and kind in DISPUTED_WHEN_PLAUSIBLE):
            # a speck that makes 70 read 78 twice out of three makes a majority too: a number or a name
            # a clerk searches by is taken from the majority but confirmed by a person
            return _disputed(chosen, others)
        return chosen
    # no majority: the surest reading, for a clerk to confirm
    best = max(_central(present) if kind in TEXT_TYPES else present, key=lambda r: r.confidence)
    return _disputed(best, [v for v in votes if v != best.value])


def _central(present: list[FieldResult]) -> list[FieldResult]:
    """The two readings of a text most alike: where two read "môi trường, thu gom rác thải" a letter apart
    and a third jumbled the lines ("môi rác thải trường"), the jumble is not chosen, however sure the engine
    was of its words; nor does a third reading of debris decide between the two."""
    if len(present) < 3:
        return present
    pairs = [(fuzz.ratio(a.value, b.value), i, j) for i, a in enumerate(present) for j, b in enumerate(present)
             if i < j]
    _, i, j = max(pairs)
    return [present[i], present[j]]


def _digits_differ(results: list[FieldResult]) -> bool:
    """Readings that give other digits ("tờ bản đồ số 44" and "số 34"): words can be checked against the
    language, digits cannot, so any field whose numbers the readings dispute goes to a person."""
    return len({re.sub(r"\D", "", r.value) for r in results}) > 1


def _disputed(res: FieldResult, others: list[str]) -> FieldResult:
    return _to_review(res, f"các lần đọc khác nhau: {' | '.join(others)} / other readings of the copy: "
                           f"{' | '.join(others)}")


def _to_review(res: FieldResult, note: str) -> FieldResult:
    """The value kept, for a clerk to confirm: below every review threshold, with the reason in its notes."""
    return replace(res, confidence=min(res.confidence, DISAGREE_CONFIDENCE), notes=[*res.notes, note],
                   flags=res.flags | {"readings_disagree"})


def vote_words(present: list[FieldResult], kind: str | None = None) -> FieldResult:
    """The main reading, each word replaced where the other readings agree on another in its place; when the
    main reading is the odd one out (it ran on into the body, or jumbled the lines), the surer of the two
    most alike stands in for it."""
    central = _central(present)
    main = present[0] if any(r is present[0] for r in central) else max(central, key=lambda r: r.confidence)
    present = [main, *(r for r in present if r is not main)]
    tokens = main.value.split()
    proposals: list[Counter[str]] = [Counter() for _ in tokens]
    for other in present[1:]:
        theirs = other.value.split()
        for tag, i1, i2, j1, j2 in SequenceMatcher(a=tokens, b=theirs, autojunk=False).get_opcodes():
            if tag == "equal":
                for k in range(i1, i2):
                    proposals[k][tokens[k]] += 1
            elif tag == "replace" and i2 - i1 == j2 - j1:
                for k in range(i2 - i1):
                    proposals[i1 + k][theirs[j1 + k]] += 1
    voted = []
    changed = 0
    for tok, props in zip(tokens, proposals, strict=True):
        best, n = props.most_common(1)[0] if props else (tok, 0)
        if best != tok and n >= 2 and n > props[tok]:
            voted.append(best)
            changed += 1
        else:
            voted.append(tok)
    if not changed:
        return _decide(present, kind)
    value = " ".join(voted)
    agree = sum(r.value == value for r in present[1:]) and not _digits_differ(present)
    note = f"trích yếu ghép từ {len(present)} lần đọc / summary voted over {len(present)} readings"
    conf = main.confidence if agree else min(main.confidence, DISAGREE_CONFIDENCE)
    return replace(main, value=value, confidence=conf, notes=[*main.notes, note], flags=main.flags | {"voted"})
