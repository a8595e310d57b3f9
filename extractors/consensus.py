"""Repair the tone marks of a value from other places of the same document that print the same words.

OCR confuses marks more than letters ("bỗ nhiệm" for "bổ nhiệm", "công dần" for "công dân"). A summary or
a name usually recurs in the body ("Điều 1. Bổ nhiệm vào ngạch ..."), read from other pixels. Each word of
the value is compared with body words that fold to the same letters and stand between the same
neighbours; when at least two such occurrences agree on another spelling, and outnumber the value's own,
the word takes that spelling. Only marks and case can change, never letters.

A summary gets more (`vote_restatements`): the body restates it, and every reading of a poor copy
restates it again, so letters, whole words and commas may change where the restatements agree.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from extractors.vietnamese import fold_key, is_vietnamese_syllable

_EDGE = re.compile(r"^([\W_]*)(.*?)([\W_]*)$", re.UNICODE)


def _core(token: str) -> tuple[str, str, str]:
    m = _EDGE.match(token)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", token, "")


class Corpus:
    def __init__(self, texts: Iterable[str]):
        self.tokens: list[str] = []
        self.small: list[bool] = []  # written in small letters: a common word, not a name ("năm", not "NAM")
        for text in texts:
            for tok in text.split():
                core = _core(tok)[1]
                if core:
                    self.tokens.append(core.lower())
                    self.small.append(core.islower())
            self.tokens.append("")  # no context across lines of different texts
            self.small.append(False)
        self.folded = [fold_key(t) for t in self.tokens]
        self.index: dict[str, list[int]] = defaultdict(list)
        for i, f in enumerate(self.folded):
            if f:
                self.index[f].append(i)

    def variants(self, prev: str | None, key: str, nxt: str | None, small_only: bool = False) -> Counter[str]:
        """Spellings of the words folding to `key` whose neighbours fold to `prev` or `nxt`; `small_only`: of
        the words written in small letters only."""
        out: Counter[str] = Counter()
        for j in self.index.get(key, []):
            if small_only and not self.small[j]:
                continue
            left = prev is not None and j > 0 and self.folded[j - 1] == prev
            right = nxt is not None and j + 1 < len(self.folded) and self.folded[j + 1] == nxt
            if left or right:
                out[self.tokens[j]] += 1
        return out


def _match_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def vote_marks(value: str, corpus: Corpus, min_votes: int = 2) -> tuple[str, int]:
    """(value with repaired marks, number of words changed)."""
    tokens = value.split()
    cores = [_core(t) for t in tokens]
    keys = [fold_key(c[1]) if c[1] else "" for c in cores]
    changed = 0
    out = []
    for i, (pre, core, post) in enumerate(cores):
        if not core or not core.isalpha():
            out.append(tokens[i])
            continue
        prev = keys[i - 1] if i > 0 and keys[i - 1] else None
        nxt = keys[i + 1] if i + 1 < len(keys) and keys[i + 1] else None
        # "thành phố năm 2022" takes no marks from "THÀNH PHỐ NAM ĐỊNH": a word in small letters is a common
        # word, and only the same word in small letters elsewhere spells it
        votes = corpus.variants(prev, keys[i], nxt, small_only=core.islower())
        own = core.lower()
        if votes:
            best, n = votes.most_common(1)[0]
            if best != own and n >= min_votes and n > votes.get(own, 0):
                out.append(pre + _match_case(best, core) + post)
                changed += 1
                continue
        out.append(tokens[i])
    return " ".join(out), changed


# ------------------------------------------------------------------------------------ restatements

@dataclass(frozen=True)
class _Tok:
    core: str  # the word as read, edge punctuation cut off
    post: str  # punctuation after it ("," of "phòng, chống")
    key: str  # folded, lower case


def _toks(text: str) -> list[_Tok]:
    out = []
    for raw in text.split():
        _, core, post = _core(raw)
        if core:
            out.append(_Tok(core, post, fold_key(core)))
    return out


class Restatements:
    """The running text of a document, every reading of it, as one stream of words per page.

    Lines are joined: a body sentence that restates the summary wraps where it likes.
    """

    def __init__(self, pages: Iterable[Iterable[str]]):
        self.toks: list[_Tok | None] = []
        for lines in pages:
            for line in lines:
                self.toks += _toks(line)
            self.toks.append(None)  # no context across pages or readings
        self.after: dict[str, list[int]] = defaultdict(list)  # key of a word -> positions of the next word
        for i, t in enumerate(self.toks[:-1]):
            if t is not None:
                self.after[t.key].append(i + 1)

    def key_at(self, j: int) -> str | None:
        t = self.toks[j] if 0 <= j < len(self.toks) else None
        return t.key if t is not None else None

    def standing(self, left: list[str], right: list[str]) -> Iterator[tuple[int, int, int]]:
        """(position, left words matched, right words matched) of each word standing after `left[-1]`
        or before `right[0]` in the stream; `left`, `right` are folded neighbours, nearest last/first."""
        seen: set[int] = set()
        for j in self._candidates(left, right):
            if j in seen or self.toks[j] is None:
                continue
            seen.add(j)
            nl = 0
            while nl < len(left) and self.key_at(j - 1 - nl) == left[-1 - nl]:
                nl += 1
            nr = 0
            while nr < len(right) and self.key_at(j + 1 + nr) == right[nr]:
                nr += 1
            yield j, nl, nr

    def _candidates(self, left: list[str], right: list[str]) -> Iterator[int]:
        if left:
            yield from self.after.get(left[-1], [])
        if right:
            yield from (j - 2 for j in self.after.get(right[0], []) if j >= 2)


def _supported(nl: int, nr: int, at_start: bool, at_end: bool) -> str | None:
    """How much a restatement may change a word, given the neighbours it shares with the value: 'any' word
    (three neighbours, on both sides), a 'slip' of a letter (one on each side, or two on the one side there
    is at the value's edge), or None."""
    if at_start or at_end:
        return "slip" if (at_start and nr >= 2) or (at_end and nl >= 2) else None
    if nl >= 1 and nr >= 1 and nl + nr >= 3:
        return "any"
    return "slip" if nl >= 1 and nr >= 1 else None


def _slip(a: str, b: str) -> bool:
    """One folded letter apart (two in a long word), or the same digits but one, same length."""
    if a.isdigit() or b.isdigit():
        return a.isdigit() and b.isdigit() and len(a) == len(b) and Levenshtein.distance(a, b) <= 1
    return Levenshtein.distance(a, b) <= (2 if min(len(a), len(b)) >= 5 else 1)


def vote_restatements(value: str, stream: Restatements, min_votes: int = 2) -> tuple[str, int]:
    """(value with words repaired from the places that restate it, number of words changed).

    A summary is restated in the body ("báo cáo kết quả thực hiện ... như sau"), and a poor copy is read
    several times: each restatement is another reading of the same words from other pixels. A word takes
    the spelling of its restatements, or their small first letter, where at least `min_votes` of them,
    standing between the same neighbours, agree on it and outnumber the value's own (the value itself
    counts once): a letter slip ("cứu hạn" / "cứu nạn") needs a neighbour on each side, a word read as
    anything at all ("phòng, HE thiên tai") three neighbours, on both sides, and a word read as a real
    syllable two on each side ("thu, chỉ ngân sách" is no "các khoản thu vào ngân sách"). Digits change only
    within the same length. A speck read as a short word is dropped where the restatements join its neighbours.
    Commas are left as read: a speck reads as a comma, and a blurred comma is lost, at the same place in
    every reading of it, so restatements outvote a right comma as often as a wrong one.
    """
    toks = _toks(value)
    raw = value.split()
    if len(toks) < 3 or len(raw) != len(toks):
        return value, 0  # too short to have neighbours, or a bare punctuation token in the way
    keep = [i for i in range(len(toks)) if not _speck_between(stream, [t.key for t in toks], i, min_votes)]
    dropped = len(toks) - len(keep)
    toks, raw = [toks[i] for i in keep], [raw[i] for i in keep]
    keys = [t.key for t in toks]
    out: list[str] = []
    changed = dropped
    for i, t in enumerate(toks):
        seen = [t, *_restating(stream, keys, i, t)]
        word = _winner(Counter(o.core.lower() for o in seen), t.core.lower(), min_votes)
        if word != t.core.lower():
            # case from the places that spell it so: "phòng, HE thiên" takes "chống", not "CHỐNG"
            seen = [o for o in seen if o.core.lower() == word]
            capital = Counter(_capital(o.core) for o in seen).most_common(1)[0][0]
        else:
            # only ever lowered ("xã hội Hằng tháng"): the value's own capitals were set by the summary's rules
            capital = _capital(t.core) and _winner(Counter(_capital(o.core) for o in seen), True, min_votes)
        if i == 0 or _shouting(t.core) and word == t.core.lower():
            capital = _capital(t.core)  # the first word, and abbreviations, keep their case
        if word == t.core.lower() and capital == _capital(t.core):
            out.append(raw[i])
            continue
        core = word if word != t.core.lower() or not _shouting(t.core) else t.core
        core = core[:1].upper() + core[1:] if capital else core[:1].lower() + core[1:]
        out.append(_core(raw[i])[0] + core + t.post)
        changed += 1
    return " ".join(out), changed


def _speck_between(stream: Restatements, keys: list[str], i: int, min_votes: int) -> bool:
    """Word `i` is a speck read as a short word ("rác thải ì năm 2023"): the restatements join its two
    neighbours on each side directly, more often than they print anything between them."""
    if not 2 <= i <= len(keys) - 3 or len(keys[i]) > 2 or keys[i].isdigit():
        return False
    joined = sum(stream.key_at(j - 2) == keys[i - 2] and stream.key_at(j) == keys[i + 1]
                 and stream.key_at(j + 1) == keys[i + 2] for j in stream.after.get(keys[i - 1], []))
    kept = sum(stream.key_at(j) == keys[i] and stream.key_at(j + 1) == keys[i + 1]
               for j in stream.after.get(keys[i - 1], []))
    return joined >= min_votes and joined > kept + 1


def _restating(stream: Restatements, keys: list[str], i: int, t: _Tok) -> Iterator[_Tok]:
    """The words of the stream standing where word `i` of the value stands, close enough to replace it."""
    left, right = keys[max(0, i - 2):i], keys[i + 1:i + 3]
    for j, nl, nr in stream.standing(left, right):
        how = _supported(nl, nr, i == 0, i == len(keys) - 1)
        if how == "any" and min(nl, nr) < 2 and t.core.islower() and is_vietnamese_syllable(t.core):
            how = "slip"  # a real word read is changed into another only where the whole context agrees
        other = stream.toks[j]
        if how is None or other is None:
            continue
        if other.key == t.key or (_slip(other.key, t.key) if how == "slip" or t.key.isdigit()
                                  or other.key.isdigit() else True):
            yield other


def _capital(word: str) -> bool:
    return word[:1].isupper()


def _shouting(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def _winner(votes: Counter, own, min_votes: int):
    best, n = votes.most_common(1)[0]
    return best if best != own and n >= min_votes and n > votes[own] else own
