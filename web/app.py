"""The web app: `create_app(settings)` builds it; `sohoa web` serves it with uvicorn.

Pages are rendered on the server (Jinja2, templates/), with a little plain JavaScript (static/app.js)
and no build step. The JSON API lives under /api (web/api.py). Everything but the login form and the
static files needs a session or an API token (tests/test_web_routes.py walks every route to check).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.settings import PIPELINE_VERSION, Settings, get_settings
from store.privacy import mask_log
from web import api, routes_admin, routes_auth, routes_batches, routes_review, routes_search
from web.deps import LoginRequired, login_redirect_url, render
from web.state import AppState

STATIC_DIR = Path(__file__).parent / "static"

# What the browser may do with our pages: scripts, styles and images from this site only, no framing,
# no inline script (so an injected <script> would not run even if escaping failed somewhere).
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"object-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                                 b"form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Pure ASGI (no buffering of bodies): adds the headers above, and `no-store` to everything but
    static files unless the route chose its own caching. Pages show personal data: a shared office PC's
    browser cache must not keep them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if not static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class MaskAccessLog(logging.Filter):
    """ID numbers typed into a search end up in URLs ("?q=036+220+614+006"); uvicorn's access log must not
    keep them whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask_log(a) if isinstance(a, str) else a for a in record.args)
        return True


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "missing or invalid API token"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        return RedirectResponse(login_redirect_url(request), status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or exc.status_code == 405:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))
        message = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else "Không tìm thấy trang này."
        return render(request, "error.html", {"status": exc.status_code, "message": message},
                      status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        return render(request, "error.html", {"status": 400, "message": "Yêu cầu không hợp lệ."}, status_code=400)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    state = AppState.open(settings)
    logging.getLogger("uvicorn.access").addFilter(MaskAccessLog())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    # FastAPI's own /docs and /redoc load Swagger from a CDN (the office network may have no internet)
    # and /openapi.json would be open to anyone: /api/openapi.json and /api-docs replace them.
    app = FastAPI(title="Sohoa", version=PIPELINE_VERSION, docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.sohoa = state
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (routes_auth.router, routes_search.router, routes_review.router, routes_batches.router,
                   routes_admin.router, api.docs_router, api.router):
        app.include_router(router)
    _install_handlers(app)
    return app


def app_factory() -> Any:
    """For `uvicorn --factory web.app:app_factory` (settings from the environment)."""
    return create_app()
