"""Place names with their diacritics, to repair what OCR drops in capitals ("TINH QUANG NGAI").

The names come from the administrative-unit database shipped with `vietnamadminunits` (63-province
legacy table and the 2025 table). Only the spelling is used: a name is replaced when the OCR text folds
to exactly one known spelling of that level, so a name that is not in the table passes unchanged.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections import defaultdict
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from extractors.vietnamese import fold_key, normalize_text

log = logging.getLogger("sohoa.places")

# level of each unit word: the names of that level are searched first
UNIT_LEVEL = {
    "tinh": "province", "thanh pho": "any", "huyen": "district", "quan": "district", "thi xa": "district",
    "xa": "ward", "phuong": "ward", "thi tran": "ward", "dac khu": "ward",
}


def _db_path() -> Path | None:
    spec = find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"
    return path if path.is_file() else None


def _rows(sql: str) -> list[tuple]:
    """Rows of one query on the read-only table of administrative units; none when it is not installed."""
    path = _db_path()
    if path is None:
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def _short(name: str) -> str:
    """'Hiệp Hòa (Thị trấn)' → 'Hiệp Hòa': the table tells apart two units of one district with the same
    name by their kind, which documents print before the name, never after it."""
    return normalize_text(re.sub(r"\s*\([^)]*\)\s*$", "", name), keep_newlines=False)


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, set[str]]]:
    """level -> folded key -> spellings."""
    out: dict[str, dict[str, set[str]]] = {lvl: defaultdict(set) for lvl in ("province", "district", "ward")}
    if _db_path() is None:
        log.warning("vietnamadminunits data not found: place names are not repaired")
        return out
    queries = {
        "province": ["SELECT DISTINCT provinceShort FROM admin_units_legacy",
                     "SELECT DISTINCT provinceShort FROM admin_units"],
        "district": ["SELECT DISTINCT districtShort FROM admin_units_legacy"],
        "ward": ["SELECT DISTINCT wardShort FROM admin_units_legacy", "SELECT DISTINCT wardShort FROM admin_units"],
    }
    for level, sqls in queries.items():
        for sql in sqls:
            for (name,) in _rows(sql):
                if name:
                    name = _short(name)
                    out[level][fold_key(name)].add(name)
    # old names still printed on older documents
    out["province"]["thua thien hue"].add("Thừa Thiên Huế")
    return out


def restore(name: str, unit: str | None = None) -> tuple[str, bool]:
    """The known spelling of `name` (a place name without its unit word), and whether it changed.

    `unit` is the folded unit word before it ("tinh", "xa", ...); without it every level is tried.
    A name folding to several spellings keeps the one nearest to what was read.
    """
    name = normalize_text(name, keep_newlines=False)
    key = fold_key(name)
    if not key:
        return name, False
    level = UNIT_LEVEL.get(unit or "", "any")
    levels = ("province", "district", "ward") if level == "any" else (level,)
    names = _names()
    plain = name.isascii()  # OCR dropped every mark: any spelling of the same letters is better
    for lvl in levels:
        spellings = names[lvl].get(key)
        if spellings:
            best = min(sorted(spellings), key=lambda s: Levenshtein.distance(s.casefold(), name.casefold()))
            # a province's letters name it alone (63, far apart): its marks can be restored however
            # many OCR dropped or changed ("Quang Ngài" → "Quảng Ngãi")
            unique_province = lvl == "province" and len(spellings) == 1
            if plain or unique_province or Levenshtein.distance(best.casefold(), name.casefold()) <= 1:
                return best, best != name
            return name, False  # "Đặng" is not "Dang": too far to be an OCR slip
    if level in ("province", "any"):
        # 63 provinces, far apart: one slip more is still safe ("Quang Ngaài")
        for k, spellings in names["province"].items():
            if Levenshtein.distance(k, key) == 1 and len(key) > 6:
                return sorted(spellings)[0], True
    return name, False


def is_known(name: str) -> bool:
    key = fold_key(name)
    return any(key in level for level in _names().values())


@lru_cache(maxsize=1)
def _by_letters() -> dict[str, set[str]]:
    """Folded name without spaces -> spellings ("duchoa" -> {"Đức Hòa"})."""
    out: dict[str, set[str]] = defaultdict(set)
    for level in ("district", "province", "ward"):
        for key, spellings in _names()[level].items():
            out[key.replace(" ", "")].update(spellings)
    return out


def respaced(name: str) -> str | None:
    """The one known name with the letters of `name` and its spaces ("ĐỨCHÒA" → "Đức Hòa"), when OCR ran
    two capitalised words together; None when `name` has its spaces or no single name fits."""
    if " " in name.strip():
        return None
    fits = {f for f in _by_letters().get(fold_key(name).replace(" ", ""), set()) if " " in f}
    if len(fits) > 1:  # "Đức Hòa" and "Đức Hóa" have the same letters: the marks read tell them apart
        read = normalize_text(name, keep_newlines=False).lower()
        fits = {f for f in fits if f.replace(" ", "").lower() == read}
    return next(iter(fits)) if len(fits) == 1 else None


def is_spelled(name: str) -> bool:
    """Some unit of the table has exactly this name, marks and all ("Phú Hội"; not "Hoằng Ha")."""
    key = fold_key(name)
    spelled = normalize_text(name, keep_newlines=False)
    return any(spelled in level.get(key, ()) for level in _names().values())


def is_province(name: str) -> bool:
    return fold_key(name) in _names()["province"]


@lru_cache(maxsize=1)
def _kinds() -> dict[str, set[str]]:
    """folded district or province name -> unit words it is known with ("huyện", "thành phố")."""
    out: dict[str, set[str]] = defaultdict(set)
    for kind, name in _rows("SELECT DISTINCT districtType, districtShort FROM admin_units_legacy"):
        if kind and name:
            out["district:" + fold_key(_short(name))].add(kind.lower())
    for full, name in _rows("SELECT DISTINCT province, provinceShort FROM admin_units_legacy"):
        if full and name:
            out["province:" + fold_key(_short(name))].add("thành phố" if full.startswith("Thành phố") else "tỉnh")
    return out


def unit_kind(name: str, level: str) -> str | None:
    """The unit word of a district or province name when the table knows only one ("Diễn Châu" → "huyện")."""
    kinds = _kinds().get(f"{level}:{fold_key(name)}", set())
    return next(iter(kinds)) if len(kinds) == 1 else None


@lru_cache(maxsize=1)
def _children() -> dict[str, set[str]]:
    """folded district or province name -> spellings of the units directly under it (wards, districts)."""
    out: dict[str, set[str]] = defaultdict(set)
    for ward, district, province in _rows(
            "SELECT DISTINCT wardShort, districtShort, provinceShort FROM admin_units_legacy"):
        if ward and district:
            out[fold_key(_short(district))].add(_short(ward))
        if district and province:
            out[fold_key(_short(province))].add(_short(district))
    return out


@lru_cache(maxsize=1)
def _child_kinds() -> dict[tuple[str, str], set[str]]:
    """(folded parent name, folded unit name) -> unit words the unit is known with under that parent."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ward, w_kind, district, d_kind, province in _rows(
            "SELECT DISTINCT wardShort, wardType, districtShort, districtType, provinceShort "
            "FROM admin_units_legacy"):
        if ward and w_kind and district:
            out[(fold_key(_short(district)), fold_key(_short(ward)))].add(w_kind.lower())
        if district and d_kind and province:
            out[(fold_key(_short(province)), fold_key(_short(district)))].add(d_kind.lower())
    return out


def has_units(parent: str) -> bool:
    """The table lists units under `parent` (a district or province name as printed)."""
    return bool(_children().get(fold_key(parent)))


def is_under(name: str, parent: str) -> bool:
    """`name` is a unit directly under `parent` (of whatever kind)."""
    return bool(_child_kinds().get((fold_key(parent), fold_key(name))))


def kind_under(name: str, parent: str) -> str | None:
    """The unit word of `name` as a unit directly under `parent` ("Vân Nội" under "Đông Anh" → "xã"), when
    the table knows it there with one word only."""
    kinds = _child_kinds().get((fold_key(parent), fold_key(name)), set())
    return next(iter(kinds)) if len(kinds) == 1 else None


def completed_under(name: str, parent: str) -> str | None:
    """The one unit of `parent` whose name ends with `name` and is longer ("Định" under "Hải Hậu" → "Yên
    Định"), when `name` is no unit of `parent` itself; None otherwise."""
    kids = _children().get(fold_key(parent))
    key = fold_key(name)
    if not kids or not key or any(fold_key(k) == key for k in kids):
        return None
    fits = {k for k in kids if fold_key(k).endswith(" " + key)}
    return next(iter(fits)) if len(fits) == 1 else None


def restore_under(name: str, parent: str) -> tuple[str, bool]:
    """`name` read with a slip ("Nght Xá"), spelled as the one unit of `parent` ("Nghi Lộc") it is close to.

    The parent line of the header says where to look: among a district's twenty-odd communes a name two
    letters off is still unambiguous, as it never is among the country's ten thousand."""
    kids = _children().get(fold_key(parent))
    key = fold_key(name)
    if not kids or not key:
        return name, False
    near = sorted((Levenshtein.distance(fold_key(k), key), k) for k in kids)
    best_d, best = near[0]
    limit = 1 if len(key) <= 5 else 2
    if best_d == 0:
        return best, best != name
    if best_d <= limit and (len(near) == 1 or near[1][0] > best_d):
        return best, True
    return name, False


def only_spelling(name: str, unit: str | None) -> str | None:
    """The table's one spelling of `name`'s letters at the level of `unit` ("Đủy Xuyên" → "Duy Xuyên"), when
    `name` is spelled no way the table knows; None when it is, or when its letters name several units
    ("Đặng" and "Dang" stay apart)."""
    if is_spelled(name):
        return None
    level = UNIT_LEVEL.get(unit or "", "any")
    levels = ("province", "district", "ward") if level == "any" else (level,)
    spellings = {s for lvl in levels for s in _names()[lvl].get(fold_key(name), ())}
    return next(iter(spellings)) if len(spellings) == 1 else None


@lru_cache(maxsize=4096)
def nearest(name: str) -> str | None:
    """The one known district or ward name a single letter away from `name` ("Hòa Vũng" → "Hòa Vang"), if
    there is exactly one; for names of two words or more, where one letter still leaves them far apart."""
    key = fold_key(name)
    if len(key.split()) < 2 or len(key) < 7 or is_known(name):
        return None
    hits = {k for lvl in ("district", "ward") for k in _names()[lvl] if abs(len(k) - len(key)) <= 1
            and Levenshtein.distance(k, key) == 1}
    if len(hits) != 1:
        return None
    spellings = {s for lvl in ("district", "ward") for s in _names()[lvl].get(next(iter(hits)), ())}
    return sorted(spellings)[0] if len(spellings) == 1 else None
