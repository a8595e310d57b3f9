"""Find the document-number line and the place-and-date line in OCR text, and compare them to annotations."""

from __future__ import annotations

import re

from extractors.vietnamese import fold

_NUMBER = re.compile(r"^\s*S[ốoôồổớ6]\s*[:;.,]?\s*(.*)$", re.IGNORECASE)
_DATE = re.compile(r"ngay\s*(\S{0,4}?)\s*thang\s*([0-9OoIl]{1,2})\s*nam\s*([0-9]{4})", re.IGNORECASE)


def _digits(s: str) -> str:
    return s.translate(str.maketrans("OoIl", "0011"))


def header_lines(text: str, annotation: dict) -> dict:
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    head = lines[:40]
    fields = annotation["fields"]
    want_number = fields.get("doc_number", "").replace(" ", "")
    want_symbol = want_number.split("/", 1)[1] if "/" in want_number else ""
    number_line = next((ln for ln in head if _NUMBER.match(ln)), "")
    got = _NUMBER.match(number_line).group(1).replace(" ", "") if number_line else ""
    got_symbol = got.split("/", 1)[1] if "/" in got else ""
    date_line, day, month, year = "", "", "", ""
    for ln in head:
        m = _DATE.search(fold(ln))
        if m:
            date_line = ln
            day, month, year = _digits(m.group(1)), _digits(m.group(2)), m.group(3)
            break
    want_y, want_m, want_d = (fields.get("issue_date") or "--").split("-")
    month_year = bool(month) and int(month) == int(want_m) and year == want_y
    date_exact = month_year and day.isdigit() and int(day) == int(want_d)
    return {
        "number_line": number_line, "date_line": date_line,
        "number_line_found": bool(number_line), "date_line_found": bool(date_line),
        "symbol_exact": bool(want_symbol) and fold(got_symbol) == fold(want_symbol),
        "number_exact": bool(want_number) and got == want_number,
        "month_year_exact": month_year, "date_exact": date_exact,
        "number_match": "yes" if got == want_number else ("sym" if fold(got_symbol) == fold(want_symbol) else "no"),
        "date_match": "yes" if date_exact else ("m/y" if month_year else "no"),
    }
