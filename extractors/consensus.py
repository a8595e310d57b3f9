"""Repair the tone marks of a value from other places of the same document that print the same words.

OCR confuses marks more than letters ("bỗ nhiệm" for "bổ nhiệm", "công dần" for "công dân"). A summary or
a name usually recurs in the body ("Điều 1. Bổ nhiệm vào ngạch ..."), read from other pixels. Each word of
the value is compared with body words that fold to the same letters and stand between the same
neighbours; when at least two such occurrences agree on another spelling, and outnumber the value's own,
the word takes that spelling. Only marks and case can change, never letters.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from extractors.vietnamese import fold_key

_EDGE = re.compile(r"^([\W_]*)(.*?)([\W_]*)$", re.UNICODE)


def _core(token: str) -> tuple[str, str, str]:
    m = _EDGE.match(token)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", token, "")


class Corpus:
    def __init__(self, texts: Iterable[str]):
        self.tokens: list[str] = []
        for text in texts:
            for tok in text.split():
                core = _core(tok)[1]
                if core:
                    self.tokens.append(core.lower())
            self.tokens.append("")  # no context across lines of different texts
        self.folded = [fold_key(t) for t in self.tokens]
        self.index: dict[str, list[int]] = defaultdict(list)
        for i, f in enumerate(self.folded):
            if f:
                self.index[f].append(i)

    def variants(self, prev: str | None, key: str, nxt: str | None) -> Counter[str]:
        """Spellings of the words folding to `key` whose neighbours fold to `prev` or `nxt`."""
        out: Counter[str] = Counter()
        for j in self.index.get(key, []):
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
        votes = corpus.variants(prev, keys[i], nxt)
        own = core.lower()
        if votes:
            best, n = votes.most_common(1)[0]
            if best != own and n >= min_votes and n > votes.get(own, 0):
                out.append(pre + _match_case(best, core) + post)
                changed += 1
                continue
        out.append(tokens[i])
    return " ".join(out), changed
