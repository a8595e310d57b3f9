"""Checks of field values, alone and against each other, with messages a clerk understands.

Each check returns `Issue`s instead of raising, so that the pipeline can keep a value and flag it, drop it,
or try an OCR repair and keep the repair only when it passes. The pydantic models of `schemas.fields` call
the same checks and raise on `error` issues; `warning` issues (a disputed tax-code check digit) never
reject a value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from schemas.codes import CENTURY_SEX_DIGITS, PROVINCE_CODES, TAX_CODE_WEIGHTS

Severity = Literal["error", "warning"]

FIELD_NAMES_VI: dict[str, str] = {
    "doc_type": "Loại văn bản", "doc_number": "Số văn bản", "book_number": "Quyển số",
    "issue_date": "Ngày ban hành/đăng ký", "issuer": "Cơ quan ban hành", "place": "Địa danh",
    "summary": "Trích yếu", "signer_name": "Người ký", "signer_title": "Chức vụ người ký",
    "subject_name": "Họ tên người được cấp", "subject_id": "Số định danh/CMND", "subject_dob": "Ngày sinh",
    "subject_sex": "Giới tính", "subject_address": "Địa chỉ", "father_name": "Họ tên cha",
    "mother_name": "Họ tên mẹ", "husband_name": "Họ tên chồng", "husband_id": "Số giấy tờ của chồng",
    "husband_dob": "Ngày sinh của chồng", "wife_name": "Họ tên vợ", "wife_id": "Số giấy tờ của vợ",
    "wife_dob": "Ngày sinh của vợ", "marital_status": "Tình trạng hôn nhân", "valid_until": "Có giá trị đến",
    "date_of_death": "Ngày chết", "business_name": "Tên hộ kinh doanh", "business_address": "Địa điểm kinh doanh",
    "tax_code": "Mã số thuế", "dossier_code": "Mã hồ sơ",
}

# Dates that may lie ahead of today (a confirmation valid for six months).
FUTURE_OK = {"valid_until"}
# (date that must not come first, date it must not precede)
DATE_ORDER: tuple[tuple[str, str], ...] = (
    ("subject_dob", "issue_date"), ("husband_dob", "issue_date"), ("wife_dob", "issue_date"),
    ("subject_dob", "date_of_death"), ("date_of_death", "issue_date"), ("issue_date", "valid_until"),
)
# (id field, date of birth field, sex field or a fixed sex)
ID_OWNERS: tuple[tuple[str, str, str | None], ...] = (
    ("subject_id", "subject_dob", "subject_sex"), ("husband_id", "husband_dob", "Nam"),
    ("wife_id", "wife_dob", "Nữ"),
)


@dataclass(frozen=True)
class Issue:
    field: str
    code: str
    vi: str
    en: str
    severity: Severity = "error"

    @property
    def text(self) -> str:
        name = FIELD_NAMES_VI.get(self.field, self.field)
        return f"{name} ({self.field}): {self.vi} / {self.en}"


# ---------------------------------------------------------------------------------------------- single values


def check_date(value: str, field: str = "date", today: dt.date | None = None) -> list[Issue]:
    try:
        d = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return [Issue(field, "date_invalid", f"ngày '{value}' không hợp lệ", f"'{value}' is not a real date")]
    today = today or dt.date.today()
    if field not in FUTURE_OK and d > today:
        return [Issue(field, "date_future", f"ngày {value} ở tương lai", f"{value} is in the future")]
    if d.year < 1900:
        return [Issue(field, "date_implausible", f"năm {d.year} không hợp lý", f"year {d.year} is implausible")]
    return []


def check_personal_id(value: str, field: str = "subject_id", dob: str | None = None,
                      sex: str | None = None) -> list[Issue]:
    """12-digit personal ID PPP G YY RRRRRR against the province table and the holder's birth and sex."""
    if not re.fullmatch(r"[0-9]{12}", value or ""):  # not \d: Arabic-Indic and other digits match it
        return [Issue(field, "id_format", f"'{value}' không phải 12 chữ số", f"'{value}' is not 12 digits")]
    issues = []
    if value[:3] not in PROVINCE_CODES:
        issues.append(Issue(field, "id_province", f"mã tỉnh '{value[:3]}' không có trong bảng mã",
                            f"province code '{value[:3]}' is not in the code table"))
    century, female = CENTURY_SEX_DIGITS[value[3]]
    if century > 2100:
        issues.append(Issue(field, "id_century", f"chữ số thế kỷ '{value[3]}' không hợp lệ",
                            f"century digit '{value[3]}' is not used"))
    if dob:
        try:
            year = dt.date.fromisoformat(dob).year
        except ValueError:
            year = None
        if year is not None and (year - year % 100 != century or f"{year % 100:02d}" != value[4:6]):
            issues.append(Issue(field, "id_dob_mismatch",
                                f"chữ số thế kỷ/năm sinh '{value[3:6]}' không khớp ngày sinh {dob}",
                                f"century/year digits '{value[3:6]}' disagree with the date of birth {dob}"))
    if sex in ("Nam", "Nữ") and (sex == "Nữ") != female:
        issues.append(Issue(field, "id_sex_mismatch", f"chữ số giới tính '{value[3]}' không khớp giới tính {sex}",
                            f"sex digit '{value[3]}' disagrees with sex {sex}"))
    return issues


def check_old_id(value: str, field: str = "subject_id") -> list[Issue]:
    if not re.fullmatch(r"[0-9]{9}", value or ""):
        return [Issue(field, "old_id_format", f"'{value}' không phải 9 chữ số (CMND)", f"'{value}' is not 9 digits")]
    return []


def check_any_id(value: str, field: str = "subject_id", dob: str | None = None, sex: str | None = None) -> list[Issue]:
    if re.fullmatch(r"[0-9]{9}", value or ""):
        return []
    if re.fullmatch(r"[0-9]{12}", value or ""):
        return check_personal_id(value, field, dob, sex)
    return [Issue(field, "id_format", f"'{value}' không phải số CCCD (12 số) hay CMND (9 số)",
                  f"'{value}' is neither a 12-digit personal ID nor a 9-digit ID card number")]


def tax_check_digit(first9: str) -> int | None:
    """Check digit of an enterprise/tax code, None where the formula gives 10 (a disputed case)."""
    s = sum(int(d) * w for d, w in zip(first9, TAX_CODE_WEIGHTS, strict=True))
    check = 10 - s % 11
    return None if check == 10 else check


def check_tax_code(value: str, field: str = "tax_code") -> list[Issue]:
    if not re.fullmatch(r"[0-9]{10}(-[0-9]{3})?", value or ""):
        return [Issue(field, "tax_format", f"'{value}' không đúng dạng 10 số (-3 số)",
                      f"'{value}' is not 10 digits (optionally -3 digits)")]
    expected = tax_check_digit(value[:9])
    if expected is None:
        # sources disagree on the case where the formula gives 10: report, do not reject
        return [Issue(field, "tax_check_disputed", "chữ số kiểm tra thuộc trường hợp còn tranh cãi, cần kiểm tra",
                      "check digit falls on a disputed case, please verify", "warning")]
    if expected != int(value[9]):
        return [Issue(field, "tax_check_digit", f"chữ số kiểm tra {value[9]} khác {expected} theo công thức",
                      f"check digit {value[9]} differs from the computed {expected}")]
    return []


# ---------------------------------------------------------------------------------------------- whole record


def check_fields(fields: dict[str, str], today: dt.date | None = None) -> list[Issue]:
    """Every check that applies to the fields present, alone and across fields."""
    issues: list[Issue] = []
    for name, value in fields.items():
        if not isinstance(value, str):
            continue
        if name.endswith(("_date", "_dob", "_until")) or name == "date_of_death":
            issues += check_date(value, name, today)
        elif name == "tax_code":
            issues += check_tax_code(value, name)
    for id_field, dob_field, sex in ID_OWNERS:
        value = fields.get(id_field)
        if not value:
            continue
        sex_value = fields.get(sex) if sex in ("subject_sex",) else sex
        issues += check_any_id(value, id_field, fields.get(dob_field), sex_value)
    issues += check_date_order(fields)
    return issues


def check_date_order(fields: dict[str, str]) -> list[Issue]:
    issues = []
    for earlier, later in DATE_ORDER:
        a, b = fields.get(earlier), fields.get(later)
        if not a or not b:
            continue
        try:
            if dt.date.fromisoformat(b) < dt.date.fromisoformat(a):
                issues.append(Issue(later, "date_order", f"{FIELD_NAMES_VI.get(later, later)} {b} trước "
                                    f"{FIELD_NAMES_VI.get(earlier, earlier).lower()} {a}",
                                    f"{later} {b} is before {earlier} {a}"))
        except ValueError:
            continue
    return issues
