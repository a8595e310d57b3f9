"""Security checks of the web app (issue 7), walked from the app's route table:

- each route declares its role through its dependencies, the same role tests/test_web_routes.py's
  ROLE_OF gives it, and each role reaches every route of its rank and above (refusals: test_web_routes.py);
- every state-changing page route refuses a form without the session's CSRF token or with another
  session's; nothing answers PUT, PATCH or DELETE;
- path traversal: `../`, `%2e%2e%2f`, backslashes, absolute paths, NUL bytes and symlinks, in URLs, in
  archive paths held by records and in batch folders, are refused (404/400) and no file outside the
  archive is ever served;
- security headers on every kind of response, and the cookie flags.
"""

from __future__ import annotations

import asyncio
import copy
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.test_web_routes import OPEN, RANK, ROLE_OF, _routes, _url, _walk
from tests.web_browser.data import CURATED, WebData, csrf_of, login, shared

# routes that check their credentials in the handler instead of a dependency (the API description is
# read by the /api-docs page with the session cookie and by API clients with a token)
CHECKED_IN_HANDLER = {("GET", "/api/openapi.json"): "clerk"}
DEPENDENCY_ROLE = {
    "current_user": "clerk", "require_clerk": "clerk", "require_archivist": "archivist", "require_admin": "admin",
    "api_user": "clerk", "api_require_clerk": "clerk", "api_require_archivist": "archivist",
    "api_require_admin": "admin",
}
CSRF_REFUSED = "Biểu mẫu đã hết hạn"
ROLE_REFUSED = "không có quyền"
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin"}


@pytest.fixture(scope="session")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> WebData:
    return shared(tmp_path_factory)


@pytest.fixture(scope="module")
def app(web_data):
    return web_data.app()


@pytest.fixture(scope="module")
def clients(app, web_data) -> dict[str, tuple[TestClient, str]]:
    """A logged-in client and an API token per role."""
    out = {}
    for role in RANK:
        client = web_data.client(role, app=app)
        page = client.get("/account")
        made = client.post("/account/tokens", data={"label": "security walk", "csrf_token": csrf_of(page.text)})
        out[role] = (client, re.search(r'id="new-token">([^<]+)<', made.text).group(1))
    return out


def _declared_role(route) -> str | None:
    """The highest role the route's dependency tree asks for (None: no credentials asked)."""
    roles: list[str] = []

    def walk(dependant) -> None:
        for sub in dependant.dependencies:
            name = getattr(sub.call, "__name__", "")
            if name in DEPENDENCY_ROLE:
                roles.append(DEPENDENCY_ROLE[name])
            walk(sub)

    walk(getattr(route, "original_route", route).dependant)
    return max(roles, key=RANK.__getitem__) if roles else None


def test_every_route_declares_the_role_of_the_table(app):
    """A route added without an authorisation dependency (or with another role than ROLE_OF says) fails."""
    seen = 0
    for route in _walk(app):
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue
        for method in sorted(set(route.methods) - {"HEAD", "OPTIONS"}):
            key = (method, route.path)
            declared = _declared_role(route)
            if key in OPEN:
                assert declared is None, key
            elif key in CHECKED_IN_HANDLER:
                assert declared is None and ROLE_OF[key] == CHECKED_IN_HANDLER[key], key
            else:
                assert declared == ROLE_OF.get(key), (key, declared, ROLE_OF.get(key))
                # pages authenticate by session, the API by token only
                api_dep = any(getattr(s.call, "__name__", "").startswith("api_")
                              for s in getattr(route, "original_route", route).dependant.dependencies)
                assert api_dep == route.path.startswith("/api/"), key
            seen += 1
    assert seen == len(OPEN) + len(ROLE_OF)


@pytest.mark.parametrize("role", list(RANK))
def test_each_role_reaches_every_route_of_its_rank(clients, role):
    """Allowed means: not refused for the role, not sent to the login. Forms are sent without a CSRF
    token, so nothing changes: the refusal must then be the CSRF one, never the role one."""
    client, token = clients[role]
    for (method, path), needed in ROLE_OF.items():
        if RANK[needed] > RANK[role]:
            continue
        if path.startswith("/api/"):
            kwargs = {"json": {}} if method == "POST" else {}
            r = client.request(method, _url(path), headers={"Authorization": f"Bearer {token}"}, **kwargs)
            assert r.status_code not in (401, 403), (role, method, path, r.status_code, r.text[:200])
        elif method == "POST":
            r = client.request(method, _url(path), data={"probe": "1"})
            assert r.status_code == 403 and CSRF_REFUSED in r.text, (role, method, path, r.status_code)
        else:
            r = client.request(method, _url(path))
            assert r.status_code != 403 and ROLE_REFUSED not in r.text, (role, method, path, r.status_code)
            assert not (r.status_code == 303 and r.headers["location"].startswith("/login")), (role, path)


def test_every_state_changing_page_needs_the_session_csrf_token(clients, app):
    admin, _ = clients["admin"]
    other, _ = clients["clerk"]
    foreign = csrf_of(other.get("/search").text)  # valid, but for another session
    posts = [(m, p) for m, p in _routes(app) if m not in ("GET", "HEAD") and not p.startswith("/api/")]
    assert len(posts) >= 12
    for method, path in posts:
        for data in ({}, {"csrf_token": ""}, {"csrf_token": foreign}, {"csrf_token": "0" * 64}):
            r = admin.request(method, _url(path), data=data)
            assert r.status_code == 403, (method, path, data, r.status_code)
        # the multipart form of the upload too
        r = admin.request(method, _url(path), data={"csrf_token": foreign},
                          files=[("files", ("a.png", b"\x89PNG\r\n\x1a\n", "image/png"))])
        # refused either way: for the CSRF token, or (forms that take no files, such as the login) for the file
        assert r.status_code in (400, 403), (method, path, r.status_code)
    assert admin.get("/search").status_code == 200  # the admin's session survived the walk (no logout)


def test_no_route_answers_put_patch_or_delete(clients, app):
    admin, token = clients["admin"]
    for path in {p for _, p in _routes(app)}:
        for method in ("PUT", "PATCH", "DELETE"):
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
            assert admin.request(method, _url(path), headers=headers).status_code == 405, (method, path)


# ---- path traversal -------------------------------------------------------------------------------------


def _raw_get(app, raw_path: str, cookie: str = "") -> tuple[int, bytes]:
    """GET with the path exactly as a client may send it (TestClient would normalise `../`); the scope's
    path is percent-decoded as uvicorn does."""
    raw = raw_path.encode("latin-1")
    path, _, query = raw_path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": unquote(path), "raw_path": raw.split(b"?")[0], "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"testserver")] + ([(b"cookie", cookie.encode())] if cookie else []),
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    status, body = [0], []

    async def run() -> None:
        # as a server does: the request once, then nothing until the response is complete, then the
        # disconnect (FileResponse listens for it while it streams)
        done, asked = asyncio.Event(), [False]

        async def receive():
            if not asked[0]:
                asked[0] = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await app(scope, receive, send)

    asyncio.run(asyncio.wait_for(run(), timeout=60))
    return status[0], b"".join(body)


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    """Its own data directory: one record with a real archival PDF, records pointing elsewhere, files
    outside the archive that must never be served, and a clerk."""
    from reportlab.pdfgen import canvas

    from config.settings import Settings
    from store.db import Store
    from web.accounts import Accounts
    from web.app import create_app

    base = tmp_path_factory.mktemp("vault")
    data = base / "data"
    good = data / "archive" / "ab" / "good.pdf"
    good.parent.mkdir(parents=True)
    pdf = canvas.Canvas(str(good))
    pdf.drawString(100, 700, "Giay khai sinh so 27")
    pdf.save()
    secret = base / "outside" / "secret.pdf"
    secret.parent.mkdir()
    secret.write_bytes(b"%PDF-1.4 TOP-SECRET-OUTSIDE")
    uploaded = data / "web" / "uploads" / "b1" / "upload.pdf"  # inside the data dir, not the archive
    uploaded.parent.mkdir(parents=True)
    uploaded.write_bytes(b"%PDF-1.4 TOP-SECRET-UPLOAD")
    (data / "archive" / "linkdir").symlink_to(secret.parent, target_is_directory=True)
    (data / "archive" / "link.pdf").symlink_to(secret)
    targets = {
        "good": str(good), "absolute": str(secret), "dotdot": "archive/../../outside/secret.pdf",
        "dotdot_abs": str(data / "archive" / ".." / ".." / "outside" / "secret.pdf"),
        "symlink_file": str(data / "archive" / "link.pdf"), "symlink_dir": "archive/linkdir/secret.pdf",
        "upload": str(uploaded), "encoded": "archive/%2e%2e/%2e%2e/outside/secret.pdf",
        "nul": "archive/ab/good.pdf\x00/../../../outside/secret.pdf", "etc": "/etc/passwd",
        "home": "~/secret.pdf", "backslash": "archive\\..\\..\\outside\\secret.pdf",
    }
    settings = Settings(data_dir=data, database_url="", web_secret_key="s" * 40, web_full_id_roles=["admin"],
                        web_ingest_roots=[], inbox_dir=None)
    ids = {}
    with Store.open(settings) as store:
        records = []
        for n, (name, target) in enumerate(targets.items()):
            rec = copy.deepcopy(CURATED["spare"])
            rec["id"] = f"{n:02d}" + "e" * 62
            rec["archive"] = {"pdfa_path": target}
            records.append(rec)
            ids[name] = rec["id"]
        store.save_records(records)
        Accounts(store, settings).add_user("tiepnhan", "clerk", "mat-khau-kiem-tra", "Nguyễn Thị Hoa")
        Accounts(store, settings).add_user("luutru", "archivist", "mat-khau-luu-tru", "Trần Thị Lan")
    (data / "inbox" / "lo-1").mkdir(parents=True)
    (data / "inbox" / "ra-ngoai").symlink_to(secret.parent, target_is_directory=True)
    app = create_app(settings)
    client = TestClient(app, follow_redirects=False)
    login(client, "tiepnhan", "mat-khau-kiem-tra")
    return {"app": app, "client": client, "ids": ids, "data": data, "settings": settings}


def _no_secret(body: bytes) -> bool:
    return b"TOP-SECRET" not in body and b"root:" not in body and b"create_app" not in body and b"[project]" not in body


def test_archive_paths_held_by_records_never_leave_the_archive(vault):
    client, ids = vault["client"], vault["ids"]
    r = client.get(f"/records/{ids['good']}/pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")  # the control: a real copy is served
    assert client.get(f"/records/{ids['good']}/pages/1.jpg").status_code == 200
    for name, rid in ids.items():
        if name == "good":
            continue
        for url in (f"/records/{rid}/pdf", f"/records/{rid}/pages/1.jpg", f"/records/{rid}/region/subject_name.png"):
            r = client.get(url)
            assert r.status_code == 404 and _no_secret(r.content), (name, url, r.status_code)


RAW_PATHS = [
    "/static/../web/app.py", "/static/../../pyproject.toml", "/static/%2e%2e/app.py", "/static/%2e%2e%2fapp.py",
    "/static/%2e%2e%2f%2e%2e%2fpyproject.toml", "/static/..%2f..%2fpyproject.toml", "/static/%2E%2E%2Fapp.py",
    "/static/..\\app.py", "/static/%5c..%5capp.py", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
    "/static/....//app.py", "/static/%252e%252e%252fapp.py", "/static/%00../app.py", "/static/app.js%00.py",
    "/records/%2e%2e%2f%2e%2e%2fetc%2fpasswd/pdf", "/records/../../etc/passwd/pdf",
    "/records/{good}/pages/..%2f..%2f..%2fetc%2fpasswd.jpg", "/records/{good}/pages/%2e%2e.jpg",
    "/records/{good}/region/..%2f..%2fetc%2fpasswd.png", "/records/{good}/region/%2e%2e%2fsubject_name.png",
    "/records/{good}%2f..%2f..%2f/pdf", "//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
]


@pytest.mark.parametrize("raw", RAW_PATHS)
def test_traversal_in_urls_is_refused(vault, raw):
    cookie = "; ".join(f"{k}={v}" for k, v in vault["client"].cookies.items())
    status, body = _raw_get(vault["app"], raw.format(good=vault["ids"]["good"]), cookie)
    assert status in (400, 404), (raw, status, body[:200])
    assert _no_secret(body), raw


def test_static_files_are_served_and_their_neighbours_are_not(vault):
    status, body = _raw_get(vault["app"], "/static/app.js")
    assert status == 200 and body
    for raw in ("/static/../app.py", "/static/%2e%2e%2fapp.py", "/static/../templates/base.html"):
        assert _raw_get(vault["app"], raw)[0] == 404, raw


def test_batch_folders_outside_the_roots_are_refused(vault):
    client = TestClient(vault["app"], follow_redirects=False)
    login(client, "luutru", "mat-khau-luu-tru")
    token = csrf_of(client.get("/batches").text)
    launched = []
    state = vault["app"].state.sohoa
    original = state.batches.launch
    state.batches.launch = lambda batch_id, paths, **kw: launched.append(paths)
    try:
        for folder in ("../", "../../outside", "..%2f..%2foutside", "%2e%2e/%2e%2e", "/etc", str(vault["data"]),
                       "lo-1/../../..", "ra-ngoai", "lo-1\x00/../..", "..\\..", "~"):
            r = client.post("/batches/folder", data={"folder": folder, "csrf_token": token})
            assert r.status_code == 400, (folder, r.status_code)
        assert not launched
        r = client.post("/batches/folder", data={"folder": "lo-1", "csrf_token": token})
        assert r.status_code == 303 and launched  # the control
    finally:
        state.batches.launch = original


# ---- headers and cookies ----------------------------------------------------------------------------------


def test_security_headers_on_every_kind_of_response(clients, app, web_data):
    clerk, token = clients["clerk"]
    anonymous = web_data.client(app=app)
    responses = {
        "page": clerk.get("/search"), "redirect": anonymous.get("/search"), "login": anonymous.get("/login"),
        "not found": clerk.get("/khong-co"), "forbidden": clerk.get("/admin/users"),
        "static": anonymous.get("/static/style.css"), "api": clerk.get("/api/me", headers={"Authorization": f"Bearer {token}"}),
        "api 401": anonymous.get("/api/me"), "405": anonymous.request("DELETE", "/search"),
        "csv": clients["admin"][0].get("/admin/audit.csv"),
    }
    for kind, r in responses.items():
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, (kind, name, r.headers.get(name))
        csp = r.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp, kind
        if kind != "static":
            assert "no-store" in r.headers.get("cache-control", ""), kind
    assert "server" not in {k.lower() for k in responses["page"].headers}


def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


@pytest.mark.parametrize("secure", [False, True])
def test_cookie_flags(vault, secure):
    from web.app import create_app

    settings = vault["settings"].model_copy(update={"web_cookie_secure": secure})
    client = TestClient(create_app(settings), follow_redirects=False, base_url="https://testserver")
    page = client.get("/login")
    login_cookie = _set_cookies(page)["sohoa_login"]
    r = client.post("/login", data={"username": "tiepnhan", "password": "mat-khau-kiem-tra",
                                    "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    session_cookie = _set_cookies(r)["sohoa_session"]
    for cookie, samesite in ((login_cookie, "strict"), (session_cookie, "lax")):
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags and f"samesite={samesite}" in flags and "path=/" in flags, cookie
        assert ("secure" in flags) is secure, cookie
    logout = client.post("/logout", data={"csrf_token": csrf_of(client.get("/search").text)})
    assert 'sohoa_session=""' in _set_cookies(logout)["sohoa_session"] or "max-age=0" in \
        _set_cookies(logout)["sohoa_session"].lower()


def test_pages_outside_this_site_cannot_be_named_as_next(vault):
    client = TestClient(vault["app"], follow_redirects=False)
    page = client.get("/login")
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "\\\\evil.example"):
        r = client.post("/login", data={"username": "tiepnhan", "password": "mat-khau-kiem-tra",
                                        "csrf_token": csrf_of(page.text), "next": target})
        assert r.status_code == 303 and r.headers["location"] == "/search", target
        client.cookies.clear()
        page = client.get("/login")


def test_the_archive_root_is_the_only_source_of_served_files(tmp_path):
    """Unit level: the same checks without the web."""
    from config.settings import Settings
    from web import images

    data = tmp_path / "data"
    (data / "archive").mkdir(parents=True)
    inside_data = data / "other.pdf"
    inside_data.write_bytes(b"%PDF-1.4")
    settings = Settings(data_dir=data)
    for bad in (str(inside_data), "other.pdf", "archive/../other.pdf", "archive/x.pdf\x00", str(Path("/") / "etc")):
        with pytest.raises(images.NoImage):
            images.archive_file(settings, {"archive": {"pdfa_path": bad}})
