"""The web app through FastAPI's TestClient: login, search, record, citizen view, review and corrections,
batches, accounts, audit, the JSON API. Data: tests/web_browser/data.py (records saved straight into
the store, one page ingested for real through the batch route)."""

from __future__ import annotations

import copy
import re

import pytest

from store.db import Store
from tests.web_browser.data import CURATED, WebData, csrf_of, login, shared
from web.security import hash_password

MASKED_12 = re.compile(r"\b\d{4}\*{6}\d{2}\b")



@pytest.fixture(scope="session")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> WebData:
    return shared(tmp_path_factory)

@pytest.fixture(scope="module")
def clerk(web_data):
    return web_data.client("clerk", web_data.shared_app())


@pytest.fixture(scope="module")
def archivist(web_data):
    return web_data.client("archivist", web_data.shared_app())


@pytest.fixture(scope="module")
def admin(web_data):
    return web_data.client("admin", web_data.shared_app())


def audit_rows(web_data, **where):
    with Store.open(web_data.settings) as store:
        return [e for e in store.audit_entries(limit=500) if all(getattr(e, k) == v for k, v in where.items())]


# ---- login -----------------------------------------------------------------------------------------------


def test_login_page_is_vietnamese_and_anonymous_pages_redirect(web_data):
    client = web_data.client()
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text and "Đăng nhập" in page.text and "Tên đăng nhập" in page.text
    r = client.get("/search?q=abc")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fsearch%3Fq%3Dabc"


def test_wrong_password_missing_csrf_and_open_redirect_are_refused(web_data):
    client = web_data.client()
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "tiepnhan", "password": "sai-mat-khau-1", "csrf_token": token})
    assert r.status_code == 401 and "không đúng" in r.text
    assert audit_rows(web_data, who="tiepnhan", action="login_failed")
    r = client.post("/login", data={"username": "tiepnhan", "password": web_data.user("clerk")[1]})
    assert r.status_code == 403  # no CSRF token
    r = client.post("/login", data={"username": "tiepnhan", "password": web_data.user("clerk")[1],
                                    "csrf_token": token, "next": "//evil.example/x"})
    assert r.status_code == 303 and r.headers["location"] == "/search"


def test_login_is_rate_limited(web_data):
    client = web_data.client()  # its own app: the limiter's counts do not touch the other tests
    token = csrf_of(client.get("/login").text)
    for _ in range(web_data.settings.web_login_max_attempts):
        r = client.post("/login", data={"username": "luutru", "password": "wrong-password", "csrf_token": token})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "luutru", "password": web_data.user("archivist")[1],
                                    "csrf_token": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0  # even the right password waits


def test_logout_ends_the_session(web_data):
    client = web_data.client("clerk")
    cookie = client.cookies.get("sohoa_session")
    page = client.get("/search")
    r = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    client.cookies.set("sohoa_session", cookie)
    assert client.get("/search").status_code == 303  # the old cookie opens nothing


# ---- search, record, citizen ----------------------------------------------------------------------------


def test_search_without_diacritics_highlights_and_masks(clerk, web_data):
    r = clerk.get("/search", params={"q": "nguyen thi thu ha"})
    assert r.status_code == 200
    assert "Nguyễn Thị Thu Hà" in r.text and "<mark>" in r.text
    assert "0361******06" in r.text and "036190614006" not in r.text
    assert f"/records/{web_data.ids['ha']}" in r.text
    entry = audit_rows(web_data, who="tiepnhan", action="search")[0]
    assert entry.query == "nguyen thi thu ha" and entry.result_count >= 1


def test_search_filters_and_bad_dates(clerk, web_data):
    r = clerk.get("/search", params={"q": "Phan Xuân Việt", "doc_type": "quyet_dinh"})
    assert f"/records/{web_data.ids['decision']}" in r.text and f"/records/{web_data.ids['marriage']}" not in r.text
    r = clerk.get("/search", params={"issuer": "UBND xã Nghĩa Lạc", "date_from": "2018-01-01", "date_to": "2018-12-31"})
    assert f"/records/{web_data.ids['marriage']}" in r.text and f"/records/{web_data.ids['birth']}" not in r.text
    r = clerk.get("/search", params={"q": "x", "date_from": "31/02/2020"})
    assert r.status_code == 400 and "không hợp lệ" in r.text


def test_record_page_masks_ids_for_clerks_and_is_audited(clerk, admin, web_data):
    rid = web_data.ids["ha"]
    r = clerk.get(f"/records/{rid}")
    assert r.status_code == 200
    assert "Giấy khai sinh" in r.text and "Nguyễn Thị Thu Hà" in r.text
    assert "036190614006" not in r.text and "0361******06" in r.text
    assert "scans/web/ha.pdf" in r.text and rid in r.text and "0.1.0" in r.text  # provenance
    assert f"/citizen?record={rid}&amp;role=subject" in r.text
    assert audit_rows(web_data, who="tiepnhan", action="view", record_id=rid)
    r = admin.get(f"/records/{rid}")
    assert "036190614006" in r.text  # admins see the whole number
    assert clerk.get("/records/" + "0" * 64).status_code == 404
    assert clerk.get("/records/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_citizen_view_by_id_and_from_a_record(clerk, web_data):
    r = clerk.get("/citizen", params={"id": "036 090 001 234"})
    assert r.status_code == 200
    for key in ("marriage", "decision"):
        assert f"/records/{web_data.ids[key]}" in r.text
    assert "Chồng" in r.text and "Khớp số định danh" in r.text
    assert audit_rows(web_data, who="tiepnhan", action="person", query="036090001234")
    r = clerk.get("/citizen", params={"record": web_data.ids["birth"], "role": "subject"})
    assert f"/records/{web_data.ids['birth']}" in r.text and "Phan Quang Tùng" in r.text
    assert audit_rows(web_data, who="tiepnhan", action="person", record_id=web_data.ids["birth"])
    r = clerk.get("/citizen", params={"name": "Phan Quang Tùng"})
    assert r.status_code == 400 and "ngày sinh" in r.text


def test_files_outside_the_data_dir_are_never_served(clerk, web_data, tmp_path):
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4 secret")
    link = web_data.root / "archive" / "link.pdf"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(outside)
    records = []
    for n, path in enumerate([str(outside), "../../" + str(outside), str(link), "/etc/passwd"]):
        rec = copy.deepcopy(CURATED["spare"])
        rec["id"] = f"{n:02d}" + "f" * 62
        rec["archive"] = {"pdfa_path": path}
        rec.update(needs_review=False, review_fields=[], problems=[])  # not for the review queue's screenshot
        records.append(rec)
    with Store.open(web_data.settings) as store:
        store.save_records(records)
    for rec in records:
        for url in (f"/records/{rec['id']}/pdf", f"/records/{rec['id']}/pages/1.jpg"):
            r = clerk.get(url)
            assert r.status_code == 404 and b"secret" not in r.content


# ---- review queue and corrections -----------------------------------------------------------------------


def test_review_queue_is_for_archivists(archivist, clerk, web_data):
    r = archivist.get("/review")
    assert r.status_code == 200 and "Hàng đợi kiểm tra" in r.text
    assert f"/review/{web_data.ids['thao']}" in r.text and f"/review/{web_data.ids['ha']}" not in r.text
    assert clerk.get("/review").status_code == 403
    assert clerk.get(f"/review/{web_data.ids['thao']}").status_code == 403


def test_a_wrong_correction_is_refused_and_nothing_is_stored(archivist, web_data):
    rid = web_data.ids["thao"]
    page = archivist.get(f"/review/{rid}")
    r = archivist.post(f"/review/{rid}", data={"field": "subject_dob", "value": "20/03/1990",
                                               "csrf_token": csrf_of(page.text)})
    assert r.status_code == 422 and "không khớp ngày sinh" in r.text
    r = archivist.post(f"/review/{rid}", data={"field": "source", "value": "x", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 422
    with Store.open(web_data.settings) as store:
        assert store.corrections(rid) == []


def test_correction_is_stored_reindexed_and_survives_reprocessing(archivist, clerk, web_data):
    rid = web_data.ids["hung"]
    assert f"/records/{rid}" not in clerk.get("/search", params={"q": "154/QĐ-UBND"}).text
    page = archivist.get(f"/review/{rid}")
    r = archivist.post(f"/review/{rid}", data={"field": "doc_number", "value": "154 / QĐ-UBND", "reason": "đối chiếu bản giấy",
                                               "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and "msg=saved" in r.headers["location"]
    with Store.open(web_data.settings) as store:
        (c,) = [c for c in store.corrections(rid) if c.field == "doc_number"]
        assert (c.who, c.old_value, c.new_value, c.reason) == ("luutru", "l54/QĐ-UBND", "154/QĐ-UBND", "đối chiếu bản giấy")
        assert c.at is not None
        # a reprocess stores a fresh extraction with the old misreading: the correction is re-applied
        store.save_record(copy.deepcopy(CURATED["hung"]))
        assert store.get_record(rid)["fields"]["doc_number"] == "154/QĐ-UBND"
    found = clerk.get("/search", params={"q": "154/QĐ-UBND"})
    assert f"/records/{rid}" in found.text
    record = clerk.get(f"/records/{rid}")
    assert "đã sửa" in record.text and "Lịch sử sửa đổi" in record.text


def test_marking_reviewed_leaves_the_queue_and_is_kept(archivist, web_data):
    rid = web_data.ids["spare"]
    page = archivist.get(f"/review/{rid}")
    r = archivist.post(f"/review/{rid}/done", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and "msg=reviewed" in r.headers["location"]
    assert f"/review/{rid}\"" not in archivist.get("/review").text
    with Store.open(web_data.settings) as store:
        assert store.get_record(rid)["needs_review"] is False
        assert [c.field for c in store.corrections(rid)] == ["needs_review"]


def test_forms_without_or_with_a_foreign_csrf_token_are_refused(archivist, admin, web_data):
    rid = web_data.ids["thao"]
    r = archivist.post(f"/review/{rid}", data={"field": "subject_name", "value": "X Y"})
    assert r.status_code == 403
    foreign = csrf_of(admin.get("/search").text)  # a valid token, of another session
    r = archivist.post(f"/review/{rid}", data={"field": "subject_name", "value": "X Y", "csrf_token": foreign})
    assert r.status_code == 403


# ---- batches ---------------------------------------------------------------------------------------------


def test_batch_folders_must_lie_under_the_allowed_roots(archivist, web_data, tmp_path):
    token = csrf_of(archivist.get("/batches").text)
    for folder in (str(tmp_path), "../../", "/etc", "khong-co-thu-muc-nay"):
        r = archivist.post("/batches/folder", data={"folder": folder, "csrf_token": token})
        assert r.status_code == 400, folder


def test_upload_cleans_names_rejects_other_files_and_launches(archivist, web_data, monkeypatch):
    launched = []
    state = archivist.app.state.sohoa
    monkeypatch.setattr(state.batches, "launch", lambda batch_id, paths, **kw: launched.append((batch_id, paths)))
    token = csrf_of(archivist.get("/batches").text)
    r = archivist.post("/batches/upload", data={"csrf_token": token},
                       files=[("files", ("ghi-chu.txt", b"hello", "text/plain"))])
    assert r.status_code == 400 and "chỉ nhận tệp" in r.text and not launched
    r = archivist.post("/batches/upload", data={"csrf_token": token},
                       files=[("files", ("../../khai sinh 01.png", b"\x89PNG\r\n\x1a\n", "image/png"))])
    assert r.status_code == 303 and len(launched) == 1
    folder = launched[0][1][0]
    assert folder.is_relative_to(web_data.root) and [p.name for p in folder.iterdir()] == ["khai sinh 01.png"]


# ---- accounts, audit, roles ------------------------------------------------------------------------------


def test_clerk_cannot_reach_admin_or_archivist_pages(clerk):
    for url in ("/admin/users", "/admin/audit", "/admin/audit.csv", "/batches", "/review"):
        r = clerk.get(url)
        assert r.status_code == 403, url
    assert "Không có quyền truy cập" in clerk.get("/admin/users").text
    nav = clerk.get("/search").text
    assert "/admin/users" not in nav and "/review" not in nav


def test_admin_manages_accounts_and_a_disabled_account_is_logged_out(admin, web_data):
    token = csrf_of(admin.get("/admin/users").text)
    r = admin.post("/admin/users", data={"username": "thuctap", "full_name": "Lý Thị Mỹ", "role": "clerk",
                                         "password": "ngan", "csrf_token": token})
    assert r.status_code == 400 and "ít nhất" in r.text
    r = admin.post("/admin/users", data={"username": "thuctap", "full_name": "Lý Thị Mỹ", "role": "clerk",
                                         "password": "mot-mat-khau-dai", "csrf_token": token})
    assert r.status_code == 303
    intern = web_data.client()
    login(intern, "thuctap", "mot-mat-khau-dai")
    assert intern.get("/search").status_code == 200
    with Store.open(web_data.settings) as store:
        from web.accounts import Accounts

        user = Accounts(store, web_data.settings).get_user("thuctap")
        assert user.password_hash.startswith("$argon2id$")
    r = admin.post(f"/admin/users/{user.id}", data={"action": "disable", "csrf_token": token})
    assert r.status_code == 303
    assert intern.get("/search").status_code == 303
    # the last active admin cannot lock themself out
    me = [u for u in admin.app.state.sohoa.accounts.list_users() if u.username == "quantri"][0]
    r = admin.post(f"/admin/users/{me.id}", data={"action": "role", "role": "clerk", "csrf_token": token})
    assert r.status_code == 400 and "quản trị viên" in r.text


def test_audit_log_page_and_csv_export(admin, clerk, web_data):
    clerk.get(f"/records/{web_data.ids['birth']}")
    r = admin.get("/admin/audit", params={"who": "tiepnhan", "action": "view"})
    assert r.status_code == 200 and "Xem hồ sơ" in r.text and web_data.ids["birth"][:12] in r.text
    csv = admin.get("/admin/audit.csv", params={"who": "tiepnhan"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "id,at,who,action,query,record_id,result_count,detail"
    assert f"tiepnhan,view,,{web_data.ids['birth']}" in text
    assert "nguyen thi thu ha" in text or "tiepnhan" in text


def test_security_headers(clerk):
    r = clerk.get("/search")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
    assert clerk.get("/static/style.css").headers.get("cache-control") != "no-store"


def test_passwords_are_rehashed_when_parameters_change(web_data):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("mat-khau-cu-1234")
    with Store.open(web_data.settings) as store:
        from web.accounts import Accounts

        accounts = Accounts(store, web_data.settings)
        user = accounts.add_user("rehash", "clerk", "mat-khau-cu-1234")
        with store.session() as s, s.begin():
            from store.users import User

            s.get(User, user.id).password_hash = weak
        assert accounts.authenticate("rehash", "mat-khau-cu-1234") is not None
        assert accounts.get_user("rehash").password_hash != weak
        assert accounts.authenticate("rehash", "wrong") is None
    assert hash_password("x") != hash_password("x")  # salted


# ---- JSON API --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tokens(web_data, clerk, archivist, admin):
    """One API token per role, made on the account page."""
    out = {}
    for role, client in (("clerk", clerk), ("archivist", archivist), ("admin", admin)):
        page = client.get("/account")
        r = client.post("/account/tokens", data={"label": f"test {role}", "csrf_token": csrf_of(page.text)})
        out[role] = re.search(r'id="new-token">([^<]+)<', r.text).group(1)
    return out


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_api_tokens_authenticate_and_are_hashed_at_rest(web_data, clerk, tokens):
    api = web_data.client()
    assert api.get("/api/me").status_code == 401
    assert api.get("/api/me", headers=bearer("sohoa_forged")).status_code == 401
    me = api.get("/api/me", headers=bearer(tokens["clerk"])).json()
    assert me == {"username": "tiepnhan", "full_name": "Nguyễn Thị Hoa", "role": "clerk"}
    with Store.open(web_data.settings) as store, store.session() as s:
        from sqlalchemy import select

        from store.users import ApiToken

        hashes = list(s.scalars(select(ApiToken.token_hash)))
    assert tokens["clerk"] not in hashes and all(len(h) == 64 for h in hashes)
    assert api.get("/search", headers=bearer(tokens["clerk"])).status_code == 303  # pages want a session


def test_api_search_record_citizen(web_data, tokens):
    api = web_data.client()
    res = api.get("/api/search", params={"q": "nguyen thi thu ha"}, headers=bearer(tokens["clerk"])).json()
    hit = next(h for h in res["hits"] if h["id"] == web_data.ids["ha"])
    assert hit["subject_id"] == "0361******06" and any("<mark>" in h for h in hit["highlights"])
    rec = api.get(f"/api/records/{web_data.ids['ha']}", headers=bearer(tokens["clerk"])).json()
    assert rec["fields"]["subject_name"] == "Nguyễn Thị Thu Hà" and rec["fields"]["subject_id"] == "0361******06"
    rec = api.get(f"/api/records/{web_data.ids['ha']}", headers=bearer(tokens["admin"])).json()
    assert rec["fields"]["subject_id"] == "036190614006"
    person = api.get("/api/citizen", params={"id": "036090001234"}, headers=bearer(tokens["clerk"])).json()
    assert {web_data.ids["marriage"], web_data.ids["decision"]} <= {h["id"] for h in person["hits"]}
    assert api.get("/api/citizen", headers=bearer(tokens["clerk"])).status_code == 400


def test_api_corrections_need_the_archivist_role_and_validate(web_data, tokens, clerk):
    api = web_data.client()
    rid = web_data.ids["hung"]
    body = {"field": "subject_name", "value": "Lê Văn Hùng"}
    assert api.post(f"/api/records/{rid}/corrections", json=body, headers=bearer(tokens["clerk"])).status_code == 403
    bad = api.post(f"/api/records/{rid}/corrections", json={"field": "subject_id", "value": "12345"},
                   headers=bearer(tokens["archivist"]))
    assert bad.status_code == 422 and "12345" in bad.text
    ok = api.post(f"/api/records/{rid}/corrections", json=body, headers=bearer(tokens["archivist"]))
    assert ok.status_code == 200 and ok.json() == {"record_id": rid, "field": "subject_name", "value": "Lê Văn Hùng",
                                                   "indexed": True}
    history = api.get(f"/api/records/{rid}/corrections", headers=bearer(tokens["clerk"])).json()
    assert {"field": "subject_name", "old_value": "Lê Văn Hủng", "new_value": "Lê Văn Hùng", "who": "luutru"}.items() \
        <= next(h for h in history if h["field"] == "subject_name").items()
    hits = api.get("/api/search", params={"q": "Lê Văn Hùng"}, headers=bearer(tokens["clerk"])).json()["hits"]
    assert next(h for h in hits if h["id"] == rid)["subject_name"] == "Lê Văn Hùng"
    queue = api.get("/api/review", headers=bearer(tokens["archivist"])).json()
    assert queue["total"] >= 1 and all(set(i) >= {"id", "doc_type"} for i in queue["items"])


def test_api_admin_endpoints_and_openapi(web_data, tokens):
    api = web_data.client()
    assert api.get("/api/users", headers=bearer(tokens["archivist"])).status_code == 403
    users = api.get("/api/users", headers=bearer(tokens["admin"])).json()
    assert {"quantri", "luutru", "tiepnhan"} <= {u["username"] for u in users}
    entries = api.get("/api/audit", params={"action": "view", "limit": 5}, headers=bearer(tokens["admin"])).json()
    assert entries and all(e["action"] == "view" for e in entries)
    spec = api.get("/api/openapi.json", headers=bearer(tokens["clerk"])).json()
    assert "/api/search" in spec["paths"] and "/api/citizen" in spec["paths"]
    assert not any(not p.startswith("/api/") for p in spec["paths"])  # pages stay out of the API description
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert api.get("/api/openapi.json").status_code == 401
    for url in ("/docs", "/redoc", "/openapi.json"):
        assert api.get(url).status_code == 404


def test_revoked_token_stops_working(web_data, clerk):
    page = clerk.get("/account")
    r = clerk.post("/account/tokens", data={"label": "tạm", "csrf_token": csrf_of(page.text)})
    token = re.search(r'id="new-token">([^<]+)<', r.text).group(1)
    api = web_data.client()
    assert api.get("/api/me", headers=bearer(token)).status_code == 200
    token_id = re.findall(r'/account/tokens/(\d+)/revoke', r.text)[0]  # newest first
    r = clerk.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(r.text)})
    assert r.status_code == 303
    assert api.get("/api/me", headers=bearer(token)).status_code == 401


# ---- the page ingested through the batch route (last: its ingest runs while the tests above do) ----


def test_page_images_pdf_and_field_regions_of_an_ingested_page(archivist, clerk, web_data):
    rid = web_data.ingested_id()
    r = clerk.get(f"/records/{rid}")
    assert f"/records/{rid}/pages/1.jpg" in r.text and "Mở bản lưu trữ PDF/A" in r.text
    jpeg = clerk.get(f"/records/{rid}/pages/1.jpg")
    assert jpeg.status_code == 200 and jpeg.content[:3] == b"\xff\xd8\xff" and jpeg.headers["content-type"] == "image/jpeg"
    pdf = clerk.get(f"/records/{rid}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert clerk.get(f"/records/{rid}/pages/9.jpg").status_code == 404
    page = archivist.get(f"/review/{rid}")
    regions = re.findall(rf'/records/{rid}/region/(\w+)\.png', page.text)
    assert "subject_name" in regions
    crop = archivist.get(f"/records/{rid}/region/subject_name.png")
    assert crop.status_code == 200 and crop.content[:4] == b"\x89PNG"


def test_batch_page_shows_progress_and_report(archivist, web_data):
    web_data.ingested_id()
    r = archivist.get(f"/batches/{web_data.batch_id}")
    assert r.status_code == 200 and "Báo cáo" in r.text and "Hoàn thành" in r.text
    progress = archivist.get(f"/batches/{web_data.batch_id}/progress").json()
    assert progress["finished"] and progress["total"] == 1 and progress["done"] == 1
    assert web_data.batch_id in archivist.get("/batches").text
