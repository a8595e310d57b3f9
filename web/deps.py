"""Who is asking, and may they: dependencies every route declares.

Pages use the session cookie (and a CSRF token on every form that changes something); the JSON API
uses `Authorization: Bearer <token>` only, so a browser's cookies never authorise an API call and the
API needs no CSRF token. Routes read form bodies only after these checks, so nobody uploads anything
before logging in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from store.privacy import mask_id
from store.users import Role
from web import labels
from web.accounts import CurrentUser
from web.corrections import DATE_FIELDS
from web.security import csrf_token, csrf_valid
from web.state import AppState

SESSION_COOKIE = "sohoa_session"
LOGIN_COOKIE = "sohoa_login"  # a random value the login form's CSRF token is bound to
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.globals.update(
    doc_type_label=labels.doc_type_label, field_label=labels.field_label, vn_date=labels.vn_date, vn_time=labels.vn_time,
    role_label=labels.ROLE_LABELS.get, person_role_label=labels.PERSON_ROLE_LABELS.get,
    match_label=labels.MATCH_LABELS.get, batch_status_label=labels.BATCH_STATUS_LABELS.get,
    outcome_label=labels.OUTCOME_LABELS.get, audit_action_label=labels.AUDIT_ACTION_LABELS.get,
    mask_id=mask_id, Role=Role, date_fields=DATE_FIELDS, pairs=labels.pairs,
)

# messages a redirect may ask a page to show (?msg=...): fixed texts, so a link cannot inject any
MESSAGES = {
    "saved": "Đã lưu sửa đổi; chỉ mục tìm kiếm được cập nhật ngay.",
    "saved_later": "Đã lưu sửa đổi; chỉ mục tìm kiếm đang bận và sẽ được cập nhật trong ít phút.",
    "reviewed": "Đã đánh dấu hồ sơ là đã kiểm tra.",
    "user_added": "Đã tạo tài khoản.",
    "user_updated": "Đã cập nhật tài khoản.",
    "password_changed": "Đã đổi mật khẩu.",
    "token_revoked": "Đã thu hồi mã API.",
    "batch_started": "Đã bắt đầu xử lý lô.",
    "logged_out": "Bạn đã đăng xuất.",
}


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, the API answers 401."""


def app_state(request: Request) -> AppState:
    return request.app.state.sohoa


def current_user(request: Request) -> CurrentUser:
    user = getattr(request.state, "user", None)
    if user is not None:
        return user
    user = app_state(request).accounts.session_user(request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise LoginRequired()
    request.state.user = user
    return user


def require(role: Role) -> Callable[..., CurrentUser]:
    def dependency(user: CurrentUser = Depends(current_user)) -> CurrentUser:
        if not user.can(role):
            raise HTTPException(403, "Tài khoản của bạn không có quyền vào trang này.")
        return user

    dependency.__name__ = f"require_{role.value}"
    return dependency


clerk = require(Role.CLERK)
archivist = require(Role.ARCHIVIST)
admin = require(Role.ADMIN)


async def csrf_form(request: Request, user: CurrentUser = Depends(current_user)) -> FormData:
    """The submitted form, once its CSRF token is checked (after the login check)."""
    form = await request.form(max_files=0, max_fields=200)
    token = form.get("csrf_token")
    if not csrf_valid(app_state(request).secret, user.session_token, token if isinstance(token, str) else None):
        raise HTTPException(403, "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và thử lại.")
    return form


_bearer = HTTPBearer(auto_error=False, description="Mã API của tài khoản (trang Tài khoản → Mã API)")


def api_user(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(_bearer)) -> CurrentUser:
    user = app_state(request).accounts.token_user(credentials.credentials) if credentials else None
    if user is None:
        raise HTTPException(401, "missing or invalid API token", headers={"WWW-Authenticate": "Bearer"})
    request.state.user = user
    return user


def api_require(role: Role) -> Callable[..., CurrentUser]:
    def dependency(user: CurrentUser = Depends(api_user)) -> CurrentUser:
        if not user.can(role):
            raise HTTPException(403, f"this API needs the {role.value} role")
        return user

    dependency.__name__ = f"api_require_{role.value}"
    return dependency


api_clerk = api_require(Role.CLERK)
api_archivist = api_require(Role.ARCHIVIST)
api_admin = api_require(Role.ADMIN)


def form_str(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


def shows_full_ids(request: Request, user: CurrentUser) -> bool:
    return user.role.value in app_state(request).settings.web_full_id_roles


def safe_next(target: str | None) -> str:
    """Only a path of this site: never another host (//evil.example, https://...)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/search"
    return target


def login_redirect_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(target, safe="")


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Any:
    user: CurrentUser | None = getattr(request.state, "user", None)
    state = app_state(request)
    ctx = {
        "user": user,
        "csrf": csrf_token(state.secret, user.session_token) if user and user.session_token else "",
        "msg": MESSAGES.get(request.query_params.get("msg", "")),
        "index_pending": state.index.pending,
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
