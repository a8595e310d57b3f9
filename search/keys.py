"""Normalised keys shared by the store, the index and the query model, so all three agree."""

from __future__ import annotations

import re
from functools import lru_cache

from extractors.vietnamese import fold_key, normalize_text

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACES = re.compile(r"\s+")
_NUMBER_PREFIX = re.compile(r"^(?:so|s\u1ed1)\s*[:.]?\s*(?=\d)", re.IGNORECASE)
_NON_DIGITS = re.compile(r"\D")


@lru_cache(maxsize=100_000)
def doc_number_key(value: str | None) -> str | None:
    """'154/QĐ-UBND', '154 / qđ – ubnd' and 'Số: 154/QD-UBND' all give '154/qd-ubnd'."""
    if not value:
        return None
    text = _DASHES.sub("-", normalize_text(value, keep_newlines=False))
    key = _SPACES.sub("", fold_key(text))
    key = _NUMBER_PREFIX.sub("", key)
    return key or None


@lru_cache(maxsize=200_000)  # names repeat across records: fold each spelling once
def name_key(value: str | None) -> str | None:
    """Folded, lower-case, single-spaced: the key two spellings of one name share."""
    if not value:
        return None
    return fold_key(normalize_text(value, keep_newlines=False)) or None


def id_digits(value: str | None) -> str | None:
    if not value:
        return None
    digits = _NON_DIGITS.sub("", value)
    return digits or None


def is_personal_id(value: str) -> bool:
    """12-digit personal ID (CCCD) or 9-digit old identity card (CMND)."""
    return value.isascii() and value.isdigit() and len(value) in (9, 12)


@lru_cache(maxsize=200_000)
def clean_name(value: str) -> str:
    """A person name as stored: NFC, traditional tone placement, single spaces."""
    return normalize_text(value, keep_newlines=False)
