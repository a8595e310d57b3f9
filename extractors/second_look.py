"""A second, sparse reading of the signing space when the page reading found no name there.

The seal is stamped over the left of the signer's name. On a grey or black-and-white copy it cannot be
lifted by colour, and Tesseract's page segmentation then takes the seal, the signature and the name for one
picture and reads none of it. Read alone with the sparse-text mode (psm 11), the same pixels give the name
back. Only the signing space below the lowest position title is read again (below the authority line
"TM. ỦY BAN NHÂN DÂN" when the seal hid the title too, beside "Nơi nhận:" when the page reading has no word
of the block at all), and only when the first reading has no whole name there, so a clean page costs
nothing.

Where the ring runs through the surname itself ("Văn Sơn" for "Nguyễn Văn Sơn"), the name's own line is
read again alone in several crops; a surname most of them agree on is put back, at a confidence that sends
the name to a clerk.
"""

from __future__ import annotations

import re
from statistics import median

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from config.doctypes import CommonRules, SignerRules
from config.settings import Settings
from extractors.field_rules import alnum_key
from extractors.field_values import name_syllables
from extractors.layout import Word, boxes_overlap, group_lines, split_segments
from extractors.normalise import commonest_surnames, title_case_name
from extractors.ocr import ocr_words
from extractors.signature import strip_authority
from extractors.vietnamese import fold_key

SPARSE_PSM = 11
MIN_CONF = 55.0
CENTRE_SLACK = 1.0  # line heights a whole name's centre may stand off the title's
GAP_SLACK = 1.3  # line heights between two words of one name, at most
# (margin above and below in line heights, reach to the left in line heights, Tesseract psm): the name's own
# line read several ways; the ring falls differently on each crop, so a surname one read loses another keeps
BAND_READS = tuple((pad, reach, psm) for pad in (0.15, 0.25, 0.4) for reach in (4, 7) for psm in (7, 13))
MIN_SURNAME_VOTES = 3  # of the twelve reads of BAND_READS
SURNAME_CONF = 40.0  # a surname read back from the band is offered for review, never taken as sure
SEAL_GREY = 110  # as extractors/preprocess.py: seal ink on a grey scan is lighter than this
_LINE_KEY_BASE = 9000  # keys of the second reading never meet the first reading's


def _key(text: str) -> str:
    return alnum_key(text).replace(" ", "")  # "PHÓCHÙTICH" and "PHÓ CHỦ TỊCH" compare alike


def _is_title(text: str, signer: SignerRules, title_keys: list[str]) -> bool:
    key = _key(strip_authority(text, signer.authority_prefixes)[1])
    if len(key) < 5:
        return False
    return any(fuzz.ratio(key, t) >= 82 for t in title_keys)


def _is_authority(text: str, signer: SignerRules) -> bool:
    """"TM. ỦY BAN NHÂN DÂN", "KT- CHỦ TỊCH": the line above the title, read where the seal hid the title."""
    return strip_authority(text, signer.authority_prefixes)[0] is not None


def _has_letters(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= 2


def _bare(text: str) -> str:
    return re.sub(r"^\W+|\W+$", "", text)  # '“Lê' is Lê: a speck before a name is no part of it


def _starts_with_surname(line: list[Word], surnames: set[str]) -> bool:
    letters = [w for w in line if _has_letters(w.text)]
    return len(letters) >= 2 and fold_key(_bare(letters[0].text)) in surnames


def _looks_whole(line: list[Word], title_cx: float | None, lh: float, surnames: set[str]) -> bool:
    """A name printed whole: it starts with a surname, stands centred under the title (Decree 30 centres
    the signature block; `title_cx` None when no title was read) and has no gap where a word was lost under
    the seal or the signature."""
    letters = [w for w in line if _has_letters(w.text)]
    if not _starts_with_surname(letters, surnames):
        return False
    cx = (letters[0].x0 + letters[-1].x1) / 2
    gaps = [b.x0 - a.x1 for a, b in zip(letters, letters[1:], strict=False)]
    centred = title_cx is None or abs(cx - title_cx) <= CENTRE_SLACK * lh
    return centred and max(gaps, default=0) <= GAP_SLACK * lh


def _beside_recipients(lines: list[list[Word]], width: int, height: int
                       ) -> tuple[tuple[int, int, int, int], float] | None:
    """The right half beside and below "Nơi nhận:", and its line height: where the signature block stands
    when the page reading took all of it (title, seal, name) for a picture and read not one word there."""
    for ln in lines:
        x0, y0 = min(w.x0 for w in ln), min(w.y0 for w in ln)
        if x0 < 0.45 * width and y0 >= 0.35 * height and fold_key(" ".join(w.text for w in ln)).lstrip(
                " -_.").startswith("noi nhan"):
            lh = median(w.height for w in ln) or 20
            if any(min(w.x0 for w in o) > 0.45 * width and abs(min(w.y0 for w in o) - y0) < 4 * lh
                   and sum(_has_letters(w.text) for w in o) >= 2 for o in lines):
                return None  # words beside it were read: the block is not lost, only its title
            return (int(0.45 * width), int(max(0, y0 - 1.5 * lh)), width, int(min(height, y0 + 16 * lh))), lh
    return None


def _segments(words: list[Word], width: int) -> list[list[Word]]:
    """The words of each segment of each line: a segment, not the line, since the title often shares its row
    with the recipients ("- Các cơ quan; CHỦ TỊCH")."""
    return [seg.words for ln in group_lines(words) if ln for seg in split_segments(ln, width)]


def _position_lines(lines: list[list[Word]], height: int, signer: SignerRules
                    ) -> tuple[list[list[Word]], list[list[Word]]]:
    """(position titles, authority lines) among the short lines of the lower two thirds of the page."""
    title_keys = [_key(t) for t in signer.titles]
    found, authorities = [], []
    for ln in lines:
        if min(w.y0 for w in ln) < 0.35 * height or len(ln) > 7:
            continue
        text = " ".join(w.text for w in ln)
        if _is_title(text, signer, title_keys):
            found.append(ln)
        elif _is_authority(text, signer):
            authorities.append(ln)
    return found, authorities


def signing_space(words: list[Word], width: int, height: int, signer: SignerRules, surnames: set[str]
                  ) -> tuple[tuple[int, int, int, int], tuple[float | None, float], list[Word]] | None:
    """The box of the space under the lowest position title, the title's centre and line height, and the
    words of the first reading that the second may replace (a name that does not look whole); None when
    the first reading already has the name whole."""
    lines = _segments(words, width)
    found, authorities = _position_lines(lines, height, signer)
    # the seal often covers the title itself; the authority line above it still places the block
    title = max(found or authorities, key=lambda ln: min(w.y0 for w in ln), default=None)
    cx: float | None
    if title is None:
        beside = _beside_recipients(lines, width, height)
        if beside is None:
            return None
        box, lh = beside
        cx = None
    else:
        tx0, tx1 = min(w.x0 for w in title), max(w.x1 for w in title)
        lh = median(w.height for w in title) or 20
        ty1 = max(w.y1 for w in title) + (0 if found else lh)  # below the unread title's row, not in it
        cx = (tx0 + tx1) / 2
        half = max(0.27 * width, (tx1 - tx0) * 0.8)
        box = (int(max(0, cx - half)), int(ty1 + 0.3 * lh), int(min(width, cx + half)),
               int(min(height, ty1 + 14 * lh)))
    if box[3] - box[1] < 3 * lh:
        return None
    inside = [w for w in words if w.y0 >= box[1] and w.y1 <= box[3] + lh and box[0] <= (w.x0 + w.x1) / 2 <= box[2]]
    named = [ln for ln in group_lines([w for w in inside if _has_letters(w.text) and w.conf >= MIN_CONF])
             if sum(w.text[:1].isupper() for w in ln) >= 2]
    if any(_looks_whole(ln, cx, lh, surnames) for ln in named):
        return None  # the first reading has the name
    return box, (cx, lh), [w for ln in named for w in ln]


def _dark_ink_only(crop: np.ndarray) -> np.ndarray:
    """A grey seal prints lighter than the black name over it: keep the darkest ink only."""
    return np.where(crop < SEAL_GREY, 0, 255).astype(np.uint8)


def _surnames(common: CommonRules) -> set[str]:
    """Folded surnames a whole name may start with: not "Văn" ("Văn Sơn" lost its "Nguyễn")."""
    return {fold_key(x) for x in common.surnames} - {fold_key(x) for x in common.middle_only}


def reread_signing_space(gray: np.ndarray, words: list[Word], settings: Settings, dpi: int,
                         common: CommonRules) -> tuple[list[Word], list[Word]]:
    """(words to add, words of the first reading they replace), in page coordinates."""
    h, w = gray.shape[:2]
    known = _surnames(common)
    found = signing_space(words, w, h, common.signer, known)
    if found is None:
        return [], []
    (x0, y0, x1, y1), (cx, lh), partial = found
    crop = np.ascontiguousarray(gray[y0:y1, x0:x1])

    centre = None if cx is None else cx - x0

    def whole(read: list[Word]) -> bool:
        return any(_looks_whole(ln, centre, lh, known) for ln in group_lines(read))

    best: list[Word] = []
    for image in (crop, _dark_ink_only(crop)):
        read = [wd for wd in ocr_words(image, settings, dpi=dpi, psm=SPARSE_PSM)
                if wd.conf >= MIN_CONF and _has_letters(wd.text)]
        if whole(read):
            best = read
            break
        if not best and not partial:
            best = read
    if partial and not whole(best):
        return [], []  # no better name: the first reading stays
    name_line = next((ln for ln in group_lines(best) if _looks_whole(ln, centre, lh, known)), [])
    for word in best:
        word.x0, word.x1, word.y0, word.y1 = word.x0 + x0, word.x1 + x0, word.y0 + y0, word.y1 + y0
        word.line_key = (_LINE_KEY_BASE + word.line_key[0], *word.line_key[1:]) if word.line_key else ()
    # the whole name wins over what the first reading made of the same pixels (seal debris, a part of it)
    replaced = list(partial) + [o for o in words if o not in partial and any(boxes_overlap(o, n) for n in name_line)]
    kept = [o for o in words if o not in replaced]
    out = [wd for wd in best if wd in name_line or not any(boxes_overlap(wd, o) for o in kept)]
    return out, (replaced if out else [])


def _clipped_name(partial: list[Word], known: set[str], given: set[str]) -> list[Word]:
    """The words of a name under the title that lost its first word ("Văn Sơn", "Minh Kiên"): two or three
    capitalised name syllables, the first no surname; [] when there is none."""
    for line in group_lines(partial):
        run: list[Word] = []
        for word in reversed([w for w in line if _has_letters(w.text)]):
            text = _bare(word.text)
            if not text[:1].isupper() or fold_key(text) not in given:
                break
            run.insert(0, word)
        if 2 <= len(run) <= 3 and fold_key(_bare(run[0].text)) not in known:
            return run
    return []


def _just_left_of(first: Word, x1: float, lh: float) -> bool:
    """A word ending at `x1` stands where the surname before the name's first word would: a space's width
    from it, or overlapping it a little."""
    return first.x0 - 2.5 * lh <= x1 <= first.x0 + 0.3 * lh


def _surname_read(text: str, rest: str, common: CommonRules, known: set[str]) -> str | None:
    """The surname a word read left of a clipped name stands for: a known surname as read ("Huỳnh",
    "Ngữyễn" → Nguyễn), or the end (three letters at least) or a one-letter slip of exactly one of the
    commonest ("uyễn", "ơằng", "Oơẵng")."""
    letters = "".join(ch for ch in text if ch.isalpha())  # "9Hoẵng", "N£uyến": specks inside the ring
    if len(letters) < 2:
        return None
    if letters[0].isupper():
        read = (title_case_name(f"{letters} {rest}", common.surnames, name_syllables(common)).value or "").split()
        if len(read) == len(rest.split()) + 1 and fold_key(read[0]) in known:
            return read[0]
    key = fold_key(letters)
    if len(key) < 3 or not any(ch in "aeiouy" for ch in key):
        return None  # "ng" ends Hoàng and starts Nguyễn, "ăn" ends Trần and many rarer names: too little
    commonest = commonest_surnames(common.surnames)
    fits = [x for x in commonest if fold_key(x).endswith(key)]
    if len(fits) != 1 and len(key) >= 4:
        fits = [x for x in commonest if Levenshtein.distance(fold_key(x), key) <= 1]
    return fits[0] if len(fits) == 1 else None


def _surname_votes(gray: np.ndarray, name: list[Word], settings: Settings, dpi: int, common: CommonRules,
                   known: set[str]) -> dict[str, list[Word]]:
    """Surname → the words that read it, over the reads of BAND_READS: in each, the word just left of the
    name's first word."""
    lh = median(w.height for w in name)
    first = name[0]
    top, bottom, right = min(w.y0 for w in name), max(w.y1 for w in name), max(w.x1 for w in name)
    rest = " ".join(_bare(w.text) for w in name)
    votes: dict[str, list[Word]] = {}
    for pad, reach, psm in BAND_READS:
        x0, y0 = max(0, int(first.x0 - reach * lh)), max(0, int(top - pad * lh))
        crop = np.ascontiguousarray(gray[y0:int(bottom + pad * lh), x0:int(right + lh)])
        left = [w for w in ocr_words(crop, settings, dpi=dpi, psm=psm) if _has_letters(w.text)
                and _just_left_of(first, w.x1 + x0, lh)]
        if not left:
            continue
        word = max(left, key=lambda w: w.x1)
        surname = _surname_read(word.text, rest, common, known)
        if surname:
            word.x0, word.x1, word.y0, word.y1 = word.x0 + x0, word.x1 + x0, word.y0 + y0, word.y1 + y0
            votes.setdefault(surname, []).append(word)
    return votes


def reread_surname(gray: np.ndarray, words: list[Word], settings: Settings, dpi: int, common: CommonRules
                   ) -> tuple[list[Word], list[Word]]:
    """(the surname word to add, words of the first reading it replaces) when the name under the title lost
    its surname to the seal's ring and the name's own line, read alone, gives it back in most reads."""
    h, w = gray.shape[:2]
    known = _surnames(common)
    found = signing_space(words, w, h, common.signer, known)
    if found is None:
        return [], []
    given = {fold_key(x) for x in [*common.name_syllables, *common.surnames]}
    name = _clipped_name(found[2], known, given)
    if not name:
        return [], []
    lh = median(x.height for x in name)
    before = [o for o in words if o not in name and abs(o.cy - name[0].cy) < lh / 2 and _just_left_of(name[0], o.x1, lh)]
    rest = " ".join(_bare(x.text) for x in name)
    if any(_surname_read(o.text, rest, common, known) for o in before):
        return [], []  # the page reading has the surname, only less sure of it ("“Hoàng")
    votes = sorted(_surname_votes(gray, name, settings, dpi, common, known).items(), key=lambda kv: -len(kv[1]))
    if not votes or len(votes[0][1]) < MIN_SURNAME_VOTES or (len(votes) > 1 and len(votes[1][1]) == len(votes[0][1])):
        return [], []
    surname, reads = votes[0]
    x1 = min(name[0].x0 - 0.3 * lh, median(x.x1 for x in reads))
    word = Word(surname, min(median(x.x0 for x in reads), x1 - lh), min(x.y0 for x in name), x1,
                max(x.y1 for x in name), conf=SURNAME_CONF, line_key=name[0].line_key)
    # the debris the first reading made of the clipped surname ("ôn", "ên") gives way to it
    replaced = [o for o in words if o not in name and boxes_overlap(o, word)]
    return [word], replaced


def _name_line_under_title(words: list[Word], width: int, height: int, common: CommonRules) -> list[Word] | None:
    """The signer's name as the page reading has it: the first line under the lowest position title whose
    two to five capitalised words are all syllables of names."""
    lines = _segments(words, width)
    titles = _position_lines(lines, height, common.signer)[0]
    if not titles:
        return None
    title = max(titles, key=lambda ln: min(w.y0 for w in ln))
    lh = median(w.height for w in title) or 20
    top, cx = max(w.y1 for w in title), (min(w.x0 for w in title) + max(w.x1 for w in title)) / 2
    given = {fold_key(x) for x in [*common.name_syllables, *common.surnames]}
    below = sorted((ln for ln in lines if top < min(w.y0 for w in ln) < top + 14 * lh
                    and abs((min(w.x0 for w in ln) + max(w.x1 for w in ln)) / 2 - cx) < 0.2 * width),
                   key=lambda ln: min(w.y0 for w in ln))
    return next((ln for ln in below if 2 <= len(ln) <= 5 and all(
        w.text[:1].isupper() and fold_key(_bare(w.text)) in given for w in ln)), None)


def reread_name_marks(gray: np.ndarray, words: list[Word], settings: Settings, dpi: int, common: CommonRules
                      ) -> list[tuple[Word, Word]]:
    """(word of the page reading, the same word re-spelt) for the signer's name read again as one line.

    The page reading takes a bold name line in with the signature and the seal around it, and drops a mark
    now and then ("Trần Phước Hiên" for "Hiền" in three of ../shared/realscans); the line read alone
    (psm 7) gets it. Only marks may change, never letters, and only where the line reading is as sure."""
    h, w = gray.shape[:2]
    name = _name_line_under_title(words, w, h, common)
    if name is None:
        return []
    lh = median(x.height for x in name)
    x0, y0 = max(0, int(min(x.x0 for x in name) - lh)), max(0, int(min(x.y0 for x in name) - 0.6 * lh))
    x1, y1 = min(w, int(max(x.x1 for x in name) + lh)), min(h, int(max(x.y1 for x in name) + 0.6 * lh))
    again = [x for x in ocr_words(np.ascontiguousarray(gray[y0:y1, x0:x1]), settings, dpi=dpi, psm=7)
             if _has_letters(x.text)]
    if len(again) != len(name):
        return []
    out = []
    for old, new in zip(sorted(name, key=lambda x: x.x0), sorted(again, key=lambda x: x.x0), strict=True):
        before, after = _bare(old.text), _bare(new.text)
        if fold_key(before) != fold_key(after):
            return []  # the letters differ: this is another reading of the line, not of its marks
        if after != before and new.conf >= old.conf:
            out.append((old, Word(old.text.replace(before, after), old.x0, old.y0, old.x1, old.y1,
                                  conf=new.conf, line_key=old.line_key, source=old.source)))
    return out
