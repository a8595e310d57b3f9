"""SQL is built only through bound parameters (issue 7).

- Statically: no module of the project composes SQL text from Python values (f-strings, `%` or `.format`
  on SQL keywords, `text()` or `exec_driver_sql` on anything but a constant).
- At run time: hostile strings typed where users type (the login form, the search box and its filters,
  the citizen view, the audit filters, record ids in URLs, the JSON API) reach the database only as
  parameters: a listener on every SQLAlchemy engine sees each statement, and none holds the marker, while
  the parameters do (so the check has seen the values go by). The tables are intact afterwards.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from tests.test_web_routes import PARAMS, _routes
from tests.web_browser.data import csrf_of, login

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sohoa", "config", "schemas", "extractors", "flows", "store", "search", "web", "archival", "backup")
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|PRAGMA|DROP|CREATE|ALTER)\b", re.IGNORECASE)
MARKER = "zq9DROPmarker"
EVIL = [f"x' OR '1'='1' -- {MARKER}", f"{MARKER}'); DROP TABLE records; --", f'{MARKER}" OR ""="',
        f"%{MARKER}%' UNION SELECT password_hash FROM users --", f"{MARKER}\\'; DELETE FROM audit_log; --"]


def _sources() -> list[Path]:
    out = []
    for pkg in PACKAGES:
        out += [p for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts]
    return out


def _is_composed(node: ast.AST) -> bool:
    """A string made from values at run time: f-string with a value, `%` formatting, `.format()`, `+`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _sql_text_of(node: ast.AST) -> str:
    return " ".join(c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str))


def test_no_sql_text_is_composed_from_values():
    offences = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                constant = bool(node.args) and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str)
                if name in ("text", "exec_driver_sql", "executescript") and node.args and not constant:
                    offences.append(f"{where}: {name}() of a non-constant")
                if name in ("execute", "executemany") and node.args and _is_composed(node.args[0]):
                    offences.append(f"{where}: execute() of a composed string")
            if _is_composed(node) and re.search(r"\b(SELECT .* FROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM|"
                                                r"WHERE \w+ ?=|DROP TABLE)\b", _sql_text_of(node)):
                offences.append(f"{where}: SQL composed from values: {_sql_text_of(node)[:80]!r}")
    assert len(_sources()) > 40
    assert not offences, "\n".join(offences)


@pytest.fixture
def statements():
    """(statement, parameters) of everything any engine sends while the test runs."""
    seen: list[tuple[str, str]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        seen.append((statement, repr(parameters)))

    event.listen(Engine, "before_cursor_execute", listener)
    yield seen
    event.remove(Engine, "before_cursor_execute", listener)


@pytest.fixture
def site(tmp_path):
    from config.settings import Settings
    from search.base import open_backend
    from store.db import Store
    from tests.web_browser.data import CURATED
    from web.accounts import Accounts
    from web.app import create_app

    settings = Settings(data_dir=tmp_path / "data", database_url="", web_secret_key="s" * 40, inbox_dir=None,
                        web_login_max_attempts=100)  # the hostile logins below must not pause logins
    with Store.open(settings) as store:
        store.save_records([CURATED["birth"], CURATED["decision"]])
        Accounts(store, settings).add_user("quantri", "admin", "mat-khau-quan-tri", "Quản Trị")
        with open_backend(settings) as backend:
            backend.sync_from(store)
    return settings, create_app(settings)


def _assert_bound(statements: list[tuple[str, str]]) -> None:
    assert statements, "no statement went by"
    leaked = [s for s, _ in statements if MARKER in s]
    assert not leaked, leaked[:3]
    assert any(MARKER in p for _, p in statements), "the hostile values never reached the database as parameters"


def test_hostile_strings_through_the_store_are_parameters(statements, site):
    from store.db import Store

    settings, _ = site
    with Store.open(settings) as store:
        before = store.count_records()
        for evil in EVIL:
            store.audit(evil, "search", query=evil, record_id=evil)
            assert not store.audit_entries(who=evil[:-1]) and len(store.audit_entries(who=evil)) == 1
            assert store.get_record(evil) is None
        after = store.count_records()
    assert before == after == 2
    _assert_bound(statements)


def test_hostile_strings_through_the_web_are_parameters(statements, site):
    settings, app = site
    client = TestClient(app, follow_redirects=False)
    for evil in EVIL:  # the login form: refused, never logged in
        page = client.get("/login")
        r = client.post("/login", data={"username": evil, "password": evil, "csrf_token": csrf_of(page.text)})
        assert r.status_code != 303 or r.headers["location"].startswith("/login"), evil
        client.cookies.clear()
    login(client, "quantri", "mat-khau-quan-tri")
    token_page = client.get("/account")
    made = client.post("/account/tokens", data={"label": "sql", "csrf_token": csrf_of(token_page.text)})
    token = re.search(r'id="new-token">([^<]+)<', made.text).group(1)
    answered = 0
    for method, path in _routes(app):
        if method != "GET" or path in ("/login",):
            continue
        for evil in EVIL:
            url = re.sub(r"\{(\w+)\}", lambda m, e=evil: quote(e, safe="") if m.group(1) != "page" else PARAMS["page"],
                         path)
            query = "&".join(f"{k}={quote(evil, safe='')}" for k in (
                "q", "who", "action", "id", "name", "dob", "type", "doc_type", "issuer", "place", "from", "to",
                "status", "sort"))
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
            r = client.get(f"{url}?{query}", headers=headers)
            assert r.status_code < 500, (path, evil, r.status_code, r.text[:300])
            answered += 1
    assert answered >= 20 * len(EVIL)
    # still whole: the records, the accounts, the audit log (which now holds the hostile queries as text)
    r = client.get("/search", params={"q": "Phan Quang Tung"})
    assert r.status_code == 200 and "/records/" in r.text
    audit = client.get("/admin/audit")
    assert audit.status_code == 200 and MARKER in audit.text
    _assert_bound(statements)
