"""The issuing agency from the left header column: its lowest agency, expanded and qualified.

"ỦY BAN NHÂN DÂN / TỈNH QUẢNG NGÃI" is one agency on two lines; "UBND TỈNH QUẢNG NGÃI / BAN CHỈ ĐẠO 138"
is a parent and the issuer; "UBND HUYỆN HÒA VANG / PHÒNG TÀI CHÍNH - KẾ HOẠCH" is an office that takes its
parent's unit ("Phòng Tài chính - Kế hoạch huyện Hòa Vang"). A line that does not open with an agency word
continues the line above it (a long name wraps in the narrow column).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import takewhile

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from config.doctypes import CommonRules
from extractors import places
from extractors.docview import Line
from extractors.field_rules import Candidate, alnum_key
from extractors.normalise import (
    ADMIN_UNITS,
    LOWER,
    UPPER,
    agency_case,
    clean_value,
    expand_abbreviations,
    join_committee_name,
    split_unit,
    unit_phrase,
    unit_spelling,
)
from extractors.vietnamese import fold_key, is_vietnamese_syllable


def _opens_agency(text: str, common: CommonRules) -> bool:
    key = alnum_key(text)
    starts = {alnum_key(h) for h in common.agency_heads}
    starts |= {alnum_key(" ".join(k.split()[:2])) for k in common.known_agencies}
    starts |= {alnum_key(a) for a in common.abbreviations if not a.endswith(".")}
    starts |= {"uy ban", "hoi dong"}
    return any(key == s or key.startswith(s + " ") for s in starts if s)


AGENCY_CUT = "the agency's name may be cut short"  # the note's marker: extractors/readings.py prefers others

_UNIT_WORDS = tuple(ADMIN_UNITS.split("|"))  # the unit words of an agency's name, the longest first
_UNIT_ALTERNATION = ADMIN_UNITS


def _one_letter_specked(word: str) -> str:
    """A pattern for `word` (in capitals) with any one of its letters read as a speck: "HU#ỆN"."""
    up = word.upper()
    return "|".join(re.escape(up[:i]) + r"[^\w\s]" + re.escape(up[i + 1:]) for i in range(len(up)))


_SPECKABLE_UNITS = ("huyện", "phường", "tỉnh", "quận")
_SPECKED_UNIT = re.compile(r"(?<!\w)(?:" + "|".join(f"(?P<u{i}>{_one_letter_specked(w)})"
                                                    for i, w in enumerate(_SPECKABLE_UNITS)) + r")(?!\w)")


def _despeckled(text: str) -> str:
    """'Ủy.| ban nhân đânxã. Yên*Ninh' → 'Ủy ban nhân đân xã Yên Ninh': specks of a poor copy after a word,
    between two words, or where the space before the unit word was."""
    text = join_committee_name(text)
    text = re.sub(r"(?<=[^\W\d_])[|\[\]*:]+(?=[^\W\d_])", " ", text)  # "BÌNH:CHÁNH" too
    text = re.sub(r"\b(UBND|HĐND)[.,:](?=[^\W\d_])", r"\1 ", text)  # "UBND.HUYỆN": a speck for the space
    # "HU#ỆN": one letter of a unit word in capitals read as a speck
    text = _SPECKED_UNIT.sub(lambda m: _SPECKABLE_UNITS[int((m.lastgroup or "u0")[1:])].upper(), text)
    text = re.sub(r"(?<=[a-zà-ỹđ])[.|\[\]*]+(?=\s|$)", "", text)  # not after a capital: "TP. Huế"
    text = re.sub(r"(?i)\b(thị|thành)\s+[^\W\d_]\s+(trấn|xã|phố)\b", r"\1 \2", text)  # "thị i trấn": a speck
    text = re.sub(r"(?<=[a-zà-ỹđ])\s+[\"“”'`](?=[A-ZĐÀ-Ỹ])", " ", text)  # 'Phong "Điền'
    # "nhân dân.thị trấn", "nhân đânxã": a speck in, or a loss of, the space before the unit word
    return re.sub(rf"(?i)(nh[âa]n\s+[dđ][âa]n)[.,]?(?=(?:{_UNIT_ALTERNATION})\b)", r"\1 ", text)


def _comma_before_parent(text: str) -> str:
    """'Ủy ban nhân dân xã Duy Tông huyện Duy Xuyên' → '... xã Duy Tông, huyện Duy Xuyên': the comma before
    the parent unit lost to the blur; a unit word after the agency's own unit and name starts the parent."""
    units = list(re.finditer(rf"(?<!\w)(?:{_UNIT_ALTERNATION})(?!\w)", text))
    if len(units) < 2 or "," in text[units[0].end():units[1].start()] \
            or not re.search(r"\w", text[units[0].end():units[1].start()]):
        return text
    return text[:units[1].start()].rstrip() + ", " + text[units[1].start():]


def _expanded(text: str, common: CommonRules) -> str:
    text = clean_value(_despeckled(text))
    text = re.sub(r"\s*-\s*", " - ", text).replace(" - - ", " - ")
    upper = {k: v.upper() for k, v in common.abbreviations.items() if not k.endswith(".")}
    return expand_abbreviations(_abbreviation_read(_echo_dropped(text, common), upper), upper)


def _echo_dropped(text: str, common: CommonRules) -> str:
    """'SỞ XÂY ÂY DỰNG' → 'SỞ XÂY DỰNG': OCR of a speckled capital word sometimes gives its tail twice. Only
    where a known agency then reads whole: 'XÃ THANH AN' is a name, not an echo."""
    words = text.split()
    out = [w for i, w in enumerate(words)
           if not (i and w.isupper() and len(w) >= 2 and words[i - 1].isupper() and len(words[i - 1]) > len(w)
                   and words[i - 1].endswith(w))]
    if len(out) == len(words):
        return text
    dropped = " ".join(out)
    key = f" {alnum_key(dropped)} "
    return dropped if any(f" {alnum_key(k)} " in key for k in common.known_agencies if " " in k) else text


_UNIT_OPENERS = {"tinh", "thanh", "huyen", "quan", "thi", "xa", "phuong"}


def _abbreviation_read(text: str, table: dict[str, str]) -> str:
    """The abbreviation that opens an agency line, read with a mark or one letter off on a poor copy:
    'ƯBNĐ QUẬN HẢI CHÂU', 'ƯBNP QUẬN HẢI CHÂU' → 'UBND QUẬN HẢI CHÂU'. One letter off only before a unit
    word, and only when a single abbreviation of four letters or more is that close."""
    words = text.split()
    if not words or words[0].upper() in table:
        return text
    key = re.sub(r"[^a-z]", "", fold_key(words[0]))
    if len(key) < 4:
        return text
    folds = {re.sub(r"[^a-z]", "", fold_key(a)): a for a in table if len(a) >= 4}
    hit = folds.get(key)
    if hit is None and len(words) > 1 and fold_key(words[1]) in _UNIT_OPENERS:
        near = [a for k, a in folds.items() if len(k) == len(key) and Levenshtein.distance(k, key) == 1]
        hit = near[0] if len(near) == 1 else None
    return " ".join([hit, *words[1:]]) if hit else text


def issuer_from_lines(lines: list[Line], common: CommonRules, place: str | None = None) -> Candidate | None:
    if not lines:
        return None
    groups: list[list[Line]] = []
    for ln in lines:
        text = _expanded(ln.text, common)
        if groups and not _opens_agency(text, common):
            groups[-1].append(ln)
        else:
            groups.append([ln])
    if len(groups) > 1 and _lone_word(groups[-1], common):
        # "PHÒNG TÀI NGUYÊN VÀ MÔI / TRƯỜNG": a wrapped last word that happens to open agencies too
        groups[-2].extend(groups.pop())
    own = groups[-1]
    parent = groups[-2] if len(groups) > 1 else None
    text = " ".join(_expanded(ln.text, common) for ln in own)
    words = [w for ln in own for w in ln.words]
    cand = qualify(text, parent and " ".join(_expanded(ln.text, common) for ln in parent), common, place)
    if cand is None:
        return None
    value, certainty, notes = cand
    return Candidate(value, words, certainty, "header", notes=notes, lines=own)


def _lone_word(group: list[Line], common: CommonRules) -> bool:
    text = " ".join(_expanded(ln.text, common) for ln in group)
    return len(text.split()) == 1 and split_unit(text)[1] is None


def _nospace(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold_key(text))


_UNITS_NOSPACE = sorted(((_nospace(u), u) for u in _UNIT_WORDS), key=lambda x: -len(x[0]))


def _unglue(text: str, place: str | None, common: CommonRules) -> str | None:
    """'ỦY BAN NHÂN DÂN THÀNH PHỐHẠLONG' with the place 'Hạ Long' → 'Ủy ban nhân dân thành phố Hạ Long'.

    OCR drops spaces between capitals; the place of the date line tells where the unit name starts."""
    if not place:
        return None
    s, p = _nospace(text), _nospace(place)
    if not p or not s.endswith(p):
        return None
    pre = s[: -len(p)]
    for u_ns, unit in _UNITS_NOSPACE:
        if pre.endswith(u_ns):
            head_ns = pre[: -len(u_ns)]
            for known in common.known_agencies:
                if _nospace(known) == head_ns:
                    return f"{known} {unit} {place}"
    return None


def qualify(text: str, parent: str | None, common: CommonRules, place: str | None
            ) -> tuple[str, float, list[str]] | None:
    """Sentence case with its own unit: from the text, else the parent line, else the place line."""
    head, unit, name = split_unit(text)
    certainty, notes = 1.0, []
    if unit is None:
        unglued = _unglue(text, place, common)
        if unglued is not None:
            head, unit, name = split_unit(unglued)
            certainty = 0.9
    qualifies = any(fold_key(head).startswith(fold_key(q)) for q in common.qualify_with_parent_unit)
    if unit is None and qualifies:
        p_unit = split_unit(parent)[1:] if parent else (None, "")
        if p_unit[0] is not None:
            unit, name = p_unit
        elif place:
            # a department (Sở) belongs to a province, an office (Phòng) to a district
            levels = ("province", "district") if any(fold_key(head).startswith(fold_key(h))
                                                     for h in common.province_level_heads) else ("district", "province")
            kind = places.unit_kind(place, levels[0]) or places.unit_kind(place, levels[1])
            if kind:
                unit, name = alnum_key(kind), place
                certainty = 0.7
                notes.append("đơn vị hành chính của cơ quan suy ra từ địa danh / agency unit taken from the place")
            else:
                certainty = 0.5
                notes.append("cơ quan ban hành thiếu đơn vị hành chính / issuer lacks its administrative unit")
        else:
            certainty = 0.5
            notes.append("cơ quan ban hành thiếu đơn vị hành chính / issuer lacks its administrative unit")
    cased, c_head = agency_case(head, common.known_agencies, common.agency_heads)
    if not cased:
        return None
    certainty = min(certainty, c_head)
    longer = [k for k in common.known_agencies if fold_key(k).startswith(fold_key(cased) + " ")]
    if cased not in common.known_agencies and len(longer) == 1:
        # "Phòng Tài chính": the start of "Phòng Tài chính - Kế hoạch" only, its end lost at the line's edge
        certainty = min(certainty, 0.6)
        notes.append(f"tên cơ quan có thể thiếu phần cuối ('{longer[0]}'?) / {AGENCY_CUT}: '{longer[0]}'?")
    if fold_key(cased) == "ban nhan dan" and unit in places.UNIT_LEVEL:
        # a "Ban nhân dân" heads a village (thôn, ấp, khu phố), never a commune or a district: the "ỦY" of
        # "ỦY BAN NHÂN DÂN HUYỆN ..." was lost at the line's start
        cased = "Ủy ban nhân dân"
        certainty = min(certainty, 0.8)
        notes.append("'Ban nhân dân' của xã, huyện là 'Ủy ban nhân dân' / a commune's or district's 'Ban nhân "
                     "dân' is its 'Ủy ban nhân dân'")
    if unit is None:
        body = _unit_body(cased)
        if body is not None:
            # "Ủy ban nhân dân" alone: the line with its unit was lost to the copy; never a whole issuer
            kind = _place_under_parent(place, parent)
            if kind is not None:
                return f"{body} {kind} {place}", min(certainty, 0.6), notes + [
                    "đơn vị của cơ quan ban hành suy ra từ địa danh thuộc đơn vị cấp trên / the issuer's unit taken "
                    "from the place of the date line, a unit of the parent named above"]
            return body, min(certainty, 0.5), notes + ["cơ quan ban hành thiếu đơn vị hành chính / issuer lacks "
                                                       "its administrative unit"]
        return cased, certainty, notes
    read_name = name
    name, known = _known_prefix(name, unit)
    p_name = _parent_name(parent)
    if name and not known and p_name:
        restored, changed = places.restore_under(name, p_name)
        if changed:
            name, known = restored, True
            certainty = min(certainty, 0.8)
            notes.append("tên đơn vị sửa theo đơn vị cấp trên / unit name repaired from its parent unit")
    if name and p_name and fold_key(name) != fold_key(p_name) and places.has_units(p_name) and \
            not places.is_under(name, p_name):
        inner = _unit_after_debris(read_name, unit, p_name)
        if inner is not None:
            # "THỊ TRẤN ẤN HIỆP HÒA" under "UBND HUYỆN ĐỨC HÒA": not An Hiệp of another province, a speck
            # before Hiệp Hòa
            name, known = inner, True
            certainty = min(certainty, 0.8)
            notes.append("bỏ ký tự lạ trước tên đơn vị, theo đơn vị cấp trên / debris before the unit name "
                         "dropped, from its parent unit")
    if name and not known and place and _nospace(name) == _nospace(place):
        name = place  # "XÃ KỈMLAN" and "Kim Lan, ngày ...": the same letters, the place line has the space
    if name and not known and place and places.is_known(place) and \
            Levenshtein.distance(fold_key(name), fold_key(place)) <= (1 if len(fold_key(place)) <= 5 else 2):
        # the place of the date line is usually the issuer's own unit: "XÃ NGHT XÁ" ... "Nghi Xá, ngày ..."
        name, known = place, True
        certainty = min(certainty, 0.8)
        notes.append("tên đơn vị sửa theo địa danh / unit name repaired from the place of the date line")
    if name and not known and (near := places.nearest(name)) is not None:
        # "huyện Điễn Ghâu": the one district or ward name of the country a letter away
        name, known = near, True
        certainty = min(certainty, 0.8)
        notes.append(f"tên đơn vị sửa thành tên gần nhất đã biết '{near}' / unit name taken as the nearest known "
                     f"name '{near}'")
    if name and (spelled := places.only_spelling(name, unit)) is not None:
        # "huyện Đủy Xuyên": the letters of one district, two marks misread
        name, known = spelled, True
        certainty = min(certainty, 0.8)
        notes.append(f"dấu của tên đơn vị sửa theo danh mục: '{spelled}' / the unit name's marks repaired from the "
                     f"gazetteer: '{spelled}'")
    if not name:
        return cased, min(certainty, 0.5), notes + ["không đọc được tên đơn vị hành chính / unit name unreadable"]
    phrase, known2 = unit_phrase(unit, name)
    if not (known or known2):
        certainty = min(certainty, 0.8)
    return f"{cased} {phrase}", certainty, notes


def _unit_body(cased: str) -> str | None:
    """"Ủy ban nhân dân" of "Ủy ban nhân dân", or of "Ủy.ban nhân dân den eie" (specks where the unit line
    was): such a body has no name of its own, so anything after it with no unit word is debris."""
    key = alnum_key(cased)
    return next((spelled for body, spelled in _UNIT_BODY_SPELLING.items()
                 if key == body or key.startswith(body + " ")), None)


# bodies that exist only as a unit's own
_UNIT_BODY_SPELLING = {"uy ban nhan dan": "Ủy ban nhân dân", "hoi dong nhan dan": "Hội đồng nhân dân"}


def _parent_name(parent: str | None) -> str:
    """The unit name of the parent line, its spaces put back when OCR ran it together ("UBND HUYỆN ĐỨCHÒA")."""
    name = split_unit(parent)[2] if parent else ""
    return (places.respaced(name) or name) if name else ""


def _place_under_parent(place: str | None, parent: str | None) -> str | None:
    """The unit word of the place of the date line when it is a unit of the parent line's unit: "UBND HUYỆN
    ĐÔNG ANH / ỦY BAN NHÂN DÂN / (lost)" dated "Vân Nội, ngày ..." is the committee of xã Vân Nội."""
    p_name = _parent_name(parent)
    return places.kind_under(place, p_name) if place and p_name else None


def _unit_after_debris(name: str, unit: str, parent: str) -> str | None:
    """The unit of `parent` that the words of `name` after its first one or two spell."""
    words = clean_value(name).split()
    for k in (1, 2):
        for n in range(min(len(words) - k, 4), 0, -1):
            restored, _ = places.restore(" ".join(words[k:k + n]), unit)
            if places.is_under(restored, parent):
                return restored
    return None


def _known_prefix(name: str, unit: str) -> tuple[str, bool]:
    """The unit name without the debris OCR read after it ("Chợ Mới Sn So 5550142" → "Chợ Mới"), and
    whether the gazetteer knows it."""
    words = clean_value(name).split()
    for n in range(min(len(words), 5), 0, -1):
        if n == 1 and len(words) > 1:
            break  # one word of a longer name is too little to recognise it by
        restored, _ = places.restore(" ".join(words[:n]), unit)
        if places.is_known(restored):
            return restored, places.is_spelled(restored)  # "Đủy Xuyên": known letters, misread marks
    keep = []
    for w in words:
        if not (is_vietnamese_syllable(w) or w.isdigit()) and keep:
            break
        keep.append(w)
    run = " ".join(keep[:5])
    restored, _ = places.restore(run, unit)
    return run, places.is_known(restored)


def issuer_from_label(value: str, common: CommonRules) -> tuple[str, float, list[str]] | None:
    """'Ủy ban nhân dân xã Nghĩa Lạc, huyện Nghĩa Hưng, tỉnh Nam Định' → its first part, the agency; the
    second part is its parent unit, which tells a misread unit name ("xã Diễh Thành") among its own."""
    # "xã Nhật Tân; huyện Kim Bảng": a comma read as a semicolon still ends the agency
    parts = [p.strip() for p in re.split(r"[,;]", _comma_before_parent(clean_value(_despeckled(value))))]
    parent = None
    if len(parts) > 1:
        _, p_unit, p_name = split_unit(parts[1])
        if p_unit is not None and p_name:
            parent = f"{unit_spelling(p_unit)} {p_name}"
    return qualify(_expanded(parts[0], common), parent, common, None)


_NUMBERED_UNITS = {"phuong", "quan"}  # only wards and urban districts go by numbers

_MENTION = re.compile(
    r"\b(ủy ban nhân dân|ubnd|hội đồng nhân dân|hđnd)\s+(" + _UNIT_ALTERNATION + r")\s+"
    r"((?:[" + UPPER + r"0-9][" + LOWER + r"0-9]*\s*){1,4})", re.IGNORECASE)


def body_mentions(texts: list[str]) -> Counter[tuple[str, str, str]]:
    """(agency, unit word, name) of every 'Ủy ban nhân dân xã Kim Lan' the text mentions, counted."""
    out: Counter[tuple[str, str, str]] = Counter()
    for text in texts:
        for m in _MENTION.finditer(text):
            head = "Ủy ban nhân dân" if fold_key(m.group(1)) in ("uy ban nhan dan", "ubnd") else "Hội đồng nhân dân"
            # the name is the run of capitalised words (or a ward's number) right after the unit word: "UBND xã
            # trước ngày 15 tháng 12" names no "xã 15"
            run = list(takewhile(lambda w: w[:1].isupper() or w.isdigit(), m.group(3).split()))
            if run and run[0].isdigit() and fold_key(m.group(2)) not in _NUMBERED_UNITS:
                continue
            name = " ".join(run)
            name = " ".join(w[:1] + w[1:].lower() for w in name.split())  # "TỈNH QUẢNG NGÃI" in capitals
            words = name.split()
            if not words:
                continue
            # a name is at most what the gazetteer knows, else its first four words
            for n in range(len(words), 0, -1):
                if places.is_known(" ".join(words[:n])):
                    name = " ".join(words[:n])
                    break
            out[(head, m.group(2).lower(), name)] += 1
    return out


def _named_in_text(texts: list[str], unit: str, name: str) -> str | None:
    """The one known unit name the text writes after the same unit word, a letter or two from `name`
    ("xã Diễh Thành" in the header, "Xóm 4, xã Diễn Thành, huyện ..." in the addresses of the body)."""
    pattern = re.compile(rf"\b{re.escape(unit_spelling(unit))}\s+((?:[{UPPER}][{LOWER}]*\s?){{1,4}})")
    key = fold_key(name)
    limit = 1 if len(key) <= 5 else 2
    found: set[str] = set()
    for text in texts:
        for m in pattern.finditer(text):
            words = m.group(1).split()
            for n in range(len(words), 0, -1):
                cand = " ".join(words[:n])
                if places.is_known(cand) and Levenshtein.distance(fold_key(cand), key) <= limit:
                    found.add(cand)
                    break
    return found.pop() if len(found) == 1 else None


def confirm_issuer(value: str, certainty: float, texts: list[str], place: str | None
                   ) -> tuple[str, float, bool]:
    """Check a people's committee or council issuer against the body and the place line.

    The body names the issuer again ("Ủy ban nhân dân xã Kim Lan ban hành ..."); the header line is often
    the most damaged print of the page (bold capitals under a rule). When the header's unit is unknown or
    garbled and the body agrees on one known unit close to it, or matching the place, that unit is used."""
    head, unit, name = split_unit(value)
    if fold_key(head) not in ("uy ban nhan dan", "hoi dong nhan dan"):
        return value, certainty, False
    mentions = [(k, n) for k, n in body_mentions(texts).items() if fold_key(k[0]) == fold_key(head)]
    if unit is not None and name and not name[:1].isdigit() and not places.is_known(name):
        near = _named_in_text(texts, unit, name)
        if near is not None:
            return f"{head} {unit_spelling(unit)} {near}", min(certainty, 0.7), True
    if not mentions:
        return value, certainty, False
    known_now = bool(name) and (places.is_known(name) or name.isdigit())
    numbered = name.isdigit() if name else False
    best, best_score = None, 0.0
    for (h, u, n), count in mentions:
        if not (places.is_known(n) or n.isdigit()):  # the table knows numbered wards as "Phường 1"
            continue
        score = float(count)
        at_place = bool(place) and fold_key(place) in (fold_key(n), fold_key(f"{u} {n}"))
        if at_place:
            score += 2
        if numbered and n.isdigit():
            # "phường 4" against "phường 1": digits have no likeness to weigh; the place line decides
            if not at_place or fold_key(u) != fold_key(unit or ""):
                continue
        elif name:
            sim = fuzz.ratio(fold_key(name), fold_key(n))
            if sim < 60:
                continue
            score += sim / 50
        elif not at_place:
            continue  # with no name of its own, only the unit the place line names: the body and the
            # recipients name superiors too ("Ủy ban nhân dân huyện Gia Lâm (để b/c)")
        if score > best_score:
            best, best_score = (h, u, n), score
    if best is None:
        return value, certainty, False
    h, u, n = best
    candidate = f"{head} {u} {n}"
    if known_now and fold_key(candidate) == fold_key(value):
        if n != name and places.is_spelled(n):
            # the same letters, other marks: the header prints the name in bold capitals, whose marks a copy
            # loses first, the body in small letters ("ĐỒNG THÀNH" / "Đông Thành", two real wards); one mention
            # is checked, and a body that misspells a name ("Phong Điên") does not spell it
            sure = dict(mentions).get((h, u, n), 0) >= 2
            return candidate, max(certainty, 0.9) if sure else min(certainty, 0.7), True
        return value, max(certainty, 0.9), False  # the body confirms the header
    if numbered and n.isdigit():
        return candidate, min(certainty, 0.6), True  # the body and the place line against one header digit
    if known_now and unit is not None:
        return value, certainty, False
    return candidate, min(0.85, max(certainty, 0.7)), True
