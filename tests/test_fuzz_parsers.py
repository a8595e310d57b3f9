"""Fuzzing every parser of dates, ID numbers, document numbers, names, places and issuers (Hypothesis).

Two kinds of property: no parser raises on any text (any Unicode, Vietnamese letters in NFC and NFD,
combining marks, control characters, the words parsers look for in any order, very long strings), and
the round trips that apply (an ISO date printed the Vietnamese way parses back to itself, normalising
twice changes nothing, a valid ID printed with spaces or dots reads back and validates).

The profile `sohoa-fuzz` keeps the suite fast (200 examples a test); `SOHOA_FUZZ_EXAMPLES=5000` digs deeper.
Examples that once crashed a parser are kept with @example.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from config.doctypes import FIELD_TYPES, get_rules
from extractors import field_values, issuer, normalise, places
from extractors.docview import Line
from extractors.layout import Word
from extractors.vietnamese import (
    fold,
    fold_key,
    is_vietnamese_letter,
    is_vietnamese_syllable,
    nfc,
    normalize_text,
    normalize_tones,
    normalize_whitespace,
    place_tone,
)
from schemas import validate
from schemas.codes import CENTURY_SEX_DIGITS, PROVINCE_CODES
from search import keys as search_keys
from search import places as search_places
from search.query import Query, date_int, folded_tokens, tokens
from tests.fixtures.vocab import GIVEN_FEMALE, GIVEN_MALE, MIDDLE_FEMALE, MIDDLE_MALE, SURNAMES

settings.register_profile(
    "sohoa-fuzz", max_examples=int(os.environ.get("SOHOA_FUZZ_EXAMPLES", "200")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("sohoa-fuzz")
RULES = get_rules()
COMMON = RULES.common
KNOWN_SYMBOLS = field_values.known_symbols(RULES)
TODAY = dt.date.today()

# ---------------------------------------------------------------------------------------------- strategies

VIET = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
COMBINING = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b\u0340\u0341\u0344\u0345\u20dd"
CONTROL = "".join(map(chr, range(32))) + "\x7f\x85\u00a0\u00ad\u200b\u200d\u2028\u2029\u202e\ufeff\ufffd"
ODD_DIGITS = "０１２３４５６７８９٠١٢٣٤٥٦٧٨٩²³¹½"  # full-width, Arabic-Indic, superscripts: str.isdigit() says yes
PUNCT = " /.-:,;()'\"…·_–—&|!][+*"
# words and pieces the parsers look for, so random text reaches their inner branches
FRAGMENTS = [
    "ngày", "tháng", "năm", "NGÀY", "Ngày", "ngay", "thang", "nam", "Số:", "số", "So", "/", "-", "QĐ-UBND",
    "QĐ", "UBND", "HĐND", "TTr", "ĐC", "Ủy ban nhân dân", "ỦY BAN NHÂN DÂN", "UBND", "xã", "XÃ", "phường",
    "huyện", "HUYỆN", "quận", "thị xã", "thị trấn", "thành phố", "tỉnh", "TỈNH", "Nam Định", "NAM ĐỊNH",
    "Nghĩa Lạc", "Hòa Vang", "Quảng Ngãi", "QUANG NGAI", "Phòng", "Sở", "Ban", "X.", "H.", "T.", "TP.", "P.",
    "Ông", "Bà", "Nguyễn", "Thị", "Văn", "Hà", "NGUYÊN", "Điều", "l", "O", "I", "0", "1", "06", "12", "2021",
    "1990", "31", "29", "02", "036", "220", "614", "006", "036220614006", "0101234567", "-001", "75A8478825",
    "000.00.01.H29-240115-0001", "01/2021", "Nam", "Nữ", "chưa đăng ký kết hôn", "V/v", "Về việc", "....",
    "……", ":", ",", "\n", "\t", "\u0301", "\u0323", "Ð", "ð", "٣", "²",
]
ALPHABET = VIET + VIET.upper() + COMBINING + CONTROL + ODD_DIGITS + PUNCT + "0123456789fjwzFJWZ"

fragment_text = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(" ".join)
mixed_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(ALPHABET, max_size=6)), max_size=25).map(
    lambda parts: "".join(parts))
long_text = st.builds(lambda unit, n: (unit * n)[:30_000], st.one_of(st.sampled_from(FRAGMENTS).map(lambda f: f + " "),
                                                                     st.text(ALPHABET, min_size=1, max_size=12)),
                      st.integers(100, 3000))
nfd_text = st.one_of(fragment_text, st.text(VIET + VIET.upper() + " ", max_size=60)).map(
    lambda s: unicodedata.normalize("NFD", s))
any_text = st.one_of(st.text(max_size=200), st.text(ALPHABET, max_size=200), fragment_text, mixed_text,
                     nfd_text, long_text)


def _is_nfc_clean(value: str) -> bool:
    """A stored string: NFC, single spaces, no edge whitespace."""
    return unicodedata.is_normalized("NFC", value) and value == value.strip() and "  " not in value


# ---------------------------------------------------------------------------------------------- Vietnamese text


@FUZZ
@given(any_text)
@example("İ")  # casefold gives i + a combining dot
@example("AṆ̀")  # normalize_text gave 'ẠN' + a combining grave, not NFC: found by Hypothesis
@example("a\u200b\u0301")  # a zero-width space between a letter and its mark
@example("OÈ̆")  # normalize_text's tone moved twice: found by Hypothesis
def test_vietnamese_text_functions_never_raise_and_are_idempotent(text):
    assert unicodedata.is_normalized("NFC", normalize_text(text))
    assert unicodedata.is_normalized("NFC", normalize_text(text, keep_newlines=False))
    for once, again in ((nfc(text), nfc), (normalize_text(text), normalize_text),
                        (normalize_text(text, keep_newlines=False), lambda t: normalize_text(t, keep_newlines=False)),
                        (normalize_whitespace(text), normalize_whitespace), (fold(text), fold),
                        (fold_key(text), fold_key), (normalize_tones(text), normalize_tones)):
        assert again(once) == once
    assert fold_key(unicodedata.normalize("NFD", text)) == fold_key(text)
    for token in text.split()[:50]:
        is_vietnamese_syllable(token)
        assert fold(place_tone(token)) == fold(token)
    for ch in text[:200]:
        is_vietnamese_letter(ch)


# ---------------------------------------------------------------------------------------------- dates


def _valid_iso_or_none(value: str | None) -> bool:
    if value is None:
        return True
    d = dt.date.fromisoformat(value)
    return dt.date(1900, 1, 1) <= d <= TODAY


@FUZZ
@given(any_text)
@example("1²/06/2021")  # a superscript is a digit to str.isdigit() but not to int()
@example("ngày ٣ tháng 6 năm 2021")
@example(("036220614006 " * 100)[:30000])  # make_date: a C long overflow, found by Hypothesis
def test_date_parsers_never_raise(text):
    assert _valid_iso_or_none(normalise.parse_date(text).value)
    parts = (text.split() + ["", "", ""])[:3]
    assert _valid_iso_or_none(normalise.make_date(*parts).value)
    validate.check_date(text)
    date_int(text)
    validate.check_date_order({"subject_dob": text, "issue_date": "2021-01-01", "date_of_death": text})


@FUZZ
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY), st.sampled_from(range(8)),
       st.sampled_from(["", "Nam Định, ", "Quảng Ngãi, ", "Hà Nội, ", "Đăng ký ngày: "]))
def test_an_iso_date_printed_the_vietnamese_way_parses_back(day, style, prefix):
    d, m, y = day.day, day.month, day.year
    printed = [
        f"ngày {d:02d} tháng {m:02d} năm {y}", f"ngày {d} tháng {m} năm {y}",
        f"NGÀY {d:02d} THÁNG {m:02d} NĂM {y}", unicodedata.normalize("NFD", f"ngày {d:02d} tháng {m:02d} năm {y}"),
        f"{d:02d}/{m:02d}/{y}", f"{d:02d}.{m:02d}.{y}", f"{d}-{m}-{y}", day.isoformat(),
    ][style]
    assert normalise.parse_date(prefix + printed).value == day.isoformat(), printed
    assert validate.check_date(day.isoformat()) == []
    assert date_int(day.isoformat()) == int(day.strftime("%Y%m%d"))


# ---------------------------------------------------------------------------------------------- ID numbers


@FUZZ
@given(any_text)
@example("٠٣٦٢٢٠٦١٤٠٠٦")  # Arabic-Indic digits match \d: check_personal_id raised KeyError
@example("0362²0614006")
def test_id_parsers_never_raise(text):
    for lengths in ((12,), (9,), (12, 9)):
        value = normalise.digits_field(text, lengths).value
        assert value is None or (value.isascii() and value.isdigit() and len(value) in lengths)
    for fn in (normalise.tax_code_value, normalise.business_reg_value, normalise.book_number_value,
               normalise.dossier_code_value):
        out = fn(text).value
        assert out is None or out.isascii()
    validate.check_personal_id(text, dob=text, sex="Nữ")
    validate.check_old_id(text)
    validate.check_any_id(text, dob="2000-01-01", sex="Nam")
    validate.check_tax_code(text)
    search_keys.id_digits(text)
    search_keys.is_personal_id(text)
    validate.check_fields({"subject_id": text, "subject_dob": text, "tax_code": text, "issue_date": text,
                           "husband_id": text, "wife_id": text, "valid_until": text})


@st.composite
def personal_ids(draw) -> tuple[str, str, str]:
    """(12-digit ID, date of birth, sex) that agree: province, century/sex digit, year of birth."""
    dob = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sex = draw(st.sampled_from(["Nam", "Nữ"]))
    digit = next(k for k, (century, female) in CENTURY_SEX_DIGITS.items()
                 if century == dob.year - dob.year % 100 and female == (sex == "Nữ"))
    rest = draw(st.text("0123456789", min_size=6, max_size=6))
    return f"{draw(st.sampled_from(sorted(PROVINCE_CODES)))}{digit}{dob.year % 100:02d}{rest}", dob.isoformat(), sex


def _grouped(digits: str, size: int, sep: str) -> str:
    return sep.join(digits[i:i + size] for i in range(0, len(digits), size))


@FUZZ
@given(personal_ids(), st.sampled_from([(12, ""), (3, " "), (3, "."), (4, " "), (6, " ")]),
       st.sampled_from(["", "Số định danh cá nhân: ", "CCCD số ", "Số CMND/CCCD: "]))
def test_a_valid_personal_id_reads_back_and_validates_in_any_spacing(person, grouping, label):
    pid, dob, sex = person
    printed = label + _grouped(pid, grouping[0], grouping[1])
    assert normalise.digits_field(printed, (12,)).value == pid, printed
    assert normalise.digits_field(printed, (12, 9)).value == pid
    assert validate.check_personal_id(pid, dob=dob, sex=sex) == []
    assert validate.check_any_id(pid, dob=dob, sex=sex) == []
    assert search_keys.id_digits(printed.split(":")[-1]) == pid
    if grouping in ((12, ""), (3, " "), (4, " ")) and label == "":  # the forms a clerk types
        assert Query(text=printed).plan().ids == [pid]


@FUZZ
@given(st.text("0123456789", min_size=9, max_size=9), st.sampled_from([(9, ""), (3, " "), (3, ".")]))
def test_a_nine_digit_id_reads_back_and_validates(old_id, grouping):
    printed = "CMND số " + _grouped(old_id, *grouping)
    assert normalise.digits_field(printed, (9,)).value == old_id
    assert validate.check_old_id(old_id) == [] and validate.check_any_id(old_id) == []
    assert search_keys.is_personal_id(old_id)


@FUZZ
@given(st.text("0123456789", min_size=9, max_size=9), st.one_of(st.none(), st.text("0123456789", min_size=3,
                                                                                    max_size=3)))
def test_a_valid_tax_code_reads_back_and_validates(first9, branch):
    check = validate.tax_check_digit(first9)
    code = f"{first9}{check if check is not None else 0}" + (f"-{branch}" if branch else "")
    assert normalise.tax_code_value(f"Mã số thuế: {code}").value == code
    issues = validate.check_tax_code(code)
    if check is None:
        assert [i.severity for i in issues] == ["warning"]
    else:
        assert issues == []


# ---------------------------------------------------------------------------------------------- document numbers


@FUZZ
@given(any_text)
@example("²/QĐ-UBND")
def test_doc_number_parsers_never_raise_and_are_idempotent(text):
    parsed = normalise.parse_doc_number(text, KNOWN_SYMBOLS)
    if parsed.value is not None:
        assert normalise.parse_doc_number(parsed.value, KNOWN_SYMBOLS).value == parsed.value
        assert " " not in parsed.value
    field_values.doc_number_value(RULES, text)
    normalise.repair_symbol(text, KNOWN_SYMBOLS)
    key = search_keys.doc_number_key(text)
    if key is not None:
        assert search_keys.doc_number_key(key) == key
    Query(text=text).plan()


@FUZZ
@given(st.integers(1, 999_999), st.lists(st.sampled_from(KNOWN_SYMBOLS), min_size=1, max_size=3),
       st.sampled_from(["{n}/{s}", "{n} / {s}", "Số: {n}/{s}", "Số {n} /{s}", "số:{n}/ {s}"]),
       st.sampled_from(["-", " - ", " -", "- "]))
def test_a_doc_number_in_any_spacing_reads_back(number, symbols, template, dash):
    value = f"{number}/{'-'.join(symbols)}"
    printed = template.format(n=number, s=dash.join(symbols)).removeprefix("Số: ").removeprefix("Số ")
    printed = printed.removeprefix("số:")
    assert normalise.parse_doc_number(printed, KNOWN_SYMBOLS).value == value, printed
    assert search_keys.doc_number_key(printed) == search_keys.doc_number_key(value)
    assert search_keys.doc_number_key(template.format(n=number, s=dash.join(symbols))) == \
        search_keys.doc_number_key(value)


# ---------------------------------------------------------------------------------------------- person names


@FUZZ
@given(any_text)
def test_name_parsers_never_raise(text):
    out = normalise.title_case_name(text, COMMON.surnames)
    if out.value is not None:
        assert _is_nfc_clean(out.value)
    field_values.normalise(RULES, "name", text)
    search_keys.name_key(text)
    assert _is_nfc_clean(search_keys.clean_name(text)) or not search_keys.clean_name(text)
    normalise.sex_value(text, COMMON.sex_values)
    normalise.upper_text(text)
    normalise.title_upper(text, COMMON.signer.titles)


@st.composite
def person_names(draw) -> str:
    female = draw(st.booleans())
    surname = draw(st.sampled_from([s for s, _ in SURNAMES]))
    middle = draw(st.sampled_from([m for m, _ in (MIDDLE_FEMALE if female else MIDDLE_MALE)]))
    given_name = draw(st.sampled_from(GIVEN_FEMALE if female else GIVEN_MALE))
    return f"{surname} {middle} {given_name}"


@FUZZ
@given(person_names(), st.sampled_from(["upper", "lower", "nfd", "spaces", "honorific", "clause"]))
def test_a_name_in_any_case_or_form_reads_back_in_title_case(name, form):
    printed = {
        "upper": name.upper(), "lower": name.lower(), "nfd": unicodedata.normalize("NFD", name.upper()),
        "spaces": "  " + name.replace(" ", "   ") + " ", "honorific": f"Ông {name}" if "Thị" not in name else f"Bà {name}",
        "clause": f"{name.upper()}, sinh năm 1990",
    }[form]
    out = normalise.title_case_name(printed, COMMON.surnames)
    assert out.value == name, (printed, out)
    assert normalise.title_case_name(out.value, COMMON.surnames).value == out.value
    assert search_keys.name_key(printed) == search_keys.name_key(name) or form in ("honorific", "clause")


# ---------------------------------------------------------------------------------------------- places, addresses


UNITS = [None, *normalise._UNIT_SPELLING]


@FUZZ
@given(any_text, st.sampled_from(UNITS))
@example("AṆ̀", None)
def test_address_and_place_parsers_never_raise(text, unit):
    out = normalise.expand_address(text, COMMON.address_abbreviations)
    if out.value is not None:
        assert unicodedata.is_normalized("NFC", out.value)
    normalise.restore_address_names(text)
    normalise.split_unit(text)
    normalise.place_name_case(text, unit)
    if unit is not None:
        normalise.unit_phrase(unit, text)
    field_values.place_value(text)
    field_values.marital_value(text, COMMON.marital_values)
    restored, _ = places.restore(text, unit)
    assert fold_key(restored) == fold_key(normalize_text(text, keep_newlines=False)) or places.is_province(restored)
    places.is_known(text)
    places.is_province(text)
    places.unit_kind(text, "district")
    places.unit_kind(text, "province")


PROVINCES = sorted({n for names in places._names()["province"].values() for n in names})


@FUZZ
@given(st.sampled_from(PROVINCES), st.sampled_from(["fold", "upper", "fold_upper", "nfd"]))
def test_a_province_stripped_of_its_marks_is_restored(name, form):
    printed = {"fold": fold(name), "upper": name.upper(), "fold_upper": fold(name).upper(),
               "nfd": unicodedata.normalize("NFD", name)}[form]
    restored, _ = places.restore(printed.title() if form != "nfd" else printed, "tinh")
    assert fold_key(restored) == fold_key(name) and places.is_province(restored), (printed, restored)
    assert search_places.query_place_keys(f"tỉnh {printed}") == [f"tinh {fold_key(name)}"]


@settings(FUZZ, max_examples=min(FUZZ.max_examples, 60))  # resolves through vietnamadminunits: slower
@given(any_text, any_text)
def test_search_place_parsers_never_raise(text, other):
    search_places.unit_phrase(text)
    search_places.header_units(text)
    keys = search_places.query_place_keys(text)
    assert all(k == k.strip() and "  " not in k for k in keys)
    search_places.keys_for_names([text, other])
    search_places.place_key(text)
    search_places.resolve(text[:300])
    search_places.record_places({"text": text[:2000], "fields": {"issuer": other[:200], "place": text[:100],
                                                                 "subject_address": other[:300],
                                                                 "issue_date": "2025-08-01"}})


# ---------------------------------------------------------------------------------------------- issuers


def _lines(text: str) -> list[Line]:
    out = []
    for i, row in enumerate(text.split("\n")[:6]):
        words = [Word(w, 10 + 60 * j, 20 + 40 * i, 60 + 60 * j, 50 + 40 * i) for j, w in enumerate(row.split()[:20])]
        if words:
            out.append(Line(words=words, page=0, page_width=2480, page_height=3508))
    return out


@FUZZ
@given(any_text, st.one_of(st.none(), any_text), st.one_of(st.none(), fragment_text))
def test_issuer_parsers_never_raise(text, parent, place):
    got = issuer.issuer_from_label(text, COMMON)
    if got is not None:
        assert unicodedata.is_normalized("NFC", got[0]) and 0.0 <= got[1] <= 1.0
    issuer.qualify(text, parent, COMMON, place)
    issuer.issuer_from_lines(_lines(text), COMMON, place)
    issuer.body_mentions([text, parent or ""])
    issuer.confirm_issuer(text, 0.8, [text, parent or ""], place)
    normalise.agency_case(text, COMMON.known_agencies, COMMON.agency_heads)
    normalise.expand_abbreviations(text, COMMON.abbreviations)


@FUZZ
@given(st.sampled_from(["UBND XÃ NGHĨA LẠC", "ỦY BAN NHÂN DÂN HUYỆN DUY TIÊN", "UBND TỈNH QUẢNG NGÃI",
                        "Ủy ban nhân dân xã Yên Khánh", "UBND PHƯỜNG HÒA KHÁNH BẮC"]),
       st.sampled_from(["as is", "nfd", "spaces"]))
def test_an_issuer_is_expanded_once_and_stays_so(printed, form):
    text = {"as is": printed, "nfd": unicodedata.normalize("NFD", printed),
            "spaces": "  " + printed.replace(" ", "  ")}[form]
    value, certainty, _ = issuer.issuer_from_label(text, COMMON)
    assert value.startswith("Ủy ban nhân dân ") and certainty > 0.5, value
    assert issuer.issuer_from_label(value, COMMON)[0] == value


# ---------------------------------------------------------------------------------------------- every field type, the query


@FUZZ
@given(st.sampled_from(FIELD_TYPES), any_text)
def test_every_field_type_normaliser_never_raises(kind, text):
    out = field_values.normalise(RULES, kind, text)
    assert out.value is None or isinstance(out.value, str)
    assert 0.0 <= out.certainty <= 1.0
    normalise.summary_text(text)
    normalise.plain_text(text)
    normalise.clean_value(text)
    normalise.repair_article(text, [text])
    normalise.tone_count(text)
    normalise.repair_digits(text)


@FUZZ
@given(any_text, st.one_of(st.none(), any_text), st.one_of(st.none(), any_text), st.integers(0, 50))
def test_the_query_model_never_raises(text, issuer_text, place, clauses):
    q = Query(text=text, issuer=issuer_text, place=place, doc_type=place)
    plan = q.plan()
    assert all(re.fullmatch(r"\d{9}|\d{12}", i) for i in plan.ids)
    for prop in ("has_terms", "name_key", "name_ends", "name_spans", "name_ends_exact", "diacritics_typed",
                 "fuzzy_words"):
        getattr(plan, prop)
    assert 1 <= plan.min_should_match(max(clauses, 1)) <= max(clauses, 1)
    tokens(text)
    folded_tokens(text)
