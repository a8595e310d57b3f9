"""Write the JSON Schemas of the record, its archival metadata and the fields of each document type.

    python -m schemas.export [--out schemas]

Output: `record.schema.json` (the SCHEMA.md contract), `archive.schema.json` (Circular 05/2025 codes) and
`fields.schema.json` (one definition per doc_type, selected by `doc_type`). The files are generated: edit
the pydantic models, then run this again.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from config.doctypes import get_rules
from schemas.codes import ArchiveMetadata
from schemas.fields import FIELD_MODELS, AdministrativeFields, model_for
from schemas.record import Record

HERE = Path(__file__).resolve().parent
BASE_URL = "https://sohoa.local/schemas/"


def record_schema() -> dict[str, Any]:
    schema = Record.model_json_schema()
    schema["$id"] = BASE_URL + "record.schema.json"
    props = schema.setdefault("properties", {})
    props["fields"] = {"$ref": "fields.schema.json", "description": "fields of the document's type"}
    props["archive"] = {"$ref": "archive.schema.json"}
    props["review_fields"] = {"type": "array", "items": {"type": "string"},
                              "description": "fields a clerk must check (low confidence or failed checks)"}
    return schema


def archive_schema() -> dict[str, Any]:
    schema = ArchiveMetadata.model_json_schema()
    schema["$id"] = BASE_URL + "archive.schema.json"
    return schema


def fields_schema() -> dict[str, Any]:
    """Every doc_type of the rules: its own model when it has one, else the administrative fields."""
    defs: dict[str, Any] = {}
    mapping: dict[str, str] = {}
    doc_types = sorted(set(get_rules().types) | set(FIELD_MODELS))
    for doc_type in doc_types:
        model = model_for(doc_type)
        sub = model.model_json_schema(ref_template="#/$defs/{model}")
        for name, d in sub.pop("$defs", {}).items():
            defs.setdefault(name, d)
        defs.setdefault(model.__name__, sub)
        mapping[doc_type] = f"#/$defs/{model.__name__}"
    defs.setdefault(AdministrativeFields.__name__, AdministrativeFields.model_json_schema())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE_URL + "fields.schema.json",
        "title": "Fields of a Sohoa record, by doc_type",
        "description": "The record's doc_type selects the definition: " + ", ".join(
            f"{k} → {v.rsplit('/', 1)[-1]}" for k, v in mapping.items()),
        "type": "object",
        "x-doc-types": mapping,
        "anyOf": [{"$ref": ref} for ref in sorted(set(mapping.values()))],
        "$defs": defs,
    }


def write_all(out: Path = HERE) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in (("record", record_schema()), ("archive", archive_schema()), ("fields", fields_schema())):
        path = out / f"{name}.schema.json"
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    for path in write_all(args.out):
        print(path)


if __name__ == "__main__":
    main()
