"""Every route of the app, walked from `app.routes`: nothing but the login form and static files answers
without a session or an API token, and each role reaches exactly the routes it should.

A route added later without a row in ROLE_OF below fails `test_every_route_is_classified`, so nobody
adds a page without deciding who may see it.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from tests.web_browser.data import WebData, csrf_of, shared

OPEN = {("GET", "/login"), ("POST", "/login")}
PARAMS = {"record_id": "0" * 64, "page": "1", "field": "subject_name", "batch_id": "web-x", "user_id": "999999",
          "token_id": "999999"}
# the least role each route needs ("any": any logged-in user; "token|session": API description)
ROLE_OF = {
    ("GET", "/"): "clerk", ("POST", "/logout"): "clerk", ("GET", "/search"): "clerk",
    ("GET", "/records/{record_id}"): "clerk", ("GET", "/records/{record_id}/pages/{page}.jpg"): "clerk",
    ("GET", "/records/{record_id}/region/{field}.png"): "clerk", ("GET", "/records/{record_id}/pdf"): "clerk",
    ("GET", "/citizen"): "clerk", ("GET", "/account"): "clerk", ("POST", "/account/password"): "clerk",
    ("POST", "/account/tokens"): "clerk", ("POST", "/account/tokens/{token_id}/revoke"): "clerk",
    ("GET", "/api-docs"): "clerk",
    ("GET", "/review"): "archivist", ("GET", "/review/{record_id}"): "archivist",
    ("POST", "/review/{record_id}"): "archivist", ("POST", "/review/{record_id}/done"): "archivist",
    ("GET", "/batches"): "archivist", ("POST", "/batches/upload"): "archivist",
    ("POST", "/batches/folder"): "archivist", ("GET", "/batches/{batch_id}"): "archivist",
    ("GET", "/batches/{batch_id}/progress"): "archivist", ("POST", "/batches/{batch_id}/retry"): "archivist",
    ("GET", "/admin/users"): "admin", ("POST", "/admin/users"): "admin", ("POST", "/admin/users/{user_id}"): "admin",
    ("GET", "/admin/audit"): "admin", ("GET", "/admin/audit.csv"): "admin",
    ("GET", "/api/me"): "clerk", ("GET", "/api/search"): "clerk", ("GET", "/api/records/{record_id}"): "clerk",
    ("GET", "/api/records/{record_id}/corrections"): "clerk", ("GET", "/api/citizen"): "clerk",
    ("POST", "/api/records/{record_id}/corrections"): "archivist",
    ("POST", "/api/records/{record_id}/reviewed"): "archivist", ("GET", "/api/review"): "archivist",
    ("GET", "/api/batches"): "archivist", ("POST", "/api/batches"): "archivist",
    ("GET", "/api/batches/{batch_id}"): "archivist",
    ("GET", "/api/users"): "admin", ("POST", "/api/users"): "admin", ("GET", "/api/audit"): "admin",
    ("GET", "/api/openapi.json"): "clerk",
}
RANK = {"clerk": 0, "archivist": 1, "admin": 2}


def _walk(app) -> list:
    """Every route with its full path. FastAPI 0.15x keeps included routers as lazy wrappers in
    `app.routes` and exposes the flattened routes through `iter_route_contexts`; older versions list
    the routes themselves."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def _routes(app) -> list[tuple[str, str]]:
    out = []
    for route in _walk(app):
        if isinstance(getattr(route, "original_route", route), APIRoute):
            out += [(m, route.path) for m in sorted(set(route.methods) - {"HEAD", "OPTIONS"})]
    return out


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], path)



@pytest.fixture(scope="session")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> WebData:
    return shared(tmp_path_factory)

@pytest.fixture(scope="module")
def app(web_data):
    return web_data.app()


def test_every_route_is_classified(app):
    routes = set(_routes(app))
    assert routes - OPEN - set(ROLE_OF) == set(), "new routes: add them to ROLE_OF"
    assert set(ROLE_OF) - routes == set(), "ROLE_OF names routes that no longer exist"
    assert len(routes) == len(OPEN) + len(ROLE_OF)
    assert [r.path for r in _walk(app) if isinstance(getattr(r, "original_route", r), Mount)] == ["/static"]


@pytest.mark.parametrize("credentials", ["none", "bad_cookie", "bad_token"])
def test_unauthenticated_requests_are_refused_everywhere(app, web_data, credentials):
    client = web_data.client(app=app)
    headers = {}
    if credentials == "bad_cookie":
        client.cookies.set("sohoa_session", "forged-session-token")
    elif credentials == "bad_token":
        headers["Authorization"] = "Bearer sohoa_forged-token"
    checked = 0
    for method, path in _routes(app):
        if (method, path) in OPEN:
            continue
        r = client.request(method, _url(path), headers=headers)
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.headers.get("www-authenticate") == "Bearer"
        else:
            assert r.status_code == 303, (method, path, r.status_code)
            assert r.headers["location"].startswith("/login?next="), (method, path)
        assert "Nguyễn" not in r.text and "036" not in r.text  # nothing of the store leaks
        checked += 1
    assert checked == len(ROLE_OF)
    # what stays open: the login form and the static files, nothing else
    assert client.get("/login").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/../web/app.py").status_code == 404


def test_session_cookies_do_not_open_the_api(app, web_data):
    client = web_data.client("clerk", app=app)
    for method, path in _routes(app):
        if path.startswith("/api/") and path != "/api/openapi.json":
            assert client.request(method, _url(path)).status_code == 401, path


@pytest.mark.parametrize("role", ["clerk", "archivist"])
def test_each_role_is_refused_above_its_rank(app, web_data, role):
    """Pages answer 403 to a logged-in user whose role is too low, before reading any form."""
    client = web_data.client(role, app=app)
    token = csrf_of(client.get("/search").text)
    page = client.get("/account")
    api_token = re.search(r'id="new-token">([^<]+)<', client.post(
        "/account/tokens", data={"label": "walk", "csrf_token": csrf_of(page.text)}).text).group(1)
    for (method, path), needed in ROLE_OF.items():
        if RANK[needed] <= RANK[role]:
            continue
        if path.startswith("/api/"):
            r = client.request(method, _url(path), headers={"Authorization": f"Bearer {api_token}"})
        else:
            r = client.request(method, _url(path), data={"csrf_token": token} if method == "POST" else None)
        assert r.status_code == 403, (role, method, path, r.status_code)
