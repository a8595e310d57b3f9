"""A reviewer's correction of one field: normalised like the pipeline's values, validated with the same
rules (schemas.fields), then stored through Store.apply_correction and re-indexed at once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from extractors.vietnamese import normalize_text
from schemas.fields import model_for, validate_fields
from web.labels import doc_type_labels, field_label

DATE_FIELDS = {"issue_date", "subject_dob", "husband_dob", "wife_dob", "father_dob", "mother_dob",
               "date_of_death", "valid_until"}
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


@dataclass
class Checked:
    field: str
    value: Any  # None: remove the field
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def correctable_fields(record: Mapping[str, Any]) -> list[str]:
    """Fields a reviewer may set on this record: those it has, and those its type may have."""
    doc_type = str(record.get("doc_type") or "khac")
    names = list((record.get("fields") or {}).keys())
    try:
        from config.doctypes import get_rules

        names += list(get_rules().fields_of(doc_type).keys())
    except Exception:  # noqa: BLE001 - without rules, the model of the type still lists its fields
        pass
    names += list(model_for(doc_type).model_fields.keys())
    return list(dict.fromkeys(n for n in names if re.fullmatch(r"[a-z][a-z0-9_]{0,63}", n)))


def normalise(field_name: str, raw: str | None) -> str | None:
    """NFC, traditional tone marks, one space; dates typed the Vietnamese way become ISO; IDs lose spaces."""
    text = normalize_text(str(raw or ""), keep_newlines=False).strip()
    if not text:
        return None
    if field_name in DATE_FIELDS:
        m = _DMY.match(text)
        if m:
            d, mo, y = m.groups()
            return f"{y}-{int(mo):02d}-{int(d):02d}"
    if field_name.endswith("_id") or field_name == "tax_code":
        return re.sub(r"[\s.]", "", text)
    if field_name in ("doc_number", "book_number"):
        return re.sub(r"\s+", "", text)
    return text


def _errors(doc_type: str, fields: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    return [(i.field, i.code, i.text) for i in validate_fields(doc_type, dict(fields)) if i.severity == "error"]


def check(record: Mapping[str, Any], field_name: str, raw: str | None) -> Checked:
    """Refuse a value that breaks its format, or that makes the record contradict itself where it did not
    before (a date of birth the ID number disagrees with); problems the record already had elsewhere do
    not block fixing this field."""
    if field_name == "doc_type":
        value = (raw or "").strip()
        if value not in doc_type_labels():
            return Checked(field_name, value, errors=[f"Loại văn bản không hợp lệ: {value}"])
        return Checked(field_name, value)
    if field_name not in correctable_fields(record):
        return Checked(field_name, None, errors=[f"Trường {field_name} không sửa được ở loại văn bản này"])
    value = normalise(field_name, raw)
    doc_type = str(record.get("doc_type") or "khac")
    before = dict(record.get("fields") or {})
    after = dict(before)
    if value is None:
        after.pop(field_name, None)
    else:
        after[field_name] = value
    old = set(_errors(doc_type, before))
    new = _errors(doc_type, after)
    errors = [text for f, code, text in new if f == field_name or (f, code, text) not in old]
    checked = Checked(field_name, value, errors=list(dict.fromkeys(errors)))
    if value is None and before.get(field_name) is not None:
        checked.warnings.append(f"{field_label(field_name)} sẽ bị xóa khỏi hồ sơ")
    return checked
