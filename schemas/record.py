"""Record: what one digitised document becomes (the contract of SCHEMA.md).

Keys of SCHEMA.md are never renamed; new keys may be added.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Source(BaseModel):
    model_config = ConfigDict(extra="allow")

    path: str
    sha256: str | None = None
    media_type: str | None = None
    pages: int | None = None
    born_digital: bool | None = None
    size_bytes: int | None = None


class Confidence(BaseModel):
    model_config = ConfigDict(extra="allow")

    ocr: float = 0.0
    fields: dict[str, float] = Field(default_factory=dict)


class ErrorInfo(BaseModel):
    code: str
    message: str


class Record(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    source: Source
    doc_type: str = "khac"
    fields: dict[str, Any] = Field(default_factory=dict)
    text: str = ""
    confidence: Confidence = Field(default_factory=Confidence)
    needs_review: bool = False
    problems: list[str] = Field(default_factory=list)
    pipeline_version: str
    pages: list[dict[str, Any]] = Field(default_factory=list, description="per-page provenance: method, dpi, rotation, skew, confidence")
    archive: dict[str, Any] = Field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        data["fields"] = {k: v for k, v in data.get("fields", {}).items() if v not in ("", None, [], {})}
        return data


class ErrorRecord(BaseModel):
    """The line printed for a file that cannot be read."""

    source: Source
    error: ErrorInfo
    pipeline_version: str | None = None
