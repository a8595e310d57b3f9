"""The signature block: the signer's title (position line above the signing space) and name.

Decree 30/2020: "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / (signature, seal) / Nguyễn Văn A" at
the bottom right of the last page that carries text. The seal and the signature often hide letters, so the
authority lines also say what the title must be ("KT. CHỦ TỊCH" is signed by "PHÓ CHỦ TỊCH").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from config.doctypes import CommonRules
from extractors.docview import DocView, Line
from extractors.field_rules import Candidate, alnum_key, is_debris
from extractors.normalise import unglue_name
from extractors.vietnamese import fold_key, is_vietnamese_syllable


@dataclass
class Signature:
    title: Candidate | None = None
    name: Candidate | None = None
    authority: list[str] = field(default_factory=list)


def strip_authority(text: str, prefixes: list[str]) -> tuple[str | None, str]:
    """("KT", "CHỦ TỊCH") of "KT. CHỦ TỊCH", also as OCR reads the stop ("KT: ", "TM- ", "TM; ") or loses it
    ("KT TRƯỞNG PHÒNG": a code of capitals before a title in capitals); (None, text) for another line."""
    t = re.sub(r"^[\W_]+", "", text)
    for p in sorted(prefixes, key=len, reverse=True):
        core = p.rstrip(".")
        m = re.match(rf"^{re.escape(core)}\s*[.,:;\-]\s*", t, flags=re.IGNORECASE)
        if m is None and len(core) > 1:
            m = re.match(rf"^{re.escape(core)}\s+(?=[^\W\d_]{{2,}})", t)
            if m and not t[m.end():].split()[0].isupper():
                m = None
        if m and (p.endswith(".") or len(core) > 1):
            return core.upper(), t[m.end():]
    return None, t


def title_score(text: str, titles: list[str]) -> tuple[str | None, float]:
    key = alnum_key(text)
    if not key:
        return None, 0.0
    best: tuple[str | None, float] = (None, 0.0)
    for t in titles:
        s = fuzz.ratio(key, alnum_key(t))
        if s > best[1] or (s == best[1] and best[0] is not None and len(t) > len(best[0])):
            best = (t, s)
    return best


def best_title_suffix(text: str, titles: list[str]) -> tuple[str, str | None, float]:
    """The words of `text` that best match a title, dropping debris words in front ("_ễŠÖ—=.. CHỦ TỊCH")."""
    words = text.split()
    best: tuple[str, str | None, float] = (text, None, 0.0)
    for i in range(min(len(words), 4)):
        rest = " ".join(words[i:])
        t, s = title_score(rest, titles)
        if s > best[2] + (2 if i else 0):
            best = (rest, t, s)
    return best


OFF_CENTRE = 1.5  # line heights between the centres of the signer's name and title, at most


def _name_like(line: Line, surnames: set[str]) -> float:
    """How much a line looks like a person's name: 2-5 capitalised syllables, a known surname first."""
    text = unglue_name(re.sub(r"^[^\w]+|[^\w]+$", "", line.text))
    words = text.split()
    if not 2 <= len(words) <= 6:
        return 0.0
    if line.is_upper() and len(words) > 5:
        return 0.0
    caps = sum(w[:1].isupper() for w in words) / len(words)
    syl = sum(is_vietnamese_syllable(w) for w in words) / len(words)
    score = 0.5 * caps + 0.5 * syl
    if fold_key(words[0]) in surnames:
        score += 0.3
    return score


def _is_heading(text: str, headings: list[str]) -> bool:
    return any(fuzz.ratio(alnum_key(text), alnum_key(h)) >= 85 for h in headings)


def _capacity(line: Line, common: CommonRules) -> tuple[str | None, str, float]:
    """(authority prefix, rest, title score) of a line of the signature block."""
    auth, rest = strip_authority(line.text, common.signer.authority_prefixes)
    rest, _, score = best_title_suffix(rest, common.signer.titles)
    return auth, rest, score


def find_signature(view: DocView, common: CommonRules, exclude_before: Line | None = None) -> Signature:
    """Signer's title (the position line above the signing space) and name, on the last page that has them.

    Decree 30: "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / (signature, seal) / Nguyễn Văn A". The
    title is the last position line of the block, not an authority line (TM., KT., TL.) nor a heading.
    """
    surnames = {fold_key(s) for s in common.surnames}
    headings = common.signer.headings
    for page in reversed(view.pages):
        top = 0.2 if page is view.first else 0.0  # page 1 starts with the header
        lines = [ln for ln in page.lines if ln.rel_cx > 0.45 and ln.rel_y > top]
        if exclude_before is not None and page.index == exclude_before.page:
            lines = [ln for ln in lines if ln.y0 > exclude_before.y1]
        cap_idx = []
        for i, ln in enumerate(lines):
            auth, _, score = _capacity(ln, common)
            if auth or (score >= 85 and ln.is_upper()) or _is_heading(ln.text, headings):
                cap_idx.append(i)
        if not cap_idx:
            continue
        block = _capacity_block(lines, cap_idx)
        sig = Signature()
        title_line, title_text, title_s = None, "", 0.0
        for i in block:
            auth, rest, score = _capacity(lines[i], common)
            if auth:
                sig.authority.append(f"{auth}. {rest}".strip())
            elif not _is_heading(lines[i].text, headings) and score >= 60:
                if title_line is not None and sig.authority[-1:] != [f"KT. {title_text}"]:
                    # two position lines: the first lost its "KT." to the seal ("Si CHỦ TỊCH")
                    sig.authority.append(f"KT. {title_text}")
                title_line, title_text, title_s = lines[i], rest, score
        sig.title = _title_candidate(title_line, title_text, title_s, sig.authority, common)
        if sig.title is not None and title_line is not None and lines[block[0]] is not title_line:
            _doubt_head_title(sig.title, title_line, lines[block[0]], common)
        last = lines[block[-1]]
        if sig.title is None:
            sig.title = _title_from_fragment(lines, block, sig.authority, common)
        if sig.title is None and len(sig.authority) == 1:
            sig.title = _title_of_collective_head(sig.authority[0], common)
        below = [ln for ln in lines if ln.y0 > last.y1 and ln.y0 - last.y1 < 0.25 * page.height]
        named = [(ln, _name_like(ln, surnames)) for ln in below
                 if best_title_suffix(ln.text, common.signer.titles)[2] < 85]
        named = [(ln, sc) for ln, sc in named if sc >= 0.75 and (not ln.is_upper() or sc > 1)]
        if named:
            ln, sc = max(named, key=lambda x: (x[1], x[0].y0))
            sig.name = _name_candidate(ln, min(1.0, sc), "signer_name")
            words = sig.name.words
            ref = title_line or last
            if words and abs((words[0].x0 + words[-1].x1) / 2 - ref.cx) > OFF_CENTRE * ref.height:
                # the block is centred: a name standing off the title's centre lost a word to the seal
                sig.name.certainty = min(sig.name.certainty, 0.5)
                sig.name.notes.append("tên người ký lệch so với chức vụ, có thể thiếu chữ bị dấu che"
                                      " / the name stands off-centre: a word may be hidden by the seal")
        return sig
    return Signature(name=_name_without_title(view, surnames))


SHIFTED = 0.7  # line heights the title's centre may stand right of the block's first line's centre


def _doubt_head_title(title: Candidate, line: Line, first: Line, common: CommonRules) -> None:
    """"CHỦ TỊCH" standing right of the centre of the block's first line ("NGƯỜI KÝ GIẤY CHỨNG NHẬN", "TM. ỦY
    BAN NHÂN DÂN"): the lines of the block are centred, so a word at its start may be lost ("PHÓ"). Only
    flagged: the clerk reads the paper."""
    deputy = f"{common.signer.deputy_prefix} {title.raw}"
    if deputy not in common.signer.titles or line.cx - first.cx <= SHIFTED * line.height:
        return
    title.certainty = min(title.certainty, 0.6)
    title.notes.append(f"chức vụ lệch phải so với khối chữ ký, có thể mất chữ đầu ('{deputy}'?) / the title stands "
                       f"right of the block's centre: a first word may be lost ('{deputy}'?)")


def _name_without_title(view: DocView, surnames: set[str]) -> Candidate | None:
    """The signer's name when the seal hid the whole position block (a black seal on a bitonal scan): a
    name-like line in the right column beside or just below "Nơi nhận:" on the last page, for a clerk to
    confirm."""
    page = view.pages[-1] if view.pages else None
    if page is None:
        return None
    recipients = next((ln for ln in page.lines if ln.rel_cx < 0.45 and ln.folded.lstrip(" -_.").startswith("noi nhan")),
                      None)
    if recipients is None:
        return None
    right = [ln for ln in page.lines if ln.x0 > 0.45 * page.width and ln.y0 >= recipients.y0 - recipients.height
             and ln.y0 - recipients.y1 < 0.3 * page.height]
    named = [(ln, _name_like(ln, surnames)) for ln in right]
    named = [(ln, sc) for ln, sc in named if sc >= 0.75 and not ln.is_upper()]
    if not named:
        return None
    ln, _ = max(named, key=lambda x: (x[1], x[0].y0))
    cand = _name_candidate(ln, 0.5, "signer_name:no_title")
    cand.notes.append("không thấy chức vụ người ký (có thể bị dấu che) / no signer title found, the seal may hide "
                      "it: check the name")
    return cand


def _name_candidate(line: Line, certainty: float, source: str) -> Candidate:
    """The name on a line without the specks at its edges, with the words it was read from."""
    text = re.sub(r"^[^\w]+|[^\w]+$", "", line.text)
    start = line.text.find(text)
    return Candidate(text, line.words_in(start, start + len(text)), certainty, source, lines=[line])


_NOTE_WORDS = ("ghi ro", "dong dau", "ky ten", "ky, ghi")


def _is_signing_note(line: Line) -> bool:
    """"(Ký, ghi rõ họ, chữ đệm, tên, chức vụ, đóng dấu)", also when a speck hides or precedes its bracket."""
    text = line.text.strip(" .,'\"_-:;`")
    return text.startswith("(") or text.endswith(")") or any(w in line.folded for w in _NOTE_WORDS)


def _capacity_block(lines: list[Line], cap_idx: list[int]) -> list[int]:
    """Consecutive position lines from the first one; a note "(Ký, ghi rõ họ tên)" may sit between."""
    block = [cap_idx[0]]
    for i in cap_idx[1:]:
        prev = lines[block[-1]]
        ref = prev.height
        # a note "(Ký, ghi rõ ...)", specks, or two or three letters of the seal's ring may sit between
        between = [ln for ln in lines[block[-1] + 1: i] if not _is_signing_note(ln) and not is_debris(ln, ref)
                   and len(alnum_key(ln.text).replace(" ", "")) > 3]
        if between or lines[i].y0 - prev.y1 > 2.2 * max(prev.height, 1.0) + sum(
                ln.y1 - ln.y0 for ln in lines[block[-1] + 1: i]):
            break
        block.append(i)
    return block


def _title_from_fragment(lines: list[Line], block: list[int], authority: list[str], common: CommonRules
                         ) -> Candidate | None:
    """'TM. ỦY BAN NHÂN DÂN' and under it only a fragment ('HỦ', 'CƯ') the seal left of 'CHỦ TỊCH'."""
    head = None
    for a in authority:
        if a.upper().startswith("TM."):
            head = _collective_head(a, common)
    if head is None or block[-1] + 1 >= len(lines):
        return None
    last, nxt = lines[block[-1]], lines[block[-1] + 1]
    frag = alnum_key(nxt.text)
    if nxt.y0 - last.y1 > 1.5 * last.height or len(frag.replace(" ", "")) < 2:
        return None
    if fuzz.partial_ratio(frag, alnum_key(head)) >= 80:
        return Candidate(head, nxt.words, 0.6, "signer_title:fragment", lines=[nxt],
                         notes=["chức vụ suy ra từ dòng 'TM.' và một phần chữ còn đọc được"
                                " / title inferred from the 'TM.' line and a legible fragment"])
    return None


def _collective_head(authority: str, common: CommonRules, loose: bool = False) -> str | None:
    """The title of the head of the body a "TM." line signs for ('TM. ỦY BAN NHÂN DÂN' → 'CHỦ TỊCH'); `loose`
    also takes the body's name after specks of the seal's ring ("TM: Iz ỦY BAN NHÂN DÂN") or without its
    first word ("TM. BAN NHÂN DÂN")."""
    body = alnum_key(authority[3:])
    for name, head in common.signer.collective_heads.items():
        key = alnum_key(name)
        if body == key or (loose and (body.endswith(key) or (len(body) >= 8 and key.endswith(body)))):
            return head
    return None


def _title_of_collective_head(authority: str, common: CommonRules) -> Candidate | None:
    """'TM. ỦY BAN NHÂN DÂN' alone, the title under it hidden whole by the seal: who signs for the body is
    its head ("CHỦ TỊCH"); a lost "KT." line would make it the deputy, so a clerk confirms it."""
    if not authority.upper().startswith("TM."):
        return None
    head = _collective_head(authority, common, loose=True)
    if head is None:
        return None
    return Candidate(head, [], 0.55, "signer_title:implied",
                     notes=["chức vụ suy ra từ dòng 'TM.', dòng chức vụ bị dấu che / title implied by the 'TM.' line, "
                            "the title line is hidden by the seal"])


def _title_candidate(line: Line | None, text: str, score: float, authority: list[str],
                     common: CommonRules) -> Candidate | None:
    """The title as read, or as the authority line implies it: "KT. CHỦ TỊCH" is signed by "PHÓ CHỦ TỊCH"."""
    deputy = None
    for a in authority:
        if a.upper().startswith("KT."):
            head = a[3:].strip()
            _, t, s = best_title_suffix(head, common.signer.titles)
            if t is not None and s >= 85:
                deputy = f"{common.signer.deputy_prefix} {t}"
    if line is None:
        if deputy is None:
            return None
        return Candidate(deputy, [], 0.55, "signer_title:implied",
                         notes=["chức vụ suy ra từ dòng 'KT.' vì dòng chức vụ không đọc được"
                                " / title implied by the 'KT.' line, the title line is unreadable"])
    start = line.text.find(text) if text else 0
    words = line.words_in(max(start, 0), len(line.text))
    certainty = 1.0 if score >= 95 else (0.85 if score >= 88 else 0.6)
    if (deputy is not None and alnum_key(text) != alnum_key(deputy)
            and fuzz.partial_ratio(alnum_key(text), alnum_key(deputy)) >= 90):
        # "U TỊCH", "TRƯỞNG PHÒNG": a part of the deputy's title survived the seal
        return Candidate(deputy, words, 0.8, "signer_title:deputy", lines=[line])
    return Candidate(text, words, certainty, "signer_title", lines=[line])
