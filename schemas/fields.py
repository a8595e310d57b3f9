"""Pydantic models of the `fields` of each document type (SCHEMA.md), with their validation.

A value that breaks its format (an ID that is not 12 digits, a date that does not exist or lies ahead)
or disagrees with another field of the same document (the century/sex digit of an ID against the date of
birth and sex) is rejected with the message of `schemas.validate`. `validate_fields` gives every problem
as an `Issue` without raising; the models are also exported as JSON Schema (`schemas/export.py`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from schemas.validate import (
    Issue,
    check_any_id,
    check_date,
    check_date_order,
    check_fields,
    check_old_id,
    check_personal_id,
)


def _raise(issues: list[Issue]) -> None:
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise PydanticCustomError(errors[0].code, "{message}", {"message": f"{errors[0].vi} / {errors[0].en}"})


def _date(v: str) -> str:
    _raise(check_date(v))
    return v


def _personal_id(v: str) -> str:
    _raise(check_personal_id(v))
    return v


def _old_id(v: str) -> str:
    _raise(check_old_id(v))
    return v


def _any_id(v: str) -> str:
    _raise(check_any_id(v))
    return v


def _doc_number(v: str) -> str:
    if " " in v or not re.match(r"^\d+(/[^/\s]+)*$|^\d{2}[A-Z]\d{6,9}$", v):
        raise PydanticCustomError("doc_number", "số văn bản '{v}' không đúng dạng / malformed number", {"v": v})
    return v


IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2021-12-06"]), AfterValidator(_date)]
PersonalId = Annotated[str, Field(pattern=r"^\d{12}$", description="số định danh cá nhân PPP G YY RRRRRR"),
                       AfterValidator(_personal_id)]
OldId = Annotated[str, Field(pattern=r"^\d{9}$", description="chứng minh nhân dân"), AfterValidator(_old_id)]
AnyId = Annotated[str, Field(pattern=r"^(\d{9}|\d{12})$", description="12-digit personal ID or 9-digit ID card"),
                  AfterValidator(_any_id)]
DocNumber = Annotated[str, Field(examples=["154/QĐ-UBND", "45", "75A8478825"]), AfterValidator(_doc_number)]
BookNumber = Annotated[str, Field(pattern=r"^\d{1,3}(/\d{4})?$", examples=["01/2021"])]
Name = Annotated[str, Field(min_length=2, examples=["Nguyễn Thị Thu Hà"])]
Sex = Literal["Nam", "Nữ"]
TaxCode = Annotated[str, Field(pattern=r"^\d{10}(-\d{3})?$")]
DossierCode = Annotated[str, Field(pattern=r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$")]


class BaseFields(BaseModel):
    """Fields every administrative document may carry."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    doc_number: DocNumber | None = None
    issue_date: IsoDate | None = None
    issuer: str | None = Field(None, examples=["Ủy ban nhân dân xã Nghĩa Lạc"])
    place: str | None = None
    signer_name: Name | None = None
    signer_title: str | None = Field(None, examples=["PHÓ CHỦ TỊCH"])
    dossier_code: DossierCode | None = None

    @model_validator(mode="after")
    def _across(self) -> BaseFields:
        data = {k: v for k, v in self.model_dump().items() if isinstance(v, str)}
        _raise(check_date_order(data))
        for id_field, dob_field, sex in (("subject_id", "subject_dob", "subject_sex"),
                                         ("husband_id", "husband_dob", "Nam"), ("wife_id", "wife_dob", "Nữ")):
            if data.get(id_field):
                sex_value = data.get(sex) if sex == "subject_sex" else sex
                _raise(check_any_id(data[id_field], id_field, data.get(dob_field), sex_value))
        return self


class AdministrativeFields(BaseFields):
    """Decree 30/2020 documents with a summary: công văn, thông báo, chỉ thị, tờ trình, ..."""

    summary: str | None = None


class QuyetDinhFields(AdministrativeFields):
    subject_name: Name | None = None
    subject_id: AnyId | None = None
    subject_address: str | None = None


class GiayKhaiSinhFields(BaseFields):
    book_number: BookNumber | None = None
    subject_name: Name | None = None
    subject_id: PersonalId | None = None
    subject_dob: IsoDate | None = None
    subject_sex: Sex | None = None
    father_name: Name | None = None
    mother_name: Name | None = None


class GiayChungNhanKetHonFields(BaseFields):
    book_number: BookNumber | None = None
    husband_name: Name | None = None
    husband_id: AnyId | None = None
    husband_dob: IsoDate | None = None
    wife_name: Name | None = None
    wife_id: AnyId | None = None
    wife_dob: IsoDate | None = None


class XacNhanTinhTrangHonNhanFields(BaseFields):
    subject_name: Name | None = None
    subject_id: AnyId | None = None
    subject_dob: IsoDate | None = None
    subject_sex: Sex | None = None
    marital_status: str | None = None
    valid_until: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None


class TrichLucKhaiTuFields(BaseFields):
    book_number: BookNumber | None = None
    subject_name: Name | None = None
    subject_id: AnyId | None = None
    subject_dob: IsoDate | None = None
    subject_sex: Sex | None = None
    date_of_death: IsoDate | None = None


class HoKinhDoanhFields(BaseFields):
    subject_name: Name | None = Field(None, description="owner (chủ hộ kinh doanh)")
    subject_id: AnyId | None = None
    subject_dob: IsoDate | None = None
    business_name: str | None = None
    business_address: str | None = None
    tax_code: TaxCode | None = None


class GiayPhepXayDungFields(BaseFields):
    subject_name: Name | None = None
    subject_id: AnyId | None = None
    subject_address: str | None = Field(None, description="the building site")


FIELD_MODELS: dict[str, type[BaseFields]] = {
    "quyet_dinh": QuyetDinhFields,
    "giay_khai_sinh": GiayKhaiSinhFields,
    "giay_chung_nhan_ket_hon": GiayChungNhanKetHonFields,
    "xac_nhan_tinh_trang_hon_nhan": XacNhanTinhTrangHonNhanFields,
    "trich_luc_khai_tu": TrichLucKhaiTuFields,
    "giay_chung_nhan_dang_ky_ho_kinh_doanh": HoKinhDoanhFields,
    "giay_phep_xay_dung": GiayPhepXayDungFields,
    "khac": BaseFields,
}


def model_for(doc_type: str) -> type[BaseFields]:
    """The model of a type; every Decree 30 type not listed has the administrative fields."""
    return FIELD_MODELS.get(doc_type, AdministrativeFields)


def validate_fields(doc_type: str, fields: dict[str, Any], today: dt.date | None = None) -> list[Issue]:
    """Every problem of the fields of one document, as issues (nothing raised)."""
    issues = check_fields({k: v for k, v in fields.items() if isinstance(v, str)}, today)
    flagged = {i.field for i in issues}
    try:
        model_for(doc_type).model_validate(fields)
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "fields"
            if name in flagged or not err["loc"]:
                continue  # already said by check_fields, in the clerk's words
            issues.append(Issue(name, str(err["type"]), err["msg"], err["msg"]))
    return issues
