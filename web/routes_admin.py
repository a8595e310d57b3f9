"""Administrators: accounts and the audit log (view, filter, export as CSV). Everyone: their own account."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import func, select
from starlette.datastructures import FormData

from store.models import AuditEntry
from web.accounts import AccountError, CurrentUser
from web.deps import admin, app_state, csrf_form, current_user, form_str, render
from web.security import MIN_PASSWORD_LENGTH

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 50


# ---- accounts -------------------------------------------------------------------------------------------


def _users_page(request: Request, error: str | None = None, status_code: int = 200,
                typed: dict[str, str] | None = None) -> Response:
    return render(request, "admin_users.html", {
        "users": app_state(request).accounts.list_users(), "error": error, "typed": typed or {},
        "min_password": MIN_PASSWORD_LENGTH,
    }, status_code=status_code)


@router.get("/admin/users")
def users(request: Request, user: CurrentUser = Depends(admin)) -> Response:
    return _users_page(request)


@router.post("/admin/users")
def add_user(request: Request, user: CurrentUser = Depends(admin), form: FormData = Depends(csrf_form)) -> Response:
    state = app_state(request)
    typed = {k: form_str(form, k) for k in ("username", "full_name", "role")}
    try:
        new = state.accounts.add_user(typed["username"], typed["role"], form_str(form, "password"), typed["full_name"])
    except AccountError as exc:
        return _users_page(request, str(exc), 400, typed)
    state.store.audit(user.username, "user_add", detail={"user": new.username, "role": new.role})
    return RedirectResponse("/admin/users?msg=user_added", status_code=303)


@router.post("/admin/users/{user_id}")
def update_user(request: Request, user_id: int, user: CurrentUser = Depends(admin),
                form: FormData = Depends(csrf_form)) -> Response:
    state = app_state(request)
    target = state.accounts.get_user_by_id(user_id)
    if target is None:
        raise HTTPException(404, "Không có tài khoản này.")
    action = form_str(form, "action")
    try:
        if action == "role":
            state.accounts.update_user(user_id, role=form_str(form, "role"))
        elif action in ("disable", "enable"):
            state.accounts.update_user(user_id, active=action == "enable")
        elif action == "password":
            state.accounts.set_password(user_id, form_str(form, "password"))
        else:
            raise AccountError("Thao tác không hợp lệ")
    except AccountError as exc:
        return _users_page(request, f"{target.username}: {exc}", 400)
    state.store.audit(user.username, "user_password" if action == "password" else "user_update",
                      detail={"user": target.username, "action": action, "role": form_str(form, "role") or None})
    return RedirectResponse("/admin/users?msg=user_updated", status_code=303)


# ---- audit log ------------------------------------------------------------------------------------------


def _audit_filter(who: str, action: str, record: str, since: str, until: str) -> list:
    where = []
    if who:
        where.append(AuditEntry.who == who.strip().lower())
    if action:
        where.append(AuditEntry.action == action)
    if record:
        where.append(AuditEntry.record_id == record.strip())
    for value, op in ((since, "ge"), (until, "le")):
        if value:
            try:
                day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError:
                continue
            if op == "ge":
                where.append(AuditEntry.at >= day)
            else:
                where.append(AuditEntry.at < day + timedelta(days=1))
    return where


@router.get("/admin/audit")
def audit_log(request: Request, who: str = "", action: str = "", record: str = "", since: str = "", until: str = "",
              page: int = 1, user: CurrentUser = Depends(admin)) -> Response:
    state = app_state(request)
    page = max(1, page)
    where = _audit_filter(who, action, record, since, until)
    with state.store.session() as s:
        total = int(s.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0)
        entries = list(s.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
                                 .offset((page - 1) * AUDIT_PAGE).limit(AUDIT_PAGE)))
    return render(request, "admin_audit.html", {
        "entries": entries, "total": total, "page": page, "pages": math.ceil(total / AUDIT_PAGE),
        "filters": {"who": who, "action": action, "record": record, "since": since, "until": until},
    })


@router.get("/admin/audit.csv")
def audit_csv(request: Request, who: str = "", action: str = "", record: str = "", since: str = "", until: str = "",
              user: CurrentUser = Depends(admin)) -> Response:
    """Every matching entry, streamed in pages (the log grows without bound). The queries are kept as
    typed: the audit must name whom was looked up; the file is for the data protection officer."""
    state = app_state(request)
    where = _audit_filter(who, action, record, since, until)
    state.store.audit(user.username, "audit_export", query=" ".join(f"{k}={v}" for k, v in
                      {"who": who, "action": action, "record": record, "since": since, "until": until}.items() if v) or None)

    def rows() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf)
        buf.write("\ufeff")  # Excel opens UTF-8 with diacritics correctly only with a BOM
        writer.writerow(["id", "at", "who", "action", "query", "record_id", "result_count", "detail"])
        last = None
        while True:
            stmt = select(AuditEntry).where(*where).order_by(AuditEntry.id.desc()).limit(2000)
            if last is not None:
                stmt = stmt.where(AuditEntry.id < last)
            with state.store.session() as s:
                batch = list(s.scalars(stmt))
            if not batch:
                break
            for e in batch:
                at = e.at.replace(tzinfo=UTC) if e.at and e.at.tzinfo is None else e.at
                writer.writerow([e.id, at.isoformat() if at else "", e.who, e.action, e.query or "", e.record_id or "",
                                 "" if e.result_count is None else e.result_count, e.detail or ""])
            last = batch[-1].id
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        yield buf.getvalue()

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="sohoa-audit-{stamp}.csv"', "Cache-Control": "no-store"})


# ---- one's own account ----------------------------------------------------------------------------------


def _account_page(request: Request, user: CurrentUser, *, error: str | None = None, new_token: str | None = None,
                  status_code: int = 200) -> Response:
    state = app_state(request)
    return render(request, "account.html", {
        "tokens": state.accounts.list_tokens(user.id), "error": error, "new_token": new_token,
        "min_password": MIN_PASSWORD_LENGTH,
    }, status_code=status_code)


@router.get("/account")
def account(request: Request, user: CurrentUser = Depends(current_user)) -> Response:
    return _account_page(request, user)


@router.post("/account/password")
def change_password(request: Request, user: CurrentUser = Depends(current_user),
                    form: FormData = Depends(csrf_form)) -> Response:
    state = app_state(request)
    if state.accounts.authenticate(user.username, form_str(form, "current")) is None:
        return _account_page(request, user, error="Mật khẩu hiện tại không đúng.", status_code=400)
    if form_str(form, "new") != form_str(form, "confirm"):
        return _account_page(request, user, error="Hai lần nhập mật khẩu mới không khớp.", status_code=400)
    try:
        state.accounts.set_password(user.id, form_str(form, "new"), keep_session=user.session_token)
    except AccountError as exc:
        return _account_page(request, user, error=str(exc), status_code=400)
    state.store.audit(user.username, "user_password", detail={"user": user.username})
    return RedirectResponse("/account?msg=password_changed", status_code=303)


@router.post("/account/tokens")
def create_token(request: Request, user: CurrentUser = Depends(current_user),
                 form: FormData = Depends(csrf_form)) -> Response:
    """The token is shown on this one page and never again (the store keeps only its hash)."""
    state = app_state(request)
    token, row = state.accounts.create_api_token(user.id, form_str(form, "label"))
    state.store.audit(user.username, "token_add", detail={"prefix": row.prefix, "label": row.label})
    return _account_page(request, user, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, user: CurrentUser = Depends(current_user),
                 form: FormData = Depends(csrf_form)) -> Response:
    state = app_state(request)
    if not state.accounts.revoke_token(user.id, token_id):
        raise HTTPException(404, "Không có mã API này.")
    state.store.audit(user.username, "token_revoke", detail={"token_id": token_id})
    return RedirectResponse("/account?msg=token_revoked", status_code=303)
