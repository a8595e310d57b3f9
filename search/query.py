"""The query model both backends answer, and the shapes of their answers.

A clerk types one line: a name with or without diacritics (maybe with a typo), an ID number, a
document number with any spacing, words of the summary. `Query.plan()` splits that line into the
parts each backend turns into its own query language, so both backends mean the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from extractors.vietnamese import fold_key, normalize_text
from search.keys import doc_number_key, is_personal_id
from search.places import query_place_keys

# 12-digit personal ID or 9-digit identity card, also printed in groups ("036 220 614 006")
_ID = re.compile(r"(?<![\d/])(\d{12}|\d{9}|\d{3} \d{3} \d{3} \d{3}|\d{4} \d{4} \d{4})(?![\d/])")
# "154/QĐ-UBND", "154 / QĐ - UBND", "686 /STTT-CNTT&BCVT", "01/2021"
_DOC_NUMBER = re.compile(r"(?<![\w/])\d{1,6}\s*/\s*[^\W_][\w&.]*(?:\s*[-–—/]\s*[^\W_][\w&.]*)*", re.UNICODE)
# registration numbers: digits, one or two letters, digits ("75A8478825")
_REG_NUMBER = re.compile(r"(?<!\w)\d{1,3}[A-Za-z]{1,2}\d{5,10}(?!\w)")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ABBREVIATIONS = {"ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "tp": "thanh pho"}


def tokens(text: str) -> list[str]:
    """Lower-case NFC words, the way the 'exact' analyzers of both backends cut text."""
    return _WORD.findall(normalize_text(text, keep_newlines=False).lower())


def folded_tokens(text: str) -> list[str]:
    return _WORD.findall(fold_key(text))


def date_int(value: date | str | None) -> int | None:
    """2021-07-05 -> 20210705 (both backends range-filter on this form)."""
    if value is None or value == "":
        return None
    text = value.isoformat() if isinstance(value, date) else str(value)
    digits = text[:10].replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else None


class Query(BaseModel):
    """What a clerk asks. Everything is optional; filters combine with AND."""

    text: str = ""
    doc_type: str | None = Field(None, description="doc_type code, several separated by commas")
    issuer: str | None = Field(None, description="issuing agency, e.g. 'UBND xã Nghĩa Lạc'")
    place: str | None = Field(None, description="old or 2025 unit names, comma separated, all must match")
    date_from: date | None = None
    date_to: date | None = None
    limit: int = Field(10, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000)
    sort: Literal["relevance", "newest"] = "relevance"
    highlight: bool = True

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return normalize_text(str(value or ""), keep_newlines=False)

    def plan(self) -> QueryPlan:
        rest = self.text
        ids: list[str] = []
        for m in _ID.finditer(rest):
            digits = re.sub(r"\D", "", m.group(0))
            if is_personal_id(digits):
                ids.append(digits)
        rest = _ID.sub(" ", rest)
        doc_keys: list[str] = []
        for pattern in (_DOC_NUMBER, _REG_NUMBER):
            for m in pattern.finditer(rest):
                key = doc_number_key(m.group(0))
                if key:
                    doc_keys.append(key)
            rest = pattern.sub(" ", rest)
        words_exact = tokens(rest)
        words_folded = folded_tokens(rest)
        # a bare short number ("45") is a civil-status number as often as a word of the text
        if not ids and not doc_keys and len(words_folded) == 1 and words_folded[0].isdigit():
            doc_keys.append(words_folded[0])
        issuer_words: list[str] = []
        for word in folded_tokens(self.issuer or ""):
            issuer_words.extend(_ABBREVIATIONS.get(word, word).split())
        return QueryPlan(
            ids=list(dict.fromkeys(ids)),
            doc_keys=list(dict.fromkeys(doc_keys)),
            words_exact=words_exact,
            words_folded=words_folded,
            doc_types=[t.strip() for t in (self.doc_type or "").split(",") if t.strip()],
            issuer_words=issuer_words,
            place_keys=query_place_keys(self.place or ""),
            date_from=date_int(self.date_from),
            date_to=date_int(self.date_to),
        )


@dataclass
class QueryPlan:
    """A query cut into what the backends match on. Words are required (each may match fuzzily in a
    name); exact and diacritic-exact matches only add to the score."""

    ids: list[str] = field(default_factory=list)
    doc_keys: list[str] = field(default_factory=list)
    words_exact: list[str] = field(default_factory=list)
    words_folded: list[str] = field(default_factory=list)
    doc_types: list[str] = field(default_factory=list)
    issuer_words: list[str] = field(default_factory=list)
    place_keys: list[str] = field(default_factory=list)
    date_from: int | None = None
    date_to: int | None = None

    @property
    def has_terms(self) -> bool:
        return bool(self.ids or self.doc_keys or self.words_folded)

    @property
    def name_key(self) -> str | None:
        return " ".join(self.words_folded) or None

    @property
    def name_ends(self) -> str | None:
        """Surname + given name: the first and last word ("Nguyễn Thị Thu Hà" -> "nguyen ha")."""
        words = [w for w in self.words_folded if not w.isdigit()]
        # five words and more are a name and something else ("Trần Thị Thúy Ninh Bình"): the last
        # word is then no given name
        return f"{words[0]} {words[-1]}" if 2 <= len(words) <= 4 else None

    @property
    def name_spans(self) -> list[str]:
        """Runs of two or more words shorter than the query, longest first: the name inside
        "Trần Thị Thúy Ninh Bình" is "tran thi thuy"."""
        words = self.words_folded[:10]
        n = len(words)
        return [" ".join(words[i:i + size]) for size in range(n - 1, 1, -1) for i in range(n - size + 1)
                if not any(w.isdigit() for w in words[i:i + size])]

    @property
    def name_ends_exact(self) -> str | None:
        words = [w for w in self.words_exact if not w.isdigit()]
        return f"{words[0]} {words[-1]}" if 2 <= len(words) <= 4 else None

    @property
    def diacritics_typed(self) -> bool:
        """True when the clerk typed diacritics: then the diacritic-exact form must rank first."""
        return self.words_exact != self.words_folded

    @property
    def fuzzy_words(self) -> list[str]:
        """Words that may match a name with one edit. Names only: their vocabulary is small, so even a
        short word can afford it ("Hà" typed "Hs", "Võ" typed "õ"); never numbers."""
        return [w for w in self.words_folded if not w.isdigit()]

    def min_should_match(self, clauses: int) -> int:
        """Relaxed retry (nothing matched every part): all parts but one, or but a quarter of many."""
        return max(1, clauses - max(1, clauses // 4))


class SearchHit(BaseModel):
    """One result, with the summary fields a list view shows (ID numbers masked)."""

    id: str
    score: float
    doc_type: str = "khac"
    doc_number: str | None = None
    issue_date: str | None = None
    issuer: str | None = None
    subject_name: str | None = None
    subject_id: str | None = None  # masked
    summary: str | None = None
    place: str | None = None
    highlights: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list, description="citizen view: the person's roles in this record")
    match: str | None = Field(None, description="citizen view: 'id', 'name_dob' or 'name' (to verify)")


class SearchResult(BaseModel):
    total: int
    hits: list[SearchHit]
    offset: int = 0
    limit: int = 10
    relaxed: bool = Field(False, description="no record matched every word; most words had to match")
    took_ms: float = 0.0
    backend: str = ""

    @property
    def ids(self) -> list[str]:
        return [h.id for h in self.hits]
