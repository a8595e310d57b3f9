"""A record as both indexes see it: one flat document built in one place, so the backends index the
same keys and differ only in how they store them."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from search.keys import clean_name, doc_number_key, id_digits, name_key
from search.places import record_places
from search.query import date_int

# (role, name field, id field, date-of-birth field): the people a record concerns
ROLE_FIELDS = [
    ("subject", "subject_name", "subject_id", "subject_dob"),
    ("father", "father_name", "father_id", "father_dob"),
    ("mother", "mother_name", "mother_id", "mother_dob"),
    ("husband", "husband_name", "husband_id", "husband_dob"),
    ("wife", "wife_name", "wife_id", "wife_dob"),
]
# the subject of a household business certificate is its owner (SCHEMA.md)
SUBJECT_ROLE = {"giay_chung_nhan_dang_ky_ho_kinh_doanh": "owner"}


def _nfc(text: str) -> str:
    # records are NFC by contract; re-normalising megabytes of text costs more than checking it
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def persons(record: Mapping[str, Any]) -> list[dict[str, str]]:
    fields = record.get("fields") or {}
    out = []
    for role, name_field, id_field, dob_field in ROLE_FIELDS:
        name = fields.get(name_field)
        pid = id_digits(fields.get(id_field))
        if not name and not pid:
            continue
        person = {"role": SUBJECT_ROLE.get(str(record.get("doc_type")), role) if role == "subject" else role}
        if name:
            person["name"] = clean_name(str(name))
        if pid:
            person["id"] = pid
        dob = fields.get(dob_field)
        if dob:
            person["dob"] = str(dob)
        out.append(person)
    return out


def person_keys(people: list[dict[str, str]]) -> list[str]:
    """Keys of the citizen view: 'id:<number>' and 'nd:<folded name>|<date of birth>'."""
    keys = []
    for p in people:
        if p.get("id"):
            keys.append(f"id:{p['id']}")
        if p.get("name") and p.get("dob"):
            keys.append(f"nd:{name_key(p['name'])}|{p['dob']}")
    return list(dict.fromkeys(keys))


def build_document(record: Mapping[str, Any]) -> dict[str, Any]:
    fields = record.get("fields") or {}
    people = persons(record)
    names = [p["name"] for p in people if p.get("name")]
    # whole names, and surname + given name (what clerks type when they skip the middle names)
    name_keys = [k for k in dict.fromkeys(name_key(n) for n in names) if k]
    places = record_places(record)
    issuer = fields.get("issuer")
    issuers = [i for i in (issuer, places.new_issuer) if i]
    text = _nfc(str(record.get("text") or ""))
    summary = fields.get("summary")
    doc_keys = [k for k in (doc_number_key(fields.get("doc_number")), doc_number_key(fields.get("book_number"))) if k]
    extras = [*names, *issuers, *(places.names), summary, fields.get("doc_number"), fields.get("business_name")]
    all_text = "\n".join([text, *(str(e) for e in extras if e)])
    subject = next((p for p in people if p["role"] in ("subject", "owner")), {})
    stored = {
        "doc_type": record.get("doc_type") or "khac",
        "doc_number": fields.get("doc_number"),
        "issue_date": fields.get("issue_date"),
        "issuer": issuer,
        "subject_name": subject.get("name"),
        "subject_id": subject.get("id"),
        "summary": summary,
        "place": fields.get("place"),
        "persons": people,
    }
    return {
        "id": str(record["id"]),
        "doc_type": str(record.get("doc_type") or "khac"),
        "doc_keys": doc_keys,
        "issue_date": fields.get("issue_date") if date_int(fields.get("issue_date")) else None,
        "issue_int": date_int(fields.get("issue_date")) or 0,
        "issuer": issuers,
        "subject_name": subject.get("name") or "",
        "names": names,
        "name_keys": name_keys,
        "name_ends": [f"{k.split()[0]} {k.split()[-1]}" for k in name_keys if " " in k],
        "name_ends_x": list(dict.fromkeys(f"{w[0]} {w[-1]}" for w in (n.lower().split() for n in names) if len(w) > 1)),
        "person_keys": person_keys(people),
        "place_keys": list(places.keys),
        "text": text,
        "all_text": all_text,
        "stored": {k: v for k, v in stored.items() if v not in (None, "", [])},
    }
