"""Repair OCR slips in Vietnamese free text with a dictionary of Vietnamese words.

Vietnamese writes one syllable per word-space token, and most words are compounds of two syllables
("thực hiện", "phòng chống", "tăng cường"). A poor copy loses or misplaces marks ("phỏng, chống", "tăng
cửờng", "tuyến chọn"), swaps a letter that looks alike ("thực biện"), glues two syllables ("vàtìm") or
adds a speck read as a letter ("an n toàn"). Each reading is compared with its neighbours: a spelling
that makes a dictionary compound with the syllable before or after it, at the cost of few changed marks
or a single look-alike letter, replaces the reading. Proper nouns (capitalised words inside the text),
numbers and abbreviations are never changed, and nothing changes unless a compound supports it or the
reading is no Vietnamese syllable at all.

The dictionary is underthesea's Viet74K word list (a package made for Vietnamese text), plus the words
archive staff add in `config/lexicon/extra_words.txt`.
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from extractors.vietnamese import fold_key, is_vietnamese_syllable, normalize_text

log = logging.getLogger("sohoa.lexicon")

EXTRA_WORDS = Path(__file__).resolve().parent.parent / "config" / "lexicon" / "extra_words.txt"
COMMON_WORDS = EXTRA_WORDS.with_name("common_words.txt")
_DICTIONARY = "underthesea/corpus/data/Viet74K.txt"

# scores: a compound with a neighbour is worth more than a changed mark, less than a changed letter
# unless that letter is one OCR often mistakes for another at low resolution
COMPOUND = 1.0
COMPOUND_ACROSS_PUNCT = 0.6  # "phòng, chống": the comma of a list still joins a common pair
MARK = 0.4  # per tone or vowel mark added, dropped or changed
LOOK_ALIKE = 0.8  # b/h, c/e, l/t ... on a blurred copy
LETTER = 1.6
NOT_A_SYLLABLE = 1.5
UNKNOWN_SYLLABLE = 0.8  # well formed, but in no word of the dictionary ("triên", "Mính")
_LOOK_ALIKES = {frozenset(p) for p in ("bh", "ce", "il", "lt", "it", "nu", "hk", "rt", "oc", "ao", "ec", "vy",
                                       "nm", "dđ", "cg", "gq", "sx")}
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

_EDGE = re.compile(r"^([\W_]*)(.*?)([\W_]*)$", re.UNICODE)
_GLUED_PUNCT = re.compile(r"^([^\W\d_]+)([.,;:]+)([^\W\d_]+)$", re.UNICODE)


@dataclass
class Lexicon:
    # strings, not tuples: one copy of the dictionary lives in every worker process (some 20 MB this way)
    pairs: set[str] = field(default_factory=set)  # "a b": adjacent syllables inside a compound
    words: dict[str, str] = field(default_factory=dict)  # folded "a b" -> its spellings, "|"-separated
    common: set[str] = field(default_factory=set)  # the frequent words of administrative text, "a b"
    syllables: set[str] = field(default_factory=set)
    by_fold: dict[str, set[str]] = field(default_factory=dict)
    folds_of_length: dict[int, list[str]] = field(default_factory=dict)
    candidate_cache: dict[str, dict[str, float]] = field(default_factory=dict)  # the same syllables recur all batch
    prefixes: set[str] = field(default_factory=set)  # folded first syllables of the words above

    def add(self, word: str) -> None:
        parts = [_syllable(p) for p in word.lower().replace("-", " ").split()]
        if not parts or not all(parts):
            return
        for p in parts:
            if p not in self.syllables:
                self.syllables.add(p)
                self.by_fold.setdefault(fold_key(p), set()).add(p)
        self.pairs.update(f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False))
        if 2 <= len(parts) <= MAX_WORD:
            folded = [fold_key(p) for p in parts]
            self.prefixes.update(" ".join(folded[:k]) for k in range(1, len(folded)))
            key, spelled = " ".join(folded), " ".join(parts)
            known = self.words.get(key)
            if known is None:
                self.words[key] = spelled
            elif spelled not in known.split("|"):
                self.words[key] = f"{known}|{spelled}"

    def spellings(self, folded: tuple[str, ...]) -> list[tuple[str, ...]]:
        """The dictionary words whose syllables fold to `folded`."""
        found = self.words.get(" ".join(folded))
        return [tuple(w.split()) for w in found.split("|")] if found else []

    def finish(self) -> Lexicon:
        for f in sorted(self.by_fold):
            self.folds_of_length.setdefault(len(f), []).append(f)
        return self

    def compound(self, a: str, b: str) -> bool:
        return f"{a} {b}" in self.pairs

    def is_word(self, *syllables: str) -> bool:
        return tuple(syllables) in self.spellings(tuple(fold_key(s) for s in syllables))


@lru_cache(maxsize=16384)  # some 8,000 distinct syllables in 74,000 words
def _syllable(raw: str) -> str:
    """The stored form of one dictionary syllable (NFC, traditional tone placement), or '' if it is none."""
    s = normalize_text(raw, keep_newlines=False)
    return s if is_vietnamese_syllable(s) else ""


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon | None:
    """The dictionary, or None (and a warning) when underthesea is not installed: text is then kept as read."""
    lex = Lexicon()
    try:
        path = Path(str(importlib.metadata.distribution("underthesea").locate_file(_DICTIONARY)))
        lines = path.read_text(encoding="utf-8").splitlines()
    except (importlib.metadata.PackageNotFoundError, OSError) as exc:
        log.warning("Vietnamese dictionary unavailable, OCR slips in text are not repaired", extra={"reason": str(exc)})
        return None
    if EXTRA_WORDS.is_file():
        lines += [ln for ln in EXTRA_WORDS.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    for line in lines:
        lex.add(line)
    if COMMON_WORDS.is_file():
        for line in COMMON_WORDS.read_text(encoding="utf-8").splitlines():
            parts = [_syllable(p) for p in line.lower().replace("-", " ").split()] if not line.startswith("#") else []
            if len(parts) >= 2 and all(parts):
                lex.add(line)
                lex.common.add(" ".join(parts))
    return lex.finish()


def _marks(syllable: str) -> tuple[set[str], list[str]]:
    """(its tone mark, if any; its vowel marks: circumflex, breve, horn, and the stroke of đ)."""
    marks = [ch for ch in unicodedata.normalize("NFD", syllable.replace("đ", "d\u0335")) if unicodedata.combining(ch)]
    return {m for m in marks if m in _TONES}, sorted(m for m in marks if m not in _TONES)


def _mark_changes(a: str, b: str) -> int:
    """Marks to add, drop or swap to turn one spelling into the other: a different tone is one change."""
    (ta, qa), (tb, qb) = _marks(a), _marks(b)
    extra_a = sum(max(qa.count(m) - qb.count(m), 0) for m in set(qa))
    extra_b = sum(max(qb.count(m) - qa.count(m), 0) for m in set(qb))
    return int(ta != tb) + max(extra_a, extra_b)


def change_cost(read: str, spelling: str) -> float:
    """What it costs to believe `spelling` was printed where `read` was read (both lower case)."""
    if read == spelling:
        return 0.0
    fr, fs = fold_key(read), fold_key(spelling)
    cost = MARK * _mark_changes(read, spelling)
    if fr != fs:
        ops = Levenshtein.editops(fr, fs)
        for op in ops:
            if op.tag == "replace" and frozenset((fr[op.src_pos], fs[op.dest_pos])) in _LOOK_ALIKES:
                cost += LOOK_ALIKE
            else:
                cost += LETTER
    return cost


def _well_formed(word: str) -> bool:
    return is_vietnamese_syllable(word) and sum(ch in _TONES for ch in unicodedata.normalize("NFD", word)) <= 1


def candidates(lex: Lexicon, read: str) -> dict[str, float]:
    """Spellings `read` may stand for, with their cost: itself, other marks, or one look-alike letter."""
    if read not in lex.candidate_cache:
        lex.candidate_cache[read] = _candidates(lex, read)
    return dict(lex.candidate_cache[read])


def _candidates(lex: Lexicon, read: str) -> dict[str, float]:
    own = 0.0 if read in lex.syllables else (UNKNOWN_SYLLABLE if _well_formed(read) else NOT_A_SYLLABLE)
    out = {read: own}
    key = fold_key(read)
    near = {key} | {f for f in lex.folds_of_length.get(len(key), ()) if Levenshtein.distance(f, key) == 1}
    for f in near:
        for s in lex.by_fold.get(f, ()):
            cost = change_cost(read, s)
            if cost <= LETTER:
                out.setdefault(s, cost)
    return out


def _options(lex: Lexicon, t: _Token, seen: Counter[str]) -> tuple[dict[str, float], set[str]]:
    """(spellings the token may stand for with their cost, those it may take in any word).

    The others it may take only in a word of the common list (`config/lexicon/common_words.txt`): a
    reading that is a real word changes elsewhere only to a spelling the document prints more often,
    and a capitalised word inside the text (maybe a proper noun) not at all."""
    if not t.editable:
        return {t.key: 0.0}, {t.key}
    opts = candidates(lex, t.key)
    if t.capital:
        return opts, {t.key}
    if opts[t.key] > 0:  # no word as read: any spelling may stand for it
        return opts, set(opts)
    return opts, {s for s in opts if s == t.key or seen[s] > seen[t.key]}


@dataclass
class _Token:
    pre: str
    core: str
    post: str
    editable: bool  # a syllable in lower case or capitalised
    capital: bool = False  # capitalised inside the text: changed only towards a common word
    glued: bool = False  # its punctuation touched the next word: "bảo,đảm"

    @property
    def key(self) -> str:
        return self.core.lower()

    def text(self) -> str:
        return self.pre + self.core + self.post


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    for raw in text.split():
        glued = _GLUED_PUNCT.match(raw)
        pieces = [glued.group(1) + glued.group(2), glued.group(3)] if glued else [raw]
        for n, piece in enumerate(pieces):
            m = _EDGE.match(piece)
            pre, core, post = (m.group(1), m.group(2), m.group(3)) if m else ("", piece, "")
            first = not out
            titled = core[:1].isupper() and (core[1:].islower() or len(core) == 1)
            editable = core.isalpha() and (core.islower() or titled)
            out.append(_Token(pre, core, post, editable, capital=editable and titled and not first,
                              glued=bool(glued) and n == 0))
    return out


def _match_case(spelling: str, like: str) -> str:
    return spelling[:1].upper() + spelling[1:] if like[:1].isupper() else spelling


def _drop_debris(lex: Lexicon, toks: list[_Token]) -> list[_Token]:
    """A lone letter that is no word ("an n toàn"), or a dash after a comma, between two joined syllables."""
    out: list[_Token] = []
    for i, t in enumerate(toks):
        prev, nxt = (out[-1] if out else None), (toks[i + 1] if i + 1 < len(toks) else None)
        lone = len(t.core) == 1 and t.core.islower() and t.core not in lex.syllables and not t.pre and not t.post
        dash = not t.core and t.pre.strip() in {"-", "–"}
        # a dash stands between two words ("kinh tế - xã hội"): it goes only from inside a two-syllable word
        joined = lex.compound(prev.key, nxt.key) if lone and prev and nxt else prev and nxt and lex.is_word(
            prev.key, nxt.key)
        if prev is not None and nxt is not None and (lone or dash) and (joined or (dash and prev.post.endswith(","))):
            continue
        out.append(t)
    return out


def _split_glued(lex: Lexicon, toks: list[_Token]) -> list[_Token]:
    """Two syllables read as one token ("vàtìm"): split where both halves are syllables, if one split fits."""
    out: list[_Token] = []
    for t in toks:
        key = t.key
        if t.editable and len(key) >= 4 and key not in lex.syllables and not _well_formed(key):
            splits = [(key[:i], key[i:]) for i in range(1, len(key))
                      if key[:i] in lex.syllables and key[i:] in lex.syllables]
            if len(splits) == 1:
                a, b = splits[0]
                out += [_Token(t.pre, _match_case(a, t.core), "", True), _Token("", b, t.post, True)]
                continue
        out.append(t)
    return out


def repair_text(text: str, lex: Lexicon | None = None, seen: Counter[str] | None = None) -> tuple[str, list[str]]:
    """(text with slips repaired, the changes as 'read→written'). Unchanged text when no dictionary.

    `seen`: how often each syllable (lower case) stands in the rest of the same document. A syllable read
    as a real one changes only to a spelling the document uses more often, so that a clean reading is
    never talked into another word ("thu hồi đất để" stays, though "đặt để" is a word too); OCR's own
    word confidence cannot tell, it is as high on "phỏng" as on "phòng".
    """
    lex = lex or load_lexicon()
    if lex is None or not text.strip():
        return text, []
    seen = seen if seen is not None else Counter()
    toks = _split_glued(lex, _drop_debris(lex, _tokens(text)))
    got = [_options(lex, t, seen) for t in toks]
    best = _viterbi(lex, toks, [o for o, _ in got], [a for _, a in got])
    changes: list[str] = []
    for t, spelling in zip(toks, best, strict=True):
        if t.editable and spelling != t.key:
            changes.append(f"{t.core}→{_match_case(spelling, t.core)}")
            t.core = _match_case(spelling, t.core)
    for i, t in enumerate(toks[:-1]):
        if t.glued and (len(t.post) > 1 or lex.compound(best[i], best[i + 1])):
            t.post = ""  # specks read as punctuation between two words: "bảo,đảm", "duyệt.,kế"
    out = " ".join(t.text() for t in toks if t.text())
    if out != text and not changes:
        changes.append("debris or glued words separated")
    return out, changes


MAX_WORD = 4  # syllables of the longest dictionary word tried


def _word_options(lex: Lexicon, toks: list[_Token], options: list[dict[str, float]], allowed: list[set[str]],
                  j: int, i: int) -> tuple[float, tuple[str, ...]] | None:
    """The best dictionary word spelled over tokens j..i (inclusive) from their options, with its score."""
    if any(toks[k].post.strip(",") or toks[k + 1].pre for k in range(j, i)):
        return None  # only a comma may stand inside a pair ("phòng, chống"); a full stop or colon never
    best: tuple[float, int, tuple[str, ...]] | None = None
    folds = [sorted({fold_key(s) for s in options[k]}) for k in range(j, i + 1)]
    for key in _word_keys(lex, folds):
        for word in lex.spellings(key):
            if not all(w in options[j + n] for n, w in enumerate(word)):
                continue
            if " ".join(word) not in lex.common and not all(w in allowed[j + n] for n, w in enumerate(word)):
                continue
            # the comma of a list ("thu, chi"; "phòng, chống") weakens a pair, unless it is a common word
            across = COMPOUND if " ".join(word) in lex.common else COMPOUND_ACROSS_PUNCT
            gain = sum(across if toks[k].post else COMPOUND for k in range(j, i))
            value = gain - sum(options[j + n][w] for n, w in enumerate(word))
            kept = sum(w == toks[j + n].key for n, w in enumerate(word))
            if best is None or (value, kept) > best[:2]:
                best = (value, kept, word)
    return None if best is None else (best[0] + 1e-6 * best[1], best[2])


def _word_keys(lex: Lexicon, lists: list[list[str]]) -> list[tuple[str, ...]]:
    """Combinations of one fold per position that begin a dictionary word, pruned as they grow."""
    out: list[tuple[str, ...]] = [()]
    for n, options in enumerate(lists):
        last = n == len(lists) - 1
        out = [o + (x,) for o in out for x in options
               if last or " ".join((*o, x)) in lex.prefixes]
    return out


def _alone(t: _Token, opts: dict[str, float], allowed: set[str]) -> tuple[float, str]:
    """A syllable in no word: kept as read, unless the reading is no syllable and one spelling is nearest."""
    opts = {s: c for s, c in opts.items() if s in allowed}
    own = opts[t.key]
    if own < NOT_A_SYLLABLE:  # a well-formed syllable alone keeps its spelling: nothing says which other
        return -own, t.key
    others = sorted((c, s) for s, c in opts.items() if s != t.key)
    if others and others[0][0] < own and (len(others) == 1 or others[1][0] > others[0][0]):
        return -others[0][0], others[0][1]
    return -own, t.key


def _viterbi(lex: Lexicon, toks: list[_Token], options: list[dict[str, float]], allowed: list[set[str]]
             ) -> list[str]:
    """The segmentation into dictionary words of highest total, each word worth its inner joints, less the
    cost of each change. A syllable belongs to one word ("công tác | phòng chống", never "công tác" and
    "tác phong" from the same "tác"); ties keep what was read."""
    n = len(toks)
    best: list[tuple[float, list[str]]] = [(0.0, [])]
    for i in range(n):
        value, spelling = _alone(toks[i], options[i], allowed[i])
        cand = (best[i][0] + value, best[i][1] + [spelling])
        for j in range(max(0, i - MAX_WORD + 1), i):
            got = _word_options(lex, toks, options, allowed, j, i)
            if got is not None and best[j][0] + got[0] > cand[0] + 1e-9:
                cand = (best[j][0] + got[0], best[j][1] + list(got[1]))
        best.append(cand)
    return best[n][1]


def unknown_syllables(text: str, lex: Lexicon | None = None) -> list[str]:
    """The syllables of `text` (any case) that no word of the dictionary uses: none when there is no
    dictionary."""
    lex = lex or load_lexicon()
    if lex is None:
        return []
    return [w for w in re.findall(r"[^\W\d_]+", text) if len(w) > 1 and w.lower() not in lex.syllables]


def doubtful_words(text: str, lex: Lexicon | None = None) -> list[tuple[str, str]]:
    """(word, the spelling it may stand for) of each word in small letters that joins neither neighbour in a
    dictionary word, where one changed letter or mark would make a common word with one of them ("tại tuộc
    họp": "cuộc họp"). Not repaired (the change costs more than the word gains, and the reading may be
    right), but worth a clerk's look: every reading of a copy can make the same slip."""
    lex = lex or load_lexicon()
    if lex is None:
        return []
    toks = [t for t in _tokens(text) if t.core]
    keys = [t.key if t.editable else "" for t in toks]
    out: list[tuple[str, str]] = []
    for i, t in enumerate(toks):
        if not t.editable or not t.core.islower() or len(t.key) < 2 or not keys[i]:
            continue
        left = keys[i - 1] if i and not toks[i - 1].post.strip(",") else ""
        right = keys[i + 1] if i + 1 < len(toks) and not t.post.strip(",") else ""
        if (left and lex.compound(left, t.key)) or (right and lex.compound(t.key, right)):
            continue
        fits = sorted({s for s in candidates(lex, t.key) if s != t.key and (
            (left and f"{left} {s}" in lex.common) or (right and f"{s} {right}" in lex.common))})
        if len(fits) == 1:
            out.append((t.core, fits[0]))
    return out
