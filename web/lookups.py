"""The operations pages and the API share: search, open a record, look up a citizen, list the review
queue, correct a field. Every lookup of personal data writes its audit entry here, whichever door it
came through."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from sqlalchemy import func, select

from search.document import ROLE_FIELDS, SUBJECT_ROLE
from search.query import Query, SearchResult
from store.models import RecordRow
from store.privacy import mask_id
from web.accounts import CurrentUser
from web.corrections import Checked, check
from web.state import AppState

RECORD_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
PAGE_SIZE = 20
MAX_OFFSET = 10_000


class BadQuery(ValueError):
    pass


def parse_date(value: str | None, name: str) -> dt.date | None:
    """ISO 2021-07-05 (what <input type=date> sends) or 05/07/2021 (what people type)."""
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise BadQuery(f"{name}: ngày không hợp lệ ({value}); nhập dạng 05/07/2021")


def build_query(q: str = "", doc_type: str = "", issuer: str = "", place: str = "", date_from: str = "",
                date_to: str = "", page: int = 1, limit: int = PAGE_SIZE) -> Query:
    page = max(1, page)
    offset = min((page - 1) * limit, MAX_OFFSET)
    start, end = parse_date(date_from, "Từ ngày"), parse_date(date_to, "Đến ngày")
    if start and end and start > end:
        raise BadQuery("Khoảng ngày không hợp lệ: 'Từ ngày' sau 'Đến ngày'")
    return Query(text=q[:500], doc_type=doc_type.strip() or None, issuer=issuer.strip()[:200] or None,
                 place=place.strip()[:200] or None, date_from=start, date_to=end, limit=limit, offset=offset)


def _describe(query: Query) -> str:
    """The lookup as the audit log keeps it: the text typed plus the filters."""
    parts = [query.text] if query.text else []
    for name in ("doc_type", "issuer", "place", "date_from", "date_to"):
        value = getattr(query, name)
        if value:
            parts.append(f"{name}={value}")
    return " | ".join(parts)


def search(state: AppState, user: CurrentUser, query: Query) -> SearchResult:
    state.index.wait(timeout=2.0)  # a correction just saved is found (returns at once when none is in flight)
    result = state.backend.search(query)
    if query.text or query.issuer or query.place:
        state.store.audit(user.username, "search", query=_describe(query), result_count=result.total)
    return result


def get_record(state: AppState, record_id: str) -> dict[str, Any]:
    if not RECORD_ID.match(record_id or ""):
        raise HTTPException(404, "Không có hồ sơ này.")
    record = state.store.get_record(record_id)
    if record is None:
        raise HTTPException(404, "Không có hồ sơ này.")
    return record


def view_record(state: AppState, user: CurrentUser, record_id: str) -> dict[str, Any]:
    record = get_record(state, record_id)
    state.store.audit(user.username, "view", record_id=record_id)
    return record


def masked(record: Mapping[str, Any], full_ids: bool) -> dict[str, Any]:
    """The record as this user may see it: ID numbers masked unless their role may see them whole."""
    out = copy.deepcopy(dict(record))
    if full_ids:
        return out
    fields = out.get("fields") or {}
    for name, value in list(fields.items()):
        if name.endswith("_id") and isinstance(value, str):
            # an ID of an unexpected length is still an ID: keep only its ends
            fields[name] = mask_id(value) if mask_id(value) != value else value[:3] + "*" * max(0, len(value) - 5) + value[-2:]
        elif isinstance(value, str):
            fields[name] = mask_id(value)
    if isinstance(out.get("text"), str):
        out["text"] = mask_id(out["text"])
    return out


# ---- citizen view ---------------------------------------------------------------------------------------


@dataclass
class Person:
    role: str
    name: str | None
    pid: str | None
    dob: str | None


def persons_of(record: Mapping[str, Any]) -> list[Person]:
    fields = record.get("fields") or {}
    out = []
    for role, name_f, id_f, dob_f in ROLE_FIELDS:
        if fields.get(name_f) or fields.get(id_f):
            shown = SUBJECT_ROLE.get(str(record.get("doc_type")), role) if role == "subject" else role
            out.append(Person(shown, fields.get(name_f), fields.get(id_f), fields.get(dob_f)))
    return out


def person_from_record(record: Mapping[str, Any], role: str) -> Person:
    for p in persons_of(record):
        if p.role == role:
            return p
    raise BadQuery("Hồ sơ không có người này")


def citizen(state: AppState, user: CurrentUser, *, pid: str | None = None, name: str | None = None,
            dob: str | None = None, record_id: str | None = None) -> SearchResult:
    pid = re.sub(r"\D", "", pid or "") or None
    if pid and len(pid) not in (9, 12):
        raise BadQuery("Số định danh có 12 chữ số, CMND có 9 chữ số")
    dob_date = parse_date(dob, "Ngày sinh") if dob else None
    name = (name or "").strip() or None
    if not pid and not (name and dob_date):
        raise BadQuery("Cần số định danh, hoặc họ tên cùng ngày sinh, để xác định một người")
    state.index.wait(timeout=2.0)
    try:
        result = state.backend.person(pid, name=name, dob=dob_date.isoformat() if dob_date else None)
    except ValueError as exc:
        raise BadQuery(str(exc)) from None
    looked_up = pid or f"{name} | {dob_date.isoformat() if dob_date else ''}"
    state.store.audit(user.username, "person", query=looked_up, record_id=record_id, result_count=result.total)
    return result


# ---- review queue ---------------------------------------------------------------------------------------


@dataclass
class QueueRow:
    id: str
    doc_type: str
    doc_number: str | None
    issue_date: str | None
    issuer: str | None
    subject_name: str | None
    created_at: Any


def review_queue(state: AppState, *, doc_type: str | None = None, offset: int = 0,
                 limit: int = PAGE_SIZE) -> tuple[int, list[QueueRow]]:
    """Records waiting for review, oldest first (the index ix_records_review_queue serves this)."""
    where = [RecordRow.needs_review.is_(True)]
    if doc_type:
        where.append(RecordRow.doc_type == doc_type)
    cols = (RecordRow.id, RecordRow.doc_type, RecordRow.doc_number, RecordRow.issue_date, RecordRow.issuer,
            RecordRow.subject_name, RecordRow.created_at)
    with state.store.session() as s:
        total = int(s.scalar(select(func.count()).select_from(RecordRow).where(*where)) or 0)
        rows = s.execute(select(*cols).where(*where).order_by(RecordRow.created_at, RecordRow.id)
                         .offset(min(offset, MAX_OFFSET)).limit(limit)).all()
    return total, [QueueRow(*r) for r in rows]


def next_in_queue(state: AppState, after_id: str) -> str | None:
    total, rows = review_queue(state, limit=2)
    ids = [r.id for r in rows if r.id != after_id]
    return ids[0] if ids else None


def correct(state: AppState, user: CurrentUser, record_id: str, field_name: str, raw: str | None,
            reason: str | None = None, *, wait_s: float = 0.0) -> tuple[Checked, bool]:
    """Validate and store one correction, and have it re-indexed at once (see IndexSync).
    Returns (check result, in the index already?) after waiting up to `wait_s` for the index."""
    record = get_record(state, record_id)
    checked = check(record, field_name, raw)
    if not checked.ok:
        return checked, False
    current = record.get(field_name) if field_name in ("doc_type", "needs_review") else (record.get("fields") or {}).get(field_name)
    if current == checked.value:
        return checked, True  # nothing changes: no history entry for a no-op
    state.store.apply_correction(record_id, field_name, checked.value, who=user.username,
                                 reason=(reason or "").strip()[:500] or None)
    return checked, state.index.wait(state.index.request(), wait_s)


def mark_reviewed(state: AppState, user: CurrentUser, record_id: str, *, wait_s: float = 0.0) -> bool:
    """needs_review=False as a correction: kept with who/when and re-applied after a reprocess."""
    get_record(state, record_id)
    state.store.apply_correction(record_id, "needs_review", False, who=user.username, reason="đã kiểm tra")
    return state.index.wait(state.index.request(), wait_s)
