"""A second, sparse reading of the signing space when the page reading found no name there.

The seal is stamped over the left of the signer's name. On a grey or black-and-white copy it cannot be
lifted by colour, and Tesseract's page segmentation then takes the seal, the signature and the name for one
picture and reads none of it. Read alone with the sparse-text mode (psm 11), the same pixels give the name
back. Only the signing space below the lowest position title is read again, and only when the first
reading has no word there, so a clean page costs nothing.
"""

from __future__ import annotations

from statistics import median

import numpy as np
from rapidfuzz import fuzz

from config.doctypes import SignerRules
from config.settings import Settings
from extractors.field_rules import alnum_key
from extractors.layout import Word, boxes_overlap, group_lines, split_segments
from extractors.ocr import ocr_words
from extractors.signature import strip_authority
from extractors.vietnamese import fold_key

SPARSE_PSM = 11
MIN_CONF = 55.0
CENTRE_SLACK = 1.0  # line heights a whole name's centre may stand off the title's
GAP_SLACK = 1.3  # line heights between two words of one name, at most
SEAL_GREY = 110  # as extractors/preprocess.py: seal ink on a grey scan is lighter than this
_LINE_KEY_BASE = 9000  # keys of the second reading never meet the first reading's


def _key(text: str) -> str:
    return alnum_key(text).replace(" ", "")  # "PHÓCHÙTICH" and "PHÓ CHỦ TỊCH" compare alike


def _is_title(text: str, signer: SignerRules, title_keys: list[str]) -> bool:
    key = _key(strip_authority(text, signer.authority_prefixes)[1])
    if len(key) < 5:
        return False
    return any(fuzz.ratio(key, t) >= 82 for t in title_keys)


def _has_letters(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= 2


def _starts_with_surname(line: list[Word], surnames: set[str]) -> bool:
    letters = [w for w in line if _has_letters(w.text)]
    return len(letters) >= 2 and fold_key(letters[0].text.strip(".,:;'\"")) in surnames


def _looks_whole(line: list[Word], title_cx: float, lh: float, surnames: set[str]) -> bool:
    """A name printed whole: it starts with a surname, stands centred under the title (Decree 30 centres
    the signature block) and has no gap where a word was lost under the seal or the signature."""
    letters = [w for w in line if _has_letters(w.text)]
    if not _starts_with_surname(letters, surnames):
        return False
    cx = (letters[0].x0 + letters[-1].x1) / 2
    gaps = [b.x0 - a.x1 for a, b in zip(letters, letters[1:], strict=False)]
    return abs(cx - title_cx) <= CENTRE_SLACK * lh and max(gaps, default=0) <= GAP_SLACK * lh


def signing_space(words: list[Word], width: int, height: int, signer: SignerRules, surnames: set[str]
                  ) -> tuple[tuple[int, int, int, int], tuple[float, float], list[Word]] | None:
    """The box of the space under the lowest position title, the title's centre and line height, and the
    words of the first reading that the second may replace (a name that does not look whole); None when
    the first reading already has the name whole."""
    # a segment, not the line: the title often shares its row with the recipients ("- Các cơ quan; CHỦ TỊCH")
    lines = [seg.words for ln in group_lines(words) if ln for seg in split_segments(ln, width)]
    title_keys = [_key(t) for t in signer.titles]
    found = []
    for ln in lines:
        y0 = min(w.y0 for w in ln)
        if y0 < 0.35 * height or len(ln) > 7:
            continue
        if _is_title(" ".join(w.text for w in ln), signer, title_keys):
            found.append(ln)
    if not found:
        return None
    title = max(found, key=lambda ln: min(w.y0 for w in ln))
    tx0, tx1 = min(w.x0 for w in title), max(w.x1 for w in title)
    ty1 = max(w.y1 for w in title)
    lh = median(w.height for w in title) or 20
    cx = (tx0 + tx1) / 2
    half = max(0.27 * width, (tx1 - tx0) * 0.8)
    box = (int(max(0, cx - half)), int(ty1 + 0.3 * lh), int(min(width, cx + half)), int(min(height, ty1 + 14 * lh)))
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


def reread_signing_space(gray: np.ndarray, words: list[Word], settings: Settings, dpi: int,
                         signer: SignerRules, surnames: list[str]) -> tuple[list[Word], list[Word]]:
    """(words to add, words of the first reading they replace), in page coordinates."""
    h, w = gray.shape[:2]
    known = {fold_key(x) for x in surnames}
    found = signing_space(words, w, h, signer, known)
    if found is None:
        return [], []
    (x0, y0, x1, y1), (cx, lh), partial = found
    crop = np.ascontiguousarray(gray[y0:y1, x0:x1])

    def whole(read: list[Word]) -> bool:
        return any(_looks_whole(ln, cx - x0, lh, known) for ln in group_lines(read))

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
    name_line = next((ln for ln in group_lines(best) if _looks_whole(ln, cx - x0, lh, known)), [])
    for word in best:
        word.x0, word.x1, word.y0, word.y1 = word.x0 + x0, word.x1 + x0, word.y0 + y0, word.y1 + y0
        word.line_key = (_LINE_KEY_BASE + word.line_key[0], *word.line_key[1:]) if word.line_key else ()
    # the whole name wins over what the first reading made of the same pixels (seal debris, a part of it)
    replaced = list(partial) + [o for o in words if o not in partial and any(boxes_overlap(o, n) for n in name_line)]
    kept = [o for o in words if o not in replaced]
    out = [wd for wd in best if wd in name_line or not any(boxes_overlap(wd, o) for o in kept)]
    return out, (replaced if out else [])
