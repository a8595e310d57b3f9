"""Highlights: the words of the text that matched, marked in the original spelling.

One highlighter for both backends, run on the few hits of a page: the result is the same whichever
backend answered, and it marks words found without diacritics or with a typo, which the engines'
own highlighters do not do alike (Tantivy's snippets ignore fuzzy matches).
"""

from __future__ import annotations

import html
import re

from rapidfuzz.distance import DamerauLevenshtein

from extractors.vietnamese import fold
from search.query import QueryPlan

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _matcher(plan: QueryPlan, words: set[str]):
    """Exact folded words match; a query word absent from the text (a typo) may match one edit away."""
    exact = set(plan.words_folded) | set(plan.ids)
    for key in plan.doc_keys:
        exact.update(_WORD.findall(key))
    fuzzy = [f for f in plan.words_folded if f not in words and len(f) >= 3 and not f.isdigit()]

    def matches(word: str) -> str | None:
        if word in exact:
            return word
        if len(word) < 3:
            return None
        for f in fuzzy:
            if abs(len(word) - len(f)) <= 1 and DamerauLevenshtein.distance(word, f, score_cutoff=1) <= 1:
                return f
        return None

    return matches


def highlight(text: str, plan: QueryPlan, *, fragments: int = 3, width: int = 160,
              pre: str = "<mark>", post: str = "</mark>") -> list[str]:
    """Up to `fragments` HTML-escaped fragments of about `width` characters with matches marked."""
    if not text or not (plan.words_folded or plan.ids or plan.doc_keys):
        return []
    folded = fold(text).lower()
    aligned = len(folded) == len(text)  # Vietnamese folds one character to one: offsets stay valid
    words = [(m.start(), m.end(), folded[m.start():m.end()] if aligned else fold(m.group(0)).lower())
             for m in _WORD.finditer(text)]
    matches = _matcher(plan, {w for _, _, w in words})
    spans: list[tuple[int, int, str]] = []
    for start, end, word in words:
        term = matches(word)
        if term:
            spans.append((start, end, term))
    if not spans:
        return []
    # windows with the most distinct query words first, then in text order
    windows = []
    for i, (s0, _, _) in enumerate(spans):
        start = max(0, s0 - width // 4)
        end = min(len(text), start + width)
        inside = [sp for sp in spans[i:] if sp[1] <= end]
        windows.append((len({t for _, _, t in inside}), -s0, start, end))
    windows.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for _, _, start, end in windows:
        if len(chosen) >= fragments:
            break
        if any(start < e and end > s for s, e in chosen):
            continue
        chosen.append((start, end))
    out = []
    for start, end in sorted(chosen):
        # whole words at the edges
        if start > 0:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 20 else start
        if end < len(text):
            space = text.find(" ", end)
            end = space if 0 <= space - end < 20 else end
        parts = []
        pos = start
        for s, e, _ in spans:
            if s >= start and e <= end:
                parts.append(html.escape(text[pos:s]))
                parts.append(pre + html.escape(text[s:e]) + post)
                pos = e
        parts.append(html.escape(text[pos:end]))
        fragment = " ".join("".join(parts).split())
        out.append(("… " if start > 0 else "") + fragment + (" …" if end < len(text) else ""))
    return out
