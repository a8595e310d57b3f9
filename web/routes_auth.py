"""Logging in and out. The only pages open without a session are the login form and static files."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from web.accounts import CurrentUser
from web.deps import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    app_state,
    csrf_form,
    current_user,
    form_str,
    render,
    safe_next,
)
from web.security import sign

router = APIRouter(include_in_schema=False)


def _client_ip(request: Request) -> str:
    # behind a reverse proxy this is the proxy; uvicorn's --proxy-headers (trusted hosts) fixes that
    return request.client.host if request.client else "unknown"


def _login_page(request: Request, *, next_url: str, error: str | None = None, status_code: int = 200,
                username: str = "") -> Response:
    state = app_state(request)
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "login.html", {
        "next": next_url, "error": error, "username": username,
        "login_csrf": sign(state.secret, "login", nonce),
        "no_accounts": state.accounts.count_users() == 0,
    }, status_code=status_code)
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict",
                        secure=state.settings.web_cookie_secure, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/search") -> Response:
    if app_state(request).accounts.session_user(request.cookies.get(SESSION_COOKIE)):
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    state = app_state(request)
    form = await request.form(max_files=0, max_fields=10)
    username = form_str(form, "username").strip().lower()[:64]
    password = form_str(form, "password")[:1024]
    next_url = safe_next(form_str(form, "next"))
    nonce = request.cookies.get(LOGIN_COOKIE)
    expected = sign(state.secret, "login", nonce) if nonce else None
    if not expected or not secrets.compare_digest(expected, form_str(form, "csrf_token")):
        return _login_page(request, next_url=next_url, username=username, status_code=403,
                           error="Biểu mẫu đã hết hạn. Hãy đăng nhập lại.")
    keys = (f"user:{username}", f"ip:{_client_ip(request)}")
    wait = state.limiter.retry_after(*keys)
    if wait:
        response = _login_page(request, next_url=next_url, username=username, status_code=429,
                               error=f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {wait // 60 + 1} phút.")
        response.headers["Retry-After"] = str(wait)
        return response
    user = state.accounts.authenticate(username, password) if username and password else None
    if user is None:
        state.limiter.failed(*keys)
        state.store.audit(username or "?", "login_failed", detail={"ip": _client_ip(request)})
        return _login_page(request, next_url=next_url, username=username, status_code=401,
                           error="Tên đăng nhập hoặc mật khẩu không đúng.")
    state.limiter.succeeded(keys[0])
    token = state.accounts.create_session(user, ip=_client_ip(request), user_agent=request.headers.get("user-agent"))
    state.store.audit(user.username, "login", detail={"ip": _client_ip(request)})
    response = RedirectResponse(next_url, status_code=303)
    # a new token at every login: a session id planted before login is worth nothing
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=state.settings.web_cookie_secure, max_age=state.settings.web_session_minutes * 60)
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, user: CurrentUser = Depends(current_user), form: FormData = Depends(csrf_form)) -> Response:
    state = app_state(request)
    state.accounts.end_session(user.session_token)
    state.store.audit(user.username, "logout")
    response = RedirectResponse("/login?msg=logged_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(user: CurrentUser = Depends(current_user)) -> Response:
    return RedirectResponse("/search", status_code=303)
