"""The JSON API under /api: the same operations as the pages, for other office systems (the one-stop
software asking for a citizen's prior results). Every call carries `Authorization: Bearer <token>`;
a token acts with the role of the account that made it. The OpenAPI description is /api/openapi.json.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from config.settings import PIPELINE_VERSION
from search.base import SearchError
from search.query import SearchResult
from store.models import AuditEntry
from store.users import Role
from web import lookups
from web.accounts import AccountError, CurrentUser
from web.batches import BatchError
from web.deps import (
    SESSION_COOKIE,
    api_admin,
    api_archivist,
    api_clerk,
    api_user,
    app_state,
    current_user,
    render,
)

router = APIRouter(prefix="/api", tags=["sohoa"])


class Me(BaseModel):
    username: str
    full_name: str | None
    role: Role


class CorrectionIn(BaseModel):
    field: str = Field(description="a field of `fields` (subject_name, issue_date...) or doc_type")
    value: str | None = Field(description="the right value as printed; dates as 2021-07-05 or 05/07/2021; null or '' removes the field")
    reason: str | None = None


class CorrectionOut(BaseModel):
    record_id: str
    field: str
    value: Any
    indexed: bool = Field(description="true: searchable now; false: stored, the index catches up shortly")


class CorrectionEntry(BaseModel):
    field: str
    old_value: Any
    new_value: Any
    who: str
    at: datetime | None
    reason: str | None


class ReviewItem(BaseModel):
    id: str
    doc_type: str
    doc_number: str | None
    issue_date: str | None
    issuer: str | None
    subject_name: str | None


class ReviewPage(BaseModel):
    total: int
    items: list[ReviewItem]


class BatchIn(BaseModel):
    folder: str = Field(description="a folder on the server, under one of the allowed ingest roots")


class BatchOut(BaseModel):
    id: str
    status: str
    created_by: str
    created_at: datetime | None
    source: str
    paths: list[str]
    total: int | None = None
    done: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    report: dict[str, Any] | None = None


class UserIn(BaseModel):
    username: str
    role: Role
    password: str = Field(min_length=1)
    full_name: str | None = None


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str | None
    role: str
    active: bool
    created_at: datetime | None
    last_login_at: datetime | None


class AuditOut(BaseModel):
    id: int
    at: datetime | None
    who: str
    action: str
    query: str | None
    record_id: str | None
    result_count: int | None
    detail: dict[str, Any] | None


def _bad(exc: Exception, status: int = 400) -> HTTPException:
    return HTTPException(status, str(exc))


@router.get("/me", response_model=Me, summary="The account behind the token")
def me(user: CurrentUser = Depends(api_user)) -> Me:
    return Me(username=user.username, full_name=user.full_name, role=user.role)


@router.get("/search", response_model=SearchResult, summary="Search records (ID numbers masked in hits)")
def search(request: Request, q: str = "", doc_type: str = "", issuer: str = "", place: str = "",
           date_from: str = Query("", description="2021-01-01 or 01/01/2021"), date_to: str = "",
           page: int = Query(1, ge=1), limit: int = Query(20, ge=1, le=100),
           user: CurrentUser = Depends(api_clerk)) -> SearchResult:
    try:
        query = lookups.build_query(q, doc_type, issuer, place, date_from, date_to, page, limit)
        return lookups.search(app_state(request), user, query)
    except lookups.BadQuery as exc:
        raise _bad(exc) from None
    except SearchError as exc:
        raise _bad(exc, 503) from None


@router.get("/records/{record_id}", summary="One record (SCHEMA.md); audited")
def record(request: Request, record_id: str, user: CurrentUser = Depends(api_clerk)) -> dict[str, Any]:
    state = app_state(request)
    data = lookups.view_record(state, user, record_id)
    return lookups.masked(data, user.role.value in state.settings.web_full_id_roles)


@router.get("/records/{record_id}/corrections", response_model=list[CorrectionEntry],
            summary="Correction history of a record")
def corrections(request: Request, record_id: str, user: CurrentUser = Depends(api_clerk)) -> list[CorrectionEntry]:
    state = app_state(request)
    lookups.get_record(state, record_id)
    return [CorrectionEntry(field=c.field, old_value=c.old_value, new_value=c.new_value, who=c.who, at=c.at,
                            reason=c.reason) for c in state.store.corrections(record_id)]


@router.post("/records/{record_id}/corrections", response_model=CorrectionOut,
             summary="Correct one field (validated; kept across reprocessing; re-indexed at once)")
def correct(request: Request, record_id: str, body: CorrectionIn,
            user: CurrentUser = Depends(api_archivist)) -> CorrectionOut | JSONResponse:
    # another system may query right after: wait (a little) for the index, and say whether it is done
    checked, indexed = lookups.correct(app_state(request), user, record_id, body.field, body.value, body.reason,
                                       wait_s=2.0)
    if not checked.ok:
        return JSONResponse({"detail": checked.errors, "field": body.field}, status_code=422)
    return CorrectionOut(record_id=record_id, field=body.field, value=checked.value, indexed=indexed)


@router.post("/records/{record_id}/reviewed", summary="Take a record out of the review queue")
def reviewed(request: Request, record_id: str, user: CurrentUser = Depends(api_archivist)) -> dict[str, Any]:
    indexed = lookups.mark_reviewed(app_state(request), user, record_id, wait_s=2.0)
    return {"record_id": record_id, "needs_review": False, "indexed": indexed}


@router.get("/citizen", response_model=SearchResult,
            summary="Everything held about one person: by ID number, or by name + date of birth; audited")
def citizen(request: Request, id: str = "", name: str = "", dob: str = "",
            user: CurrentUser = Depends(api_clerk)) -> SearchResult:
    try:
        return lookups.citizen(app_state(request), user, pid=id, name=name, dob=dob)
    except lookups.BadQuery as exc:
        raise _bad(exc) from None
    except SearchError as exc:
        raise _bad(exc, 503) from None


@router.get("/review", response_model=ReviewPage, summary="Records waiting for review, oldest first")
def review(request: Request, doc_type: str = "", offset: int = Query(0, ge=0, le=lookups.MAX_OFFSET),
           limit: int = Query(20, ge=1, le=200), user: CurrentUser = Depends(api_archivist)) -> ReviewPage:
    total, rows = lookups.review_queue(app_state(request), doc_type=doc_type or None, offset=offset, limit=limit)
    return ReviewPage(total=total, items=[ReviewItem(id=r.id, doc_type=r.doc_type, doc_number=r.doc_number,
                                                     issue_date=r.issue_date, issuer=r.issuer,
                                                     subject_name=r.subject_name) for r in rows])


def _batch_out(request: Request, row: Any) -> BatchOut:
    progress = app_state(request).batches.progress(row.id)
    return BatchOut(id=row.id, status=row.status, created_by=row.created_by, created_at=row.created_at,
                    source=row.source, paths=row.paths, total=progress.get("total"), done=progress.get("done", 0),
                    counts=progress.get("counts", {}), report=row.report)


@router.get("/batches", response_model=list[BatchOut], summary="Batches launched from the web, newest first")
def batches(request: Request, user: CurrentUser = Depends(api_archivist)) -> list[BatchOut]:
    return [_batch_out(request, row) for row in app_state(request).batches.list()]


@router.post("/batches", response_model=BatchOut, status_code=202, summary="Ingest a server folder in the background")
def launch(request: Request, body: BatchIn, user: CurrentUser = Depends(api_archivist)) -> BatchOut:
    state = app_state(request)
    try:
        folder = state.batches.check_folder(body.folder)
        batch_id = state.batches.new_batch_id()
        row = state.batches.launch(batch_id, [folder], who=user.username, source="folder")
    except BatchError as exc:
        raise _bad(exc, 409 if "đang chạy" in str(exc) else 400) from None
    state.store.audit(user.username, "batch", detail={"batch_id": batch_id, "source": "api", "folder": str(folder)})
    return _batch_out(request, row)


@router.get("/batches/{batch_id}", response_model=BatchOut, summary="Progress and report of a batch")
def batch(request: Request, batch_id: str, user: CurrentUser = Depends(api_archivist)) -> BatchOut:
    row = app_state(request).batches.get(batch_id)
    if row is None:
        raise HTTPException(404, "no such batch")
    return _batch_out(request, row)


def _user_out(u: Any) -> UserOut:
    return UserOut(id=u.id, username=u.username, full_name=u.full_name, role=u.role, active=u.active,
                   created_at=u.created_at, last_login_at=u.last_login_at)


@router.get("/users", response_model=list[UserOut], summary="Accounts")
def users(request: Request, user: CurrentUser = Depends(api_admin)) -> list[UserOut]:
    return [_user_out(u) for u in app_state(request).accounts.list_users()]


@router.post("/users", response_model=UserOut, status_code=201, summary="Create an account")
def add_user(request: Request, body: UserIn, user: CurrentUser = Depends(api_admin)) -> UserOut:
    state = app_state(request)
    try:
        new = state.accounts.add_user(body.username, body.role.value, body.password, body.full_name)
    except AccountError as exc:
        raise _bad(exc) from None
    state.store.audit(user.username, "user_add", detail={"user": new.username, "role": new.role, "via": "api"})
    return _user_out(new)


@router.get("/audit", response_model=list[AuditOut], summary="Audit log, newest first (page with before_id)")
def audit(request: Request, who: str = "", action: str = "", record_id: str = "",
          before_id: int | None = None, limit: int = Query(100, ge=1, le=1000),
          user: CurrentUser = Depends(api_admin)) -> list[AuditOut]:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if who:
        stmt = stmt.where(AuditEntry.who == who)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if record_id:
        stmt = stmt.where(AuditEntry.record_id == record_id)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    with app_state(request).store.session() as s:
        rows = list(s.scalars(stmt))
    return [AuditOut(id=e.id, at=e.at, who=e.who, action=e.action, query=e.query, record_id=e.record_id,
                     result_count=e.result_count, detail=e.detail) for e in rows]


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request) -> JSONResponse:
    """The API description, for an API token or a logged-in browser (the /api-docs page reads it)."""
    state = app_state(request)
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    if not (state.accounts.token_user(token) if token else None) and \
            not state.accounts.session_user(request.cookies.get(SESSION_COOKIE)):
        raise HTTPException(401, "missing or invalid API token", headers={"WWW-Authenticate": "Bearer"})
    return JSONResponse(api_description(request.app))


def api_description(app: Any) -> dict[str, Any]:
    if not getattr(app.state, "openapi_cache", None):
        app.state.openapi_cache = get_openapi(
            title="Sohoa API", version=PIPELINE_VERSION, routes=app.routes,
            description="Tra cứu kết quả thủ tục hành chính đã số hóa / search digitised results of "
                        "administrative procedures. Authenticate with `Authorization: Bearer <token>` "
                        "(create tokens on the Account page or with `sohoa user token NAME`).")
    return app.state.openapi_cache


docs_router = APIRouter(include_in_schema=False)


@docs_router.get("/api-docs")
def api_docs(request: Request, user: CurrentUser = Depends(current_user)) -> Any:
    """The API description as a page of this site (FastAPI's Swagger UI would load scripts from a CDN)."""
    spec = api_description(request.app)
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            operations.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                               "params": [p["name"] for p in op.get("parameters", [])],
                               "body": bool(op.get("requestBody"))})
    return render(request, "api_docs.html", {"operations": operations, "version": spec.get("info", {}).get("version")})
