"""Rules of the field stage, kept as data in `config/doctypes/*.yaml` and checked here once at load.

`_common.yaml` holds what every administrative document shares (the "Số:" line, the place-and-date line,
abbreviations, signer titles, label words that may share a line); each other file describes one document
type: its printed titles, number symbols, keywords and fields. Archive staff add a type by adding a file,
and a label variant by adding one line to a `labels:` list. A directory given by the setting
`doctypes_dir` (or `SOHOA_DOCTYPES_DIR`) is read after the bundled one, so a site can add or override types
without touching the installed package.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BUNDLED_DIR = Path(__file__).with_name("doctypes")

# Extractors implemented in Python that a field can name as its `source` (see extractors/field_rules.py).
BUILTIN_SOURCES = (
    "doc_number", "place_date", "place", "header_issuer", "summary", "signer_name", "signer_title",
    "dossier_code",
)
# Value types: each has a normaliser (extractors/normalise.py) and a validator (schemas/validate.py).
FIELD_TYPES = (
    "text", "name", "date", "personal_id", "any_id", "old_id", "tax_code", "business_reg", "book_number",
    "doc_number", "issuer", "address", "sex", "marital_status", "title_upper", "summary", "place",
    "upper_text", "dossier_code",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldRule(_Strict):
    """How one field is found: by label(s) on a line, or by a built-in source, in that order."""

    labels: list[str] = Field(default_factory=list, description="printed labels, any variant; matched fuzzily")
    source: str | None = Field(None, description=f"built-in extractor: {', '.join(BUILTIN_SOURCES)}")
    type: str = "text"
    occurrence: int = Field(1, ge=1, description="take the n-th line that carries one of the labels")
    after: list[str] = Field(default_factory=list, description="look only below a line starting with one of these")
    before: list[str] = Field(default_factory=list, description="look only above a line starting with one of these")
    column: Literal["any", "left", "right"] = "any"
    pattern: str | None = Field(None, description="regex the value must contain; group 'v' (or the match) is kept")
    next_line: bool = Field(False, description="the value may stand on the line below its label")
    multiline: bool | None = Field(None, description="the value may wrap onto following lines (default by type)")
    mode: Literal["line", "prose"] = Field("line", description="line: label starts a line; prose: anywhere in text")
    key: bool = Field(False, description="a key field: a low confidence sends the record to review")
    unit_from: str | None = Field(None, description="issuer: when the header names no administrative unit (its line "
                                  "lost), the district of this address field, flagged for review")

    @field_validator("source")
    @classmethod
    def _known_source(cls, v: str | None) -> str | None:
        if v is not None and v not in BUILTIN_SOURCES:
            raise ValueError(f"unknown source {v!r}; known: {', '.join(BUILTIN_SOURCES)}")
        return v

    @field_validator("type")
    @classmethod
    def _known_type(cls, v: str) -> str:
        if v not in FIELD_TYPES:
            raise ValueError(f"unknown type {v!r}; known: {', '.join(FIELD_TYPES)}")
        return v

    @model_validator(mode="after")
    def _has_a_way(self) -> FieldRule:
        if not self.labels and self.source is None and self.pattern is None:
            raise ValueError("a field needs `labels`, a `pattern` or a `source`")
        return self


class DocTypeRule(_Strict):
    doc_type: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    titles: list[str] = Field(default_factory=list, description="the type name as printed, in capitals")
    layout: Literal["titled", "letter"] = "titled"
    symbols: list[str] = Field(default_factory=list, description="type symbols in the number: QĐ in 154/QĐ-UBND")
    keywords: list[str] = Field(default_factory=list, description="phrases that support the type when found")
    fields: dict[str, FieldRule] = Field(default_factory=dict)
    use_base_fields: bool = Field(True, description="inherit the fields of every administrative document")
    key_fields: list[str] = Field(default_factory=list)
    valid_months: int | None = Field(None, ge=1, description="months the paper is valid from its issue date, by law: "
                                     "an unreadable day of `valid_until` is taken from it when its month and year fit")


class SignerRules(_Strict):
    authority_prefixes: list[str]
    titles: list[str]
    headings: list[str] = Field(default_factory=list, description="lines above the title that are not it")
    deputy_prefix: str = Field("PHÓ", description="KT. X is signed by the deputy: 'PHÓ X'")
    collective_heads: dict[str, str] = Field(default_factory=dict, description="TM. body → its head's title")


class ReviewRules(_Strict):
    min_key_confidence: float = Field(0.8, ge=0, le=1)
    min_field_confidence: float = Field(0.5, ge=0, le=1)
    handwriting_max_conf: float = Field(80, ge=0, le=100, description="OCR confidence under which digits look handwritten")
    handwriting_height_ratio: float = Field(1.2, ge=1, description="digit height over printed height that looks handwritten")
    good_page_confidence: float = Field(0.9, gt=0, le=1, description="OCR confidence of a page read well")
    min_text_confidence: float = Field(0.75, ge=0, le=1, description="for free text (summary, address, status)")


class CommonRules(_Strict):
    motto: list[str]
    body_starts: list[str] = Field(description="lines that end a summary: Căn cứ, Kính gửi ...")
    recipients: list[str]
    vv_prefixes: list[str]
    abbreviations: dict[str, str]
    address_abbreviations: dict[str, str]
    admin_units: list[str]
    agency_heads: list[str]
    known_agencies: list[str]
    agency_codes: list[str] = Field(default_factory=list, description="agency codes of document numbers: UBND")
    qualify_with_parent_unit: list[str]
    province_level_heads: list[str] = Field(default_factory=list)
    inline_labels: list[str] = Field(default_factory=list, description="labels that may share a line with another")
    copy_marks: list[str] = Field(default_factory=list)
    signer: SignerRules
    review: ReviewRules = Field(default_factory=ReviewRules)
    base_fields: dict[str, FieldRule]
    base_key_fields: list[str] = Field(default_factory=list)
    sex_values: dict[str, list[str]] = Field(default_factory=dict)
    marital_values: list[str] = Field(default_factory=list)
    surnames: list[str] = Field(default_factory=list)
    name_syllables: list[str] = Field(default_factory=list)
    middle_only: list[str] = Field(default_factory=list, description="middle names hardly ever a surname (Văn, Thị)")


class Rules(BaseModel):
    common: CommonRules
    types: dict[str, DocTypeRule]

    def fields_of(self, doc_type: str) -> dict[str, FieldRule]:
        rule = self.types.get(doc_type)
        if rule is None:
            return dict(self.common.base_fields)
        base = dict(self.common.base_fields) if rule.use_base_fields else {}
        base.update(rule.fields)
        return base

    def key_fields_of(self, doc_type: str) -> list[str]:
        rule = self.types.get(doc_type)
        keys = list(self.common.base_key_fields)
        if rule is not None:
            keys += [k for k in rule.key_fields if k not in keys]
            keys += [k for k, f in rule.fields.items() if f.key and k not in keys]
        return keys

    def all_labels(self) -> list[str]:
        out = list(self.common.inline_labels)
        for f in self.common.base_fields.values():
            out += f.labels
        for t in self.types.values():
            for f in t.fields.values():
                out += f.labels
        return out


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top")
    return data


def load_rules(extra_dir: Path | None = None) -> Rules:
    """Bundled rules, then those of `extra_dir` (same file name replaces, new file adds)."""
    files: dict[str, Path] = {p.name: p for p in sorted(BUNDLED_DIR.glob("*.yaml"))}
    if extra_dir is not None and extra_dir.is_dir():
        files.update({p.name: p for p in sorted(extra_dir.glob("*.yaml"))})
    if "_common.yaml" not in files:
        raise ValueError(f"no _common.yaml in {BUNDLED_DIR}")
    common = CommonRules.model_validate(_read(files.pop("_common.yaml")))
    types: dict[str, DocTypeRule] = {}
    for path in files.values():
        try:
            rule = DocTypeRule.model_validate(_read(path))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc
        types[rule.doc_type] = rule
    return Rules(common=common, types=types)


@lru_cache(maxsize=4)
def get_rules(extra_dir: str | None = None) -> Rules:
    return load_rules(Path(extra_dir) if extra_dir else None)


def rules_for(settings: object) -> Rules:
    """The rules a pipeline run uses: the bundled ones, plus `settings.doctypes_dir` when one is set."""
    extra = getattr(settings, "doctypes_dir", None)
    return get_rules(str(extra) if extra else None)
