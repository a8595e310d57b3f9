"""Administrative units, old (63 provinces, with districts) and 2025 (34 provinces, no districts).

A record keeps the names it was issued under; at index time we resolve them with PyPI
`vietnamadminunits` and index old and new names alike, so a clerk filtering by today's commune or
province finds records issued under the old ones ("xã Nghĩa Lạc, huyện Nghĩa Hưng, tỉnh Nam Định" is
found by "Nghĩa Sơn" and by "Ninh Bình").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from extractors.vietnamese import fold_key, normalize_text

log = logging.getLogger("sohoa.search.places")

MERGER_DATE = "2025-07-01"  # districts abolished, provinces and communes merged (Resolution 202/2025/QH15)

# The unit phrase at the end of an issuer or in a header line: "Ủy ban nhân dân xã Nghĩa Lạc" -> "xã Nghĩa Lạc".
# Longer type names first so "thị xã" is not read as "xã".
_UNIT = re.compile(
    r"\b(thị trấn|thị xã|thành phố|xã|phường|huyện|quận|tỉnh|đặc khu)\s+([^\n,;()]+?)\s*$",
    re.IGNORECASE,
)
_UNIT_ANYWHERE = re.compile(
    r"\b(thị trấn|thị xã|thành phố|xã|phường|huyện|quận|tỉnh|đặc khu)\s+([^\n,;()]+)",
    re.IGNORECASE,
)
_TYPE_PREFIX = re.compile(r"^(thi tran|thi xa|thanh pho|xa|phuong|huyen|quan|tinh|dac khu)\s+")
# What clerks type for unit types and the big cities
_QUERY_ALIASES = [
    (re.compile(r"^tp\.?\s*hcm$|^hcm$|^tphcm$|^sai gon$"), "ho chi minh"),
    (re.compile(r"^tp\.?\s*hn$"), "ha noi"),
    (re.compile(r"^tp\.?\s*"), "thanh pho "),
    (re.compile(r"^tx\.?\s+"), "thi xa "),
    (re.compile(r"^tt\.?\s+"), "thi tran "),
    (re.compile(r"^p\.\s*"), "phuong "),
    (re.compile(r"^x\.\s*"), "xa "),
    (re.compile(r"^q\.\s*"), "quan "),
    (re.compile(r"^h\.\s*"), "huyen "),
    (re.compile(r"^t\.\s*"), "tinh "),
]


@dataclass(frozen=True)
class Units:
    """Resolved units of one place; any level may be unknown."""

    old_province: str | None = None
    old_district: str | None = None
    old_ward: str | None = None
    new_province: str | None = None
    new_ward: str | None = None
    short_names: tuple[str, ...] = field(default=())
    predecessors: tuple[str, ...] = field(default=())  # old units merged into a 2025 commune

    def full_names(self) -> list[str]:
        units = (self.old_ward, self.old_district, self.old_province, self.new_ward, self.new_province)
        return [n for n in units if n] + list(self.predecessors)


def _vau() -> Any:
    """Import vietnamadminunits once, with its network geocoding switched off.

    When an old commune was split, its converter geocodes the street through ArcGIS to pick the new
    commune. Indexing must never call the network (offline offices, personal data), so geocoding
    answers "unknown" and the converter falls back to the default successor commune.
    """
    import vietnamadminunits
    from vietnamadminunits.converter import converter_2025

    converter_2025.get_geo_location = lambda _address: None
    return vietnamadminunits


@lru_cache(maxsize=1)
def _library() -> Any:
    try:
        return _vau()
    except Exception as exc:  # pragma: no cover - the package is a declared dependency
        log.warning("places: vietnamadminunits unavailable (%s); place names are indexed as printed", exc)
        return None


@lru_cache(maxsize=20_000)
def unit_phrase(text: str | None) -> str | None:
    """'Ủy ban nhân dân xã Nghĩa Lạc' -> 'xã Nghĩa Lạc'; None if the text names no unit."""
    if not text:
        return None
    m = _UNIT.search(normalize_text(text, keep_newlines=False))
    return f"{m.group(1)} {m.group(2)}".strip() if m else None


def header_units(text: str | None, max_lines: int = 8) -> list[str]:
    """Unit phrases of the agency lines at the top of a document ('ỦY BAN NHÂN DÂN HUYỆN NGHĨA HƯNG')."""
    if not text:
        return []
    out = []
    for line in text.split("\n", max_lines)[:max_lines]:
        # agency lines are printed in capitals; the summary ("... xã hội ...") and the motto are not
        if line != line.upper() or "CỘNG HÒA" in line or "CỘNG HOÀ" in line:
            continue
        m = _UNIT_ANYWHERE.search(line)
        if m:
            out.append(f"{m.group(1)} {m.group(2)}".strip())
    return out


def _ward_within_province(lib: Any, ward_text: str, province_key: str) -> tuple[str, str] | None:
    """An issuer names its own commune only; find that commune among the districts of the province.
    Unique match or nothing: two communes of the same name in one province stay unresolved."""
    from vietnamadminunits.parser import parser_legacy
    from vietnamadminunits.parser.utils import key_normalize

    key = key_normalize(ward_text)
    found = []
    for district_key, wards in parser_legacy.DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED.get(province_key, {}).items():
        for ward in wards.values():
            if key in ward["wardKeywords"]:
                found.append((ward["ward"], parser_legacy.DICT_PROVINCE_DISTRICT[province_key][district_key]["district"]))
    return found[0] if len(found) == 1 else None


@lru_cache(maxsize=1)
def _successor_index() -> dict[tuple[str, str], list[str]]:
    """(2025 province key, 2025 commune key) -> old 'province_district_ward' keys merged into it."""
    from vietnamadminunits.converter import converter_2025 as conv

    index: dict[tuple[str, str], list[str]] = {}
    for province, wards in conv.DICT_PROVINCE_WARD_NO_DIVIDED.items():
        for ward, old_keys in wards.items():
            index.setdefault((province, ward), []).extend(old_keys)
    for province, divided in conv.DICT_PROVINCE_WARD_DIVIDED.items():
        for old_key, successors in divided.items():
            for successor in successors:
                index.setdefault((province, successor["newWardKey"]), []).append(old_key)
    return index


@lru_cache(maxsize=20_000)
def _predecessors(province_key: str, ward_key: str) -> tuple[str, ...]:
    """Names of the old communes, districts and provinces a 2025 commune was made of, so a record
    issued after the merger is found by the names clerks still use."""
    from vietnamadminunits.parser import parser_legacy as legacy

    names: list[str] = []
    for old_key in _successor_index().get((province_key, ward_key), []):
        parts = old_key.split("_")
        if len(parts) != 3:
            continue
        p, d, w = parts
        province = legacy.DICT_PROVINCE.get(p)
        district = legacy.DICT_PROVINCE_DISTRICT.get(p, {}).get(d)
        ward = (legacy.DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED.get(p, {}).get(d, {}).get(w)
                or legacy.DICT_PROVINCE_DISTRICT_WARD_ACCENTED.get(p, {}).get(d, {}).get(w))
        for unit, full, short in ((ward, "ward", "wardShort"), (district, "district", "districtShort"),
                                  (province, "province", "provinceShort")):
            if unit:
                names.extend([unit[full], unit[short]])
    return tuple(dict.fromkeys(names))


def _part_key(hint: str) -> str:
    """' xa nghia lac , nam dinh ': folded words, parts kept apart so no name spans two parts."""
    return " " + " , ".join(fold_key(p) for p in hint.split(",")) + " "


@lru_cache(maxsize=2)
def _province_names(after_merger: bool) -> list[tuple[str, str]]:
    """(folded short name, full name) of every province of one era, longest names first."""
    if after_merger:
        from vietnamadminunits.parser.parser_from_2025 import DICT_PROVINCE
    else:
        from vietnamadminunits.parser.parser_legacy import DICT_PROVINCE
    names = [(fold_key(v["provinceShort"]), v["province"]) for v in DICT_PROVINCE.values()]
    return sorted(names, key=lambda n: -len(n[0]))


@lru_cache(maxsize=20_000)
def _with_province(hint: str, after_merger: bool) -> str:
    """The hint with its province named once more, last, in full.

    The library reads the last province-like keyword of the whole string, abbreviations included,
    and inside words: "xã Bình Nghĩa" contains "hn" (Hà Nội), "Xuân Giang" reads as An Giang. A
    province named last, in full, wins. Without any province, a district part alone ("thành phố Chí
    Linh") tells it.
    """
    from vietnamadminunits import ParseMode, parse_address

    key = _part_key(hint)
    for short, full in _province_names(after_merger):
        # a province named as such, not as a commune ("phường Nam Định") or a district ("huyện X")
        if f" {short} " in key and not re.search(rf"\b(xa|phuong|thi tran|huyen|quan) {re.escape(short)}\b", key):
            # the province once, last: a repeated name makes the library read it as a district too
            same = {short, fold_key(full)}
            parts = [p for p in hint.split(",") if fold_key(p) not in same]
            return ", ".join([*(p.strip() for p in parts), full])
    if after_merger:
        return hint
    for part in hint.split(","):
        if not re.search(r"\b(huyện|quận|thị xã|thành phố)\b", part, re.I):
            continue
        alone = parse_address(part, mode=ParseMode.LEGACY, keep_street=False, level=2)
        if alone.province and alone.district and fold_key(alone.district) == fold_key(part):
            return f"{hint}, {alone.province}"
    return hint


@lru_cache(maxsize=20_000)
def resolve(hint: str, after_merger: bool = False) -> Units:
    """Resolve a comma-separated hint ('xã Nghĩa Lạc, huyện Nghĩa Hưng, Nam Định') to old and new units."""
    lib = _library()
    if lib is None or not hint.strip():
        return Units()
    from vietnamadminunits import ParseMode, convert_address, parse_address

    given = hint
    key = _part_key(hint)

    def named(short: str | None, ward: bool = False) -> bool:
        # the library matches keywords inside longer words ("phuonghoangtan" contains "huonghoa") and
        # across levels (ward "Định Hòa" taken for district "Định Hóa"): keep a unit only if its name is
        # in the hint as whole words, and a district or province not where the hint names a commune
        if not short:
            return False
        name = fold_key(short)
        if f" {name} " not in key:
            return False
        return ward or not re.search(rf"(?<!thi )\b(xa|phuong|thi tran) {re.escape(name)}\b", key)

    try:
        if after_merger:
            new = parse_address(_with_province(given, True), mode=ParseMode.FROM_2025, keep_street=False, level=2)
            ward_ok = named(new.short_ward, ward=True)
            if new.province and (named(new.short_province) or ward_ok):
                return Units(new_province=new.province, new_ward=new.ward if ward_ok else None,
                             short_names=tuple(n for n in (new.short_province, new.short_ward if ward_ok else None) if n),
                             predecessors=_predecessors(new.province_key, new.ward_key) if ward_ok else ())
        hint = _with_province(given, False)
        key = _part_key(hint)
        old = parse_address(hint, mode=ParseMode.LEGACY, keep_street=False, level=3)
        province_ok, district_ok = named(old.short_province), named(old.short_district)
        if not old.province or not (province_ok or district_ok):
            return Units()
        ward, district = (old.ward if named(old.short_ward, ward=True) else None), (old.district if district_ok else None)
        if not ward:
            ward_part = next((p for p in hint.split(",") if re.search(r"\b(xã|phường|thị trấn)\b", p, re.I)), None)
            found = _ward_within_province(lib, ward_part, old.province_key) if ward_part else None
            if found and (district is None or found[1] == district):
                ward, district = found
        # Canonical names only, no street: the converter then has nothing to geocode
        canonical = ", ".join(n for n in (ward, district, old.province) if n)
        new = convert_address(canonical)
        reparsed = parse_address(canonical, mode=ParseMode.LEGACY, keep_street=False, level=3)
        shorts = [reparsed.short_province, reparsed.short_district, reparsed.short_ward, new.short_province,
                  new.short_ward]
        return Units(
            old_province=reparsed.province, old_district=reparsed.district, old_ward=reparsed.ward,
            new_province=new.province, new_ward=new.ward, short_names=tuple(n for n in shorts if n),
        )
    except Exception as exc:  # a library hiccup must never stop indexing
        log.debug("places: cannot resolve %r: %s", hint, exc)
        return Units()


def place_key(name: str) -> str:
    return fold_key(name)


def keys_for_names(names: Iterable[str]) -> set[str]:
    """Each unit name with and without its type: 'Xã Nghĩa Lạc' -> {'xa nghia lac', 'nghia lac'}."""
    keys: set[str] = set()
    for name in names:
        key = place_key(name)
        if not key:
            continue
        keys.add(key)
        stripped = _TYPE_PREFIX.sub("", key)
        if stripped:
            keys.add(stripped)
    return keys


@dataclass(frozen=True)
class RecordPlaces:
    keys: tuple[str, ...]  # filter keys (folded, with and without unit type)
    names: tuple[str, ...]  # display names, old and new, for free-text search
    new_issuer: str | None = None  # the issuer renamed after its 2025 successor unit


def record_places(record: Mapping[str, Any]) -> RecordPlaces:
    """All old and new unit names a record is about: issuer, place-and-date line, addresses."""
    fields = record.get("fields") or {}
    issue_date = str(fields.get("issue_date") or "")
    addresses = tuple(
        v for name in ("subject_address", "business_address", "address", "place_of_birth")
        if isinstance(v := fields.get(name), str) and v.strip()
    )
    return _places(fields.get("issuer"), fields.get("place"), tuple(header_units(record.get("text"))), addresses,
                   bool(issue_date) and issue_date >= MERGER_DATE)


@lru_cache(maxsize=50_000)
def _places(issuer: str | None, place: str | None, header: tuple[str, ...], addresses: tuple[str, ...],
            after: bool) -> RecordPlaces:
    # cached as a whole: a commune's records share issuer, place line and header
    issuer_unit = unit_phrase(issuer)
    hints = []
    # lowest unit first, the agency's parent units last: the library reads the last province-like
    # word as the province, and "Xuân Giang" at the end would read as An Giang
    main = [p for p in [issuer_unit, place, *reversed(header)] if p]
    if main:
        hints.append(", ".join(dict.fromkeys(main)))
    hints.extend(addresses)
    names: list[str] = [p for p in (issuer_unit, place) if p]
    new_issuer = None
    for i, hint in enumerate(hints):
        units = resolve(hint, after)
        names.extend(units.full_names())
        names.extend(units.short_names)
        # the issuer's own unit, renamed: "Ủy ban nhân dân xã Nghĩa Lạc" -> "... xã Nghĩa Sơn"
        renamed = i == 0 and not after and issuer and issuer_unit and units.new_ward and units.old_ward
        if renamed and fold_key(issuer_unit) == fold_key(units.old_ward):
            issuer_text = normalize_text(issuer, keep_newlines=False)
            new_issuer = issuer_text[: len(issuer_text) - len(issuer_unit)] + units.new_ward[0].lower() + units.new_ward[1:]
    unique = tuple(dict.fromkeys(n for n in names if n))
    return RecordPlaces(keys=tuple(sorted(keys_for_names(unique))), names=unique, new_issuer=new_issuer)


def query_place_keys(text: str) -> list[str]:
    """A clerk's place filter -> the keys that must all match: 'xã Nghĩa Sơn, Ninh Bình' ->
    ['xa nghia son', 'ninh binh']."""
    keys = []
    for part in text.split(","):
        key = place_key(part)
        if not key:
            continue
        for pattern, replacement in _QUERY_ALIASES:
            if pattern.search(key):
                key = pattern.sub(replacement, key, count=1).strip()
                break
        keys.append(re.sub(r"\s+", " ", key))
    return keys
