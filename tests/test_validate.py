"""Validation of field values: personal IDs against birth and sex, dates, tax codes, the pydantic models."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from schemas.fields import GiayChungNhanKetHonFields, GiayKhaiSinhFields, model_for, validate_fields
from schemas.validate import check_any_id, check_date, check_personal_id, check_tax_code, tax_check_digit

# 036 Nam Định, G=2 (2000s, male), YY=20: a boy born in 2020
BOY_2020 = "036220614006"


def codes(issues: list) -> set[str]:
    return {i.code for i in issues}


def test_personal_id_agreeing_with_birth_and_sex_passes() -> None:
    assert check_personal_id(BOY_2020, dob="2020-06-26", sex="Nam") == []


def test_century_sex_digit_for_a_girl_on_a_boys_certificate_is_reported() -> None:
    girl_digit = BOY_2020[:3] + "3" + BOY_2020[4:]  # G=3: 2000s, female
    issues = check_personal_id(girl_digit, dob="2020-06-26", sex="Nam")
    assert codes(issues) == {"id_sex_mismatch"}
    assert "giới tính" in issues[0].text and "sex digit" in issues[0].text


def test_century_digit_disagreeing_with_the_birth_year_is_reported() -> None:
    # G=0 says 1900s, the child was born in 2020
    issues = check_personal_id("036020614006", dob="2020-06-26", sex="Nam")
    assert "id_dob_mismatch" in codes(issues)
    # right century, wrong year digits (OCR read 20 as 26)
    assert "id_dob_mismatch" in codes(check_personal_id("036226614006", dob="2020-06-26"))


def test_unknown_province_code_and_wrong_length() -> None:
    assert "id_province" in codes(check_personal_id("003220614006"))  # 003 is not in the 63-province table
    assert codes(check_personal_id("03622061400")) == {"id_format"}


def test_old_nine_digit_id_card_is_accepted_where_either_is_allowed() -> None:
    assert check_any_id("378397398") == []
    assert codes(check_any_id("3783973980")) == {"id_format"}


def test_dates_must_exist_and_not_lie_ahead() -> None:
    assert codes(check_date("2021-02-30")) == {"date_invalid"}
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert codes(check_date(tomorrow, "issue_date")) == {"date_future"}
    assert check_date(tomorrow, "valid_until") == []  # a confirmation is valid for months ahead


def test_tax_code_check_digit() -> None:
    assert check_tax_code("0100109106") == []  # a published enterprise code
    assert check_tax_code("0100109106-001") == []  # a branch
    bad = check_tax_code("0100109107")
    assert codes(bad) == {"tax_check_digit"} and bad[0].severity == "error"
    assert codes(check_tax_code("01001091")) == {"tax_format"}


def test_tax_code_disputed_case_is_reported_not_rejected() -> None:
    assert tax_check_digit("100000008") is None  # the formula gives 10
    issues = check_tax_code("1000000080")
    assert codes(issues) == {"tax_check_disputed"} and issues[0].severity == "warning"


def test_registration_before_birth_is_reported_on_the_later_date() -> None:
    issues = validate_fields("giay_khai_sinh", {"subject_dob": "2020-06-26", "issue_date": "2020-06-01",
                                                "subject_id": BOY_2020, "subject_sex": "Nam"})
    assert [(i.field, i.code) for i in issues] == [("issue_date", "date_order")]


def test_model_rejects_an_id_that_disagrees_with_the_document() -> None:
    GiayKhaiSinhFields.model_validate({"subject_id": BOY_2020, "subject_dob": "2020-06-26", "subject_sex": "Nam"})
    with pytest.raises(ValidationError, match="giới tính"):
        GiayKhaiSinhFields.model_validate({"subject_id": BOY_2020, "subject_dob": "2020-06-26",
                                           "subject_sex": "Nữ"})


def test_husband_and_wife_ids_are_checked_against_their_sex() -> None:
    husband = "001084195711"  # G=0: 1900s male
    with pytest.raises(ValidationError):
        GiayChungNhanKetHonFields.model_validate({"wife_id": husband, "wife_dob": "1984-09-14"})
    GiayChungNhanKetHonFields.model_validate({"husband_id": husband, "husband_dob": "1984-09-14"})


def test_every_decree_30_type_has_a_model_with_a_summary() -> None:
    assert "summary" in model_for("to_trinh").model_fields
    assert "book_number" in model_for("giay_khai_sinh").model_fields


def test_exported_json_schemas_are_up_to_date(tmp_path) -> None:  # noqa: ANN001
    from schemas.export import HERE, write_all

    for path in write_all(tmp_path):
        committed = HERE / path.name
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{committed.name} is stale: run python -m schemas.export")
